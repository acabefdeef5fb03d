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
    expect(page.locator(f"#bead-{ids[0]} .src-text")).to_have_text(f"{FORUM[0][0]}{FORUM[1][0]}")
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


def test_an_open_editor_saves_after_the_server_restarts(tmp_path, browser):
    from playwright.sync_api import expect

    from duiyi.review.security import stable_token

    path = tmp_path / "corpus.db"
    typed = "Typed before the restart."
    with Store.open(path) as store:
        doc = build_corpus(store)["news"]
        first = ids_in_order(store, doc)[0]

        def serve(reviewer: str, port: int = 0):  # as `duiyi review --reviewer R` does
            token = stable_token(path, reviewer)
            return serve_in_thread(make_server(store, port=port, reviewer=reviewer, token=token))

        with serve("ann") as server:
            port = server.sock.getsockname()[1]
            # not open_page: the console reports the refusal below (HTTP 403) as an error
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{server.url}documents/{doc}?sort=position")
            page.keyboard.press("j")
            page.keyboard.press("e")
            area = page.locator(f"#bead-{first} textarea")
            area.fill(typed)
        # Restarted for another reviewer: refused, and the text stays in its editor.
        with serve("bob", port):
            page.keyboard.press("Enter")
            expect(page.locator("#flash")).to_contain_text("reload the page")
            expect(area).to_have_value(typed)
            expect(area).to_be_focused()
        # Restarted as it was: the same page saves it.
        with serve("ann", port):
            page.keyboard.press("Enter")
            expect(page.locator(f"#bead-{first} .tgt-text")).to_have_text(typed)
        context.close()
        assert store.get_bead(first).tgt_text == typed


def test_the_editors_take_the_languages_of_the_texts(served, open_page):
    from playwright.sync_api import expect

    from duiyi.corpus.model import Pair

    # A zh→fr memory: the target editor spell-checks French, not English.
    pairs = [Pair("天气很好。我们去散步。", "Il fait beau. Allons nous promener.")]
    served.store.add_pairs(pairs, source="fr.tmx", checksum="fr", tgt_lang="fr")
    bead = next(b for b in served.store.list_beads(limit=100).beads if b.src_text == pairs[0].src)
    page = open_page(f"{served.url}documents/{bead.document_id}")
    page.keyboard.press("j")
    page.keyboard.press("e")
    expect(page.locator(f"#bead-{bead.id} textarea")).to_have_attribute("lang", "fr")
    page.keyboard.press("Escape")
    page.keyboard.press("s")
    areas = page.locator(f"#bead-{bead.id} .editor textarea")
    expect(areas).to_have_count(2)
    expect(areas.nth(0)).to_have_attribute("lang", "zh-CN")
    expect(areas.nth(1)).to_have_attribute("lang", "fr")


# --- at corpus scale: the queue, search, bulk changes, context, merge labels -------------------


def test_queue_across_documents_with_context_and_keys(served, open_page):
    from playwright.sync_api import expect

    store = served.store
    beads = store.list_beads(limit=100).beads
    worst = sorted(beads, key=lambda b: (b.score, b.id))
    page = open_page(f"{served.url}pairs")
    rows = page.locator("#pairs article.pair")
    expect(rows).to_have_count(9)
    expect(rows.first).to_have_id(f"bead-{worst[0].id}")
    expect(page.locator("#summary")).to_contain_text("Pairs 1–9 of 9 in all documents")
    # The queue mixes documents: each row names its own.
    expect(rows.nth(2).locator(".where")).to_contain_text("討論.txt")
    expect(rows.first.locator(".where")).to_contain_text("天气.txt")

    # c shows the pairs around the current one in its document, and hides them again.
    page.keyboard.press("j")
    page.keyboard.press("c")
    doc_order = ids_in_order(store, worst[0].document_id)
    at = doc_order.index(worst[0].id)
    context = page.locator(f'.context[data-for="{worst[0].id}"] .ctx-row')
    expect(context).to_have_count(2)  # the last pair of its story: two before, none after
    assert [int(i) for i in context.evaluate_all("els => els.map(e => e.dataset.id)")] == (
        doc_order[at - 2 : at]
    )
    expect(page.locator(f'.context.after[data-for="{worst[0].id}"]')).to_contain_text(
        "end of the document"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-queue.png"), full_page=True)
    page.keyboard.press("c")
    expect(page.locator(".context")).to_have_count(0)

    # The same keys as a document page; the progress shown is the corpus's.
    page.keyboard.press("a")
    expect(rows.first).to_have_class(has_class("approved"))
    expect(rows.nth(1)).to_have_class(has_class("current"))
    expect(page.locator("#progress-count")).to_have_text("1/9")
    expect(page.locator("#flash")).to_have_text(f"Approved pair #{worst[0].id}.")
    assert store.get_bead(worst[0].id).status == "approved"


def test_search_chinese_and_english_substrings(served, open_page):
    from playwright.sync_api import expect

    page = open_page(served.url)
    box = page.locator("header form.find input[name=q]")
    box.fill("放风筝")
    box.press("Enter")
    page.wait_for_url("**/pairs?q=*")
    rows = page.locator("#pairs article.pair")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".src-text mark")).to_have_text("放风筝")
    expect(page.locator("#search-note")).to_have_count(0)  # the FTS5 index answered
    # An English substring, another case, in the page's own search field.
    field = page.locator("form.filters input[name=q]")
    field.fill("PINNED POST")
    field.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".tgt-text mark")).to_have_text("pinned post")
    # Two characters: a scan, and the page says so.
    field.fill("彩虹")
    field.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".src-text mark")).to_have_text("彩虹")
    expect(page.locator("#search-note")).to_contain_text("Searched without a full-text index")


def test_bulk_approve_with_confirmation_then_undo(served, open_page):
    from playwright.sync_api import expect

    store = served.store
    chosen = {b.id for b in store.list_beads(limit=100).beads if b.score >= 0.6}
    assert len(chosen) == 4
    page = open_page(f"{served.url}pairs?min=0.6")
    page.get_by_role("button", name="Approve all…").click()
    question = page.locator("#bulk-question")
    expect(question).to_have_text(
        "Approve all 4 pairs matching: confidence ≥ 0.6? "
        "It is recorded as one change, and u undoes it whole."
    )
    page.get_by_role("button", name="Approve 4 pairs").click()
    expect(page.locator("#flash")).to_contain_text("Approved 4 pairs (confidence ≥ 0.6)")
    for bead_id in chosen:
        expect(page.locator(f"#bead-{bead_id}")).to_have_class(has_class("approved"))
    assert {b.id for b in store.list_beads(limit=100).beads if b.status == "approved"} == chosen

    # u undoes the whole bulk change (this tab's last change, remembered across the reload).
    page.keyboard.press("u")
    expect(page.locator("#flash")).to_contain_text("4 pairs are back as they were")
    for bead_id in chosen:
        expect(page.locator(f"#bead-{bead_id}")).to_have_class(has_class("pending"))
    assert all(b.status == "pending" for b in store.list_beads(limit=100).beads)

    # Cancel leaves everything as it is.
    page.get_by_role("button", name="Reject all…").click()
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#bulk-confirm")).to_be_hidden()
    assert all(b.status == "pending" for b in store.list_beads(limit=100).beads)


def test_merge_in_worst_first_order_names_and_merges_the_document_neighbour(served, open_page):
    from playwright.sync_api import expect

    store = served.store
    doc = served.docs["news"]
    order = ids_in_order(store, doc)
    page = open_page(f"{served.url}documents/{doc}")  # worst first
    rows = page.locator("#pairs article.pair")
    # The worst pair is the story's last: nothing to merge with, and the page says so.
    page.keyboard.press("j")
    expect(rows.first.locator('button[data-action="merge"]')).to_be_disabled()
    page.keyboard.press("m")
    expect(page.locator("#flash")).to_contain_text("is the last of its document")
    # The second worst (the story's 5th pair) is listed under the worst (its 6th) and above
    # its 4th; its merge button names its document neighbour, the 6th, not the row below.
    second = rows.nth(1)
    here, after = order[4], order[5]
    expect(second).to_have_id(f"bead-{here}")
    expect(second.locator('button[data-action="merge"]')).to_have_text(f"Merge with #{after}")
    page.keyboard.press("j")
    page.keyboard.press("m")
    expect(page.locator("#flash")).to_have_text(
        f"Merged pair #{here} with #{after}, the next pair in its document (now one pair, #{here})."
    )
    expect(rows).to_have_count(5)
    expect(page.locator("#summary")).to_contain_text("Pairs 1–5 of 5")
    merged = store.get_bead(here)
    assert merged.src_text == f"{NEWS[4][0]}{NEWS[5][0]}"
    # Split it again: the counts follow without a reload.
    page.keyboard.press("s")
    page.keyboard.press("Enter")
    expect(rows).to_have_count(6)
    expect(page.locator("#summary")).to_contain_text("Pairs 1–6 of 6")
    expect(page.locator("#flash")).to_contain_text(f"Split pair #{here} in two")


# --- found reviewing the app: the history page, contexts, no-op changes, search marks ---------


def test_the_pair_on_its_history_page_takes_clicks_and_the_history_follows(served, open_page):
    from playwright.sync_api import expect

    bead = served.store.list_beads(served.docs["news"], sort="position").beads[0]
    page = open_page(f"{served.url}beads/{bead.id}/history")
    expect(page.locator("table.history")).to_have_count(0)  # "No changes yet."
    page.locator(f'#bead-{bead.id} button[data-action="approve"]').click()
    expect(page.locator("#flash")).to_have_text(f"Approved pair #{bead.id}.")
    expect(page.locator("table.history tbody tr")).to_have_count(1)
    expect(page.locator("table.history")).to_contain_text("approved")
    assert served.store.get_bead(bead.id).status == "approved"


def test_a_pair_merged_away_takes_its_context_with_it(served, open_page):
    from playwright.sync_api import expect

    ids = ids_in_order(served.store, served.docs["news"])
    page = open_page(f"{served.url}documents/{served.docs['news']}?sort=position")
    second = page.locator(f"#bead-{ids[1]}")
    second.locator('button[data-action="context"]').click()
    expect(page.locator(f'.context[data-for="{ids[1]}"]')).to_have_count(2)
    page.locator(f'#bead-{ids[0]} button[data-action="merge"]').click()
    expect(second).to_have_count(0)
    expect(page.locator(".context")).to_have_count(0)
    # Back with the undo, c shows its context again (instead of hiding a leftover one).
    page.keyboard.press("u")
    expect(second).to_have_count(1)
    second.locator('button[data-action="context"]').click()
    expect(page.locator(f'.context[data-for="{ids[1]}"] .ctx-row')).to_have_count(3)


def test_u_after_a_change_that_changed_nothing_leaves_earlier_changes(served, open_page):
    from playwright.sync_api import expect

    store = served.store
    first, second = ids_in_order(store, served.docs["news"])[:2]
    store.update_bead(first, expected_version=1, status="approved", reviewer="bob")
    page = open_page(f"{served.url}documents/{served.docs['news']}?sort=position")
    flash = page.locator("#flash")
    page.locator(f'#bead-{second} button[data-action="approve"]').click()
    expect(flash).to_have_text(f"Approved pair #{second}.")
    page.locator(f'#bead-{first} button[data-action="approve"]').click()  # approved already
    expect(flash).to_have_text(f"Nothing to change: pair #{first} was approved already.")
    # u undoes this tab's last change, the approval of the second pair; bob's stays.
    page.keyboard.press("u")
    expect(flash).to_have_text(f"Undid the last change of pair #{second}.")
    assert store.get_bead(second).status == "pending"
    assert store.get_bead(first).status == "approved"


def test_a_pair_changed_in_search_results_keeps_its_matches_marked(served, open_page):
    from playwright.sync_api import expect

    page = open_page(f"{served.url}pairs?q=公园")
    rows = page.locator("#pairs article.pair")
    expect(rows).to_have_count(2)
    expect(rows.first.locator(".src-text mark")).to_have_text("公园")
    rows.first.locator('button[data-action="approve"]').click()
    expect(rows.first).to_have_class(has_class("approved"))
    expect(rows.first.locator(".src-text mark")).to_have_text("公园")


def test_u_undoes_this_tabs_changes_that_left_the_page(served, open_page):
    from playwright.sync_api import expect

    store = served.store
    page = open_page(f"{served.url}pairs?status=pending")  # the home page's "worst first" queue
    rows = page.locator("#pairs article.pair")
    flash = page.locator("#flash")
    first, second, third = (int(rows.nth(i).get_attribute("data-id")) for i in range(3))
    page.keyboard.press("j")
    for _ in range(3):
        page.keyboard.press("a")
    expect(flash).to_have_text(f"Approved pair #{third}.")
    # Reloaded, the queue of pending pairs no longer lists them; u still undoes this tab's
    # last change, not the pair now selected (which this tab never changed).
    page.reload()
    expect(rows).to_have_count(6)
    page.keyboard.press("j")
    page.keyboard.press("u")
    expect(flash).to_have_text(f"Undid the last change of pair #{third} (not on this page).")
    assert store.get_bead(third).status == "pending"
    # A pair someone else changed since is theirs: the undo is refused and says so.
    bob = store.get_bead(second)
    store.update_bead(second, expected_version=bob.version, status="rejected", reviewer="bob")
    page.keyboard.press("u")
    expect(flash).to_contain_text("changed by someone else")
    assert store.get_bead(second).status == "rejected"
    page.keyboard.press("u")
    expect(flash).to_have_text(f"Undid the last change of pair #{first} (not on this page).")
    page.keyboard.press("u")
    expect(flash).to_have_text("Nothing to undo: this tab has not changed anything yet.")
    assert [store.get_bead(i).status for i in (first, second, third)] == [
        "pending",
        "rejected",
        "pending",
    ]


def test_the_confidence_filter_takes_any_number_between_0_and_1(served, open_page):
    from playwright.sync_api import expect

    page = open_page(f"{served.url}pairs")
    form = page.locator("form.filters")
    form.locator("input[name=min]").fill("0.78")  # not a multiple of 0.05
    form.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/pairs?*min=0.78*")
    expect(page.locator("#pairs article.pair")).to_have_count(2)  # 0.93 and 0.81
    # A page opened with such a filter can still change its other filters.
    form.locator("select[name=status]").select_option("pending")
    form.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/pairs?*status=pending*")
    expect(page.locator("#summary")).to_contain_text("Pairs 1–2 of 2 matching")


def test_k_shows_the_pair_below_the_message_bar_not_under_it(served, open_page):
    from playwright.sync_api import expect

    rows = [(f"第{i}句。", None, f"Sentence {i}.", 0.5) for i in range(30)]
    doc = add_document(served.store, "long.txt", rows)
    page = open_page(f"{served.url}documents/{doc}?sort=position")
    page.set_viewport_size({"width": 1300, "height": 600})
    page.keyboard.press("j")
    page.keyboard.press("a")  # a message: the bar sticks to the top of the window
    expect(page.locator("#flash")).to_be_visible()
    for _ in range(20):
        page.keyboard.press("j")
    for _ in range(12):
        page.keyboard.press("k")
        bar = page.locator("#flash").bounding_box()
        top = page.locator("article.current").bounding_box()["y"]
        assert top >= bar["y"] + bar["height"] - 1


def test_the_progress_count_has_thousands_separators_as_the_home_page(served, open_page):
    from playwright.sync_api import expect

    rows = [(f"第{i}句。", None, f"Sentence {i}.", 0.5) for i in range(1200)]
    add_document(served.store, "long.txt", rows)
    page = open_page(f"{served.url}pairs")
    count = page.locator("#progress-count")
    expect(count).to_have_text("0/1,209")
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(count).to_have_text("1/1,209")


def test_k_onto_a_pair_taller_than_the_window_shows_its_start(served, open_page):
    long = "长" * 4000
    rows = [
        ("第一句。", None, "One.", 0.5),
        (long, None, "Long. " * 800, 0.5),
        ("末句。", None, "End.", 0.5),
    ]
    doc = add_document(served.store, "long.txt", rows)
    page = open_page(f"{served.url}documents/{doc}?sort=position")
    page.set_viewport_size({"width": 1300, "height": 600})
    for key in "jjjk":  # down to the last pair, then back up onto the long one
        page.keyboard.press(key)
    current = page.locator("article.current")
    assert current.get_attribute("data-id") == page.locator("article.pair").nth(1).get_attribute(
        "data-id"
    )
    box = current.bounding_box()
    assert box["height"] > 600 and 0 <= box["y"] < 100


def test_leaving_the_page_with_actions_not_yet_sent_asks_first(served, open_page):
    import time

    from playwright.sync_api import expect

    store = served.store
    update = store.update_bead

    def slow_update(*args, **kwargs):  # a busy server: keys come faster than its answers
        time.sleep(0.15)
        return update(*args, **kwargs)

    store.update_bead = slow_update
    doc = served.docs["news"]
    ids = ids_in_order(store, doc)
    page = open_page(f"{served.url}documents/{doc}?sort=position")
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", on_dialog)
    page.keyboard.press("j")
    for _ in range(6):
        page.keyboard.press("a")
    page.get_by_role("link", name="all pairs").first.click(no_wait_after=True)
    expect(page.locator("#flash")).to_have_text(f"Approved pair #{ids[5]}.")
    assert asked == ["beforeunload"]
    assert [store.get_bead(i).status for i in ids] == ["approved"] * 6
    # Once everything is saved, links go without asking.
    page.get_by_role("link", name="all pairs").first.click()
    page.wait_for_url("**/pairs")
    assert asked == ["beforeunload"]


def test_leaving_the_page_with_a_target_typed_and_not_saved_asks_first(served, open_page):
    from playwright.sync_api import expect

    doc = served.docs["news"]
    first = ids_in_order(served.store, doc)[0]
    page = open_page(f"{served.url}documents/{doc}?sort=position")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.keyboard.press("j")
    page.keyboard.press("e")
    area = page.locator(f"#bead-{first} textarea")
    area.fill("A long correction, typed and not saved yet.")
    page.get_by_role("link", name="all pairs").first.click(no_wait_after=True)
    expect(area).to_have_value("A long correction, typed and not saved yet.")
    assert asked == ["beforeunload"]
    area.press("Escape")  # given up: nothing to keep, the page goes without asking
    page.get_by_role("link", name="all pairs").first.click()
    page.wait_for_url("**/pairs")
    assert asked == ["beforeunload"]


def test_a_read_only_store_is_browsed_with_every_change_off(tmp_path, open_page):
    from playwright.sync_api import expect

    path = tmp_path / "corpus.db"
    with Store.open(path) as writable:
        build_corpus(writable)
    reason = f"no write permission on {path}"
    with (
        Store.open(path, readonly=True) as store,
        serve_in_thread(make_server(store, read_only=reason)) as server,
    ):
        page = open_page(f"{server.url}pairs")
        expect(page.locator("#read-only")).to_contain_text(f"read-only: {reason}.")
        rows = page.locator("#pairs article.pair")
        expect(rows).to_have_count(9)
        first = rows.first
        for name in ("Approve", "Reject", "Edit", "Split", "Undo"):
            expect(first.get_by_role("button", name=name)).to_be_disabled()
        expect(page.get_by_role("button", name="Approve all…")).to_be_disabled()
        # The keys that change pairs say why they do nothing, and stay on the pair.
        page.keyboard.press("j")
        page.keyboard.press("a")
        expect(page.locator("#flash")).to_have_text(f"Not saved: read-only: {reason}.")
        expect(first).to_have_class(has_class("current"))
        expect(first).to_have_class(has_class("pending"))
        page.keyboard.press("e")
        expect(page.locator("textarea")).to_have_count(0)
        page.locator("#flash").evaluate("el => { el.textContent = ''; }")
        page.keyboard.press("u")
        expect(page.locator("#flash")).to_have_text(f"Not saved: read-only: {reason}.")
        # Reading still works: context, search, export.
        page.keyboard.press("c")
        expect(
            page.locator(f'.context[data-for="{first.get_attribute("data-id")}"]')
        ).to_have_count(2)
        page.locator("header .find input").fill("kites")
        page.keyboard.press("Enter")
        expect(rows).to_have_count(1)
        expect(page.get_by_role("link", name="JSONL")).to_be_visible()
        assert all(b.status == "pending" for b in store.list_beads(limit=100).beads)


def test_j_past_the_last_pair_goes_on_to_the_next_page_and_k_comes_back(served, open_page):
    from playwright.sync_api import expect

    worst = [b.id for b in served.store.list_beads(sort="score", limit=100).beads]
    page = open_page(f"{served.url}pairs?limit=4")
    rows = page.locator("#pairs article.pair")
    current = page.locator("#pairs article.pair.current")
    for _ in range(4):
        page.keyboard.press("j")
    expect(current).to_have_id(f"bead-{worst[3]}")
    # a on the last pair, then j at once: the page turns once the approval is saved.
    page.keyboard.press("a")
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(r"cursor="))
    expect(rows.first).to_have_id(f"bead-{worst[4]}")
    expect(current).to_have_id(f"bead-{worst[4]}")
    assert served.store.get_bead(worst[3]).status == "approved"
    # k before the first pair goes back to the page this tab came from, on its last pair.
    page.keyboard.press("k")
    expect(page).not_to_have_url(re.compile(r"cursor="))
    expect(current).to_have_id(f"bead-{worst[3]}")
    # The pager's link with the mouse, then k, too; the last page says it is the last.
    with page.expect_navigation():  # loaded, its keys listened to, before j and k
        page.get_by_role("link", name="next page »").click()
    expect(rows.first).to_have_id(f"bead-{worst[4]}")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(current).to_have_id(f"bead-{worst[3]}")
    page.goto(f"{served.url}pairs?limit=100")
    for _ in range(10):
        page.keyboard.press("j")
    expect(current).to_have_id(f"bead-{worst[-1]}")
    expect(page.locator("#flash")).to_have_text("This is the last page.")
