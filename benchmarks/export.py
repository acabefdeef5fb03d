"""TMX export and import speed and peak memory: duiyi vs translate-toolkit, side by side.

Every measurement runs in its own subprocess, which reports its wall time, CPU time and
peak resident memory (`resource.getrusage(RUSAGE_SELF).ru_maxrss`). duiyi writes and reads
1,000,000 synthetic pairs and 100,000 (two sizes: peak memory must not grow with the count),
and imports them into a corpus store (`duiyi import`: reading plus SQLite, no peer);
translate-toolkit (`translate.storage.tmx`, which builds the whole tree in memory) writes
100,000 of the same pairs and reads the same file duiyi reads. Both also read the other's
file (translate-toolkit's TMX has no props and no tuid, so duiyi's fast path for its own
units does not apply to it). Ratios compare per-pair rates at the same size, on CPU time
(stable on a shared machine) and on wall time.

    python benchmarks/export.py                      # 1,000,000 / 100,000 pairs
    python benchmarks/export.py --pairs 200000 --small 50000   # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ZH = [
    "今天天气很好，我们去公园散步吧。",
    "他说：“这本书很有意思！”",
    "价格是3.5元，包括税&运费。",
    "北京是中国的首都，也是文化中心。",
    "研究人员发现了一种新的<蛋白质>。",
    "繁體中文與簡體中文的轉換並不總是一一對應。",
    "表情符号😀和罕见字𠀀也要保留。",
    "会议将于下周三上午十点举行。",
]
EN = [
    "The weather is nice today, let's take a walk in the park.",
    'He said: "This book is very interesting!"',
    "The price is 3.5 yuan, including tax & shipping.",
    "Beijing is the capital of China and also its cultural centre.",
    "Researchers have discovered a new <protein>.",
    "Converting Traditional to Simplified Chinese is not always one-to-one.",
    "Emoji 😀 and rare characters 𠀀 must be kept too.",
    "The meeting will be held at ten next Wednesday morning.",
]


def synthetic_pairs(n: int):
    """The same `n` pairs for every tool: varied text, XML specials, scores, documents."""
    from duiyi.corpus.model import Pair

    for i in range(n):
        k = i % len(ZH)
        yield Pair(
            src=f"{ZH[k]}（第{i}句）",
            tgt=f"{EN[k]} (sentence {i})",
            score=(i % 997) / 997,
            bead="1-1",
            origin="aligned",
            document=f"doc{i // 5000}.txt",
        )


# --- workers (each runs in a fresh subprocess) ---------------------------------------------


def duiyi_write(n: int, path: str) -> int:
    from duiyi.export import write_pairs

    return write_pairs(synthetic_pairs(n), path, signature="bench|duiyi:0.1.0")


def duiyi_read(n: int, path: str) -> int:
    from duiyi.export.tmx import TmxReader

    count = 0
    for pair in TmxReader(path):
        count += bool(pair.src and pair.tgt)
    return count


def duiyi_store(n: int, path: str) -> int:
    """`duiyi import`: read the TMX and insert every pair into a new corpus store."""
    from duiyi.corpus.store import Store
    from duiyi.export.tmx import TmxReader

    with Store.open(path + ".db") as store:
        added = store.add_pairs(TmxReader(path), source=path, checksum="bench")
    for suffix in (".db", ".db-wal", ".db-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    return sum(added.values())


def tt_write(n: int, path: str) -> int:
    from translate.storage import tmx

    store = tmx.tmxfile(sourcelanguage="zh-CN", targetlanguage="en-US")
    for pair in synthetic_pairs(n):
        unit = store.addsourceunit(pair.src)
        unit.target = pair.tgt
    with open(path, "wb") as out:
        store.serialize(out)
    return len(store.units)


def tt_read(n: int, path: str) -> int:
    from translate.storage import tmx

    store = tmx.tmxfile.parsefile(path)
    return sum(bool(unit.source and unit.target) for unit in store.units)


def idle(n: int, path: str) -> int:
    """Imports and nothing else: the interpreter's own footprint."""
    import translate.storage.tmx  # noqa: F401

    import duiyi.export.tmx  # noqa: F401

    return 0


WORKERS = {f.__name__: f for f in (duiyi_write, duiyi_read, duiyi_store, tt_write, tt_read, idle)}


def worker(name: str, n: int, path: str) -> None:
    # Imports are not timed: at 100,000 pairs they would still be a few per cent.
    if name.startswith("duiyi"):
        import duiyi.corpus.store
        import duiyi.export.tmx  # noqa: F401
    elif name.startswith("tt"):
        import translate.storage.tmx  # noqa: F401
    wall, cpu = time.perf_counter(), time.process_time()
    count = WORKERS[name](n, path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"count": count, "wall": wall, "cpu": cpu, "peak_mb": peak_mb}))


def measure(name: str, n: int, path: str, file: str = "") -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--worker", name, str(n), path],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"{name} failed:\n{result.stderr[-2000:]}")
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    if name != "idle" and stats["count"] != n:
        sys.exit(f"{name}: expected {n} pairs, got {stats['count']}")
    stats.update(name=name, pairs=n, file=file)
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000, help="duiyi's large size")
    parser.add_argument("--small", type=int, default=100_000, help="second size (and tt's)")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), args.worker[2])
        return

    n = args.small
    with tempfile.TemporaryDirectory(prefix="duiyi-bench-") as tmp:
        tmp = Path(tmp)
        rows = [measure("idle", 0, os.devnull)]
        ours, theirs = str(tmp / "duiyi.tmx"), str(tmp / "tt.tmx")
        rows.append(measure("duiyi_write", n, ours, "duiyi"))
        rows.append(measure("tt_write", n, theirs, "tt"))
        for name, path, file in (
            ("duiyi_read", ours, "duiyi"),
            ("tt_read", ours, "duiyi"),
            ("duiyi_read", theirs, "tt"),
            ("tt_read", theirs, "tt"),
            ("duiyi_store", ours, "duiyi"),
        ):
            rows.append(measure(name, n, path, file))
        big = str(tmp / f"duiyi-{args.pairs}.tmx")
        for name in ("duiyi_write", "duiyi_read", "duiyi_store"):
            rows.append(measure(name, args.pairs, big, "duiyi"))

    by = {(r["name"], r["pairs"], r["file"]): r for r in rows}
    print(f"TMX export/import, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(
        f"{'tool':<18} {'op':<7} {'file':<6} {'pairs':>9} {'wall s':>7} {'pairs/s':>9} "
        f"{'pairs/CPU-s':>11} {'peak MB':>8}"
    )
    for r in rows:
        tool, _, op = r["name"].partition("_")
        tool = {"duiyi": "duiyi", "tt": "translate-toolkit", "idle": "(imports only)"}[tool]
        op = {"store": "→store"}.get(op, op)
        rate = r["pairs"] / r["wall"] if r["pairs"] else 0
        cpu_rate = r["pairs"] / r["cpu"] if r["pairs"] else 0
        print(
            f"{tool:<18} {op or '-':<7} {r['file'] or '-':<6} {r['pairs']:>9,} {r['wall']:>7.2f} "
            f"{rate:>9,.0f} {cpu_rate:>11,.0f} {r['peak_mb']:>8.1f}"
        )

    def seconds(name: str, clock: str, file: str = "duiyi", pairs: int = n) -> float:
        return by[(name, pairs, file)][clock]

    print(f"\nratios at {n:,} pairs (translate-toolkit time / duiyi time for the same pairs):")
    ratios = {}
    for clock in ("cpu", "wall"):
        w = seconds("tt_write", clock, "tt") / seconds("duiyi_write", clock)
        r = seconds("tt_read", clock) / seconds("duiyi_read", clock)
        r_tt = seconds("tt_read", clock, "tt") / seconds("duiyi_read", clock, "tt")
        both = (seconds("tt_write", clock, "tt") + seconds("tt_read", clock)) / (
            seconds("duiyi_write", clock) + seconds("duiyi_read", clock)
        )
        ratios[clock] = (w, r, both)
        print(
            f"  {clock:<4}  export {w:.1f}x  import {r:.1f}x  export+import {both:.1f}x"
            f"  (import of translate-toolkit's file: {r_tt:.1f}x)"
        )

    def growth(name: str) -> float:
        return by[(name, args.pairs, "duiyi")]["peak_mb"] - by[(name, n, "duiyi")]["peak_mb"]

    print(
        f"duiyi peak memory: {args.pairs // n}x the pairs adds {growth('duiyi_write'):+.1f} MB "
        f"writing, {growth('duiyi_read'):+.1f} MB reading, {growth('duiyi_store'):+.1f} MB "
        "importing into a store"
    )
    peak = max(
        by[(k, args.pairs, "duiyi")]["peak_mb"]
        for k in ("duiyi_write", "duiyi_read", "duiyi_store")
    )
    w, r, both = ratios["cpu"]

    def wall_rate(name: str) -> float:
        return args.pairs / seconds(name, "wall", pairs=args.pairs)

    print(
        f"RESULT export_pairs_per_s={wall_rate('duiyi_write'):.0f} "
        f"import_pairs_per_s={wall_rate('duiyi_read'):.0f} "
        f"vs_translate_toolkit={both:.1f} peak_mb={peak:.0f} export_x={w:.1f} import_x={r:.1f}"
    )


if __name__ == "__main__":
    main()
