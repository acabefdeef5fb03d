import pytest
from argos_fixture import *  # noqa: F403
from argos_fixture import seed_sentences

from duiyi.corpus.model import Document, Sentence
from duiyi.errors import ModelNotFound
from duiyi.translate.argos import ArgosTranslator, find_loop
from duiyi.translate.cache import TranslationCache
from duiyi.translate.drafts import translate_document, translate_sentences
from duiyi.translate.engine import Translator, choose_engine, load_engine
from duiyi.translate.gloss import GlossTranslator


@pytest.mark.parametrize(
    ("tokens", "loop"),
    [
        (["the", "war", "began", "in", "1939", "."], None),
        (["the", "the", "war"], None),
        (["a", "b", "the", "the", "the", "the"], (2, 1)),
        (["x", "of", "the", "war", "of", "the", "war", "of", "the", "war"], (1, 3)),
        (
            ["very", "very", "good", ",", "very", "very", "good"],
            None,
        ),  # twice is language, not a loop
        ([], None),
    ],
)
def test_find_loop(tokens, loop):
    assert find_loop(tokens) == loop


def test_argos_engine_translates_every_sentence_in_order(installed_model):
    sentences = seed_sentences()[:40]
    engine = ArgosTranslator.from_options(beam_size=2, batch_tokens=256)
    drafts = engine.translate_batch(sentences)
    assert len(drafts) == len(sentences) and all(drafts)
    # Batches are cut after sorting by length: the input order changes nothing.
    assert engine.translate_batch(sentences[::-1]) == drafts[::-1]
    assert engine.calls > 2  # 40 sentences at 256 padded tokens a batch: several batches
    assert engine.signature() == "mt:argos-zh_en-1.9"
    assert "beam:2" in engine.cache_signature() and "ct:int8" in engine.cache_signature()
    assert engine.engine_id == "argos:translate-zh_en-1_9"


def test_batches_are_sorted_by_length_and_bounded_in_tokens(installed_model):
    engine = ArgosTranslator.from_options(beam_size=1, batch_tokens=200)
    sentences = seed_sentences()[:60] + ["", "  "]
    lengths = [len(engine._sp.encode(s)) for s in sentences]
    seen, previous_max = [], 0
    for indices, drafts in engine.iter_batches(sentences):
        assert len(indices) == len(drafts)
        batch_lengths = [lengths[i] for i in indices]
        assert min(batch_lengths) >= previous_max or max(batch_lengths) == 0  # sorted
        previous_max = max(batch_lengths)
        if len(indices) > 1 and previous_max:
            assert len(indices) * previous_max <= 200  # padded batch within the budget
        seen += indices
    assert sorted(seen) == list(range(len(sentences)))


def test_decoding_length_is_capped_relative_to_the_source(installed_model):
    # Random weights never emit </s>: every draft runs to the cap, so the cap shows directly.
    sentence = seed_sentences()[3]
    long = ArgosTranslator.from_options(beam_size=1, length_ratio=2.0, length_slack=10)
    short = ArgosTranslator.from_options(beam_size=1, length_ratio=0.5, length_slack=2)
    src_len = len(long._sp.encode(sentence))
    [long_draft], [short_draft] = (
        long.translate_batch([sentence]),
        short.translate_batch([sentence]),
    )
    assert len(short._sp.encode(short_draft)) <= int(0.5 * src_len) + 2 + 2
    assert len(short_draft) < len(long_draft)


def test_repetition_loops_are_retried_and_flagged(installed_model):
    sentences = seed_sentences()[:30]
    plain = ArgosTranslator.from_options(beam_size=1, retry_repetitions=False)
    guarded = ArgosTranslator.from_options(beam_size=1)
    raw = plain.translate_drafts(sentences)
    fixed = guarded.translate_drafts(sentences)
    looping = [i for i, d in enumerate(raw) if "repetition" in d.flags]
    assert looping, "a random-weight model loops; the guard has something to catch"
    for i, (before, after) in enumerate(zip(raw, fixed, strict=True)):
        if i in looping:
            assert after.flags and after.flags[0] in ("repetition", "repetition-retried")
            assert after.text != before.text  # decoded again with a repetition penalty
        else:
            assert after.flags == [] and after.text == before.text


def test_a_second_run_is_served_from_the_cache(installed_model, tmp_path):
    sentences = seed_sentences()[:25] + seed_sentences()[:5]  # repeats are translated once
    cache = TranslationCache(tmp_path / "c.db")
    first = ArgosTranslator.from_options(beam_size=1)
    drafts = translate_sentences(first, sentences, cache)
    assert len(cache) == 25 and not any(d.cached for d in drafts)
    second = ArgosTranslator.from_options(beam_size=1)
    again = translate_sentences(second, sentences, cache)
    assert second.calls == 0
    assert [d.text for d in again] == [d.text for d in drafts] and all(d.cached for d in again)
    other_options = ArgosTranslator.from_options(beam_size=2)  # another decoding: no reuse
    translate_sentences(other_options, sentences[:3], cache)
    assert other_options.calls > 0 and len(cache) == 28


def test_documents_are_translated_a_window_at_a_time():
    class Counting(Translator):
        name = "count"

        def __init__(self):
            self.batches = []

        def translate_drafts(self, sentences):
            from duiyi.translate.engine import Draft

            self.batches.append(len(sentences))
            return [Draft(s.upper()) for s in sentences]

        def signature(self):
            return "mt:count"

    doc = Document(path="x", text="")
    doc.sentences = [Sentence(f"s{i}", 0, 0, normalized=f"s{i}") for i in range(35)]
    engine = Counting()
    stream = translate_document(doc, engine, cache=None, window=10)
    first = next(stream)
    assert first[1].text == "S0" and engine.batches == [10]  # nothing beyond the first window
    rest = list(stream)
    assert engine.batches == [10, 10, 10, 5] and len(rest) == 34


def test_auto_falls_back_to_glosses_without_a_model(packages_env):
    engine, notice = choose_engine("auto")
    assert isinstance(engine, GlossTranslator) and engine.origin == "gloss"
    assert "NOT machine translation" in notice and "duiyi models install" in notice
    with pytest.raises(ModelNotFound, match="duiyi models install"):
        load_engine("argos")
    with pytest.raises(ModelNotFound):
        choose_engine("auto", model="translate-zh_en-9_9")  # a named model never degrades


def test_auto_picks_the_installed_model(installed_model):
    engine, notice = choose_engine("auto", beam_size=1)
    assert isinstance(engine, ArgosTranslator) and notice is None


def test_gloss_engine_glosses_words_and_passes_names_and_numbers():
    engine = GlossTranslator()
    [draft] = engine.translate_batch(["美国总统在2024年访问了俄罗斯，Putin。"])
    assert draft == "United States president exist 2024 year visit Russia, Putin."
    assert "2024" in draft and "Russia" in draft and "Putin" in draft and draft.endswith(".")
    assert engine.translate_batch([""]) == [""]
    assert engine.signature() == "mt:gloss-cedict" and engine.origin == "gloss"


def test_a_target_prefix_is_forced_and_stripped(packages_env, tmp_path):
    from duiyi.testing.argos_model import ModelShape, build_package
    from duiyi.translate.packages import install_file

    package = build_package(
        tmp_path / "prefixed.argosmodel",
        seed_sentences(),
        shape=ModelShape(layers=1, d_model=32, heads=2, ffn=64, vocab_size=1500),
        extra_metadata={"target_prefix": "__en__"},
    )
    installed = install_file(package)
    assert installed.target_prefix == "__en__"
    engine = ArgosTranslator(installed, beam_size=1, retry_repetitions=False)

    class Recording:  # a window on what CTranslate2 is asked and answers
        def __init__(self, inner):
            self.inner, self.calls = inner, []

        def translate_batch(self, batch, **options):
            results = self.inner.translate_batch(batch, **options)
            self.calls.append((len(batch), options.get("target_prefix"), results))
            return results

    engine._ct2 = Recording(engine._ct2)
    drafts = engine.translate_batch(seed_sentences()[:5])
    [(n, prefix, results)] = engine._ct2.calls
    assert prefix == [["__en__"]] * n
    assert all(r.hypotheses[0][0] == "__en__" for r in results)  # forced …
    assert all(d and "__en__" not in d for d in drafts)  # … and stripped


def test_without_argostranslate_auto_glosses_and_models_say_how_to_install(
    cli, packages_env, monkeypatch
):
    import sys

    monkeypatch.setitem(sys.modules, "argostranslate", None)  # as if not installed
    engine, notice = choose_engine("auto")
    assert engine.origin == "gloss" and notice
    status, _, err = cli("models", "list")
    assert status == 1 and "pip install --no-deps" in err


def test_length_batches_keep_the_padded_size_and_the_row_cap():
    from duiyi.translate.engine import length_batches

    lengths = [3, 3, 4, 10, 50, 2]
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])  # 5, 0, 1, 2, 3, 4
    batches = list(length_batches(order, lengths, batch_tokens=12))
    assert [i for b in batches for i in b] == order  # every index once, in order
    assert all(len(b) * lengths[b[-1]] <= 12 for b in batches if len(b) > 1)
    assert batches[-1] == [4]  # longer than the budget: alone
    assert max(map(len, length_batches(order, [1] * 6, 100, max_rows=2))) == 2
