"""The review app in a real browser: headless Debian chromium driven by Playwright.

The server is the real one (uvicorn on a free loopback port, in a thread); the page is driven
with the keyboard and the mouse; the store and a following `duiyi export` are checked after.
A screenshot is saved under test-artifacts/.
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from conftest import ROOT, require_tool
from review_corpus import FORUM, NEWS, add_document, build_corpus

from duiyi.cli import main
from duiyi.corpus.store import Store
from duiyi.review.server import make_server, serve_in_thread

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    chromium = require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def served(tmp_path):
    path = tmp_path / "corpus.db"
    with Store.open(path) as store:
        docs = build_corpus(store)
        with serve_in_thread(make_server(store, reviewer="ann")) as server:
            yield SimpleNamespace(store=store, docs=docs, url=server.url, path=path)


@pytest.fixture
def open_page(browser):
    """Open pages in fresh browser contexts; fail the test on any script error or CSP report."""
    contexts, problems = [], []

    def open_(url: str):
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: (
                problems.append(f"console: {msg.text}")
                if msg.type == "error" and "409" not in msg.text
                else None
            ),
        )
        page.goto(url)
        return page

    try:
        yield open_
    finally:
        for context in contexts:
            context.close()
    assert problems == []


def ids_in_order(store: Store, doc_id: int) -> list[int]:
    return [b.id for b in store.list_beads(doc_id, sort="position", limit=1000).beads]


def has_class(name: str) -> re.Pattern:
    return re.compile(rf"\b{name}\b")


def test_review_with_keyboard_and_mouse_then_export_approved(served, open_page, tmp_path):
    from playwright.sync_api import expect

    doc = served.docs["news"]
    ids = ids_in_order(served.store, doc)
    page = open_page(f"{served.url}documents/{doc}?sort=position")

    def row(i: int):
        return page.locator(f"#bead-{ids[i]}")

    # Keyboard: j selects the first pair, a approves it and moves on, r rejects the next.
    page.keyboard.press("j")
    expect(row(0)).to_have_class(has_class("current"))
    page.keyboard.press("a")
    expect(row(0)).to_have_class(has_class("approved"))
    expect(row(1)).to_have_class(has_class("current"))
    page.keyboard.press("r")
    expect(row(1)).to_have_class(has_class("rejected"))
    # e edits the target; Enter saves; then a approves the edited pair.
    page.keyboard.press("e")
    editor = row(2).locator("textarea")
    expect(editor).to_be_focused()
    editor.fill("Many people were flying kites in the park that afternoon.")
    page.keyboard.press("Enter")
    expect(row(2).locator(".tgt-text")).to_have_text(
        "Many people were flying kites in the park that afternoon."
    )
    expect(row(2).locator(".origin")).to_have_text("edited")
    page.keyboard.press("a")
    expect(row(2)).to_have_class(has_class("approved"))
    # Escape leaves the editor without saving.
    page.keyboard.press("e")
    row(3).locator("textarea").fill("this must not be saved")
    page.keyboard.press("Escape")
    expect(row(3).locator("textarea")).to_have_count(0)
    expect(row(3).locator(".tgt-text")).to_have_text(NEWS[3][2])

    # Mouse: reject, edit + Save, approve, then approve another and undo it with u.
    row(3).get_by_role("button", name="Reject").click()
    expect(row(3)).to_have_class(has_class("rejected"))
    row(4).get_by_role("button", name="Edit").click()
    row(4).locator("textarea").fill("Everyone ran into the pavilion to shelter from the rain.")
    row(4).get_by_role("button", name="Save").click()
    expect(row(4).locator(".tgt-text")).to_have_text(
        "Everyone ran into the pavilion to shelter from the rain."
    )
    row(4).get_by_role("button", name="Approve").click()
    expect(row(4)).to_have_class(has_class("approved"))
    row(5).get_by_role("button", name="Approve").click()
    expect(row(5)).to_have_class(has_class("approved"))
    page.keyboard.press("u")
    expect(row(5)).to_have_class(has_class("pending"))
    expect(page.locator("#flash")).to_contain_text("Undid")
    expect(page.locator("#progress-count")).to_have_text("5/6")

    # Reload: everything was saved at once.
    page.reload()
    statuses = ["approved", "rejected", "approved", "rejected", "approved", "pending"]
    for i, status in enumerate(statuses):
        expect(row(i)).to_have_class(has_class(status))
    expect(page.locator("#progress-count")).to_have_text("5/6")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)

    store = served.store
    assert [store.get_bead(i).status for i in ids] == statuses
    assert store.get_bead(ids[2]).tgt_text.endswith("in the park that afternoon.")
    assert store.get_bead(ids[3]).tgt_text == NEWS[3][2]
    assert {e.reviewer for i in ids for e in store.history(i)} == {"ann"}
    assert [e.action for e in store.history(ids[5])] == ["undo", "update"]

    # What `duiyi export --status approved` writes is exactly what was approved.
    out = tmp_path / "approved.jsonl"
    assert main(["export", str(served.path), "--status", "approved", "-o", str(out)]) == 0
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(p["src_text"] for p in exported) == sorted(NEWS[i][0] for i in (0, 2, 4))
    assert "Everyone ran into the pavilion to shelter from the rain." in {
        p["tgt_text"] for p in exported
    }


def test_two_tabs_editing_the_same_pair_get_a_clear_conflict(served, open_page):
    from playwright.sync_api import expect

    doc = served.docs["news"]
    first = ids_in_order(served.store, doc)[0]
    url = f"{served.url}documents/{doc}?sort=position"
    tab_a, tab_b = open_page(url), open_page(url)
    tab_a.locator(f"#bead-{first}").get_by_role("button", name="Approve").click()
    expect(tab_a.locator(f"#bead-{first}")).to_have_class(has_class("approved"))

    # Tab B still shows version 1 and edits the target.
    row_b = tab_b.locator(f"#bead-{first}")
    row_b.get_by_role("button", name="Edit").click()
    row_b.locator("textarea").fill("Tab B's wording.")
    tab_b.keyboard.press("Enter")
    flash = tab_b.locator("#flash")
    expect(flash).to_have_class(has_class("error"))
    expect(flash).to_contain_text("changed by someone else")
    # B now shows A's approval, and keeps B's text in a reopened editor.
    expect(row_b).to_have_class(has_class("approved"))
    expect(row_b.locator("textarea")).to_have_value("Tab B's wording.")
    bead = served.store.get_bead(first)
    assert (bead.status, bead.tgt_text) == ("approved", NEWS[0][2])
    # Saving again, now knowingly on top of A's change, works.
    tab_b.keyboard.press("Enter")
    expect(row_b.locator(".tgt-text")).to_have_text("Tab B's wording.")
    assert served.store.get_bead(first).tgt_text == "Tab B's wording."


def test_merge_split_and_undo_with_the_keyboard(served, open_page):
    from playwright.sync_api import expect

    doc = served.docs["forum"]
    ids = ids_in_order(served.store, doc)
    page = open_page(f"{served.url}documents/{doc}?sort=position")
    pairs = page.locator("#pairs article.pair")
    expect(pairs).to_have_count(3)
    page.keyboard.press("j")
    page.keyboard.press("m")
    expect(pairs).to_have_count(2)
    expect(page.locator(f"#bead-{ids[0]} .src-text")).to_have_text(f"{FORUM[0][0]} {FORUM[1][0]}")
    assert served.store.get_document(doc).total == 2

    # s opens the split view with the cursor at the first sentence end of each side.
    page.keyboard.press("s")
    editor = page.locator(f"#bead-{ids[0]} .editor")
    expect(editor.locator("textarea")).to_have_count(2)
    expect(editor.locator(".hint")).to_contain_text(f"① {FORUM[0][0]} | {FORUM[0][2]}")
    page.keyboard.press("Enter")
    expect(pairs).to_have_count(3)
    beads = served.store.list_beads(doc, sort="position").beads
    assert [(b.src_text, b.tgt_text) for b in beads] == [(s, t) for s, _, t, _ in FORUM]

    # u undoes this tab's last change (the split).
    page.keyboard.press("u")
    expect(pairs).to_have_count(2)
    assert served.store.get_document(doc).total == 2


def test_hostile_text_is_shown_not_run(served, open_page):
    from playwright.sync_api import expect

    hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>'
    doc = add_document(served.store, "evil.txt", [(f"坏{hostile}。", None, hostile, 0.2)])
    page = open_page(f"{served.url}documents/{doc}")
    bead = served.store.list_beads(doc).beads[0]
    expect(page.locator(f"#bead-{bead.id} .tgt-text")).to_have_text(hostile)
    page.keyboard.press("j")
    page.keyboard.press("e")
    page.locator(f"#bead-{bead.id} textarea").fill(hostile + "<b>again</b>")
    page.keyboard.press("Enter")
    expect(page.locator(f"#bead-{bead.id} .tgt-text")).to_have_text(hostile + "<b>again</b>")
    assert page.evaluate("window.pwned") is None
    assert page.locator("#pairs img, #pairs b").count() == 0
