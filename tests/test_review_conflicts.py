"""The review app refusing what it must not save: stale undos, pairs merged away in another
tab, target texts the exports cannot hold, bad document ids; and the --host names it takes."""

from __future__ import annotations

import socket

import httpx
import pytest
from review_corpus import NEWS, build_corpus, make_document
from test_review import HOST, TOKEN, Client, bead_of
from test_review_browser import browser, ids_in_order, open_page, served  # noqa: F401 (fixtures)

from duiyi.corpus.model import Bead
from duiyi.corpus.store import Store
from duiyi.review.app import create_app
from duiyi.review.security import allowed_hosts, is_loopback
from duiyi.review.server import make_server, serve_in_thread


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "corpus.db") as s:
        yield s


@pytest.fixture
def docs(store):
    return build_corpus(store)


@pytest.fixture
def client(store, docs):
    return Client(
        create_app(store, hosts=allowed_hosts("127.0.0.1", 8765), reviewer="ann", token=TOKEN)
    )


# --- stale undo, pairs merged away -------------------------------------------------------


def test_undo_with_a_stale_version_is_a_409_and_reverts_nothing(client, store, docs):
    bead = bead_of(store, docs["news"], NEWS[0][0])
    # Tab A approves (version 2); tab B, showing version 2, then edits (version 3).
    assert client.post(f"/beads/{bead.id}/approve", {"version": 1}).status_code == 200
    new = "Tab B's wording."
    assert client.post(f"/beads/{bead.id}/edit", {"version": 2, "tgt_text": new}).status_code == 200
    # Tab A, still showing version 2, presses u: that would revert B's edit.
    stale = client.post(f"/beads/{bead.id}/undo", {"version": 2})
    assert stale.status_code == 409
    assert "now version 3, you had version 2" in stale.json()["error"]
    assert 'data-version="3"' in stale.json()["html"]
    saved = store.get_bead(bead.id)
    assert (saved.tgt_text, saved.version) == (new, 3)
    # With the version it now shows, the undo goes through.
    assert client.post(f"/beads/{bead.id}/undo", {"version": 3}).status_code == 200
    assert store.get_bead(bead.id).tgt_text == NEWS[0][2]


def test_undo_with_a_version_that_is_not_a_number_is_a_400(client, store, docs):
    bead = bead_of(store, docs["news"], NEWS[0][0])
    store.update_bead(bead.id, expected_version=1, status="approved")
    answer = client.post(f"/beads/{bead.id}/undo", {"version": "x"})
    assert (
        answer.status_code == 400 and "'version' must be a whole number" in answer.json()["error"]
    )
    assert store.get_bead(bead.id).status == "approved"


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("edit", {"version": 1, "tgt_text": "Typed in the other tab."}),
        ("approve", {"version": 1}),
        ("merge", {"version": 1}),
        ("split", {"version": 1, "src_at": 2, "tgt_at": 3}),
        ("undo", {"version": 1}),
    ],
)
def test_a_change_to_a_pair_merged_away_in_another_tab_is_a_409(client, store, docs, action, data):
    first, second = (bead_of(store, docs["news"], NEWS[i][0]) for i in (0, 1))
    store.merge_with_next(first.id, expected_version=1)
    answer = client.post(f"/beads/{second.id}/{action}", data)
    assert answer.status_code == 409
    body = answer.json()
    assert f"pair #{second.id} no longer exists" in body["error"]
    assert "merged into another one in another tab" in body["error"]
    assert body["html"] == ""
    assert store.get_bead(first.id).src_text == NEWS[0][0] + NEWS[1][0]


def test_a_change_to_a_pair_that_never_was_is_still_a_404(client, docs):
    answer = client.post("/beads/999/approve", {"version": 1})
    assert answer.status_code == 404 and "no pair #999" in answer.json()["error"]


def test_a_merge_whose_next_pair_changed_since_the_page_showed_it_is_a_409(client, store, docs):
    w, x, y, z = (bead_of(store, docs["news"], NEWS[i][0]).id for i in range(4))
    # Another tab merged X (the pair W's button names) with Y: merging W now would take in
    # text this page never showed.
    assert client.post(f"/beads/{x}/merge", {"version": 1}).status_code == 200
    stale = client.post(f"/beads/{w}/merge", {"version": 1, "next": x, "next_version": 1})
    assert stale.status_code == 409
    assert f"pair #{x}, the one this merge would take in, was changed" in stale.json()["error"]
    assert f'data-next="{x}" data-next-version="2"' in stale.json()["html"]
    assert store.get_bead(w).version == 1 and store.get_bead(x).version == 2  # nothing written
    # The next pair is another one now (X merged into W elsewhere): a 409 that names it.
    store.merge_with_next(w, expected_version=1)
    stale = client.post(f"/beads/{w}/merge", {"version": 2, "next": x, "next_version": 2})
    assert stale.status_code == 409
    assert f"the next pair in the document is now #{z}, not #{x}" in stale.json()["error"]
    # As the page shows them now, the merge goes through.
    fresh = client.post(f"/beads/{w}/merge", {"version": 2, "next": z, "next_version": 1})
    assert fresh.status_code == 200 and fresh.headers["X-Removed-Beads"] == str(z)


# --- edited target texts -----------------------------------------------------------------


@pytest.mark.parametrize("control", ["\x00", "\x01", "\x07", "\x1b", "\x0b", "\x7f\x1f"])
def test_an_edit_with_control_characters_is_refused(client, store, docs, control):
    bead = bead_of(store, docs["news"], NEWS[0][0])
    text = f"The weather{control} is fine."
    answer = client.post(f"/beads/{bead.id}/edit", {"version": 1, "tgt_text": text})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert "control characters" in error and f"U+{ord(control[-1]):04X}" in error
    assert store.get_bead(bead.id).tgt_text == NEWS[0][2]
    assert store.history(bead.id) == []


def test_an_edit_may_hold_tabs_and_line_breaks(client, store, docs):
    bead = bead_of(store, docs["news"], NEWS[0][0])
    text = "Fine\tweather\r\nin Beijing."
    answer = client.post(f"/beads/{bead.id}/edit", {"version": 1, "tgt_text": text})
    assert answer.status_code == 200
    assert store.get_bead(bead.id).tgt_text == "Fine\tweather\nin Beijing."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"version": 2}, "'tgt_text' must be the target text"),
        ({"version": 2, "tgt_text": ""}, "the target is empty"),
        ({"version": 2, "tgt_text": "  \r\n\t "}, "the target is empty"),
    ],
)
def test_an_edit_without_a_target_is_refused(client, store, docs, data, message):
    bead = bead_of(store, docs["news"], NEWS[0][0])
    store.update_bead(bead.id, expected_version=1, status="approved")
    answer = client.post(f"/beads/{bead.id}/edit", data)
    assert answer.status_code == 400 and message in answer.json()["error"]
    saved = store.get_bead(bead.id)
    assert (saved.tgt_text, saved.status, saved.version) == (NEWS[0][2], "approved", 2)


def test_an_edit_whose_target_is_a_file_upload_is_refused(client, store, docs):
    bead = bead_of(store, docs["news"], NEWS[0][0])
    answer = client.request(
        "POST",
        f"/beads/{bead.id}/edit",
        data={"version": "1"},
        files={"tgt_text": ("t.txt", b"Uploaded text.", "text/plain")},
        headers={"X-CSRF-Token": TOKEN, "Origin": f"http://{HOST}"},
    )
    assert answer.status_code == 400 and "'tgt_text'" in answer.json()["error"]
    assert store.get_bead(bead.id).tgt_text == NEWS[0][2]


# --- document ids ------------------------------------------------------------------------


@pytest.mark.parametrize("doc", ["0", "-5", "-1", "9" * 19])
@pytest.mark.parametrize("url", ["/pairs?doc={}", "/pairs/count?doc={}", "/pairs/export?doc={}"])
def test_a_document_id_that_is_not_a_positive_number_is_a_400(client, docs, url, doc):
    answer = client.get(url.format(doc))
    assert answer.status_code == 400
    assert "doc must be a whole number, a document id" in answer.text


def test_a_bulk_change_for_a_bad_document_id_is_a_400_and_changes_nothing(client, store, docs):
    answer = client.post("/pairs/bulk", {"action": "approve", "expected": 0, "doc": "-1"})
    assert (
        answer.status_code == 400
        and "doc must be a whole number, a document id" in answer.json()["error"]
    )
    assert store.progress(None).reviewed == 0


def test_document_zero_and_target_documents_are_404(client, store, docs):
    answer = client.get("/documents/0")
    assert answer.status_code == 404 and "no document 0" in answer.text
    # A document aligned with a human translation: the translation is a target document.
    src = make_document("story.zh.txt", [("你好。", None, "", 0.5)])
    tgt = make_document("story.en.txt", [("Hello.", None, "", 0.5)])
    doc = store.add_alignment(src, [Bead((0,), (0,), 0.9)], tgt_doc=tgt)
    target = store.get_document(doc).tgt_document_id
    assert target is not None
    for url in (f"/documents/{target}", f"/pairs?doc={target}", f"/pairs/count?doc={target}"):
        answer = client.get(url)
        assert answer.status_code == 404 and "is a target text" in answer.text
    answer = client.post("/pairs/bulk", {"action": "approve", "expected": 0, "doc": target})
    assert answer.status_code == 404
    assert client.get(f"/documents/{doc}").status_code == 200


# --- --host ------------------------------------------------------------------------------


def test_host_names_are_case_insensitive_and_may_be_bracketed():
    for host in ("LOCALHOST", "LocalHost", "[::1]", " 127.0.0.1 "):
        assert is_loopback(host), host
    assert not is_loopback("[::2]") and not is_loopback("0.0.0.0")


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.parametrize(
    ("host", "url_host"),
    [
        ("LOCALHOST", "localhost"),
        pytest.param(
            "[::1]",
            "[::1]",
            marks=pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here"),
        ),
    ],
)
def test_the_server_listens_on_an_uppercase_or_bracketed_host(store, docs, host, url_host):
    with serve_in_thread(make_server(store, host=host)) as server:
        assert server.url.startswith(f"http://{url_host}:")
        with httpx.Client(timeout=5) as http:
            assert http.get(server.url).status_code == 200


# --- in the browser ----------------------------------------------------------------------


@pytest.mark.browser
def test_an_edit_of_a_pair_merged_away_keeps_the_typed_text(served, open_page):  # noqa: F811
    from playwright.sync_api import expect

    doc = served.docs["news"]
    first, second = ids_in_order(served.store, doc)[:2]
    page = open_page(f"{served.url}documents/{doc}?sort=position")
    row = page.locator(f"#bead-{second}")
    row.get_by_role("button", name="Edit").click()
    row.locator("textarea").fill("Typed before the merge.")
    served.store.merge_with_next(first, expected_version=1)  # in another tab
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text(f"pair #{second} no longer exists")
    # The editor stays open with the text, editable (to copy it into the merged pair).
    area = row.locator("textarea")
    expect(area).to_have_value("Typed before the merge.")
    expect(area).to_be_enabled()


@pytest.mark.browser
def test_a_merge_in_a_stale_tab_takes_in_only_what_it_showed(served, open_page):  # noqa: F811
    from playwright.sync_api import expect

    doc = served.docs["news"]
    w, x, y = ids_in_order(served.store, doc)[:3]
    page = open_page(f"{served.url}documents/{doc}?sort=position")
    served.store.merge_with_next(x, expected_version=1)  # another tab merges X with Y
    page.locator(f"#bead-{w}").get_by_role("button", name=f"Merge with #{x}").click()
    expect(page.locator("#flash")).to_contain_text(f"pair #{x}, the one this merge would take in")
    assert served.store.get_bead(w).src_text == NEWS[0][0]
    # Reloaded, the page shows X as it is now, and the merge takes in what it shows.
    page.reload()
    page.locator(f"#bead-{w}").get_by_role("button", name=f"Merge with #{x}").click()
    expect(page.locator(f"#bead-{w} .src-text")).to_have_text(NEWS[0][0] + NEWS[1][0] + NEWS[2][0])
    expect(page.locator(f"#bead-{y}")).to_have_count(0)
