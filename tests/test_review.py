"""The review app through httpx's ASGI transport (no server): pages, actions, safety."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import time

import httpx
import pytest
from review_corpus import NEWS, add_document, build_corpus

from duiyi.corpus.store import Store
from duiyi.review.app import create_app
from duiyi.review.security import allowed_hosts
from duiyi.review.server import make_server, serve_in_thread


@contextlib.contextmanager
def review_process(*args, command=None, env=None):
    """`duiyi review ARGS` (or `command`) in a process of its own: (the process, the URL it
    says it serves), the process killed if the test leaves it running."""
    command = command or [sys.executable, "-m", "duiyi.cli", "review", *map(str, args)]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        yield proc, re.search(r"at (http://\S+/)", proc.stdout.readline()).group(1)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


HOST = "127.0.0.1:8765"
TOKEN = "test-token-0123456789"


class Client:
    """A synchronous face over httpx.AsyncClient + ASGITransport for one app."""

    def __init__(self, app, host: str = HOST, token: str | None = TOKEN):
        self.app, self.host, self.token = app, host, token

    def request(self, method: str, url: str, headers: dict | None = None, **kw) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url=f"http://{HOST}") as c:
                return await c.request(
                    method, url, headers={"host": self.host, **(headers or {})}, **kw
                )

        return asyncio.run(go())

    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, data: dict | None = None, headers: dict | None = None):
        sent = {"X-CSRF-Token": self.token} if self.token else {}
        sent["Origin"] = f"http://{HOST}"
        return self.request("POST", url, data=data or {}, headers={**sent, **(headers or {})})


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


def bead_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="pair [^"]*" id="bead-(\d+)"', html)]


def summary(html: str) -> str:
    """The page's "Pairs 1–6 of 6 …" line as text."""
    found = re.search(r'<p class="summary" id="summary"[^>]*>(.*?)</p>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) if found else ""


def bead_of(store, doc_id: int, src: str):
    return next(b for b in store.list_beads(doc_id, limit=1000).beads if b.src_text == src)


# --- pages -----------------------------------------------------------------------------------


def test_documents_page_lists_documents_with_progress(client, store, docs):
    store.update_bead(
        bead_of(store, docs["news"], NEWS[0][0]).id, expected_version=1, status="approved"
    )
    page = client.get("/")
    assert page.status_code == 200
    assert "天气.txt" in page.text and "討論.txt" in page.text
    assert '<span class="count">1/6</span>' in page.text
    assert '<span class="count">0/3</span>' in page.text
    assert "1 of 9 pairs reviewed in 2 documents" in page.text
    assert "reviewing as <b>ann</b>" in page.text


def test_document_page_shows_pairs_worst_confidence_first(client, store, docs):
    page = client.get(f"/documents/{docs['news']}")
    assert page.status_code == 200
    beads = store.list_beads(docs["news"], limit=100).beads
    by_score = [b.id for b in sorted(beads, key=lambda b: b.score)]
    assert bead_ids(page.text) == by_score
    worst = page.text[page.text.index(f'id="bead-{by_score[0]}"') :]
    assert "雨停以后，天边出现了彩虹。" in worst.split("</article>")[0]
    # MT drafts: the score is the draft's quality estimate.
    assert ">QE 0.09</span>" in page.text and 'class="conf c0"' in page.text
    assert ">QE 0.93</span>" in page.text and 'class="conf c9"' in page.text
    assert 'class="origin o-mt"' in page.text
    assert summary(page.text) == "Pairs 1–6 of 6, worst confidence first."
    # Keyboard shortcuts are on the page.
    for key in ("j", "k", "a", "r", "e", "u", "Enter", "Esc"):
        assert f"<kbd>{key}</kbd>" in page.text
    assert 'name="csrf-token" content="test-token-0123456789"' in page.text


def test_normalized_source_is_shown_only_when_it_differs(client, docs):
    forum = client.get(f"/documents/{docs['forum']}").text
    assert forum.count('class="src-normalized"') == 3
    assert "这个问题我们讨论过很多次了。" in forum
    news = client.get(f"/documents/{docs['news']}").text
    assert 'class="src-normalized"' not in news


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sort=position", [0, 1, 2, 3, 4, 5]),
        ("sort=-score", [0, 1, 2, 3, 4, 5]),
        ("sort=score&min=0.3&max=0.9", [3, 2, 1]),
        ("sort=position&status=approved", [1]),
        ("sort=position&status=pending", [0, 2, 3, 4, 5]),
        ("sort=position&origin=edited", [4]),
        ("sort=position&origin=human", []),
        ("sort=status", [1, 0, 2, 3, 4, 5]),
        ("sort=origin", [4, 0, 1, 2, 3, 5]),
    ],
)
def test_sort_and_filters(client, store, docs, query, expected):
    doc = docs["news"]
    approved = bead_of(store, doc, NEWS[1][0])
    store.update_bead(approved.id, expected_version=1, status="approved")
    edited = bead_of(store, doc, NEWS[4][0])
    store.update_bead(edited.id, expected_version=1, tgt_text="Everyone sheltered in the pavilion.")
    page = client.get(f"/documents/{doc}?{query}")
    assert page.status_code == 200
    ids = {bead_of(store, doc, src).id: i for i, (src, *_) in enumerate(NEWS)}
    assert [ids[b] for b in bead_ids(page.text)] == expected
    if not expected:
        assert "No pairs match these filters." in page.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sort=random", "sort must be one of"),
        ("status=done", "status must be one of"),
        ("origin=robot", "origin must be one of"),
        ("min=2", "min must be a confidence between 0 and 1"),
        ("max=abc", "max must be a confidence between 0 and 1"),
        ("limit=many", "limit must be a whole number"),
        ("cursor=%5Bnot-json", "bad page cursor"),
    ],
)
def test_bad_query_parameters_are_a_clear_400(client, docs, query, message):
    page = client.get(f"/documents/{docs['news']}?{query}")
    assert page.status_code == 400
    assert message in page.text
    assert "<h1>Error 400</h1>" in page.text


def test_unknown_document_and_pair_are_404_pages(client):
    assert client.get("/documents/999").status_code == 404
    assert "no document 999" in client.get("/documents/999").text
    assert client.get("/beads/999").status_code == 404
    assert client.get("/no/such/page").status_code == 404


def test_keyset_pagination_walks_every_pair_once_in_order(store, client):
    rows = [(f"第{i}句话。", None, f"Sentence {i}.", (i * 37 % 101) / 100) for i in range(130)]
    doc = add_document(store, "long.txt", rows)
    seen, url, pages = [], f"/documents/{doc}?limit=50", 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        pages += 1
        seen += bead_ids(page.text)
        nxt = re.search(r'<a rel="next" href="([^"]+)"', page.text)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
        if pages == 2:
            assert summary(page.text).startswith("Pairs 51–100 of 130")
            assert "« first page" in page.text
    assert pages == 3
    assert len(seen) == len(set(seen)) == 130
    scores = {b.id: b.score for b in store.list_beads(doc, limit=1000).beads}
    assert [scores[i] for i in seen] == sorted(scores[i] for i in seen)


# --- actions ---------------------------------------------------------------------------------


def test_approve_saves_at_once_and_returns_the_pair(client, store, docs):
    bead = bead_of(store, docs["news"], NEWS[0][0])
    answer = client.post(f"/beads/{bead.id}/approve", {"version": bead.version})
    assert answer.status_code == 200
    assert bead_ids(answer.text) == [bead.id]
    assert '<article class="pair approved"' in answer.text
    assert f'data-version="{bead.version + 1}"' in answer.text
    assert answer.headers["X-Progress"] == "1/6"
    assert store.get_bead(bead.id).status == "approved"
    (edit,) = store.history(bead.id)
    assert (edit.action, edit.reviewer) == ("update", "ann")
    assert (edit.before[0]["status"], edit.after[0]["status"]) == ("pending", "approved")


def test_reject_reset_and_edit(client, store, docs):
    bead = bead_of(store, docs["news"], NEWS[5][0])
    assert client.post(f"/beads/{bead.id}/reject", {"version": 1}).status_code == 200
    assert store.get_bead(bead.id).status == "rejected"
    assert client.post(f"/beads/{bead.id}/reset", {"version": 2}).status_code == 200
    assert store.get_bead(bead.id).status == "pending"
    new = "After the rain stopped, a rainbow appeared on the horizon & beyond."
    answer = client.post(f"/beads/{bead.id}/edit", {"version": 3, "tgt_text": f"  {new}\r\n"})
    assert answer.status_code == 200
    assert "a rainbow appeared on the horizon &amp; beyond." in answer.text
    saved = store.get_bead(bead.id)
    assert (saved.tgt_text, saved.origin, saved.updated_by) == (new, "edited", "ann")
    history = client.get(f"/beads/{bead.id}/history").text
    assert "Apples are red." in history and "ann" in history and "rejected" in history


def test_merge_split_and_undo(client, store, docs):
    doc = docs["news"]
    first, second = (bead_of(store, doc, NEWS[i][0]) for i in (0, 1))
    merged = client.post(f"/beads/{first.id}/merge", {"version": 1})
    assert merged.status_code == 200
    assert merged.headers["X-Removed-Beads"] == str(second.id)
    assert bead_ids(merged.text) == [first.id]
    assert store.get_bead(first.id).src_text == NEWS[0][0] + NEWS[1][0]
    assert store.get_document(doc).total == 5
    # Undo brings the swallowed pair back.
    undone = client.post(f"/beads/{first.id}/undo")
    assert undone.status_code == 200
    assert bead_ids(undone.text) == [first.id, second.id]
    assert store.get_bead(second.id).src_text == NEWS[1][0]
    # Split the merged pair again, at the sentence boundary on both sides.
    again = client.post(f"/beads/{first.id}/merge", {"version": store.get_bead(first.id).version})
    assert again.status_code == 200
    bead = store.get_bead(first.id)
    src_at = len(NEWS[0][0])
    tgt_at = len(NEWS[0][2])
    split = client.post(
        f"/beads/{first.id}/split", {"version": bead.version, "src_at": src_at, "tgt_at": tgt_at}
    )
    assert split.status_code == 200
    ids = bead_ids(split.text)
    assert len(ids) == 2 and ids[0] == first.id
    assert [store.get_bead(i).src_text for i in ids] == [NEWS[0][0], NEWS[1][0]]
    assert [store.get_bead(i).tgt_text for i in ids] == [NEWS[0][2], NEWS[1][2]]
    # Undo from the split-off half: the page gets the whole pair back and drops the half.
    undone = client.post(f"/beads/{ids[1]}/undo")
    assert undone.status_code == 200
    assert bead_ids(undone.text) == [first.id]
    assert undone.headers["X-Removed-Beads"] == str(ids[1])


@pytest.mark.parametrize(
    ("action", "data", "status", "message"),
    [
        ("publish", {"version": 1}, 404, "no action 'publish'"),
        ("approve", {}, 400, "'version' must be a whole number"),
        ("split", {"version": 1, "src_at": "x", "tgt_at": 1}, 400, "'src_at' must be"),
        ("split", {"version": 1, "src_at": 0, "tgt_at": 0}, 422, "leaves an empty half"),
        ("undo", {}, 422, "has no change to undo"),
    ],
)
def test_refused_actions_answer_json_with_a_message(
    client, store, docs, action, data, status, message
):
    bead = bead_of(store, docs["news"], NEWS[0][0])
    answer = client.post(f"/beads/{bead.id}/{action}", data)
    assert answer.status_code == status
    assert message in answer.json()["error"]
    assert store.get_bead(bead.id).version == 1


def test_messages_name_pairs_as_the_page_does(client, store, docs):
    # The page names pairs "#1234"; its messages (refusals, conflicts, 404s) do too.
    first, last = (bead_of(store, docs["news"], NEWS[i][0]) for i in (0, -1))
    posts = {
        first.id: [
            (f"/beads/{first.id}/edit", {"version": 7, "tgt_text": "New."}),  # stale
            (f"/beads/{first.id}/undo", {}),  # nothing to undo
            (f"/beads/{first.id}/split", {"version": 1, "src_at": 0, "tgt_at": 0}),
            (f"/beads/{first.id}/split", {"version": 1, "src_at": 99, "tgt_at": 0}),
        ],
        last.id: [(f"/beads/{last.id}/merge", {"version": 1})],
        999: [("/beads/999/approve", {"version": 1})],
    }
    messages = [
        (number, client.post(url, data).json()["error"])
        for number, sent in posts.items()
        for url, data in sent
    ]
    for url in ("/beads/999/place", "/beads/999/context", "/beads/999/history"):
        page = client.get(url).text
        messages.append((999, re.search(r'class="flash error">(.*?)</p>', page).group(1)))
    # Undoing a split after its second half was changed again.
    split = store.split_bead(first.id, expected_version=1, src_at=3, tgt_at=5)
    half = split.beads[1]
    store.update_bead(half.id, expected_version=half.version, status="approved")
    messages.append((half.id, client.post(f"/beads/{first.id}/undo").json()["error"]))
    for number, message in messages:
        assert f"pair #{number}" in message and "bead" not in message, message


def test_merging_the_last_pair_is_refused(client, store, docs):
    last = bead_of(store, docs["news"], NEWS[-1][0])
    answer = client.post(f"/beads/{last.id}/merge", {"version": 1})
    assert answer.status_code == 422
    assert "last of its document" in answer.json()["error"]


def test_a_stale_version_is_a_409_with_the_current_pair(client, store, docs):
    bead = bead_of(store, docs["news"], NEWS[2][0])
    # Tab one approves; tab two, still showing version 1, then tries to edit.
    assert client.post(f"/beads/{bead.id}/approve", {"version": 1}).status_code == 200
    stale = client.post(f"/beads/{bead.id}/edit", {"version": 1, "tgt_text": "Overwritten!"})
    assert stale.status_code == 409
    body = stale.json()
    assert "changed by someone else" in body["error"]
    assert body["error"].endswith(
        "(now version 2, you had version 1). The page now shows the pair as it is."
    )  # no "reload it": the page already shows it as it is
    assert '<article class="pair approved"' in body["html"]
    saved = store.get_bead(bead.id)
    assert (saved.status, saved.tgt_text, saved.version) == ("approved", NEWS[2][2], 2)


def test_a_store_moved_or_replaced_meanwhile_is_refused_not_half_read(
    tmp_path, client, store, docs
):
    """Pages read the store's path anew (a connection each), changes go through the one the
    app opened: a store moved away, or another put in its place, is one clear refusal for
    both, never pages of one file while approvals go into another (seen saved, then lost)."""
    path = tmp_path / "corpus.db"
    bead = bead_of(store, docs["news"], NEWS[2][0])
    moved = tmp_path / "moved.db"
    os.rename(path, moved)
    for answer in (client.get("/pairs"), client.post(f"/beads/{bead.id}/approve", {"version": 1})):
        assert answer.status_code == 422, answer.text  # not a 500 with a traceback
        assert "moved, removed or replaced since this command opened it" in answer.text
    with Store.open(tmp_path / "other.db") as other:  # the same pairs, a fresh file
        build_corpus(other)
    os.replace(tmp_path / "other.db", path)
    assert client.get("/pairs").status_code == 422
    assert client.post(f"/beads/{bead.id}/approve", {"version": 1}).status_code == 422
    assert store.get_bead(bead.id).status == "pending"  # the file the app still holds


# --- safety ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"X-CSRF-Token": ""}, "Missing the page's CSRF token"),
        ({"X-CSRF-Token": "guess"}, "Wrong CSRF token"),
        ({"Origin": "http://evil.example"}, "is not this review app"),
        ({"Origin": "null"}, "is not this review app"),
    ],
)
def test_state_changing_requests_need_the_token_and_our_origin(
    client, store, docs, headers, message
):
    bead = bead_of(store, docs["news"], NEWS[0][0])
    answer = client.post(f"/beads/{bead.id}/approve", {"version": 1}, headers=headers)
    assert answer.status_code == 403
    assert message in answer.text
    assert store.get_bead(bead.id).status == "pending"
    assert store.history(bead.id) == []


def test_token_without_an_origin_header_is_accepted(store, docs):
    app = create_app(store, hosts=allowed_hosts("127.0.0.1", 8765), token=TOKEN)
    bead = bead_of(store, docs["news"], NEWS[0][0])
    answer = Client(app).request(
        "POST", f"/beads/{bead.id}/approve", data={"version": 1}, headers={"X-CSRF-Token": TOKEN}
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1:9999", ""])
def test_foreign_host_headers_are_refused(store, docs, host):
    app = create_app(store, hosts=allowed_hosts("127.0.0.1", 8765), token=TOKEN)
    client = Client(app, host=host)
    page = client.get("/")
    assert page.status_code == 400
    assert "is not allowed" in page.text
    bead = bead_of(store, docs["news"], NEWS[0][0])
    assert client.post(f"/beads/{bead.id}/approve", {"version": 1}).status_code == 400
    assert store.get_bead(bead.id).status == "pending"


def test_localhost_names_for_the_same_port_are_accepted(store, docs):
    app = create_app(store, hosts=allowed_hosts("127.0.0.1", 8765), token=TOKEN)
    for host in ("127.0.0.1:8765", "localhost:8765", "LOCALHOST:8765"):
        assert Client(app, host=host).get("/").status_code == 200


def test_pair_texts_and_names_are_escaped(store, client):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    doc = add_document(
        store, f"evil/{hostile}.txt", [(f"这是{hostile}测试。", None, f"A {hostile} test.", 0.5)]
    )
    for url in ("/", f"/documents/{doc}"):
        html = client.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert (
            "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
            in html
        )
    bead = store.list_beads(doc).beads[0]
    answer = client.post(f"/beads/{bead.id}/edit", {"version": 1, "tgt_text": hostile})
    assert "<script>" not in answer.text and "&lt;script&gt;" in answer.text
    assert "<script>" not in client.get(f"/beads/{bead.id}/history").text


def test_texts_are_tagged_with_their_documents_languages(store, client, docs):
    from duiyi.corpus.model import Pair

    # Beside the zh→en drafts: a zh→fr memory and a ja→en-GB one, imported.
    fr = [Pair("天气很好。", "Il fait beau."), Pair("我们去散步。", "Allons nous promener.")]
    store.add_pairs(fr, source="fr.tmx", checksum="fr", tgt_lang="fr")
    ja = [Pair("いい天気です。", "Lovely weather.")]
    store.add_pairs(ja, source="ja.tmx", checksum="ja", src_lang="ja", tgt_lang="en-GB")

    def tagged(html: str) -> dict[str, tuple[str, str]]:
        """{source text: (its lang, the target's lang)} of the pairs or rows in `html`."""
        found = re.findall(
            r'class="src-text" lang="([^"]*)">([^<]*)</div>.*?class="tgt-text" lang="([^"]*)"',
            html,
            re.S,
        )
        return {text: (src, tgt) for src, text, tgt in found}

    langs = tagged(client.get("/pairs?limit=500").text)
    assert len(langs) == 12
    assert langs["天气很好。"] == langs["我们去散步。"] == ("zh-CN", "fr")
    assert langs["いい天気です。"] == ("ja", "en-GB")
    assert langs[NEWS[0][0]] == ("zh-CN", "en-US")
    # A Traditional source's normalized form is Simplified Chinese.
    assert (
        '<div class="src-normalized" lang="zh-Hans"'
        in client.get(f"/documents/{docs['forum']}").text
    )
    first, second = (
        b for b in store.list_beads(limit=500).beads if b.src_text in {p.src for p in fr}
    )
    assert tagged(client.get(f"/beads/{first.id}/context").text) == {
        "我们去散步。": ("zh-CN", "fr")
    }
    answer = client.post(f"/beads/{second.id}/edit", {"version": 1, "tgt_text": "Promenons-nous."})
    assert tagged(answer.text) == {"我们去散步。": ("zh-CN", "fr")}
    history = client.get(f"/beads/{second.id}/history").text
    assert '<ins lang="fr">Promenons-nous.</ins>' in history


def test_responses_carry_a_strict_content_security_policy(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/..%2fapp.py",
        "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static/__init__.py",
        "/static/templates",
        "/static//etc/passwd",
    ],
)
def test_static_files_come_from_package_data_only(client, path):
    answer = client.get(path)
    assert answer.status_code == 404
    assert "import" not in answer.text and "root:" not in answer.text


def test_static_files_are_served(client):
    js = client.get("/static/review.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert "X-CSRF-Token" in js.text
    assert client.get("/static/review.css").headers["content-type"].startswith("text/css")


def test_the_real_server_answers_on_loopback_and_checks_the_host(store, docs):
    with serve_in_thread(make_server(store, reviewer="ann")) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with httpx.Client(timeout=5) as http:
            page = http.get(server.url)
            assert page.status_code == 200 and "天气.txt" in page.text
            port = server.url.rstrip("/").rsplit(":", 1)[1]
            rebound = http.get(server.url, headers={"Host": f"attacker.example:{port}"})
            assert rebound.status_code == 400


def test_a_long_write_does_not_hold_up_other_tabs(store, docs, monkeypatch):
    # A bulk approve of 100,000 pairs writes for seconds: this one holds the store's write
    # transaction until the test lets it go, after the other requests were answered.
    import threading

    started, release = threading.Event(), threading.Event()
    real_bulk = store.bulk_update

    def slow_bulk(*args, **kwargs):
        with store.transaction():
            started.set()
            release.wait(20)
            return real_bulk(*args, **kwargs)

    monkeypatch.setattr(store, "bulk_update", slow_bulk)
    bead = bead_of(store, docs["news"], NEWS[0][0])
    with (
        serve_in_thread(make_server(store, reviewer="ann")) as server,
        httpx.Client(base_url=server.url, timeout=5) as http,
    ):
        token = re.search(r'name="csrf-token" content="([^"]+)"', http.get("/").text)[1]
        sent = {"X-CSRF-Token": token, "Origin": server.url.rstrip("/")}
        bulk: dict = {}

        def approve_all():
            with httpx.Client(base_url=server.url, timeout=30) as other_tab:
                data = {"action": "approve", "expected": "9"}
                bulk["answer"] = other_tab.post("/pairs/bulk", data=data, headers=sent)

        thread = threading.Thread(target=approve_all)
        thread.start()
        try:
            assert started.wait(10)
            # Meanwhile: a static file, pages (as the store was before the bulk approve),
            # a pair's history and an export.
            assert http.get("/static/review.js").status_code == 200
            assert "0 of 9 pairs reviewed" in http.get("/").text
            assert bead_ids(http.get("/pairs?status=approved").text) == []
            assert http.get(f"/beads/{bead.id}/history").status_code == 200
            assert http.get("/pairs/export?format=jsonl").text.count("\n") == 9
            assert thread.is_alive()  # still writing
        finally:
            release.set()
            thread.join(30)
        assert bulk["answer"].status_code == 200 and bulk["answer"].json()["count"] == 9
        assert "9 of 9 pairs reviewed" in http.get("/").text


# --- the command -----------------------------------------------------------------------------


def test_review_command_refuses_a_missing_store(cli, tmp_path):
    status, out, err = cli("review", tmp_path / "none.db")
    assert status == 1
    assert "no such corpus store" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "none.db").exists()


def test_review_command_listens_on_loopback_only(cli, tmp_path, store, docs):
    status, out, err = cli("review", store.path, "--host", "0.0.0.0")
    assert status == 2 and err.count("\n") == 1
    assert "only listens on loopback" in err and "ssh -L" in err
    status, out, err = cli("review", store.path, "--port", "70000")
    assert status == 2 and "argument --port: " in err and "'70000'" in err


def test_history_of_a_pair_merged_away_is_still_shown(client, store, docs):
    first, second = (bead_of(store, docs["news"], NEWS[i][0]) for i in (0, 1))
    assert client.post(f"/beads/{first.id}/merge", {"version": 1}).status_code == 200
    page = client.get(f"/beads/{second.id}/history")
    assert page.status_code == 200
    assert "This pair no longer exists (merged into another one)." in page.text
    assert "merge" in page.text and NEWS[1][0] in page.text


def test_review_command_serves_until_interrupted_and_records_the_reviewer(store, docs):
    import signal

    with review_process(store.path, "--reviewer", "bob") as (proc, url):
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        with httpx.Client(timeout=5) as http:
            page = http.get(f"{url}documents/{docs['news']}")
            assert "reviewing as <b>bob</b>" in page.text
            token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
            bead = bead_of(store, docs["news"], NEWS[0][0])
            answer = http.post(
                f"{url}beads/{bead.id}/approve",
                data={"version": 1},
                headers={"X-CSRF-Token": token},
            )
            assert answer.status_code == 200
        assert store.history(bead.id)[0].reviewer == "bob"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in proc.stderr.read()


def test_a_page_left_open_goes_on_saving_after_a_restart(store, docs):
    import signal

    def page_token(url: str) -> str:
        page = httpx.get(url, timeout=5).text
        return re.search(r'name="csrf-token" content="([^"]+)"', page)[1]

    with review_process(store.path, "--reviewer", "ann") as (proc, url):
        token = page_token(url)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    port = url.rstrip("/").rsplit(":", 1)[1]
    bead = bead_of(store, docs["news"], NEWS[0][0])
    with review_process(store.path, "--reviewer", "ann", "--port", port) as (proc, again):
        answer = httpx.post(
            f"{again}beads/{bead.id}/approve",
            data={"version": 1},
            headers={"X-CSRF-Token": token},
            timeout=5,
        )
        assert answer.status_code == 200
    assert store.get_bead(bead.id).status == "approved"
    # Another reviewer's server, on the same port: the page is not its page.
    with review_process(store.path, "--reviewer", "bob", "--port", port) as (proc, again):
        refused = httpx.post(
            f"{again}beads/{bead.id}/reject",
            data={"version": 2},
            headers={"X-CSRF-Token": token},
            timeout=5,
        )
        assert refused.status_code == 403 and "reload the page" in refused.text
        assert page_token(again) != token


def test_the_token_comes_from_a_secret_only_its_user_may_read(tmp_path, caplog):
    import os
    import stat

    from duiyi.review.security import secret_path, stable_token

    token = stable_token(tmp_path / "a.db", "ann")
    assert token == stable_token(tmp_path / "a.db", "ann")
    assert len({token, stable_token(tmp_path / "a.db", "bob"), stable_token("b.db", "ann")}) == 3
    secret = secret_path()
    assert str(secret).startswith(os.environ["XDG_CONFIG_HOME"])  # conftest's, not ~/.config
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(secret.parent.stat().st_mode) == 0o700
    # A secret others may read is no secret: a token for this run only, and it says so.
    secret.chmod(0o644)
    assert stable_token(tmp_path / "a.db", "ann") != stable_token(tmp_path / "a.db", "ann")
    assert "readable by others" in caplog.text


def test_a_store_whose_path_is_not_utf8_is_served(tmp_path, store, docs):
    # A Latin-1 file name (café.db from an old archive): Python names it with a surrogate,
    # which the token's HMAC could not encode: the command stopped with an internal error.
    store.close()
    path = tmp_path / os.fsdecode(b"caf\xe9.db")
    os.rename(tmp_path / "corpus.db", path)
    command = [sys.executable, "-m", "duiyi.cli", "review", path, "--reviewer", "ann"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        said = proc.stdout.readline().decode(errors="replace")
        url = re.search(r"at (http://\S+/)", said)
        assert url, said + proc.stderr.read().decode(errors="replace")
        assert NEWS[0][2] in httpx.get(f"{url.group(1)}pairs", timeout=5).text
    finally:
        proc.kill()
        proc.wait()
    from duiyi.review.security import stable_token

    assert stable_token(path, "ann") == stable_token(path, "ann") != stable_token(path, "bob")


def test_where_no_secret_can_be_kept_the_token_lasts_a_run_no_hang_no_crash(
    tmp_path, monkeypatch, caplog
):
    import pwd
    import threading

    from duiyi.review.security import secret_path, stable_token

    # A FIFO where the secret goes: opening it to read waited for a writer, forever.
    secret = secret_path()
    secret.parent.mkdir(parents=True)
    os.mkfifo(secret, 0o600)
    tokens: list[str] = []
    thread = threading.Thread(target=lambda: tokens.append(stable_token("a.db", "ann")))
    thread.start()
    thread.join(5)
    hung = thread.is_alive()
    if hung:  # let it go: a writer opens the FIFO
        os.close(os.open(secret, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
    assert not hung
    assert tokens[0] != stable_token("a.db", "ann")  # a token for this run only
    # A container's user: no $HOME, no passwd entry. `duiyi review` still starts.
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.delenv("HOME", raising=False)

    def no_entry(uid):
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    assert stable_token("a.db", "ann") != stable_token("a.db", "ann")
    assert "Could not determine home directory" in caplog.text


def test_an_empty_corpus_says_how_to_fill_it_with_commands_that_work(store):
    client = Client(create_app(store, hosts=allowed_hosts("127.0.0.1", 8765), token=TOKEN))
    page = client.get("/").text
    assert "has no documents yet" in page
    assert "<code>duiyi import memory.tmx --store corpus.db</code>" in page
    queue = client.get("/pairs").text
    assert "No pairs yet." in queue and "No pairs match" not in queue  # no filter is set
    assert "No pairs match these filters." in client.get("/pairs?status=approved").text


def test_the_command_can_listen_on_its_port_again_right_after_a_stop(cli, store, docs):
    # A browser keeps its connection open; the stopping server closes it, which leaves the
    # port's connection in TIME_WAIT for a minute: `duiyi review --port N` run again at once
    # must still be able to listen there (as every server does, with SO_REUSEADDR).
    # The client is kept open (its connection alive) while the server stops.
    with httpx.Client(timeout=5) as http, serve_in_thread(make_server(store)) as server:
        port = server.sock.getsockname()[1]
        assert http.get(server.url).status_code == 200
    with serve_in_thread(make_server(store, port=port, reviewer="ann")) as again:
        with httpx.Client(timeout=5) as http:
            assert http.get(again.url).status_code == 200
        # While it listens there, a second one is still refused, in one line.
        status, out, err = cli("review", store.path, "--port", port)
        assert status == 1
        assert err.strip() == (
            f"duiyi: error: cannot listen on 127.0.0.1:{port}: Address already in use "
            "(try another --port)"
        )


@pytest.mark.parametrize("works", [True, False])
def test_open_opens_the_url_or_says_it_found_no_browser(store, docs, tmp_path, works):
    import os
    import select
    import signal

    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n' if works else "#!/bin/sh\nexit 1\n")
    browser.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["BROWSER"] = str(browser if works else tmp_path / "no-such-browser")
    with review_process(store.path, "--open", env=env) as (proc, url):
        if works:
            for _ in range(250):
                if opened.exists() and opened.read_text().strip():
                    break
                time.sleep(0.02)
            assert opened.read_text().strip() == url
        else:
            assert select.select([proc.stderr], [], [], 10)[0], "nothing said on stderr"
            line = proc.stderr.readline()
            assert line.strip() == (
                f"duiyi review: found no web browser to open (--open): open {url} in yours"
            )
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


def test_a_client_that_hangs_up_before_the_answer_does_not_stop_the_server(store, docs):
    import signal
    import socket

    # A tab closed, or a page left while it loads: the answer goes to a closed connection.
    with review_process(store.path) as (proc, url):
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(f"GET /pairs HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            time.sleep(0.3)
            assert proc.poll() is None, f"the server died (exit status {proc.returncode})"
        with httpx.Client(timeout=5) as http:
            assert http.get(f"{url}pairs").status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


# --- a store this process may not write: browse, search, export; every change refused -------


def test_a_read_only_store_can_be_browsed_and_refuses_every_change(tmp_path):
    path = tmp_path / "corpus.db"
    with Store.open(path) as writable:
        docs = build_corpus(writable)
        bead = bead_of(writable, docs["news"], NEWS[0][0])
    with Store.open(path, readonly=True) as store:
        app = create_app(
            store,
            hosts=allowed_hosts("127.0.0.1", 8765),
            token=TOKEN,
            read_only="no write permission on corpus.db",
        )
        client = Client(app)
        note = "read-only: no write permission on corpus.db."
        for url in ("/", "/pairs", f"/documents/{docs['news']}", f"/beads/{bead.id}/history"):
            page = client.get(url)
            assert page.status_code == 200 and note in page.text, url
        queue = client.get("/pairs?q=kites&min=0.5").text
        assert bead_ids(queue) and "<mark>kites</mark>" in queue
        buttons = re.findall(
            r"<button type=\"button\" data-(?:action|bulk)=\"(\w+)\"([^>]*)>", queue
        )
        assert {name for name, attrs in buttons if "disabled" not in attrs} == {"context"}
        assert NEWS[1][0] in client.get(f"/beads/{bead.id}/context").text
        assert "kites" in client.get("/pairs/export?format=jsonl&q=kites").text
        refused = [
            client.post(f"/beads/{bead.id}/{action}", {"version": 1, "tgt_text": "x"})
            for action in ("approve", "reject", "edit", "merge", "split", "undo")
        ]
        refused.append(client.post("/pairs/bulk", {"action": "approve", "expected": 9}))
        refused.append(client.post("/changes/1/undo"))
        for answer in refused:
            assert answer.status_code == 403
            assert answer.json()["error"] == f"Not saved: {note}"
        assert store.history(bead.id) == [] and store.get_bead(bead.id).version == 1


def test_review_command_opens_a_store_it_may_not_write_read_only(tmp_path, store, docs):
    import os
    import signal

    from test_hostile import _unprivileged  # chmod alone does not stop root

    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "corpus.db"
    store.close()
    (tmp_path / "corpus.db").rename(path)
    before = path.read_bytes()
    path.chmod(0o444)
    folder.chmod(0o555)
    command = _unprivileged(sys.executable, "-m", "duiyi.cli", "review", str(path))
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        with review_process(command=command, env=env) as (proc, url):
            said = proc.stdout.readline()
            assert said.startswith(f"duiyi review: read-only: no write permission on {path};")
            with httpx.Client(timeout=5) as http:
                page = http.get(f"{url}documents/{docs['news']}")
                assert f"read-only: no write permission on {path}." in page.text
                assert NEWS[0][2] in page.text
                assert NEWS[0][0] in http.get(f"{url}pairs", params={"q": "weather"}).text
                token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
                bead = re.search(r'id="bead-(\d+)"', page.text).group(1)
                answer = http.post(
                    f"{url}beads/{bead}/approve",
                    data={"version": 1},
                    headers={"X-CSRF-Token": token},
                )
                assert answer.status_code == 403 and "read-only" in answer.json()["error"]
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=10) == 0
            assert "Traceback" not in proc.stderr.read()
            assert path.read_bytes() == before
            assert [p.name for p in folder.iterdir()] == ["corpus.db"]  # no -wal, no -shm
    finally:
        folder.chmod(0o755)
