"""Review page speed with 50,000 pairs: keyset pages vs LIMIT/OFFSET and vs no pagination;
the queue across documents, search and bulk approve at corpus scale (50,000 and 500,000 pairs).

Builds a store with one document of 50,000 synthetic zh-en pairs (one document is the hard
case: every page sorts and filters within it), then times:

- the first page (worst confidence first, 50 pairs) through the ASGI app (httpx transport,
  the whole request: Host/CSRF guard, store query, Jinja render), cold and warm;
- the same page in headless chromium through the real server: navigation start to the load
  event (Performance Navigation Timing), if chromium and playwright are there;
- the last page, reached by keyset (the cursor the "next page" links carry) and, the named
  peer, by LIMIT/OFFSET (what a paginator that counts rows does): same query otherwise, same
  template, rendered in-process;
- the naive peer: the whole document on one page, no pagination at all.

Then, for each `--corpus` size, a store of that many pairs in documents of 1,000 (built with
one bulk insert per document, search index included), and whole ASGI requests for:

- the queue's first page across all documents (worst first), plain and filtered;
- the home page (every document's progress, pairs below 0.5 and mean, sorted);
- searches: a rare Chinese substring (one match), a common one (a fifth of the pairs), an
  English one, through the FTS5 trigram index; the named peer is the same search by a LIKE
  scan (what runs where SQLite has no FTS5), and a two-character search (always a scan);
- a bulk approve of 10,000 pairs (one change, one transaction) and its undo; the named peer is
  approving pairs one request at a time (timed on 200, scaled to 10,000).

    python benchmarks/review.py                 # 50,000 pairs; corpus of 50,000
    python benchmarks/review.py --corpus 50000,500000 --no-browser
    python benchmarks/review.py --pairs 10000 --no-browser --corpus 20000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from duiyi.corpus.model import Bead, Document, Sentence  # noqa: E402
from duiyi.corpus.store import BeadFilter, Store, search  # noqa: E402
from duiyi.review.app import create_app  # noqa: E402
from duiyi.review.filters import Filters  # noqa: E402
from duiyi.review.security import allowed_hosts  # noqa: E402
from duiyi.review.views import load_page, render_pairs_page  # noqa: E402

ZH = [
    "今天天气很好，我们去公园散步吧。",
    "他说：“这本书很有意思！”",
    "北京是中国的首都，也是文化中心。",
    "會議將於下週三上午十點舉行。",
    "研究人员发现了一种新的<蛋白质>。",
]
EN = [
    "The weather is nice today, let's take a walk in the park.",
    'He said: "This book is very interesting!"',
    "Beijing is the capital of China and also its cultural centre.",
    "The meeting will be held at ten next Wednesday morning.",
    "Researchers have discovered a new <protein>.",
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def build_store(path: Path, n: int) -> int:
    text, sentences, tgt = "", [], []
    for i in range(n):
        k = i % len(ZH)
        src = f"{ZH[k]}（第{i}句）"
        sentences.append(Sentence(src, len(text), len(text) + len(src), normalized=src))
        text += src
        tgt.append(f"{EN[k]} (sentence {i})")
    doc = Document(path="bench/50k.txt", text=text, sentences=sentences)
    beads = [Bead((i,), (), (i * 7919 % 10007) / 10007) for i in range(n)]
    with Store.open(path) as store:
        doc_id = store.add_alignment(doc, beads, tgt, origin="mt", engine="bench")
        # Some review state, so status/origin filters have something to find.
        for bead in store.list_beads(doc_id, sort="position", limit=300).beads[::3]:
            store.update_bead(bead.id, expected_version=bead.version, status="approved")
    return doc_id


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(first call ms, median of the next `repeat` calls ms, the last result)."""
    start = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - start) * 1000
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - start) * 1000)
    return first, statistics.median(runs) if runs else first, result


def asgi_times(store: Store, doc_id: int, repeat: int) -> dict[str, tuple[float, float, int]]:
    """Whole requests through the app: {name: (cold ms, warm median ms, bytes)}."""
    import httpx

    app = create_app(store, hosts=allowed_hosts("127.0.0.1", 8000), reviewer="bench")
    urls = {
        "first page": f"/documents/{doc_id}",
        "first page, filtered": f"/documents/{doc_id}?status=pending&origin=mt&min=0.2&max=0.6",
        "documents list": "/",
    }

    async def run() -> dict[str, tuple[float, float, int]]:
        out = {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            for name, url in urls.items():
                times, size = [], 0
                for _ in range(repeat + 1):
                    start = time.perf_counter()
                    answer = await c.get(url)
                    times.append((time.perf_counter() - start) * 1000)
                    assert answer.status_code == 200, (url, answer.status_code)
                    size = len(answer.content)
                out[name] = (times[0], statistics.median(times[1:]), size)
        return out

    return asyncio.run(run())


def render_times(store: Store, doc_id: int, n: int, repeat: int) -> dict[str, tuple[float, float]]:
    """Store query + template, in-process: keyset vs OFFSET at the last page, and no paging."""
    app = create_app(store, hosts=["127.0.0.1:8000"])
    review = app.state.review
    doc = store.get_document(doc_id)
    last_start = (n - 1) // 50 * 50
    # The cursor a reviewer's "next page" link carries onto the last page.
    cursor = store.list_beads(doc_id, sort="score", limit=50, offset=last_start - 50).next_cursor
    keyset = Filters(cursor=cursor, at=last_start)

    def page(filters: Filters, offset: int | None = None) -> str:
        filters = replace(filters, doc=doc_id)
        return render_pairs_page(review, doc, filters, load_page(store, filters, offset))

    out = {}
    for name, fn in (
        ("first page (keyset)", lambda: page(Filters())),
        ("last page, keyset", lambda: page(keyset)),
        ("last page, LIMIT/OFFSET", lambda: page(Filters(at=last_start), offset=last_start)),
    ):
        first, median, _ = timed(fn, repeat)
        out[name] = (first, median)
    here = Filters(doc=doc_id)
    same = [b.id for b in load_page(store, replace(keyset, doc=doc_id)).beads]
    assert same == [b.id for b in load_page(store, here, last_start).beads]
    first, _, html = timed(lambda: page(Filters(limit=n)), 0)
    out["whole document, no paging"] = (first, first)
    out["_full_mb"] = (len(html.encode()) / 1e6, 0)
    return out


def browser_times(store: Store, doc_id: int, repeat: int) -> tuple[float, float] | None:
    """Headless chromium, real server: navigation start → load event (cold, warm median)."""
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not chromium:
        return None
    from duiyi.review.server import make_server, serve_in_thread

    with serve_in_thread(make_server(store)) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            times = []
            for _ in range(repeat + 1):
                page.goto(f"{server.url}documents/{doc_id}", wait_until="load")
                times.append(
                    page.evaluate(
                        "() => { const n = performance.getEntriesByType('navigation')[0];"
                        " return n.loadEventEnd - n.startTime; }"
                    )
                )
                assert page.locator("article.pair").count() == 50
        finally:
            browser.close()
    return times[0], statistics.median(times[1:])


TOKEN = "bench-token"
HOST = "127.0.0.1:8000"


def build_corpus(path: Path, n: int, per_doc: int = 1000) -> None:
    """`n` synthetic pairs in documents of `per_doc`, one bulk insert (transaction) each."""
    with Store.open(path) as store:
        for d, start in enumerate(range(0, n, per_doc)):
            text, sentences, tgt = "", [], []
            for i in range(start, min(start + per_doc, n)):
                k = i % len(ZH)
                src = f"{ZH[k]}（第{i}句）"
                sentences.append(Sentence(src, len(text), len(text) + len(src), normalized=src))
                text += src
                tgt.append(f"{EN[k]} (sentence {i})")
            beads = [
                Bead((j,), (), ((start + j) * 7919 % 10007) / 10007) for j in range(len(sentences))
            ]
            doc = Document(path=f"bench/doc{d:04d}.txt", text=text, sentences=sentences)
            origin = "mt" if d % 2 == 0 else "aligned"
            store.add_alignment(doc, beads, tgt, origin=origin, engine="bench")


def ten_thousand(store: Store, n: int) -> tuple[float, float, int]:
    """A confidence range [0.5, hi] holding as close to 10,000 pairs as scores allow."""
    low, high, best = 0.5, 1.0, (1.0, 0)
    for _ in range(25):
        mid = (low + high) / 2
        count = store.count_beads(BeadFilter(min_score=0.5, max_score=mid))
        if abs(count - 10_000) < abs(best[1] - 10_000):
            best = (mid, count)
        if count == 10_000:
            break
        low, high = (mid, high) if count < 10_000 else (low, mid)
    return 0.5, best[0], best[1]


def corpus_times(path: Path, n: int, repeat: int) -> dict[str, float | str]:
    """Whole ASGI requests on a corpus of `n` pairs: {name: warm median ms} plus notes."""
    import httpx

    out: dict[str, float | str] = {}
    with Store.open(path) as store:
        app = create_app(store, hosts=[HOST], reviewer="bench", token=TOKEN)
        mid = store.document_names()
        mid_doc = sorted(mid)[len(mid) // 2]
        lo, hi, bulk_count = ten_thousand(store, n)
        rare = f"第{n // 2}句"
        pages = {
            "queue: first page, worst first": "/pairs",
            "queue: pending, mt, confidence 0.2–0.6": (
                "/pairs?status=pending&origin=mt&min=0.2&max=0.6"
            ),
            "queue: one document, document order": f"/pairs?doc={mid_doc}&sort=position",
            "home page (every document, sorted)": "/",
        }
        searches = {
            "search: rare Chinese substring": rare,
            "search: common Chinese substring": "公园散步",
            "search: English substring": "cultural centre",
            "search: 2 characters (a scan)": "首都",
        }

        async def get_ms(c: httpx.AsyncClient, url: str, times: int) -> tuple[float, str]:
            runs, text = [], ""
            for _ in range(times):
                start = time.perf_counter()
                answer = await c.get(url)
                runs.append((time.perf_counter() - start) * 1000)
                assert answer.status_code == 200, (url, answer.status_code)
                text = answer.text
            return statistics.median(runs), text

        async def post(c: httpx.AsyncClient, url: str, data: dict) -> tuple[float, dict]:
            start = time.perf_counter()
            answer = await c.post(url, data=data, headers={"X-CSRF-Token": TOKEN})
            ms = (time.perf_counter() - start) * 1000
            assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
            return ms, answer.json() if "json" in answer.headers["content-type"] else {}

        async def run() -> None:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=f"http://{HOST}") as c:
                for name, url in pages.items():
                    await c.get(url)  # cold
                    out[name] = (await get_ms(c, url, repeat))[0]
                for name, q in searches.items():
                    url = "/pairs?" + urlencode({"q": q})
                    await c.get(url)
                    out[name], text = await get_ms(c, url, repeat)
                    total = store.count_beads(BeadFilter(search=q))
                    out[name + " matches"] = f"{total:,}"
                    # The named peer: the same search as a LIKE scan (no FTS5 here).
                    store.search_unavailable = "benchmark: the LIKE peer"
                    try:
                        out[name + " (LIKE peer)"] = (await get_ms(c, url, max(3, repeat // 5)))[0]
                    finally:
                        store.search_unavailable = ""
                # Bulk approve of ~10,000 pairs, then its undo: three rounds.
                approve, undo = [], []
                for _ in range(3):
                    form = {"action": "approve", "expected": bulk_count, "min": lo, "max": hi}
                    ms, body = await post(c, "/pairs/bulk", form)
                    assert body["count"] == bulk_count, body
                    approve.append(ms)
                    ms, _ = await post(c, f"/changes/{body['change']}/undo", {})
                    undo.append(ms)
                out["bulk approve (one change)"] = statistics.median(approve)
                out["undo of that bulk approve"] = statistics.median(undo)
                out["bulk count"] = f"{bulk_count:,}"
                # The peer: one request per pair, as clicking through would (200, scaled).
                sample = store.list_beads(where=BeadFilter(status="pending"), limit=200).beads
                start = time.perf_counter()
                for bead in sample:
                    await post(c, f"/beads/{bead.id}/approve", {"version": bead.version})
                one_by_one = (time.perf_counter() - start) * 1000 / len(sample) * bulk_count
                out["one request per pair (peer, scaled)"] = one_by_one

        asyncio.run(run())
    return out


def corpus_report(n: int, build_s: float, db_mb: float, times: dict) -> list[str]:
    """Print the corpus table; the RESULT fields for this size."""
    print(
        f"\nCorpus of {n:,} pairs in {max(1, n // 1000)} documents of 1,000 "
        f"(built in {build_s:.1f} s, {db_mb:.0f} MB with the search index)"
    )
    print(f"{'ASGI request, warm median':52} {'ms':>9}")
    for name, value in times.items():
        if isinstance(value, str):
            continue
        note = times.get(name + " matches")
        note = f"   {note} matches" if note else ""
        if name.startswith("bulk approve"):
            note = f"   {times['bulk count']} pairs"
        print(f"{name:52} {value:9.1f}{note}")
    first = times["queue: first page, worst first"]
    fts = times["search: rare Chinese substring"]
    like = times["search: rare Chinese substring (LIKE peer)"]
    common = times["search: common Chinese substring"]
    common_like = times["search: common Chinese substring (LIKE peer)"]
    bulk = times["bulk approve (one change)"]
    peer = times["one request per pair (peer, scaled)"]
    print(f"search, rare substring: LIKE scan / FTS5 index = {like / fts:.1f}x")
    print(f"search, common substring: LIKE scan / FTS5 index = {common_like / common:.1f}x")
    print(f"bulk approve: one request per pair / one bulk change = {peer / bulk:.1f}x")
    k = f"{n // 1000}k"
    return [
        f"queue_{k}_ms={first:.1f}",
        f"search_{k}_ms={fts:.1f}",
        f"search_common_{k}_ms={common:.1f}",
        f"search_vs_like_{k}={like / fts:.1f}",
        f"bulk10k_{k}_ms={bulk:.0f}",
        f"bulk_vs_single_{k}={peer / bulk:.1f}",
        f"build_{k}_s={build_s:.0f}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument(
        "--corpus",
        default="50000",
        help="corpus sizes for the queue/search/bulk part, comma-separated (0: skip)",
    )
    args = parser.parse_args()
    sizes = [int(x) for x in args.corpus.split(",") if int(x) > 0]

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        start = time.perf_counter()
        doc_id = build_store(path, args.pairs)
        build_s = time.perf_counter() - start
        with Store.open(path) as store:
            asgi = asgi_times(store, doc_id, args.repeat)
            render = render_times(store, doc_id, args.pairs, args.repeat)
            browser = None if args.no_browser else browser_times(store, doc_id, 5)

    print(
        f"Review pages, {args.pairs:,} pairs in one document (store built in {build_s:.1f} s), "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(f"{'what':44} {'cold ms':>9} {'warm ms':>9}")
    for name, (cold, warm, size) in asgi.items():
        print(f"{'ASGI request: ' + name:44} {cold:9.1f} {warm:9.1f}   {size / 1000:.0f} kB")
    if browser:
        print(
            f"{'chromium: first page, start → load event':44} {browser[0]:9.1f} {browser[1]:9.1f}"
        )
    else:
        print("chromium: not measured (no chromium or playwright)")
    full_mb = render.pop("_full_mb")[0]
    for name, (cold, warm) in render.items():
        note = f"   {full_mb:.0f} MB of HTML" if name.startswith("whole") else ""
        print(f"{'render: ' + name:44} {cold:9.1f} {warm:9.1f}{note}")
    keyset, offset = render["last page, keyset"][1], render["last page, LIMIT/OFFSET"][1]
    first = asgi["first page"][1]
    full = render["whole document, no paging"][0]
    print(f"\nlast page: LIMIT/OFFSET / keyset = {offset / keyset:.1f}x")
    print(f"no paging / keyset first page (ASGI, warm) = {full / first:.0f}x")
    fields = [
        f"pairs={args.pairs}",
        f"first_page_ms={first:.1f}",
        f"first_page_cold_ms={asgi['first page'][0]:.1f}",
    ]
    if browser:
        fields.append(f"first_page_browser_ms={browser[1]:.1f}")
    fields += [
        f"last_page_keyset_ms={keyset:.1f}",
        f"last_page_offset_ms={offset:.1f}",
        f"vs_offset={offset / keyset:.1f}",
        f"no_paging_ms={full:.0f}",
        f"vs_no_paging={full / first:.0f}",
    ]
    fts = "fts5" if not search.fts_available() else "like"
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "corpus.db"
            start = time.perf_counter()
            build_corpus(path, n)
            build_s = time.perf_counter() - start
            db_mb = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 1e6
            times = corpus_times(path, n, max(5, args.repeat // 3))
        fields += corpus_report(n, build_s, db_mb, times)
    if sizes:
        fields.append(f"search_engine={fts}")
    print("RESULT " + " ".join(fields))
    return 0


if __name__ == "__main__":
    sys.exit(main())
