"""Review aligned pairs in the browser: a local web app over a corpus store.

Examples:
  duiyi review corpus.db                      # prints its URL (a free port on 127.0.0.1)
  duiyi review corpus.db --reviewer ann --open
  duiyi review corpus.db --port 8765

The home page lists the documents, the ones that need attention first; /pairs is one queue
of every pair, worst confidence first, with filters, search (Chinese or English substrings)
and bulk approve/reject of what the filters match. Approve, reject or edit pairs (keys j/k a
r e, c for context), merge and split them (m s), undo (u); every change is saved at once with
its history (who, when, before/after). Then:
  duiyi export corpus.db --status approved -o approved.tmx

The app has no login, so it listens on loopback only; from another machine, forward the port:
ssh -L 8765:127.0.0.1:8765 host, then `duiyi review corpus.db --port 8765` there.
A store you may not write (a colleague's, a read-only mount) opens read-only: browse, search
and export, with every change refused.
"""

from __future__ import annotations

import argparse

from duiyi.commands._types import any_name, any_path, loopback_host, port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", type=any_path, help="the corpus store (SQLite file) to review")
    parser.add_argument(
        "--port", type=port, default=0, help="port to listen on (default: a free one)"
    )
    parser.add_argument(
        "--host",
        type=loopback_host,
        default="127.0.0.1",
        help="loopback address to listen on: 127.0.0.1 (default), ::1 or localhost",
    )
    parser.add_argument(
        "--reviewer",
        metavar="NAME",
        type=any_name,
        help="your name, recorded with every change (default: your login name)",
    )
    parser.add_argument("--open", action="store_true", help="open the page in a web browser")


def run(args: argparse.Namespace) -> int:
    import contextlib
    import signal
    import sys
    import threading
    import time
    import webbrowser

    from duiyi.corpus.store import Store
    from duiyi.corpus.store.core import read_only_reason
    from duiyi.review.security import stable_token
    from duiyi.review.server import make_server

    reviewer = args.reviewer if args.reviewer is not None else _login_name()
    # The CLI restores the default SIGPIPE (so `duiyi split … | head` ends quietly), which
    # kills a server the moment it answers a browser that closed the connection first (a tab
    # closed or a page left mid-load): here a closed connection is an ordinary error.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    # A store this process may not write (a colleague's, a read-only mount) opens read-only:
    # it can be browsed, searched and exported, and the page and the server refuse changes.
    read_only = read_only_reason(args.store)
    with Store.open(args.store, create=False, readonly=bool(read_only)) as store:
        server = make_server(
            store,
            host=args.host,
            port=args.port,
            reviewer=reviewer,
            read_only=read_only,
            # the same after a restart: a page left open goes on saving
            token=stable_token(store.path, reviewer),
        )
        print(f"duiyi review: {store.path} at {server.url}  (Ctrl-C stops)", flush=True)
        if read_only:
            print(
                f"duiyi review: read-only: {read_only}; you can browse, search and export, "
                "not change pairs",
                flush=True,
            )
        if args.open:

            def open_when_ready() -> None:
                for _ in range(500):
                    if server.server.started:
                        if not webbrowser.open(server.url):
                            print(
                                "duiyi review: found no web browser to open (--open): open "
                                f"{server.url} in yours",
                                file=sys.stderr,
                                flush=True,
                            )
                        return
                    time.sleep(0.02)

            threading.Thread(target=open_when_ready, daemon=True).start()
        # uvicorn shuts down cleanly on Ctrl-C, then raises it again: that is a normal stop.
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
    print("duiyi review: stopped; every change is saved in the store", flush=True)
    return 0


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return ""
