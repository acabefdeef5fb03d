"""The .align format and the strict/lax scores, on hand-made cases worked out by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duiyi.align.alignfile import format_bead, parse_align_line, read_align, write_align
from duiyi.align.evaluate import AlignScore
from duiyi.corpus.model import Bead
from duiyi.errors import FormatError


@pytest.mark.parametrize(
    ("line", "src", "tgt"),
    [
        ("[0,1]:[0]", (0, 1), (0,)),
        ("[5]:[]", (5,), ()),
        ("[]:[3]", (), (3,)),
        ("[2]:[2, 3]", (2,), (2, 3)),
    ],
)
def test_parse_align_line(line, src, tgt):
    bead = parse_align_line(line)
    assert (bead.src, bead.tgt) == (src, tgt)


@pytest.mark.parametrize(
    "line",
    # a score that is no number, ids not separated by commas (read as [1] and an internal
    # error before), an empty id
    [
        "0:0",
        "[a]:[1]",
        "[1][2]",
        "",
        "[0]:[0] 1.2.3",
        "[0 1]:[0]",
        "[1\t2]:[0]",
        "[1,,2]:[0]",
        "[0]:[0]\t1e999",
    ],  # fmt: skip
)
def test_parse_align_line_rejects_garbage(line):
    with pytest.raises(FormatError):
        parse_align_line(line, "x.align:1")


beads = st.lists(
    st.tuples(
        st.lists(st.integers(0, 50), max_size=4).map(tuple),
        st.lists(st.integers(0, 50), max_size=4).map(tuple),
    ),
    max_size=20,
)


@given(beads)
def test_align_file_round_trip(tmp_path_factory, items):
    path = tmp_path_factory.mktemp("a") / "x.align"
    written = [Bead(s, t, 0.5) for s, t in items]
    write_align(written, path)
    assert [(b.src, b.tgt) for b in read_align(path)] == items


def test_scores_are_written_only_when_asked(tmp_path):
    path = tmp_path / "x.align"
    write_align([Bead((0,), (1,), 0.25)], path, with_score=True)
    assert path.read_text() == "[0]:[1]\t0.2500\n"
    assert read_align(path)[0].score == 0.25
    assert format_bead(Bead((0, 1), ())) == "[0,1]:[]"


def test_perfect_alignment_scores_one():
    gold = [((0,), (0,)), ((1, 2), (1,)), ((3,), ())]
    score = AlignScore().add(gold, gold)
    assert score.strict() == (1.0, 1.0, 1.0)
    assert score.lax() == (1.0, 1.0, 1.0)


def test_strict_and_lax_by_hand():
    gold = [((0,), (0,)), ((1, 2), (1,)), ((3,), (2, 3)), ((4,), ())]
    system = [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), (2,)), ((), (3,)), ((4,), ())]
    score = AlignScore().add(gold, system)
    # precision over 6 system beads: strict hits [0]:[0] and [4]:[]; lax adds [1]:[1], [3]:[2]
    assert score.strict()[0] == pytest.approx(2 / 6)
    assert score.lax()[0] == pytest.approx(4 / 6)
    # recall over the 3 gold beads with both sides: strict [0]:[0]; lax all three overlap a
    # system link ([1]:[1] and [3]:[2])
    assert score.strict()[1] == pytest.approx(1 / 3)
    assert score.lax()[1] == pytest.approx(1.0)
    p, r = 2 / 6, 1 / 3
    assert score.strict()[2] == pytest.approx(2 * p * r / (p + r))


def test_counts_pool_over_documents():
    gold = [((0,), (0,)), ((1,), (1,))]
    score = AlignScore()
    score.add(gold, gold)
    score.add(gold, [((0, 1), (0, 1))])
    assert score.documents == 2
    assert score.strict()[0] == pytest.approx(2 / 3)
    assert score.strict()[1] == pytest.approx(2 / 4)


def test_empty_beads_are_dropped_and_nothing_divides_by_zero():
    score = AlignScore().add([((), ())], [((), ())])
    assert score.strict() == (0.0, 0.0, 0.0)


def _files(tmp_path, gold: str, system: str):
    (tmp_path / "gold.align").write_text(gold)
    (tmp_path / "system.align").write_text(system)
    return tmp_path / "gold.align", tmp_path / "system.align"


GOLD = "[0]:[0]\n[1,2]:[1]\n[3]:[]\n"


@pytest.mark.parametrize(
    ("system", "message"),
    [
        ("", "its last source sentence is none, the gold's 3"),  # an empty system file
        ("[0]:[0]\n[1,2]:[1]\n[3]:[]\n[4]:[2]\n", "its last source sentence is 4"),  # another doc
        ("[0]:[0]\n[1,2]:[1]\n[3]:[2]\n", "its last target sentence is 2, the gold's 1"),
        ("[0]:[0]\n[0,1,2]:[1]\n[3]:[]\n", "source sentence 0 is in more than one bead"),
    ],
)
def test_eval_align_refuses_files_of_other_sentences(cli, tmp_path, system, message):
    status, out, err = cli("eval-align", *_files(tmp_path, GOLD, system))
    assert status == 1 and out == ""
    assert message in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1


def test_eval_align_refuses_an_empty_gold(cli, tmp_path):
    status, out, err = cli("eval-align", *_files(tmp_path, "\n", ""))
    assert status == 1 and out == ""
    assert (
        err.strip()
        == f"duiyi: error: {tmp_path / 'gold.align'} is empty: a gold alignment holds at least one bead"
    )


def test_eval_align_a_file_against_itself_and_stdin(cli, tmp_path, monkeypatch):
    import io
    import json

    gold, _ = _files(tmp_path, GOLD, GOLD)
    status, out, err = cli("eval-align", gold, gold, "--format", "json")
    assert status == 0, err
    assert json.loads(out)["strict"]["f1"] == 1.0
    # `duiyi align --presplit` without -o writes .align to stdout: eval-align reads it as -
    monkeypatch.setattr(
        "sys.stdin", io.TextIOWrapper(io.BytesIO(b"[0]:[0]\r\n[1]:[1]\n[2]:[]\n[3]:[]\n"))
    )
    status, out, err = cli("eval-align", gold, "-", "--format", "json")
    assert status == 0, err
    assert json.loads(out)["strict"]["precision"] == 0.5


def test_eval_align_directories_name_the_unpaired_files_as_gold_and_system(cli, tmp_path):
    for folder, names in (("gold", ["001", "002"]), ("system", ["001", "003"])):
        (tmp_path / folder).mkdir()
        for name in names:
            (tmp_path / folder / f"{name}.align").write_text("[0]:[0]\n")
    status, _, err = cli("eval-align", tmp_path / "gold", tmp_path / "system")
    assert status == 1 and len(err.strip().splitlines()) == 1
    assert "no system alignment in" in err and "for: 002.align" in err
    assert "no gold alignment in" in err and "for: 003.align" in err
    assert "translation" not in err and "source" not in err


def test_eval_align_help_says_either_file_may_be_stdin(cli):
    status, out, _ = cli("eval-align", "--help")
    assert status == 0 and out.count("(- for stdin)") == 2
