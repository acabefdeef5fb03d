"""Inspect a corpus store.

Examples:
  duiyi corpus info corpus.db
  duiyi corpus info corpus.db --json
  duiyi corpus upgrade corpus.db      # bring a store from an older duiyi to this schema,
                                      # and rebuild its search index
"""

from __future__ import annotations

import argparse
import sys

from duiyi.commands._types import any_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = sub.add_parser("info", help="documents, beads by status/origin/kind, scores, history")
    info.add_argument("store", type=any_path, help="the corpus store (SQLite file)")
    info.add_argument("--json", action="store_true", help="print JSON instead of a table")
    upgrade = sub.add_parser(
        "upgrade", help="migrate a store written by an older duiyi and rebuild its search index"
    )
    upgrade.add_argument("store", type=any_path, help="the corpus store (SQLite file)")


def run(args: argparse.Namespace) -> int:
    import json

    from duiyi.corpus.store import Store

    if args.action == "upgrade":
        with Store.open(args.store, create=False) as store:
            rebuilt = store.rebuild_search_index()
            print(
                f"duiyi: {args.store} is at schema {store.schema_version}"
                + ("; search index rebuilt" if rebuilt else f"; {store.search_unavailable}"),
                file=sys.stderr,
            )
        return 0
    with Store.open(args.store, readonly=True) as store:
        info = store.info()
        docs = store.list_documents()
    if args.json:
        info["document_list"] = [
            {"id": d.id, "name": d.name, "path": d.path, "beads": d.total, "reviewed": d.reviewed}
            for d in docs
        ]
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    score = info["score"]
    lines = [
        f"store        {info['path']} (schema {info['schema_version']})",
        f"documents    {info['documents']} (+ {info['target_documents']} target documents)",
        f"sentences    {info['sentences']}",
        f"beads        {info['beads']}",
        "  by status  " + _counts(info["by_status"]),
        "  by origin  " + _counts(info["by_origin"]),
        "  by kind    " + _counts(info["by_kind"]),
        "score        "
        + (
            f"mean {score['mean']:.3f}, min {score['min']:.3f}, max {score['max']:.3f}"
            if score["mean"] is not None
            else "none"
        ),
        f"edits        {info['edits']}",
    ]
    for signature in info["signatures"]:
        lines.append(f"signature    {signature}")
    if docs:
        lines.append("")
        lines.append(f"{'id':>4}  {'reviewed':>13}  document")
        for d in docs:
            lines.append(f"{d.id:>4}  {d.reviewed:>6}/{d.total:<6}  {d.name}")
    print("\n".join(lines))
    return 0


def _counts(counts: dict) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items()) or "none"
