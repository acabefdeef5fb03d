"""Machine translation quality and speed on WMT21 zh→en (newstest2021, ../shared/eval/mt).

For each installed engine (every LLM model, the Argos model if one is installed, and the
CC-CEDICT gloss fallback): BLEU and chrF (sacrebleu, against reference A), the share of
drafts with Chinese left, sentences/s and peak memory, on the first --limit sentences (100 by
default: the 1.5B model decodes about 0.4 sentences/s on two shared cores, so the whole
1,948-sentence set takes well over an hour here). Published WMT22 zh→en BLEU (Mozilla's
evaluation) is printed beside it; those are a different test set, for scale only.

Then, for the first LLM model (--model), on the first --speed-limit sentences:
  (a) duiyi's engine (static prompt cached, length-sorted token batches, clean-up, retry, QE);
  (b) raw `ctranslate2.Generator.generate_batch` on the same full prompts, all at once
      (max_batch_size 32: CTranslate2 sorts and cuts them itself), no clean-up, no QE;
  (c) the same model decoded one sentence at a time, as a naive integration does;
  (d) duiyi's engine without `static_prompt`, to measure what caching the prompt buys;
  (e) duiyi's engine with --context 2, for its effect on BLEU/chrF;
  (f) duiyi's engine with `english_only=False` (Chinese tokens not suppressed: drafts that keep
      Chinese are retried with the strict prompt instead), as before that ban.
The main model's quality is also measured without the ban (the "mixed" row).
Ratios compare CPU time (the machine is shared; wall time is printed too). Each run is a
separate process (its peak memory is its own; model loading is not timed).
Glossary adherence: a small news termbase (GLOSSARY below: places, people, policy terms of
these articles, as a translator's termbase would hold them) on the sentences that contain a
term, with and without --glossary. QE: Spearman ρ between duiyi's score and sentence chrF.

    .venv/bin/python benchmarks/mt.py [--limit 100] [--speed-limit 24] [--eval ../shared/eval]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PUBLISHED = "Argos 15.9, OPUS-MT 16.8, NLLB-600M 17.0, Firefox/Bergamot 25.2 (WMT22 zh→en BLEU)"
GLOSSARY = {
    "乡村振兴": "rural revitalization",
    "农民工": "migrant workers",
    "新华社": "Xinhua News Agency",
    "脱贫攻坚": "poverty alleviation",
    "四川": "Sichuan",
    "野生动物": "wildlife",
    "自然保护区": "nature reserve",
    "黑龙江": "Heilongjiang",
    "农业现代化": "agricultural modernization",
    "巢湖": "Chaohu Lake",
    "合肥": "Hefei",
    "张继科": "Zhang Jike",
    "林丹": "Lin Dan",
    "傅昆宝": "Fu Kunbao",
    "友谊农场": "Youyi Farm",
    "孔令强": "Kong Lingqiang",
    "胡巧立": "Hu Qiaoli",
    "蒋口河": "Jiangkou River",
    "卫星导航": "satellite navigation",
    "安置点": "resettlement site",
    "周燕": "Zhou Yan",
    "王礼稳": "Wang Liwen",
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- one measured run, in its own process ---------------------------------------------------


def _full_prompts(engine, sources):
    from duiyi.translate.prompt import system_prompt

    return [engine.encode(system_prompt() + engine.prompt(s)) for s in sources]


def _raw_options(engine, prompts):
    return {
        "sampling_topk": 1,
        "max_length": 256,
        "end_token": ["<|im_end|>", "<|endoftext|>"],
        "include_prompt_in_result": False,
    }


def worker(job: dict) -> dict:
    """Run one job: {"kind", "model", "sources", "threads", ...}; drafts and measurements."""
    kind, sources = job["kind"], job["sources"]
    out: dict = {"kind": kind}
    if kind == "gloss":
        from duiyi.translate.gloss import GlossTranslator

        engine = GlossTranslator()
        start, cpu = time.perf_counter(), _cpu()
        out["drafts"] = [d.text for d in engine.translate_drafts(sources)]
    elif kind == "argos":
        from duiyi.translate.argos import ArgosTranslator

        engine = ArgosTranslator.from_options(threads=job["threads"], device="cpu")
        start, cpu = time.perf_counter(), _cpu()
        out["drafts"] = [d.text for d in engine.translate_drafts(sources)]
    else:
        from duiyi.translate.glossary import Glossary
        from duiyi.translate.llm import LLMTranslator
        from duiyi.translate.llm_models import find_installed
        from duiyi.translate.prompt import clean, with_context

        model = find_installed(job["model"])
        engine = LLMTranslator(
            model,
            threads=job["threads"],
            device="cpu",
            static_prompt=job.get("static", True),
            glossary=Glossary(GLOSSARY) if job.get("glossary") else None,
            context=job.get("context", 0),
            retry=job.get("retry", True),
            quality=job.get("quality", True),
            english_only=job.get("english_only", True),
        )
        if engine.quality:
            engine._quality(["你好。"], ["Hello."], [0.9], [[]])  # load e5 before timing
        items = sources
        if job.get("context"):
            n = job["context"]
            items = [with_context(s, sources[max(0, i - n) : i]) for i, s in enumerate(sources)]
        if kind in ("raw", "one"):
            prompts = _full_prompts(engine, sources)
            options = _raw_options(engine, prompts)
            gen, tok = engine.generator, engine.tokenizer
            start, cpu = time.perf_counter(), _cpu()
            if kind == "raw":
                results = gen.generate_batch(prompts, max_batch_size=32, **options)
            else:
                results = [gen.generate_batch([p], **options)[0] for p in prompts]
            answers = [tok.decode(r.sequences_ids[0]) for r in results]
            out["drafts"] = [clean(a, s) for a, s in zip(answers, sources, strict=True)]
        else:
            start, cpu = time.perf_counter(), _cpu()
            drafts = engine.translate_drafts(items)
            out["drafts"] = [d.text for d in drafts]
            out["scores"] = [d.score for d in drafts]
            out["flags"] = [d.flags for d in drafts]
            out["calls"] = engine.calls
    out["wall_s"] = time.perf_counter() - start
    out["cpu_s"] = _cpu() - cpu
    out["peak_mb"] = _peak_mb()
    return out


def run_job(job: dict) -> dict:
    """The job in a child process (its own peak memory), result as JSON on stdout."""
    done = subprocess.run(
        [sys.executable, __file__, "--worker"],
        input=json.dumps(job, ensure_ascii=False),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{job['kind']} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- scoring --------------------------------------------------------------------------------


def spearman(a, b) -> float:
    import numpy as np

    def ranks(x):
        x = np.asarray(x, dtype=float)
        order = x.argsort(kind="mergesort")
        r = np.empty(len(x))
        r[order] = np.arange(len(x))
        for value in np.unique(x):  # average ranks for ties
            tie = x == value
            r[tie] = r[tie].mean()
        return r

    ra, rb = ranks(a), ranks(b)
    return float(np.corrcoef(ra, rb)[0, 1])


def quality(drafts, refs) -> dict:
    import sacrebleu

    from duiyi.translate.prompt import CJK

    return {
        "bleu": sacrebleu.corpus_bleu(drafts, [refs]).score,
        "chrf": sacrebleu.corpus_chrf(drafts, [refs]).score,
        "cjk_left": sum(bool(CJK.search(d)) for d in drafts) / max(1, len(drafts)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval"))
    parser.add_argument("--limit", type=int, default=100, help="WMT21 sentences for quality")
    parser.add_argument("--speed-limit", type=int, default=24, help="sentences for (a)-(e)")
    parser.add_argument("--model", help="LLM model for the speed runs (default: the preferred)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip", default="", help="comma list of runs to skip: one,nostatic,…")
    parser.add_argument(
        "--engines", help="comma list of engines for the quality table (default all)"
    )
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(sys.stdin.read())), ensure_ascii=False))
        return

    from duiyi.translate.llm_models import find_installed, list_installed
    from duiyi.translate.packages import find_installed as find_argos

    wmt = Path(args.eval) / "mt" / "wmt21"
    sources = (wmt / "newstest2021.zh-en.src.zh").read_text().splitlines()[: args.limit]
    refs = (wmt / "newstest2021.zh-en.ref.A.en").read_text().splitlines()[: args.limit]
    skip = set(args.skip.split(","))
    print(f"WMT21 zh→en newstest2021, first {len(sources)} sentences; threads {args.threads}")
    print(f"published for scale: {PUBLISHED}\n")
    print(f"{'engine':28} {'BLEU':>5} {'chrF':>5} {'zh left':>7} {'sent/s':>6} {'peak MB':>7}")
    engines = [("llm", m.name) for m in list_installed()]
    try:
        if find_argos("zh", "en"):
            engines.append(("argos", "argos"))
    except Exception:  # argostranslate missing: no Argos engine
        pass
    engines.append(("gloss", "gloss"))
    if args.engines:
        engines = [e for e in engines if e[1] in args.engines.split(",")]
    main_model = args.model or (find_installed().name if find_installed() else None)
    if main_model and any(name == main_model for _, name in engines) and "mixed" not in skip:
        engines.append(("llm", main_model, {"english_only": False}, "mixed"))
    results = {}
    for kind, name, *variant in engines:
        extra, label = variant or ({}, name)
        job = {"kind": kind, "model": name, "sources": sources, "threads": args.threads} | extra
        r = run_job(job)
        q = quality(r["drafts"], refs)
        results[label] = r | q
        rate = len(sources) / r["wall_s"]
        print(
            f"{kind + ':' + label:28} {q['bleu']:5.1f} {q['chrf']:5.1f} {q['cjk_left']:7.1%} "
            f"{rate:6.2f} {r['peak_mb']:7.0f}",
            flush=True,
        )
    if main_model is None:
        print("no LLM model installed: `duiyi models install qwen2.5-coder-1.5b`")
        return
    import sacrebleu

    rho = adh_with = adh_without = float("nan")
    if main_model in results:  # QE and glossary need the main model's drafts
        main = results[main_model]
        chrfs = [
            sacrebleu.sentence_chrf(d, [r]).score for d, r in zip(main["drafts"], refs, strict=True)
        ]
        rho = spearman(main["scores"], chrfs)
        flagged = sum(bool(f) for f in main["flags"])
        print(f"\nQE: Spearman ρ(score, sentence chrF) = {rho:.3f} over {len(chrfs)} drafts "
              f"({flagged} flagged: {sorted({x for f in main['flags'] for x in f})})")  # fmt: skip

        # glossary adherence on the sentences holding a term
        from duiyi.translate.glossary import Glossary, adherence

        glossary = Glossary(GLOSSARY)
        with_terms = [i for i, s in enumerate(sources) if glossary.terms_in(s)]
        kept_without = [adherence(glossary, sources[i], main["drafts"][i]) for i in with_terms]
        job = {"kind": "llm", "model": main_model, "threads": args.threads, "glossary": True,
               "sources": [sources[i] for i in with_terms]}  # fmt: skip
        g = run_job(job)
        kept_with = [
            adherence(glossary, sources[i], d) for i, d in zip(with_terms, g["drafts"], strict=True)
        ]
        hits = sum(h for h, _ in kept_without)
        adh_without = sum(k for _, k in kept_without) / max(1, hits)
        adh_with = sum(k for _, k in kept_with) / max(1, hits)
        print(f"glossary ({len(GLOSSARY)} terms): {len(with_terms)} sentences, {hits} term hits; "
              f"adherence {adh_without:.0%} without --glossary, {adh_with:.0%} with")  # fmt: skip

    # speed: (a)-(e) on the first --speed-limit sentences
    n = min(args.speed_limit, len(sources))
    speed_src, speed_ref = sources[:n], refs[:n]
    print(f"\nspeed on the first {n} sentences, {main_model}, {args.threads} threads:")
    runs = {"duiyi": {"kind": "llm"}, "raw": {"kind": "raw"}, "one": {"kind": "one"},
            "nostatic": {"kind": "llm", "static": False}, "context": {"kind": "llm", "context": 2},
            "bare": {"kind": "llm", "retry": False, "quality": False},
            "mixed": {"kind": "llm", "english_only": False}}  # fmt: skip
    timed = {}
    for label, extra in runs.items():
        if label in skip:
            continue
        job = {"model": main_model, "sources": speed_src, "threads": args.threads} | extra
        r = run_job(job)
        q = quality(r["drafts"], speed_ref)
        timed[label] = r
        print(f"  {label:9} cpu {r['cpu_s']:7.1f} s  wall {r['wall_s']:7.1f} s  "
              f"{n / r['wall_s']:5.2f} sent/s  BLEU {q['bleu']:5.1f} chrF {q['chrf']:5.1f}  "
              f"peak {r['peak_mb']:.0f} MB", flush=True)  # fmt: skip

    def ratio(a, b):
        if a in timed and b in timed:
            return timed[b]["cpu_s"] / timed[a]["cpu_s"]
        return float("nan")

    vs_raw, vs_one = ratio("duiyi", "raw"), ratio("duiyi", "one")
    bare_vs_raw, mixed_vs_raw = ratio("bare", "raw"), ratio("mixed", "raw")
    static_gain = ratio("duiyi", "nostatic")
    print(f"  CPU-time ratios: vs raw generate_batch {vs_raw:.2f}x (goal ≥ 0.9), "
          f"vs one by one {vs_one:.2f}x (goal ≥ 3), static_prompt saves "
          f"{static_gain:.2f}x; without retries and QE (bare) vs raw {bare_vs_raw:.2f}x; "
          f"without the Chinese-token ban (mixed) vs raw {mixed_vs_raw:.2f}x")  # fmt: skip
    nan = float("nan")
    none = {"bleu": nan, "chrf": nan, "cjk_left": nan, "wall_s": nan}
    best, mixed = results.get(main_model) or none, results.get("mixed") or none
    print(
        f"RESULT bleu={best['bleu']:.1f} chrf={best['chrf']:.1f} cjk_left={best['cjk_left']:.3f} "
        f"sents_per_s={len(sources) / best['wall_s']:.2f} vs_raw_ct2={vs_raw:.2f} "
        f"vs_one_by_one={vs_one:.2f} static_prompt={static_gain:.2f} qe_spearman={rho:.3f} "
        f"glossary_adherence={adh_with:.2f} no_glossary_adherence={adh_without:.2f} "
        f"mixed_bleu={mixed['bleu']:.1f} mixed_chrf={mixed['chrf']:.1f} "
        f"mixed_cjk_left={mixed['cjk_left']:.3f} mixed_vs_raw_ct2={mixed_vs_raw:.2f}"
    )


if __name__ == "__main__":
    main()
