"""The SQLite corpus store: schema, results, review changes, pagination, durability."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from duiyi.corpus.model import Bead, Document, Pair, Sentence
from duiyi.corpus.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    BeadFilter,
    ConflictError,
    MixedDirections,
    NotFoundError,
    Store,
    document_checksum,
)
from duiyi.errors import StoreError


def make_doc(
    path: str = "a.txt", texts=("你好。", "世界很大。", "我们走吧。"), lang="zh"
) -> Document:
    text, sentences = "", []
    for t in texts:
        sentences.append(Sentence(t, len(text), len(text) + len(t), normalized=t))
        text += t
    return Document(path=path, text=text, lang=lang, sentences=sentences)


BEADS = [Bead((0,), (), 0.9), Bead((1, 2), (), 0.4)]
TGT = ["Hello.", "The world is big. Let's go."]


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "c.db") as s:
        yield s


@pytest.fixture
def doc_id(store):
    return store.add_alignment(make_doc(), BEADS, TGT, origin="mt", engine="argos", signature="s|1")


# --- opening and schema --------------------------------------------------------------------


def test_new_store_is_wal_and_records_its_migrations(tmp_path):
    path = tmp_path / "c.db"
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    rows = conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert rows == [(m.version, m.name) for m in MIGRATIONS]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path):
    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
    with Store.open(path) as store:
        assert store.count_pairs() == 2
        assert len(store._query("SELECT * FROM schema_migrations")) == len(MIGRATIONS)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is a text file, not a database\n" * 10, "not an SQLite database"),
        (b"\x00\x01\x02" * 100, "not an SQLite database"),
    ],
)
def test_a_file_that_is_not_sqlite_is_refused(tmp_path, content, message):
    path = tmp_path / "c.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=message):
        Store.open(path)
    assert path.read_bytes() == content  # left untouched


def test_another_programs_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a duiyi corpus store"):
        Store.open(path)


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "c.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer than this duiyi knows"):
        Store.open(path)


def test_missing_store_is_an_error_unless_created(tmp_path):
    with pytest.raises(StoreError, match="no such corpus store"):
        Store.open(tmp_path / "none.db", create=False)
    with pytest.raises(StoreError, match="no such corpus store"):
        Store.open(tmp_path / "none.db", readonly=True)
    assert not (tmp_path / "none.db").exists()


def test_readonly_store_refuses_writes(tmp_path, doc_id, store):
    with Store.open(store.path, readonly=True) as ro:
        assert ro.count_pairs() == 2
        with pytest.raises(StoreError, match="read-only"):
            ro.update_bead(1, expected_version=1, status="approved")


# --- results -------------------------------------------------------------------------------


def test_add_alignment_stores_documents_sentences_and_beads(store, doc_id):
    doc = store.get_document(doc_id)
    assert (doc.name, doc.origin, doc.engine, doc.signature, doc.total) == (
        "a.txt",
        "mt",
        "argos",
        "s|1",
        2,
    )
    assert store.document_text(doc_id) == "你好。世界很大。我们走吧。"
    assert [s.text for s in store.sentences(doc_id)] == ["你好。", "世界很大。", "我们走吧。"]
    beads = store.list_beads(doc_id).beads
    assert [(b.src_ids, b.kind, b.src_text, b.tgt_text, b.score) for b in beads] == [
        ((0,), "1-1", "你好。", "Hello.", 0.9),
        ((1, 2), "2-1", "世界很大。我们走吧。", "The world is big. Let's go.", 0.4),
    ]
    assert store.find_document("a.txt", document_checksum(make_doc())) == doc_id


def test_readding_the_same_document_replaces_its_beads(store, doc_id):
    again = store.add_alignment(make_doc(), [Bead((0, 1, 2), (), 0.7)], ["All of it."], origin="mt")
    assert again == doc_id
    assert [b.tgt_text for b in store.list_beads(doc_id).beads] == ["All of it."]
    assert len(store.sentences(doc_id)) == 3
    # A changed document (other checksum) is a new document.
    other = store.add_alignment(make_doc(texts=("新的。",)), [Bead((0,), ())], ["New."])
    assert other != doc_id and len(store.list_documents()) == 2


def test_alignment_with_a_target_document(store):
    src = make_doc("zh.txt")
    tgt = make_doc("en.txt", ("Hello.", "The world is big.", "Let's go."), lang="en")
    beads = [Bead((0,), (0,), 0.8), Bead((1, 2), (1, 2), 0.6)]
    doc_id = store.add_alignment(src, beads, None, origin="aligned", tgt_doc=tgt)
    doc = store.get_document(doc_id)
    assert doc.tgt_document_id is not None
    assert [b.tgt_text for b in store.list_beads(doc_id).beads] == [
        "Hello.",
        "The world is big. Let's go.",
    ]
    pairs = list(store.iter_pairs(segments=True))
    assert pairs[1].meta["src_segments"] == ["世界很大。", "我们走吧。"]
    assert pairs[1].meta["tgt_segments"] == ["The world is big.", "Let's go."]
    assert [d.role for d in store.list_documents(role=None)] == ["tgt", "src"]


def test_bad_results_are_refused_without_writing(store):
    with pytest.raises(StoreError, match="points past"):
        store.add_alignment(make_doc(), [Bead((5,), ())], ["x"])
    with pytest.raises(StoreError, match="2 beads but 1 target"):
        store.add_alignment(make_doc(), BEADS, ["x"])
    with pytest.raises(StoreError, match="unknown origin"):
        store.add_alignment(make_doc(), BEADS, TGT, origin="robot")
    assert store.list_documents() == []


def test_add_pairs_groups_by_document_and_keeps_metadata(store):
    pairs = [
        Pair("一。", "One.", 0.5, "1-1", "mt", "x.txt", "approved"),
        Pair("二。", "Two.", None, "1-1", "human", "y.txt"),
        Pair("三。", "Three.", 0.2, "2-1", "nonsense", "x.txt"),
    ]
    added = store.add_pairs(pairs, source="m.tmx", checksum="abc")
    assert added == {"x.txt": 2, "y.txt": 1}
    got = list(store.iter_pairs())
    assert [(p.src, p.origin, p.status, p.document, p.bead) for p in got] == [
        ("一。", "mt", "approved", "x.txt", "1-1"),
        ("三。", "human", "pending", "x.txt", "2-1"),
        ("二。", "human", "pending", "y.txt", "1-1"),
    ]
    # The same file again replaces, it does not duplicate.
    store.add_pairs(pairs, source="m.tmx", checksum="abc")
    assert store.count_pairs() == 3


def _beads(store):
    return store.list_beads(limit=100).beads


def test_reimporting_a_changed_file_keeps_the_review_of_the_pairs_it_still_holds(tmp_path):
    path = tmp_path / "c.db"
    first = [Pair("一。", "One."), Pair("二。", "Two."), Pair("三。", "Three.")]
    with Store.open(path) as store:
        store.add_pairs(first, source="omegat/project_save.tmx", checksum="v1")
        one, two, three = _beads(store)
        store.update_bead(one.id, expected_version=1, status="approved", reviewer="ann")
        store.update_bead(two.id, expected_version=1, tgt_text="Two!", reviewer="bob")
        store.update_bead(three.id, expected_version=1, status="rejected", reviewer="ann")
        # more work in OmegaT: 三 retranslated, 四 added, 一 moved after 二
        later = [Pair("二。", "Two."), Pair("一。", "One."), Pair("三。", "3."), Pair("四。", "4.")]
        tally = Counter()
        stored = store.add_pairs(
            later, source="omegat/project_save.tmx", checksum="v2", tally=tally
        )
        assert stored == {"project_save.tmx": 4}
        assert tally == {"added": 2, "kept": 2, "removed": 1}
        beads = _beads(store)
        assert [(b.src_text, b.tgt_text, b.status, b.origin) for b in beads] == [
            ("二。", "Two!", "pending", "edited"),  # the reviewer's edit stays
            ("一。", "One.", "approved", "aligned"),
            ("三。", "3.", "pending", "aligned"),  # changed in the file: the file's pair
            ("四。", "4.", "pending", "aligned"),
        ]
        assert [b.id for b in beads[:2]] == [two.id, one.id]
        assert (beads[1].updated_by, beads[1].version) == ("ann", 2)
        assert [e.action for e in store.history(two.id)] == ["update"]
        assert store.history(beads[2].id) == []  # 三's old bead went with its history
        assert len(store.list_documents()) == 1
        # the same file once more: nothing changes
        store.add_pairs(later, source="omegat/project_save.tmx", checksum="v2")
        assert [(b.id, b.tgt_text, b.status) for b in _beads(store)] == [
            (b.id, b.tgt_text, b.status) for b in beads
        ]
    _index_is_sound(path)


def test_reimporting_keeps_merged_and_split_beads_while_their_pairs_stay(store):
    pairs = [Pair("甲。", "A."), Pair("乙。", "B."), Pair("丙。", "C. D."), Pair("丁。", "E.")]
    store.add_pairs(pairs, source="m.tmx", checksum="v1")
    a, b, c, d = _beads(store)
    store.merge_with_next(a.id, expected_version=1, reviewer="ann")
    store.split_bead(c.id, expected_version=1, src_at=2, tgt_at=2, reviewer="ann")
    store.update_bead(d.id, expected_version=1, status="approved")
    store.merge_with_next(c.id, expected_version=2)  # a split undone by a merge: still 丙
    merged = [(x.id, x.src_text, x.tgt_text) for x in _beads(store)]
    store.add_pairs(pairs, source="m.tmx", checksum="v2")
    assert [(x.id, x.src_text, x.tgt_text) for x in _beads(store)] == merged
    # 乙 gone from the file: the bead merged from it goes, 甲 comes back as the file has it
    store.add_pairs(pairs[:1] + pairs[2:], source="m.tmx", checksum="v3")
    assert [(x.src_text, x.tgt_text, x.status) for x in _beads(store)] == [
        ("甲。", "A.", "pending"),
        ("丙。", "C. D.", "pending"),
        ("丁。", "E.", "approved"),
    ]


def test_reimporting_keeps_the_review_of_the_half_a_split_made(store):
    # The second half of a split is a new bead (at version 1) made in review: imported
    # again, the file keeps it as it is (its origin, reviewer, normalized half) and right
    # after the first half, not given the whole pair's values as if nobody had changed it.
    pairs = [Pair("甲。乙。", "A. B.", src_normalized="甲。乙。"), Pair("丙。", "C.")]
    store.add_pairs(pairs, source="m.tmx", checksum="v1")
    a, _ = _beads(store)
    store.split_bead(a.id, expected_version=1, src_at=2, tgt_at=2, reviewer="ann")
    split = [(b.id, b.src_text, b.src_normalized, b.origin, b.updated_by) for b in _beads(store)]
    assert split[1][1:] == ("乙。", "乙。", "edited", "ann")
    tally = Counter()
    store.add_pairs(pairs, source="m.tmx", checksum="v2", tally=tally)
    assert tally == {"added": 0, "kept": 2, "removed": 0}
    assert [
        (b.id, b.src_text, b.src_normalized, b.origin, b.updated_by) for b in _beads(store)
    ] == split


def test_reimporting_after_an_undone_merge_matches_the_beads_as_they_are_again(store):
    pairs = [Pair("甲。", "A."), Pair("乙。", "B.")]
    store.add_pairs(pairs, source="m.tmx", checksum="v1")
    a, b = _beads(store)
    store.merge_with_next(a.id, expected_version=1)
    store.undo(a.id)
    store.update_bead(a.id, expected_version=3, status="approved")
    store.add_pairs(pairs[:1], source="m.tmx", checksum="v2")  # 乙 gone: 甲 stays as reviewed
    assert [(x.id, x.src_text, x.status) for x in _beads(store)] == [(a.id, "甲。", "approved")]


def test_reimporting_gives_an_unreviewed_pair_the_files_values(store):
    store.add_pairs([Pair("一。", "One.", 0.5)], source="m.tmx", checksum="v1")
    (before,) = _beads(store)
    store.add_pairs(
        [Pair("一。", "One.", 0.9, status="approved", meta={"x-client": "ACME"})],
        source="m.tmx",
        checksum="v2",
    )
    (after,) = _beads(store)
    assert (after.id, after.score, after.status, after.meta) == (
        before.id,
        0.9,
        "approved",
        {"x-client": "ACME"},
    )


def test_reimporting_an_unchanged_file_writes_none_of_its_beads(store, tmp_path):
    # Every bead that stays took the file's values in an UPDATE, changed or not: 300,000
    # unchanged pairs imported again cost 17 s of CPU, 6 s once only changed rows are written.
    pairs = [Pair("一。", "One.", 0.5), Pair("二。", "Two.", 0.7, meta={"x-client": "ACME"})]
    store.add_pairs(pairs, source="m.tmx", checksum="v1")
    with sqlite3.connect(tmp_path / "c.db") as conn:  # (a table and trigger of the test's)
        conn.execute("CREATE TABLE written (id INTEGER)")
        conn.execute(
            "CREATE TRIGGER log AFTER UPDATE ON beads BEGIN "
            "INSERT INTO written VALUES (new.id); END"
        )
    before = _beads(store)
    store.add_pairs(pairs, source="m.tmx", checksum="v1")
    assert _beads(store) == before
    assert store._query("SELECT id FROM written") == []
    pairs[1].score = 0.8  # a changed unit's bead is written, alone
    store.add_pairs(pairs, source="m.tmx", checksum="v2")
    assert [tuple(r) for r in store._query("SELECT id FROM written")] == [(before[1].id,)]
    assert [b.score for b in _beads(store)] == [0.5, 0.8]


def test_reimporting_keeps_memory_small(store):
    # What an earlier import left is matched in compact maps, and the beads that stay are
    # written as the file's pairs come: a re-import of 300,000 pairs peaked at 660 MB when
    # every bead had dicts, lists and a deque of its own and every pair's row was kept
    # (1.9 KB a pair traced here; 0.13 KB now).
    import tracemalloc

    n = 20_000

    def pairs():
        return (Pair(f"第{i}句。", f"Sentence {i}.", document=f"d{i // 5000}") for i in range(n))

    store.add_pairs(pairs(), source="m.tmx", checksum="v1")
    tally = Counter()
    tracemalloc.start()
    try:
        store.add_pairs(pairs(), source="m.tmx", checksum="v2", tally=tally)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert tally == {"added": 0, "kept": n, "removed": 0}
    assert peak < n * 750


def test_an_import_of_many_files_resolves_each_recorded_path_once(tmp_path, monkeypatch):
    # Each file imported is compared with every path the store recorded, resolved (an older
    # store's paths as typed): resolving them all again for each file made an import of
    # 1,100 files take 11 s instead of 1.3 s.
    monkeypatch.chdir(tmp_path)
    calls = Counter()
    realpath = os.path.realpath

    def counted(path, *args, **kwargs):
        calls[os.fspath(path)] += 1
        return realpath(path, *args, **kwargs)

    monkeypatch.setattr(os.path, "realpath", counted)
    with Store.open(tmp_path / "c.db") as store, store.transaction():
        for i in range(60):
            store.add_pairs([Pair(f"{i}。", f"{i}.")], source=f"m{i}.tmx", checksum="x")
        assert store.count_pairs() == 60
    assert max(calls.values()) <= 2


def test_a_file_at_another_path_adds_its_pairs(store):
    store.add_pairs([Pair("一。", "One.")], source="a/m.tmx", checksum="v1")
    store.add_pairs([Pair("一。", "One.")], source="b/m.tmx", checksum="v1")
    assert store.count_pairs() == 2


def test_a_file_imported_again_by_another_spelling_of_its_path_replaces_itself(
    store, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    pairs = [Pair("一。", "One."), Pair("二。", "Two.")]
    store.add_pairs(pairs, source="m.tmx", checksum="v1")
    (one, _) = _beads(store)
    store.update_bead(one.id, expected_version=1, status="approved", reviewer="ann")
    for spelling in ("./m.tmx", str(tmp_path / "m.tmx"), "sub/../m.tmx"):
        tally = Counter()
        store.add_pairs(pairs, source=spelling, checksum="v1", tally=tally)
        assert tally == {"added": 0, "kept": 2, "removed": 0}
        assert [(b.id, b.status) for b in _beads(store)][0] == (one.id, "approved")
        assert store.count_pairs() == 2 and len(store.list_documents()) == 1


def test_a_pair_the_file_holds_fewer_times_keeps_its_reviewed_copy(store):
    store.add_pairs([Pair("一。", "One.")] * 3, source="m.tmx", checksum="v1")
    beads = _beads(store)
    store.update_bead(beads[1].id, expected_version=1, status="approved", reviewer="ann")
    store.add_pairs([Pair("一。", "One.")], source="m.tmx", checksum="v2")
    assert [(b.id, b.status) for b in _beads(store)] == [(beads[1].id, "approved")]


def test_an_import_recorded_by_the_path_as_typed_is_still_found(store, tmp_path, monkeypatch):
    # Stores before resolved paths recorded the path as typed, and a file imported by two
    # spellings held two copies: importing it again finds both, keeps one copy, with its
    # review, and leaves one document.
    monkeypatch.chdir(tmp_path)
    pairs = [Pair("一。", "One."), Pair("二。", "Two.")]
    for spelling in ("m.tmx", "./m.tmx"):
        store.add_pairs(pairs, source=f"other/{spelling}", checksum="v1")
        with store._write() as conn:  # as an older duiyi recorded it
            conn.execute(
                "UPDATE documents SET path = ?, meta = json_set(meta, '$.imported_from', ?) "
                "WHERE json_extract(meta, '$.imported_from') LIKE '%/other/m.tmx'",
                (spelling, spelling),
            )
    beads = _beads(store)
    assert len(beads) == 4 and len(store.list_documents()) == 2
    store.update_bead(beads[3].id, expected_version=1, status="approved", reviewer="ann")
    tally = Counter()
    store.add_pairs(
        [*pairs, Pair("三。", "Three.")], source=tmp_path / "m.tmx", checksum="v2", tally=tally
    )
    assert tally == {"kept": 2, "added": 1, "removed": 2}
    after = _beads(store)
    assert [(b.src_text, b.status) for b in after] == [
        ("一。", "pending"),
        ("二。", "approved"),  # of the two copies, the one reviewed stays
        ("三。", "pending"),
    ]
    assert [b.id for b in after[:2]] == [beads[0].id, beads[3].id]
    (document,) = store.list_documents()
    assert document.path == str(tmp_path / "m.tmx")


def _index_is_sound(path) -> None:
    """FTS5's own check of the search index against the beads (raises when corrupt)."""
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO beads_fts (beads_fts, rank) VALUES ('integrity-check', 1)")
    conn.close()


def test_replacing_documents_again_and_again_keeps_the_search_index_sound(tmp_path):
    # A replaced document's new beads reuse the ids its old ones freed, and importing the
    # same file twice in one transaction deletes beads the index has not seen yet: each used
    # to corrupt the index ("database disk image is malformed" on the third run).
    path = tmp_path / "c.db"
    pairs = [Pair("港口小城", "The Harbour Town"), Pair("渔船回港。", "Boats come back.")]
    with Store.open(path) as store:
        for _ in range(3):
            store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
            _index_is_sound(path)
        with store.transaction():
            store.add_pairs(pairs, source="m.tmx", checksum="abc")
            store.add_pairs(pairs, source="m.tmx", checksum="abc")
        store.add_pairs(pairs, source="m.tmx", checksum="abc")
        _index_is_sound(path)
        found = store.list_beads(where=BeadFilter(search="Harbour")).beads
        assert [b.src_text for b in found] == ["港口小城"]
        found = store.list_beads(where=BeadFilter(search="world is big")).beads
        assert [b.tgt_text for b in found] == [TGT[1]]


def test_a_write_sqlite_rolled_back_itself_fails_with_its_own_reason(tmp_path):
    """SQLite rolls a transaction back itself on some errors (no room for its temporary files
    in TMPDIR, an interrupt), the search index's temporary table with it: the error says
    what went wrong (here an interrupt), not "no such table: fts_pending"."""
    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.add_pairs([Pair("一。", "One.")], source=tmp_path / "a.tmx", checksum="a")
    with Store.open(path) as store:  # a new connection: the temporary table is made anew
        calls = Counter()

        def interrupt() -> bool:  # SQLite stops the statement running, midway through
            calls["steps"] += 1
            return calls["steps"] > 200

        store._conn.set_progress_handler(interrupt, 1000)
        pairs = (Pair(f"第{i}句。", f"Sentence {i}.") for i in range(20000))
        with pytest.raises(StoreError, match=r"cannot write the corpus store: interrupted$"):
            store.add_pairs(pairs, source=tmp_path / "b.tmx", checksum="b")
        store._conn.set_progress_handler(None, 0)
        assert store.count_pairs() == 1
        store.add_pairs([Pair("二。", "Two.")], source=tmp_path / "b.tmx", checksum="b")
        assert [b.src_text for b in store.list_beads(where=BeadFilter(search="Two")).beads] == [
            "二。"
        ]
    _index_is_sound(path)


def test_language_tags_follow_the_stored_direction(tmp_path):
    english = make_doc("b.txt", texts=("Hello.", "The world is big."), lang="en")
    with Store.open(tmp_path / "en.db") as store:
        assert store.language_tags() is None
        store.add_alignment(english, [Bead((0,), ()), Bead((1,), ())], ["你好。", "世界很大。"])
        assert store.language_tags() == ("en-US", "zh-CN")
    with Store.open(tmp_path / "both.db") as store:
        store.add_pairs([Pair("一。", "One.")], source="m.tmx", checksum="abc")
        assert store.language_tags() == ("zh-CN", "en-US")
        store.add_alignment(english, [Bead((0,), ()), Bead((1,), ())], ["你好。", "世界很大。"])
        with pytest.raises(MixedDirections, match=r"several directions \(en→zh, zh→en\)") as e:
            store.language_tags()
        assert e.value.directions == ["en→zh", "zh→en"]
        # the pairs of some documents only: tagged as a store holding only them
        selected = store.pair_documents(BeadFilter(search="world"))
        assert len(selected) == 1 and store.language_tags(selected) == ("en-US", "zh-CN")


# --- reading: filters, sorting, pagination -------------------------------------------------


def _many(store, n=300):
    pairs = (
        Pair(
            f"句{i}。",
            f"S{i}.",
            score=None if i % 10 == 0 else (i * 37 % 100) / 100,
            origin=("mt", "aligned", "human")[i % 3],
            status=("pending", "approved", "rejected")[i % 4 % 3],
            document="d.txt",
        )
        for i in range(n)
    )
    store.add_pairs(pairs, source="d.tmx", checksum="x")
    return store.list_documents()[0].id


@pytest.mark.parametrize("sort", ["position", "score", "-score", "status", "origin"])
@pytest.mark.parametrize(
    "filters", [{}, {"status": "approved"}, {"origin": ["mt", "human"]}, {"min_score": 0.5}]
)
def test_keyset_pages_cover_every_match_once_in_order(store, sort, filters):
    doc = _many(store)
    seen, cursor = [], None
    while True:
        page = store.list_beads(doc, sort=sort, limit=17, cursor=cursor, **filters)
        seen += page.beads
        cursor = page.next_cursor
        if cursor is None:
            break
    everything = store.list_beads(doc, sort=sort, limit=10_000, **filters).beads
    assert [b.id for b in seen] == [b.id for b in everything]
    assert len(seen) == page.total == len({b.id for b in seen})
    key = {
        "position": lambda b: (b.position,),
        "score": lambda b: (-1 if b.score is None else b.score,),
        "-score": lambda b: (-1 if b.score is None else b.score,),
        "status": lambda b: (b.status, b.position),
        "origin": lambda b: (b.origin, b.position),
    }[sort]
    keys = [key(b) for b in seen]
    assert keys == sorted(keys, reverse=sort == "-score")
    if "status" in filters:
        assert {b.status for b in seen} == {"approved"}
    if "min_score" in filters:
        assert all(b.score is not None and b.score >= 0.5 for b in seen)
    offset_page = store.list_beads(doc, sort=sort, limit=5, offset=10, **filters).beads
    assert [b.id for b in offset_page] == [b.id for b in everything[10:15]]


def test_listing_stays_fast_with_50000_beads(store):
    pairs = (
        Pair(f"句{i}。", f"S{i}.", score=(i % 997) / 997, document="big.txt") for i in range(50_000)
    )
    store.add_pairs(pairs, source="big.tmx", checksum="x")
    doc = store.list_documents()[0]
    assert doc.total == 50_000
    for sort in ("position", "-score", "status"):
        page = store.list_beads(doc.id, sort=sort, limit=100)
        for _ in range(3):  # jump deep: keyset pages cost the same anywhere
            page = store.list_beads(doc.id, sort=sort, limit=100, cursor=page.next_cursor)
        start = time.perf_counter()
        for _ in range(20):
            store.list_beads(
                doc.id, sort=sort, limit=100, cursor=page.next_cursor, status="pending"
            )
        assert (time.perf_counter() - start) / 20 < 0.25
    plan = store._query(
        "EXPLAIN QUERY PLAN SELECT id FROM beads WHERE document_id = ? AND status = ? "
        "ORDER BY position, id LIMIT 100",
        (doc.id, "pending"),
    )
    assert any("INDEX" in row[-1] for row in plan)


def test_unknown_names_are_store_errors(store, doc_id):
    with pytest.raises(StoreError, match="unknown status 'done'"):
        store.list_beads(doc_id, status="done")
    with pytest.raises(StoreError, match="unknown sort"):
        store.list_beads(doc_id, sort="random")
    with pytest.raises(StoreError, match="bad page cursor"):
        store.list_beads(doc_id, cursor="garbage")
    with pytest.raises(NotFoundError):
        store.get_bead(12345)
    with pytest.raises(NotFoundError):
        store.get_document(12345)


def test_iter_pairs_filters_and_progress_counts(store, doc_id):
    first, second = store.list_beads(doc_id).beads
    store.update_bead(first.id, expected_version=1, status="approved", reviewer="ann")
    assert [p.src for p in store.iter_pairs(status="approved")] == ["你好。"]
    assert [p.src for p in store.iter_pairs(min_score=0.5)] == ["你好。"]
    assert store.count_pairs(origin="mt") == 2
    assert [p.document for p in store.iter_pairs()] == ["a.txt", "a.txt"]
    assert next(store.iter_pairs()).meta == {"engine": "argos", "signature": "s|1"}
    doc = store.get_document(doc_id)
    assert (doc.total, doc.reviewed, doc.approved, doc.rejected) == (2, 1, 1, 0)


def test_iter_pairs_streams_in_batches(store):
    _many(store, 250)
    assert [p.src for p in store.iter_pairs(batch=7)] == [f"句{i}。" for i in range(250)]


# --- reviewing -----------------------------------------------------------------------------


def test_update_records_history_and_bumps_the_version(store, doc_id):
    bead = store.list_beads(doc_id).beads[0]
    updated = store.update_bead(
        bead.id, expected_version=1, tgt_text="Hi there.", status="approved", reviewer="ann"
    )
    assert (updated.version, updated.origin, updated.status, updated.updated_by) == (
        2,
        "edited",
        "approved",
        "ann",
    )
    (edit,) = store.history(bead.id)
    assert (edit.action, edit.reviewer) == ("update", "ann")
    assert edit.before[0]["tgt_text"] == "Hello." and edit.after[0]["tgt_text"] == "Hi there."
    assert edit.at.endswith("Z")
    # Setting what is already there changes nothing.
    assert store.update_bead(bead.id, expected_version=2, status="approved").version == 2


def test_a_stale_version_is_a_conflict(store, doc_id):
    bead = store.list_beads(doc_id).beads[0]
    store.update_bead(bead.id, expected_version=1, status="approved", reviewer="ann")
    with pytest.raises(ConflictError, match="changed by someone else"):
        store.update_bead(bead.id, expected_version=1, status="rejected", reviewer="bob")
    assert store.get_bead(bead.id).status == "approved"
    assert isinstance(ConflictError("x"), StoreError)


def test_undo_walks_back_through_changes(store, doc_id):
    bead = store.list_beads(doc_id).beads[0]
    store.update_bead(bead.id, expected_version=1, tgt_text="One.", reviewer="ann")
    store.update_bead(bead.id, expected_version=2, tgt_text="Two.", reviewer="ann")
    assert store.undo(bead.id, reviewer="ann").main.tgt_text == "One."
    back = store.undo(bead.id, reviewer="ann").main
    assert (back.tgt_text, back.origin, back.version) == ("Hello.", "mt", 5)
    with pytest.raises(StoreError, match="no change to undo"):
        store.undo(bead.id)
    assert [e.action for e in store.history(bead.id)] == ["undo", "undo", "update", "update"]


def test_merge_with_next_and_undo(store, doc_id):
    first, second = store.list_beads(doc_id).beads
    change = store.merge_with_next(first.id, expected_version=1, reviewer="ann")
    merged = change.main
    assert change.beads == [merged] and change.removed == [second.id]
    assert (merged.src_ids, merged.kind, merged.src_text, merged.tgt_text, merged.score) == (
        (0, 1, 2),
        "3-2",
        "你好。世界很大。我们走吧。",
        "Hello. The world is big. Let's go.",
        0.4,
    )
    assert [b.id for b in store.list_beads(doc_id).beads] == [first.id]
    with pytest.raises(NotFoundError):
        store.get_bead(second.id)
    with pytest.raises(StoreError, match="last of its document"):
        store.merge_with_next(first.id, expected_version=2)
    undone = store.undo(first.id, reviewer="ann")
    assert undone.main.tgt_text == "Hello." and undone.removed == []
    assert [b.id for b in undone.beads] == [first.id, second.id]
    beads = store.list_beads(doc_id).beads
    assert [(b.id, b.tgt_text) for b in beads] == [(first.id, "Hello."), (second.id, TGT[1])]


def test_split_and_undo(store, doc_id):
    bead = store.list_beads(doc_id).beads[1]
    src_at = bead.src_text.index("我")
    tgt_at = bead.tgt_text.index("Let")
    change = store.split_bead(
        bead.id, expected_version=1, src_at=src_at, tgt_at=tgt_at, reviewer="bob"
    )
    one, two = change.beads
    assert change.main == one and change.removed == []
    assert (one.src_ids, one.src_text, one.tgt_text, one.kind) == (
        (1,),
        "世界很大。",
        "The world is big.",
        "1-1",
    )
    assert (two.src_ids, two.src_text, two.tgt_text, two.kind) == (
        (2,),
        "我们走吧。",
        "Let's go.",
        "1-1",
    )
    assert [b.id for b in store.list_beads(doc_id).beads][1:] == [one.id, two.id]
    with pytest.raises(StoreError, match="empty half"):
        store.split_bead(one.id, expected_version=2, src_at=0, tgt_at=0)
    # Undo from the new half undoes the split.
    undone = store.undo(two.id, reviewer="bob")
    restored = undone.main
    assert restored.id == one.id and undone.removed == [two.id] and undone.beads == [restored]
    assert restored.src_text == bead.src_text and restored.src_ids == (1, 2)
    assert store.count_pairs() == 2


def test_undo_refuses_when_a_later_change_intervened(store, doc_id):
    first, second = store.list_beads(doc_id).beads
    store.update_bead(second.id, expected_version=1, status="approved")
    merged = store.merge_with_next(first.id, expected_version=1).main
    store.update_bead(merged.id, expected_version=merged.version, tgt_text="Changed.")
    # The second bead's last change is the merge; the merged bead has changed since.
    with pytest.raises(ConflictError, match="changed after that merge"):
        store.undo(second.id)


def test_a_bulk_change_and_its_undo_read_beads_and_history_in_batches(store, monkeypatch):
    """Memory stays flat however many pairs a bulk change holds: a bulk approve of 150,000
    pairs read all their texts at once, and its undo all their history (469 MB)."""
    from duiyi.corpus.store import edits

    monkeypatch.setattr(edits, "_BATCH", 7)
    _many(store, 60)
    before = {b.id: b.status for b in store.list_beads(limit=100).beads}
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    change = store.bulk_update(BeadFilter(), status="approved", reviewer="ann")
    undone = store.undo_change(change.change_id, reviewer="bob")
    store._conn.set_trace_callback(None)
    changed = sum(status != "approved" for status in before.values())
    assert change.size == undone.size == changed == 45
    assert {b.id: b.status for b in store.list_beads(limit=100).beads} == before
    texts = [s for s in statements if "SELECT" in s and "src_text" in s and "FROM beads" in s]
    history = [s for s in statements if "SELECT" in s and "FROM edits WHERE change_id" in s]
    assert len(texts) >= 2 * 45 // 7 and all(s.count(",", s.index(" IN (")) < 7 for s in texts)
    assert len(history) >= 45 // 7 and all(s.endswith("LIMIT 7") for s in history)
    edit = store.history(next(i for i, st in before.items() if st != "approved"))[0]
    assert (edit.action, edit.reviewer, edit.change_size) == ("undo", "bob", 45)


def test_an_undo_refused_in_a_later_batch_changes_nothing(store, monkeypatch):
    from duiyi.corpus.store import edits

    monkeypatch.setattr(edits, "_BATCH", 7)
    _many(store, 60)
    approved = {b.id for b in store.list_beads(limit=100).beads if b.status == "approved"}
    change = store.bulk_update(BeadFilter(), status="approved")
    beads = store.list_beads(limit=100).beads
    for bead in [b for b in beads if b.id not in approved][-8:]:  # the last two batches'
        store.update_bead(bead.id, expected_version=bead.version, tgt_text="Later.")
    beads = store.list_beads(limit=100).beads
    with pytest.raises(ConflictError, match=f"8 of the 45 pairs of change {change.change_id}"):
        store.undo_change(change.change_id)
    assert [b.status for b in store.list_beads(limit=100).beads] == ["approved"] * 60
    assert [b.version for b in store.list_beads(limit=100).beads] == [b.version for b in beads]


# --- durability and concurrency ------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys, time
    from duiyi.corpus.model import Pair
    from duiyi.corpus.store import Store

    def pairs():
        for i in range(1_000_000):
            if i == 5000:
                print("inside", flush=True)
                time.sleep(60)  # the parent kills us here, mid-transaction
            yield Pair(f"新{i}。", f"New {i}.", document="new.txt")

    with Store.open(sys.argv[1]) as store:
        store.add_pairs(pairs(), source="new.tmx", checksum="n")
    """
)


def test_a_killed_writer_leaves_the_previous_state_intact(tmp_path):
    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
        before = [(p.src, p.tgt) for p in store.iter_pairs()]
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline().strip() == "inside"
        # A reader works while the writer holds its transaction, and sees the old state.
        with Store.open(path, readonly=True) as reader:
            assert [(p.src, p.tgt) for p in reader.iter_pairs()] == before
        writer.kill()
        writer.wait(timeout=10)
    finally:
        if writer.poll() is None:
            writer.kill()
    with Store.open(path) as store:
        assert store._query("PRAGMA integrity_check")[0][0] == "ok"
        assert [(p.src, p.tgt) for p in store.iter_pairs()] == before
        assert [d.name for d in store.list_documents()] == ["a.txt"]
        # And the store takes writes again.
        store.add_pairs([Pair("后。", "After.")], source="after.tmx", checksum="a")
        assert store.count_pairs() == 3


def test_a_writer_kept_waiting_by_another_says_so(tmp_path, monkeypatch):
    from duiyi.corpus.store import core

    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
    other = sqlite3.connect(path, isolation_level=None)  # a long import in another process
    other.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(core, "BUSY_TIMEOUT_MS", 100)
    try:
        with pytest.raises(StoreError, match="another command has been writing the corpus store"):
            Store.open(path)
        with Store.open(path, readonly=True) as reader:  # readers are not kept waiting
            assert reader.count_pairs() == 2
    finally:
        other.close()


def test_a_failing_command_rolls_back_everything(store, doc_id):
    def pairs():
        yield Pair("一。", "One.")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        store.add_pairs(pairs(), source="x.tmx", checksum="x")
    assert store.count_pairs() == 2
    assert [d.id for d in store.list_documents()] == [doc_id]


def _add_migration(monkeypatch, migration):
    from duiyi.corpus.store import schema

    monkeypatch.setattr(schema, "MIGRATIONS", [*MIGRATIONS, migration])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", migration.version)


def test_a_later_migration_upgrades_an_existing_store(tmp_path, monkeypatch):
    from duiyi.corpus.store.schema import Migration

    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
    _add_migration(
        monkeypatch, Migration(SCHEMA_VERSION + 1, "notes", "ALTER TABLE beads ADD note")
    )
    with Store.open(path) as store:  # any write open upgrades
        assert store.schema_version == SCHEMA_VERSION + 1
        assert store.count_pairs() == 2
        assert "note" in [row[1] for row in store._query("PRAGMA table_info(beads)")]


def test_a_read_only_open_never_writes_an_older_store(tmp_path, monkeypatch):
    from duiyi.corpus.store.schema import Migration

    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
    before = path.read_bytes()
    # A migration this code needs to read: refused, with the command that upgrades.
    _add_migration(monkeypatch, Migration(SCHEMA_VERSION + 1, "notes", "ALTER TABLE beads ADD n"))
    with pytest.raises(StoreError, match="duiyi corpus upgrade"):
        Store.open(path, readonly=True)
    # One it can do without (an index): read as it is.
    _add_migration(
        monkeypatch,
        Migration(
            SCHEMA_VERSION + 1, "idx", "CREATE INDEX i ON beads (kind)", readable_without=True
        ),
    )
    with Store.open(path, readonly=True) as store:
        assert store.count_pairs() == 2
        assert store.schema_version == SCHEMA_VERSION
    assert path.read_bytes() == before
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0


def test_corpus_upgrade_command_migrates(tmp_path, monkeypatch, capsys):
    from duiyi.cli import main
    from duiyi.corpus.store.schema import Migration

    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
    _add_migration(monkeypatch, Migration(SCHEMA_VERSION + 1, "notes", "ALTER TABLE beads ADD n"))
    assert main(["corpus", "upgrade", str(path)]) == 0
    assert f"schema {SCHEMA_VERSION + 1}" in capsys.readouterr().err
    with Store.open(path, readonly=True) as store:
        assert store.count_pairs() == 2


def test_corpus_upgrade_repairs_a_damaged_search_index(tmp_path, capsys):
    from duiyi.cli import main

    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
    conn = sqlite3.connect(path)  # un-index text that was never indexed: what the old bug did
    conn.execute(
        "INSERT INTO beads_fts (beads_fts, rowid, src_text, src_normalized, tgt_text) "
        "VALUES ('delete', 99, '从未索引', '', 'never indexed')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(sqlite3.DatabaseError):
        _index_is_sound(path)
    assert main(["corpus", "upgrade", str(path)]) == 0
    assert "search index rebuilt" in capsys.readouterr().err
    _index_is_sound(path)


def _damage_table(path, table: str) -> None:
    """Overwrite the root page of `table` with garbage, as a bad disk block would."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as f:
        f.seek((page[0] - 1) * size)
        f.write(b"\xde\xad\xbe\xef" * (size // 4))


def test_corpus_upgrade_says_when_more_than_the_search_index_is_damaged(tmp_path, capsys):
    from duiyi.cli import main

    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
    _damage_table(path, "sentences")  # the index rebuild never reads it
    assert main(["corpus", "upgrade", str(path)]) == 1
    err = capsys.readouterr().err
    assert "damaged beyond its search index" in err and ".recover" in err
    assert "rebuilt" not in err


def test_a_damaged_table_is_named_so_not_sent_to_corpus_upgrade(tmp_path, capsys):
    from duiyi.cli import main

    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
    _damage_table(path, "beads")
    for command in (["export", str(path), "-f", "tsv"], ["corpus", "upgrade", str(path)]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert "damaged" in err and ".recover" in err and err.count("\n") == 1
        assert "rebuilds its search index" not in err


def test_a_database_error_mid_write_is_a_store_error_and_rolls_back(tmp_path):
    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
    conn = sqlite3.connect(path)  # stands in for a full disk or a read-only file
    conn.execute(
        "CREATE TRIGGER fail AFTER INSERT ON beads WHEN NEW.src_text = '坏。' "
        "BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END"
    )
    conn.commit()
    conn.close()
    pairs = [Pair("好。", "Good."), Pair("坏。", "Bad.")]
    with Store.open(path) as store:
        with pytest.raises(StoreError, match="cannot write the corpus store: simulated"):
            store.add_pairs(pairs, source="x.tmx", checksum="x")
        assert store.count_pairs() == 2
        assert [d.name for d in store.list_documents()] == ["a.txt"]


def test_two_reviewers_racing_on_one_bead_one_wins(tmp_path):
    """Separate connections (two server processes) and one shared Store (server threads)."""
    import threading

    path = tmp_path / "c.db"
    with Store.open(path) as store:
        doc_id = store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
        bead = store.list_beads(doc_id).beads[0]
    ann, bob = Store.open(path), Store.open(path)
    shared = Store.open(path)
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def review(store: Store, text: str) -> None:
        barrier.wait()
        try:
            store.update_bead(bead.id, expected_version=1, tgt_text=text, reviewer=text)
            outcomes.append(text)
        except ConflictError:
            outcomes.append("conflict")

    threads = [
        threading.Thread(target=review, args=(s, f"{name} {i}"))
        for i in range(2)
        for name, s in (("ann", ann), ("bob", bob), ("shared", shared))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o != "conflict"]
    assert len(outcomes) == 6 and len(winners) == 1
    with Store.open(path) as store:
        final = store.get_bead(bead.id)
        assert (final.tgt_text, final.version) == (winners[0], 2)
        assert len(store.history(bead.id)) == 1
    for s in (ann, bob, shared):
        s.close()


def test_an_empty_file_is_no_store_to_read_but_one_to_create(tmp_path):
    empty = tmp_path / "e.db"
    empty.touch()
    for options in ({"readonly": True}, {"create": False}):  # corpus info, review; upgrade
        with pytest.raises(StoreError, match="an empty file, not a corpus store"):
            Store.open(empty, **options)
    assert empty.stat().st_size == 0
    with Store.open(empty) as store:  # --store on a file made by mktemp
        assert store.count_pairs() == 0


def test_an_sqlite_file_without_tables_is_no_store_to_read(tmp_path):
    path = tmp_path / "e.db"
    with sqlite3.connect(path) as conn:  # another app's fresh database: a header, no tables
        conn.execute("PRAGMA user_version = 5")
    conn.close()
    with pytest.raises(StoreError, match="an SQLite database without tables, not a corpus store"):
        Store.open(path, readonly=True)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.parametrize("options", ["{}", "{'readonly': True}", "{'create': False}"])
def test_a_pipe_or_a_folder_is_no_store(tmp_path, options):
    os.mkfifo(tmp_path / "pipe.db")  # opening it for reading used to wait for a writer
    for path in (tmp_path / "pipe.db", tmp_path):
        code = f"from duiyi.corpus.store import Store\nStore.open({str(path)!r}, **{options})"
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
        assert "StoreError" in result.stderr and "not a regular file" in result.stderr


def test_a_pairs_context_is_read_by_index_not_by_sorting_its_document(store):
    """The neighbours of a pair come from the (document, position, id) index, searched from
    the pair's position on, not every row of its document scanned from one end (1–3 s per `c`
    in review, 300,000 pairs)."""
    store.add_pairs(
        [Pair(f"第{i}句。", f"Sentence {i}.", document="d.txt") for i in range(50)],
        source="d.tmx",
        checksum="x",
    )
    middle = store.list_beads(store.list_documents()[0].id, limit=100).beads[25]
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    before, after = store.context(middle.id, size=2)
    store._conn.set_trace_callback(None)
    assert [b.src_text for b in before + after] == ["第23句。", "第24句。", "第26句。", "第27句。"]
    neighbours = [s for s in statements if "LIMIT" in s]
    assert len(neighbours) == 2
    for statement in neighbours:
        plan = " ".join(row[-1] for row in store._query(f"EXPLAIN QUERY PLAN {statement}"))
        assert "beads_doc_position (document_id=? AND position" in plan, plan


def test_a_merged_away_id_is_never_given_to_another_bead(store, doc_id):
    """SQLite gives a new row max(id) + 1 unless the table says AUTOINCREMENT: the last bead
    merged away lent its id to the next pair stored, whose history then showed the merge,
    whose undo failed, and a stale tab's edit of the merged-away pair landed on it."""
    first, second = store.list_beads(doc_id).beads
    store.merge_with_next(first.id, expected_version=1, reviewer="ann")
    store.add_pairs([Pair("三。", "Three.")], source="b.tmx", checksum="b")
    (new,) = [b for b in store.list_beads(limit=10).beads if b.src_text == "三。"]
    assert new.id > second.id
    assert store.history(new.id) == []
    with pytest.raises(NotFoundError):  # the stale tab: 404, not another pair changed
        store.update_bead(second.id, expected_version=1, tgt_text="Two!", reviewer="bob")
    undone = store.undo(first.id, reviewer="ann")  # and the merge is undone as it was
    assert [b.id for b in undone.beads] == [first.id, second.id]


def test_a_store_from_before_autoincrement_keeps_its_beads_and_never_reuses_an_id(
    tmp_path, monkeypatch
):
    """Migration 4 rebuilds the beads table: ids, texts, history and the search index carry
    over, and the sequence starts past every id the history names (the merged-away one)."""
    from duiyi.corpus.store import schema

    path = tmp_path / "c.db"
    monkeypatch.setattr(schema, "MIGRATIONS", MIGRATIONS[:3])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 3)
    with Store.open(path) as store:
        doc = store.add_alignment(make_doc(), BEADS, TGT, origin="mt")
        first, second = store.list_beads(doc).beads
        store.merge_with_next(first.id, expected_version=1, reviewer="ann")
        before = store.list_beads(limit=10).beads
    monkeypatch.undo()
    with Store.open(path, readonly=True) as reader:  # read as it is, not refused
        assert reader.list_beads(limit=10).beads == before
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 4
        assert store.list_beads(limit=10).beads == before
        assert [e.action for e in store.history(first.id)] == ["merge"]
        found = store.list_beads(where=BeadFilter(search="world is big")).beads
        assert [b.id for b in found] == [first.id]
        store.add_pairs([Pair("三。", "Three.")], source="b.tmx", checksum="b")
        (new,) = store.list_beads(where=BeadFilter(search="Three")).beads
        assert new.id > second.id
        assert [b.id for b in store.undo(first.id, reviewer="ann").beads] == [first.id, second.id]
