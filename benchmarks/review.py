"""Review page speed with 50,000 pairs: keyset pages vs LIMIT/OFFSET and vs no pagination.

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

    python benchmarks/review.py                 # 50,000 pairs
    python benchmarks/review.py --pairs 10000 --no-browser
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from duiyi.corpus.model import Bead, Document, Sentence  # noqa: E402
from duiyi.corpus.store import Store  # noqa: E402
from duiyi.review.app import create_app  # noqa: E402
from duiyi.review.security import allowed_hosts  # noqa: E402
from duiyi.review.views import Filters, load_page, render_document  # noqa: E402

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
        return render_document(review, doc, filters, load_page(store, doc_id, filters, offset))

    out = {}
    for name, fn in (
        ("first page (keyset)", lambda: page(Filters())),
        ("last page, keyset", lambda: page(keyset)),
        ("last page, LIMIT/OFFSET", lambda: page(Filters(at=last_start), offset=last_start)),
    ):
        first, median, _ = timed(fn, repeat)
        out[name] = (first, median)
    same = [b.id for b in load_page(store, doc_id, keyset).beads]
    assert same == [b.id for b in load_page(store, doc_id, Filters(), last_start).beads]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

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
    print("RESULT " + " ".join(fields))
    return 0


if __name__ == "__main__":
    sys.exit(main())
