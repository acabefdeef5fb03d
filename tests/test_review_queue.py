"""The review app at corpus scale, through the ASGI app: the queue across documents, search,
bulk changes, context, pair ids, the needs-attention home page, MT drafts, page exports."""

from __future__ import annotations

import json
import re

import markupsafe
import pytest
from review_corpus import FORUM, NEWS, add_document, build_corpus, make_document
from test_review import TOKEN, Client, bead_ids, bead_of, summary

from duiyi.corpus.model import Bead
from duiyi.corpus.store import BeadFilter, Store, search
from duiyi.review.app import create_app
from duiyi.review.security import allowed_hosts

# A third document with a 2-1 bead, a draft with flags, and a pair with no score.
DRAFTS = [
    ("第一句。", None, "The first sentence.", 0.97),
    ("第二句。", None, "", 0.0),  # joined into a 2-1 bead below
    ("他说天气很好。", None, "He said the weather was fine 天气.", 0.41),
]


def add_drafts(store: Store) -> int:
    doc = make_document("drafts/草稿.txt", DRAFTS)
    beads = [Bead((0, 1), (), 0.97), Bead((2,), (), 0.41)]
    metas = [{}, {"flags": ["cjk-left"], "qe": 0.41}]
    return store.add_alignment(
        doc,
        beads,
        ["The first sentence. The second.", DRAFTS[2][2]],
        origin="mt",
        engine="llm:qwen2.5-coder-1.5b",
        metas=metas,
    )


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "corpus.db") as s:
        yield s


@pytest.fixture
def docs(store):
    docs = build_corpus(store)
    docs["drafts"] = add_drafts(store)
    return docs


def make_client(store) -> Client:
    return Client(
        create_app(store, hosts=allowed_hosts("127.0.0.1", 8765), reviewer="ann", token=TOKEN)
    )


@pytest.fixture
def client(store, docs):
    return make_client(store)


def all_beads(store):
    return store.list_beads(limit=1000).beads


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the queue -------------------------------------------------------------------------------


def test_queue_lists_every_document_worst_first(client, store, docs):
    page = client.get("/pairs")
    assert page.status_code == 200
    beads = all_beads(store)
    assert len(beads) == 11
    worst_first = [b.id for b in sorted(beads, key=lambda b: (b.score, b.id))]
    assert bead_ids(page.text) == worst_first
    assert summary(page.text) == "Pairs 1–11 of 11 in all documents, worst confidence first."
    # Each row names its document (the queue mixes them) and its stable id.
    row = page.text[page.text.index(f'id="bead-{worst_first[0]}"') :].split("</article>")[0]
    assert f">#{worst_first[0]}</a>" in row and "天气.txt" in row
    assert "<kbd>c</kbd>" in page.text and "<kbd>u</kbd>" in page.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=approved", lambda b, d: b.status == "approved"),
        ("origin=aligned", lambda b, d: b.origin == "aligned"),
        ("kind=2-1", lambda b, d: b.kind == "2-1"),
        ("min=0.5&max=0.8", lambda b, d: b.score is not None and 0.5 <= b.score <= 0.8),
        ("doc={forum}&max=0.6", lambda b, d: b.document_id == d["forum"] and b.score <= 0.6),
        ("origin=mt&status=pending&min=0.9", lambda b, d: b.origin == "mt" and b.score >= 0.9),
    ],
)
def test_queue_filters(client, store, docs, query, expected):
    approved = bead_of(store, docs["news"], NEWS[1][0])
    store.update_bead(approved.id, expected_version=1, status="approved")
    page = client.get("/pairs?" + query.format(**docs))
    assert page.status_code == 200
    want = sorted((b for b in all_beads(store) if expected(b, docs)), key=lambda b: (b.score, b.id))
    assert bead_ids(page.text) == [b.id for b in want]
    assert want, "a filter that selects nothing proves little"


def test_document_page_is_the_queue_with_the_document_fixed(client, store, docs):
    doc = docs["news"]
    assert bead_ids(client.get(f"/documents/{doc}?sort=position").text) == bead_ids(
        client.get(f"/pairs?doc={doc}&sort=position").text
    )
    page = client.get(f"/documents/{doc}?sort=position&kind=1-1")
    # Its links stay on the document's own address.
    assert f'action="/documents/{doc}"' in page.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("kind=1-x", "kind must be a bead type"),
        ("doc=abc", "doc must be a whole number"),
        ("q=" + "长" * 201, "a search of at most 200 characters"),
    ],
)
def test_bad_queue_parameters_are_a_clear_400(client, query, message):
    page = client.get(f"/pairs?{query}")
    assert page.status_code == 400
    assert message in page.text


def test_queue_document_that_does_not_exist_is_404(client):
    assert client.get("/pairs?doc=999").status_code == 404


@pytest.mark.parametrize("sort", ["score", "-score", "position", "status", "origin"])
def test_keyset_pages_walk_the_whole_corpus_once(store, sort):
    for n in range(3):
        rows = [
            (f"第{n}篇第{i}句。", None, f"Doc {n} line {i}.", (i * 37 % 23) / 23) for i in range(40)
        ]
        add_document(store, f"d{n}.txt", rows, origin=("mt", "aligned", "human")[n])
    for bead in store.list_beads(limit=1000, sort="position").beads[::7]:
        store.update_bead(bead.id, expected_version=1, status="rejected")
    client = make_client(store)
    seen, url = [], f"/pairs?sort={sort}&limit=25"
    while url:
        page = client.get(url)
        assert page.status_code == 200
        seen += bead_ids(page.text)
        nxt = re.search(r'<a rel="next" href="([^"]+)"', page.text)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert len(seen) == len(set(seen)) == 120
    everything = store.list_beads(sort=sort, limit=1000).beads
    assert seen == [b.id for b in everything]


# --- home page -------------------------------------------------------------------------------


def test_home_page_sorts_documents_by_needs_attention(client, store, docs):
    page = client.get("/")
    names = re.findall(r'<tr data-document="(\d+)">', page.text)
    # news: 3 unreviewed pairs below 0.5; forum: 1 (mean 0.57); drafts: 1 (mean 0.69).
    assert [int(i) for i in names] == [docs["news"], docs["forum"], docs["drafts"]]
    row = page.text.split(f'<tr data-document="{docs["news"]}">')[1].split("</tr>")[0]
    assert '<td class="num below"><a href="/documents/' in row and ">3</a>" in row
    assert ">0.54<" in row  # mean confidence of the news story
    # Reviewing the news story's weak pairs moves it down.
    for src in (NEWS[3][0], NEWS[4][0], NEWS[5][0]):
        store.update_bead(
            bead_of(store, docs["news"], src).id, expected_version=1, status="approved"
        )
    names = re.findall(r'<tr data-document="(\d+)">', client.get("/").text)
    assert [int(i) for i in names] == [docs["forum"], docs["drafts"], docs["news"]]
    by_name = re.findall(r'<tr data-document="(\d+)">', client.get("/?sort=name").text)
    assert [int(i) for i in by_name] == [docs["news"], docs["drafts"], docs["forum"]]


def test_home_page_puts_unscored_documents_first_as_the_queue_does(client, store, docs):
    # Gloss drafts have no score: the worst-first queue lists their pairs first (they need the
    # most review), and the home page lists their document first too, not after one at 1.00.
    rows = [("你好。", None, "Hello.", None), ("再见。", None, "Goodbye.", None)]
    gloss = add_document(store, "gloss/词.txt", rows, origin="gloss")
    perfect = add_document(store, "perfect/好.txt", [("好。", None, "Good.", 1.0)])
    queue = client.get("/pairs?sort=score").text
    assert {store.get_bead(i).document_id for i in bead_ids(queue)[:2]} == {gloss}
    names = [int(i) for i in re.findall(r'<tr data-document="(\d+)">', client.get("/").text)]
    assert names[0] == gloss and names[-1] == perfect
    # Reviewed, it goes last, as any document with nothing left to review.
    for bead in store.list_beads(gloss).beads:
        store.update_bead(bead.id, expected_version=1, status="approved")
    names = [int(i) for i in re.findall(r'<tr data-document="(\d+)">', client.get("/").text)]
    assert names[0] == docs["news"] and names[-1] == gloss


# --- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected", "marked"),
    [
        ("放风筝", [NEWS[2][0]], "放风筝"),  # a Chinese substring (3 characters: the index)
        ("kites", [NEWS[2][0]], "kites"),  # an English word in the target
        ("KITES", [NEWS[2][0]], "kites"),  # case-insensitive
        ("这个问题", [FORUM[0][0]], "这个问题"),  # the normalized (Simplified) source
        ("置頂", [FORUM[1][0]], "置頂"),  # two characters: searched by a scan, said so
        ("天气", [NEWS[0][0], DRAFTS[2][0]], "天气"),  # source and target both
        ("天氣很好", [NEWS[0][0], DRAFTS[2][0]], "天气很好"),  # Traditional finds Simplified
        ("ｋｉｔｅｓ", [NEWS[2][0]], "kites"),  # full-width letters are folded
        ("100%", [], ""),  # LIKE wildcards are literal
        ('"quoted', [], ""),  # FTS syntax is literal too
    ],
)
def test_search_finds_substrings_and_marks_them(client, store, q, expected, marked):
    page = client.get("/pairs", params={"q": q})
    assert page.status_code == 200
    srcs = [store.get_bead(i).src_text for i in bead_ids(page.text)]
    assert sorted(srcs) == sorted(expected)
    if marked:
        assert re.search(rf"<mark>{re.escape(marked)}</mark>", page.text, re.I)
    scanned = 'id="search-note"' in page.text
    assert scanned == (len(q) < search.MIN_FTS_QUERY)


def test_search_with_many_matches_scans_in_sort_order_with_the_same_result(
    store, docs, monkeypatch
):
    from duiyi.corpus.store import queries

    where = BeadFilter(search="the", status="pending")
    sparse = store.list_beads(where=where, sort="score", limit=3)
    monkeypatch.setattr(queries, "DENSE_MATCHES", 1)  # "the" is now a common word
    dense = store.list_beads(where=where, sort="score", limit=3)
    assert [b.id for b in dense.beads] == [b.id for b in sparse.beads]
    assert dense.total == sparse.total > 3 and dense.search == sparse.search == "fts"


def test_pages_count_matches_up_to_a_limit_and_the_bulk_count_is_exact(
    client, store, docs, monkeypatch
):
    from duiyi.review import views

    monkeypatch.setattr(views, "COUNT_LIMIT", 4)
    page = client.get("/pairs?status=pending")
    assert summary(page.text).startswith("Pairs 1–11 of more than 4 matching")
    assert client.get("/pairs/count?status=pending").json() == {"count": 11}
    assert summary(client.get("/pairs?min=0.9").text).startswith("Pairs 1–2 of 2 matching")


def test_search_uses_the_fts5_index(store, docs):
    assert store.search_unavailable == ""
    page = store.list_beads(where=BeadFilter(search="放风筝"), sort="score")
    assert page.search == "fts" and page.total == 1
    # The index follows edits: the old text is gone, the new one found.
    bead = page.beads[0]
    store.update_bead(bead.id, expected_version=1, tgt_text="Kite flyers filled the park.")
    assert store.count_beads(BeadFilter(search="kites in the park")) == 0
    assert store.count_beads(BeadFilter(search="kite flyers")) == 1
    # A merge deletes a bead: the index forgets it.
    store.merge_with_next(bead.id, expected_version=2)
    assert store.count_beads(BeadFilter(search=NEWS[3][0][:5])) == 1
    assert [b.id for b in store.list_beads(where=BeadFilter(search=NEWS[3][0][:5])).beads] == [
        bead.id
    ]


def test_without_fts5_search_falls_back_to_like_and_says_so(tmp_path, monkeypatch):
    path = tmp_path / "corpus.db"
    with Store.open(path) as store:  # built with the index and its triggers
        docs = build_corpus(store)
        assert search.index_current(store._conn)
    # This SQLite "has no FTS5": the probe names a module SQLite does not know.
    monkeypatch.setattr(search, "FTS_MODULE", "fts5_not_compiled_in")
    with Store.open(path) as store:
        assert "no FTS5 trigram index" in store.search_unavailable
        assert not search.index_current(store._conn)  # triggers gone: writes still work
        bead = bead_of(store, docs["news"], NEWS[2][0])
        store.update_bead(bead.id, expected_version=1, tgt_text="Kite flyers filled the park.")
        page = make_client(store).get("/pairs", params={"q": "kite flyers"})
        assert bead_ids(page.text) == [bead.id]
        assert "Searched without a full-text index" in page.text
        assert "no FTS5 trigram index" in page.text
        assert "<mark>Kite flyers</mark>" in page.text
        with Store.open(path, readonly=True) as readonly:
            assert readonly.list_beads(where=BeadFilter(search="flyers")).search == "like"
    # Back on a SQLite with FTS5: the index is rebuilt, with the edit made meanwhile.
    monkeypatch.setattr(search, "FTS_MODULE", "fts5")
    with Store.open(path) as store:
        assert store.search_unavailable == ""
        page = store.list_beads(where=BeadFilter(search="kite flyers"))
        assert page.search == "fts" and [b.id for b in page.beads] == [bead.id]
        assert store.count_beads(BeadFilter(search="kites in the park")) == 0


# --- bulk changes ----------------------------------------------------------------------------


def bulk(client, action="approve", expected=None, headers=None, **filters):
    data = {"action": action, **{k: str(v) for k, v in filters.items()}}
    if expected is not None:
        data["expected"] = str(expected)
    return client.post("/pairs/bulk", data, headers=headers)


def test_bulk_approve_is_one_change_that_undo_reverts_whole(client, store, docs):
    chosen = [b for b in all_beads(store) if b.score is not None and b.score >= 0.6]
    assert len(chosen) == 5
    page = client.get("/pairs?min=0.6")
    assert 'data-count-url="/pairs/count?min=0.6"' in page.text and "Approve all…" in page.text
    assert client.get("/pairs/count?min=0.6").json() == {"count": 5}
    answer = bulk(client, expected=5, min=0.6)
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 5 and "Approved 5 pairs (confidence ≥ 0.6)" in body["message"]
    assert answer.headers["X-Corpus-Progress"] == "5/11"
    assert {b.id for b in all_beads(store) if b.status == "approved"} == {b.id for b in chosen}
    edit = store.history(chosen[0].id)[0]
    assert (edit.change_id, edit.change_size, edit.reviewer) == (body["change"], 5, "ann")
    assert "bulk change" in client.get(f"/beads/{chosen[0].id}/history").text
    # One undo reverts all five.
    undone = client.post(f"/changes/{body['change']}/undo")
    assert undone.status_code == 200 and undone.json()["count"] == 5
    assert all(b.status == "pending" for b in all_beads(store))
    # ... and only once.
    again = client.post(f"/changes/{body['change']}/undo")
    assert again.status_code == 422 and "already undone" in again.json()["error"]


def test_undo_of_one_pair_of_a_bulk_change_undoes_the_change(client, store, docs):
    body = bulk(client, expected=4, status="pending", origin="mt", min=0.5).json()
    ids = [b.id for b in all_beads(store) if b.status == "approved"]
    assert len(ids) == 4
    answer = client.post(f"/beads/{ids[0]}/undo")
    assert answer.status_code == 200
    assert answer.headers["X-Change"] == f"{body['change']}/4"
    assert all(store.get_bead(i).status == "pending" for i in ids)


def test_bulk_with_a_stale_count_changes_nothing(client, store, docs):
    answer = bulk(client, expected=4, min=0.6)  # the page said 4, there are 5
    assert answer.status_code == 409
    assert "now match 5 pairs, not the 4" in answer.json()["error"]
    assert all(b.status == "pending" for b in all_beads(store))


def test_bulk_undo_is_refused_when_a_pair_changed_after_it(client, store, docs):
    body = bulk(client, "reject", expected=3, doc=docs["forum"]).json()
    bead = bead_of(store, docs["forum"], FORUM[0][0])
    store.update_bead(bead.id, expected_version=bead.version, tgt_text="Changed later.")
    answer = client.post(f"/changes/{body['change']}/undo")
    assert answer.status_code == 409
    assert (
        f"1 of the 3 pairs of change {body['change']} were changed after it"
        in (answer.json()["error"])
    )
    assert f"#{bead.id}" in answer.json()["error"]
    assert [b.status for b in store.list_beads(docs["forum"]).beads] == ["rejected"] * 3


def test_bulk_search_and_kind_filters_select_what_the_page_lists(client, store, docs):
    assert bulk(client, expected=1, kind="2-1").json()["count"] == 1
    assert bulk(client, "reject", expected=2, q="天气").json()["count"] == 2
    statuses = {b.src_text: b.status for b in all_beads(store)}
    assert statuses[NEWS[0][0]] == "rejected" and statuses[DRAFTS[2][0]] == "rejected"
    assert statuses["第一句。第二句。"] == "approved"
    # Already approved pairs are left as they are (and said so).
    again = bulk(client, expected=1, kind="2-1").json()
    assert again["change"] is None and "already" in again["message"]


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({"X-CSRF-Token": ""}, 403, "Missing the page's CSRF token"),
        ({"X-CSRF-Token": "guess"}, 403, "Wrong CSRF token"),
        ({"Origin": "http://evil.example"}, 403, "is not this review app"),
    ],
)
def test_bulk_and_change_undo_need_the_token_and_our_origin(
    client, store, docs, headers, status, message
):
    answer = bulk(client, expected=11, headers=headers)
    assert answer.status_code == status and message in answer.text
    assert all(b.status == "pending" for b in all_beads(store))
    change = bulk(client, expected=11).json()["change"]
    refused = client.post(f"/changes/{change}/undo", headers=headers)
    assert refused.status_code == status
    assert all(b.status == "approved" for b in all_beads(store))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "delete", "expected": "1"}, "action must be one of approve, reject"),
        ({"action": "approve"}, "'expected' must be a whole number"),
        ({"action": "approve", "expected": "1", "min": "7"}, "min must be a confidence"),
    ],
)
def test_bad_bulk_requests_are_refused(client, store, docs, data, message):
    answer = client.post("/pairs/bulk", data)
    assert answer.status_code == 400 and message in answer.json()["error"]


# --- context, merge labels, ids, edited scores ------------------------------------------------


def test_context_shows_the_document_neighbours(client, store, docs):
    ids = [b.id for b in store.list_beads(docs["news"], sort="position").beads]
    page = client.get(f"/beads/{ids[2]}/context")
    assert page.status_code == 200
    shown = [int(i) for i in re.findall(r'class="ctx-row [^"]*" data-id="(\d+)"', page.text)]
    assert shown == [ids[0], ids[1], ids[3], ids[4]]
    first = client.get(f"/beads/{ids[0]}/context").text
    assert "start of the document" in first
    assert "end of the document" in client.get(f"/beads/{ids[-1]}/context").text


def test_merge_buttons_name_the_next_pair_in_document_order(client, store, docs):
    ids = [b.id for b in store.list_beads(docs["news"], sort="position").beads]
    page = client.get(f"/documents/{docs['news']}")  # worst first: not document order
    for here, nxt in zip(ids, ids[1:], strict=False):
        row = page.text.split(f'id="bead-{here}"')[1].split("</article>")[0]
        assert f">Merge with #{nxt}</button>" in row
    last = page.text.split(f'id="bead-{ids[-1]}"')[1].split("</article>")[0]
    assert 'data-action="merge" disabled' in last
    # The merge merges exactly that pair.
    answer = client.post(f"/beads/{ids[0]}/merge", {"version": 1})
    assert answer.headers["X-Removed-Beads"] == str(ids[1])
    assert f">Merge with #{ids[2]}</button>" in answer.text


def test_an_edited_pair_shows_edited_instead_of_its_old_score(client, store, docs):
    bead = bead_of(store, docs["forum"], FORUM[2][0])
    answer = client.post(f"/beads/{bead.id}/edit", {"version": 1, "tgt_text": "Thanks, mods!"})
    assert '<span class="conf cedited"' in answer.text and ">edited</span>" in answer.text
    assert "0.35" in answer.text  # named in the title, as the score it had


# --- MT drafts -------------------------------------------------------------------------------


def test_drafts_show_quality_estimate_engine_and_flags(client, store, docs):
    page = client.get(f"/documents/{docs['drafts']}")
    bead = bead_of(store, docs["drafts"], DRAFTS[2][0])
    row = page.text.split(f'id="bead-{bead.id}"')[1].split("</article>")[0]
    assert ">QE 0.41</span>" in row
    assert '<span class="engine"' in row and "llm:qwen2.5-coder-1.5b" in row
    assert '<span class="flag"' in row and "cjk-left" in row
    assert bead.meta == {"flags": ["cjk-left"], "qe": 0.41}


def test_approving_an_edited_draft_exports_it_as_edited(client, store, docs, cli, tmp_path):
    bead = bead_of(store, docs["drafts"], DRAFTS[2][0])
    fixed = "He said the weather was fine."
    assert client.post(f"/beads/{bead.id}/edit", {"version": 1, "tgt_text": fixed}).is_success
    assert client.post(f"/beads/{bead.id}/approve", {"version": 2}).is_success
    saved = store.get_bead(bead.id)
    assert (saved.origin, saved.status, saved.tgt_text) == ("edited", "approved", fixed)
    out = tmp_path / "approved.jsonl"
    status, _, err = cli("export", store.path, "--status", "approved", "-o", out)
    assert status == 0, err
    (pair,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert (pair["tgt_text"], pair["origin"]) == (fixed, "edited")


# --- export of the page's filter ---------------------------------------------------------------


def test_export_downloads_the_pairs_the_filters_match(client, store, docs):
    answer = client.get(f"/pairs/export?format=jsonl&doc={docs['news']}&min=0.5")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    pairs = [json.loads(line) for line in answer.text.splitlines()]
    assert sorted(p["src_text"] for p in pairs) == sorted(r[0] for r in NEWS if r[3] >= 0.5)
    tmx = client.get("/pairs/export?format=tmx&q=kites")
    assert tmx.status_code == 200 and tmx.text.count("<tu ") == 1 and "<tmx" in tmx.text
    assert client.get("/pairs/export?format=exe").status_code == 400


def test_a_page_export_of_one_direction_in_a_store_of_two(client, store, docs):
    from duiyi.corpus.model import Pair

    # Beside the zh→en documents, an en-GB→zh memory: the pairs a filter picks in one
    # direction are tagged as `duiyi export` tags a store holding only them.
    memory = [Pair("Good morning.", "早上好。"), Pair("Thank you, colour.", "谢谢，颜色。")]
    store.add_pairs(
        memory, source="en.tmx", checksum="en", origin="human", src_lang="en-GB", tgt_lang="zh"
    )
    (english,) = [d.id for d in store.list_documents() if d.name == "en.tmx"]

    def tags(query: str) -> set[tuple[str, str]]:
        answer = client.get(f"/pairs/export?format=jsonl&{query}")
        assert answer.status_code == 200, answer.text
        return {(p["src_lang"], p["tgt_lang"]) for p in map(json.loads, answer.text.splitlines())}

    assert tags(f"doc={docs['news']}") == tags("origin=aligned") == {("zh-CN", "en-US")}
    assert tags(f"doc={english}") == tags("q=colour") == {("en-GB", "zh-CN")}
    tmx = client.get(f"/pairs/export?format=tmx&doc={english}")
    assert tmx.status_code == 200 and 'srclang="en-GB"' in tmx.text
    assert tmx.text.count('xml:lang="zh-CN"') == 2
    # Both directions in one file cannot be tagged: said in the page's own terms.
    for query in ("", "status=pending", "q=o"):
        refused = client.get(f"/pairs/export?format=tmx&{query}")
        assert refused.status_code == 409
        message = text_of(refused.text)
        assert "several directions (en→zh, zh→en)" in message, message
        assert "filter" in message and "--src-lang" not in message


def test_a_page_export_reads_one_state_while_another_tab_saves(tmp_path, monkeypatch):
    from duiyi.corpus.model import Pair
    from duiyi.review import export

    real_filter = export.without_gloss  # the first step the pairs read go through
    with Store.open(tmp_path / "big.db") as store:  # more pairs than one batch of reads
        store.add_pairs(
            [Pair(f"句{i}。", f"S{i}.") for i in range(2500)], source="m.tmx", checksum="m"
        )

        def approve_everything_midway(pairs):
            def pairs_then_a_save():
                for n, pair in enumerate(pairs):
                    if n == 1:  # another tab approves the whole corpus, and commits
                        store.bulk_update(BeadFilter(), status="approved")
                    yield pair

            return real_filter(pairs_then_a_save())

        monkeypatch.setattr(export, "without_gloss", approve_everything_midway)
        pending = make_client(store).get("/pairs/export?format=jsonl&status=pending")
        assert store.count_pairs(status=["pending"]) == 0
    statuses = [json.loads(line)["status"] for line in pending.text.splitlines()]
    assert statuses == ["pending"] * 2500  # every pair, as the export began


def test_a_schema_2_store_is_upgraded_with_its_search_index(tmp_path):
    import sqlite3

    from duiyi.corpus.store.schema import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name, applied_at)")
    for migration in MIGRATIONS[:2]:  # what duiyi wrote before schema 3
        for statement in migration.sql.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations VALUES (?, ?, '2026-01-01')",
            (migration.version, migration.name),
        )
    conn.execute(
        "INSERT INTO documents (id, path, name, checksum, created_at, updated_at) "
        "VALUES (1, 'old.txt', 'old.txt', 'x', 'then', 'then')"
    )
    conn.execute(
        "INSERT INTO beads (id, document_id, position, kind, src_text, tgt_text, score, origin, "
        "created_at, updated_at) VALUES (1, 1, 0, '1-1', '旧的句子在这里。', 'An old one.', "
        "0.4, 'aligned', 'then', 'then')"
    )
    old = {"id": 1, "position": 0, "src_ids": [], "tgt_ids": [], "kind": "1-1"}
    old |= {"src_text": "旧的句子在这里。", "src_normalized": "", "score": 0.4}
    old |= {"origin": "aligned", "engine": "", "status": "pending", "version": 1}
    conn.execute(
        "INSERT INTO edits (bead_id, document_id, action, at, before, after) "
        "VALUES (1, 1, 'update', 'then', ?, ?)",
        (json.dumps([old | {"tgt_text": "Old."}]), json.dumps([old | {"tgt_text": "An old one."}])),
    )
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert store.schema_version >= 3
        page = store.list_beads(where=BeadFilter(search="句子在"))
        assert page.search == "fts" and [b.id for b in page.beads] == [1]
        assert page.beads[0].meta == {}
        change = store.bulk_update(BeadFilter(max_score=0.5), status="approved", expected_count=1)
        store.undo_change(change.change_id)
        assert store.get_bead(1).status == "pending"
        client = make_client(store)
        history = client.get("/beads/1/history")
        assert history.status_code == 200 and "Old." in history.text
        # The snapshot from before schema 3 (no meta) can still be undone.
        store.undo(1)
        assert store.get_bead(1).tgt_text == "Old."


def test_statistics_let_sqlite_walk_the_sort_index(store):
    def stats():
        rows = store._query("SELECT stat FROM sqlite_stat1 WHERE tbl = 'beads' AND idx IS NOT NULL")
        return {int(r[0].split()[0]) for r in rows}

    for n, origin in enumerate(("mt", "aligned")):
        rows = [(f"第{i}句。", None, f"Line {i}.", (i * 37 % 101) / 100) for i in range(700)]
        add_document(store, f"d{n}.txt", rows, origin=origin)
    assert stats() == {1400}  # analyzed once past 1,000 beads
    plan = store._query(
        "EXPLAIN QUERY PLAN SELECT id FROM beads WHERE origin IN ('mt') AND status IN "
        "('pending') ORDER BY COALESCE(score, -1), id LIMIT 51"
    )
    assert "beads_score_key" in str(plan), plan  # not: every mt bead, then a sort
    rows = [(f"第{i}句。", None, f"Line {i}.", 0.5) for i in range(300)]
    add_document(store, "d2.txt", rows)
    assert stats() == {1400}  # not yet twice as many
    add_document(store, "d3.txt", rows * 5)
    assert stats() == {3200}


@pytest.mark.parametrize("q", ["<b>", "onerror=", "&amp;", '"><script>'])
def test_search_highlighting_escapes_text_and_query(store, q):
    hostile = '<b>bold</b> <img src=x onerror=alert(1)> &amp; "><script>alert(2)</script>'
    add_document(store, "evil.txt", [(f"坏{hostile}。", None, hostile, 0.3)])
    page = make_client(store).get("/pairs", params={"q": q})
    assert page.status_code == 200
    body = page.text.split('<div class="pairs" id="pairs"')[1]
    assert "<b>bold" not in body and "<img" not in body and "<script>" not in page.text
    escaped = str(markupsafe.escape(q))
    assert f"<mark>{escaped}</mark>" in body


def test_a_pairs_document_link_opens_the_page_that_lists_it(store):
    rows = [(f"第{i}句。", None, f"Sentence {i}.", 0.5) for i in range(120)]
    doc = add_document(store, "long.txt", rows)
    client = make_client(store)
    beads = store.list_beads(doc, sort="position", limit=200).beads
    store.merge_with_next(beads[0].id, expected_version=1)  # a gap in the positions
    far = beads[100]
    link = f"/beads/{far.id}/place"
    assert f'href="{link}"' in client.get(f"/pairs?q={far.src_text}").text
    assert f'href="{link}"' in client.get(f"/beads/{far.id}/history").text
    answer = client.get(link)
    assert answer.status_code == 303
    path, anchor = answer.headers["location"].split("#")
    page = client.get(path).text
    assert anchor == f"bead-{far.id}" and bead_ids(page)[0] == far.id
    assert summary(page) == "Pairs 100–119 of 119, document order."
    assert client.get("/beads/9999/place").status_code == 404


def test_a_document_link_deep_in_a_long_document_reads_a_bounded_number_of_pairs(
    store, monkeypatch
):
    from duiyi.review import views

    # Counting the pairs before a pair by reading them all took 12 s and 400 MB for a pair
    # in the middle of a 300,000-pair document (one imported TMX).
    monkeypatch.setattr(views, "PLACE_COUNT_LIMIT", 50, raising=False)
    doc = add_document(
        store, "long.txt", [(f"第{i}句。", None, f"S {i}.", 0.5) for i in range(300)]
    )
    far = store.list_beads(doc, sort="position", limit=300).beads[250]
    count, asked = Store.count_before, []  # on the class: pages read through a view of their own
    monkeypatch.setattr(
        Store, "count_before", lambda s, bead, limit: asked.append(limit) or count(s, bead, limit)
    )
    client = make_client(store)
    answer = client.get(f"/beads/{far.id}/place")
    assert asked == [51]
    path, anchor = answer.headers["location"].split("#")
    page = client.get(path).text
    assert anchor == f"bead-{far.id}" and bead_ids(page)[0] == far.id
    assert summary(page) == "Pairs 251–300 of 300, document order."  # no gaps: exact


def test_a_pair_of_a_file_mixing_variants_shows_its_own_tags(store, client):
    """A TMX mixing zh-CN and zh-TW units keeps each unit's tags in its bead's meta: the page
    tags the texts with them (not the document's shared `zh`) and does not list them."""
    from duiyi.corpus.model import Pair

    pairs = [
        Pair("软件", "software", src_lang="zh-CN", tgt_lang="en-US"),
        Pair("軟體", "software", src_lang="zh-TW", tgt_lang="en-GB"),
    ]
    store.add_pairs(pairs, source="mixed.tmx", checksum="mixed", own_tags=True)
    page = client.get("/pairs?limit=1000").text
    found = re.findall(
        r'class="src-text" lang="([^"]*)">([^<]*)</div>.*?class="tgt-text" lang="([^"]*)"',
        page,
        re.S,
    )
    langs = {text: (src, tgt) for src, text, tgt in found}
    assert langs["软件"] == ("zh-CN", "en-US")
    assert langs["軟體"] == ("zh-TW", "en-GB")
    assert "lang_tags" not in page
    # another tool's TMX prop of that name (a string) is shown as its other props are
    store.add_pairs([Pair("猫。", "Cat.", meta={"lang_tags": "x"})], source="o.tmx", checksum="o")
    assert 'title="lang_tags">lang_tags: x</span>' in client.get("/pairs?limit=1000").text
    beads = [b for b in all_beads(store) if b.src_text in ("软件", "軟體")]
    cn, tw = sorted(beads, key=lambda bead: bead.position)
    assert 'lang="zh-TW">軟體' in client.get(f"/beads/{cn.id}/context").text
    client.post(f"/beads/{tw.id}/edit", {"version": 1, "tgt_text": "computer software"})
    history = client.get(f"/beads/{tw.id}/history").text
    assert '<ins lang="en-GB">computer software</ins>' in history


def test_a_page_export_keeps_each_documents_own_tags(store, client):
    """A zh-TW/en-GB memory beside zh-CN drafts: its units say so, as `duiyi export` writes
    them (the page passed the file's tags to write_pairs, which then tagged every unit)."""
    from duiyi.corpus.model import Pair

    store.add_pairs(
        [Pair("軟體。", "Software.")], source="tw.tmx", checksum="tw", src_lang="zh-TW",
        tgt_lang="en-GB",
    )  # fmt: skip
    records = [json.loads(r) for r in client.get("/pairs/export?format=jsonl").text.splitlines()]
    tags = {(r["src_lang"], r["tgt_lang"]) for r in records}
    assert ("zh-TW", "en-GB") in tags and ("zh-CN", "en-US") in tags
    (tw,) = [r for r in records if r["src_text"] == "軟體。"]
    assert (tw["src_lang"], tw["tgt_lang"]) == ("zh-TW", "en-GB")
