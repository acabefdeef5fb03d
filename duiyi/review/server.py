"""Serve the review app with uvicorn on a loopback socket we bind ourselves.

Binding first (port 0 = a free port) tells us the real port before the app is built, so the
Host check knows the exact ``host:port`` to accept.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from duiyi.corpus.store import Store
from duiyi.errors import InputError
from duiyi.review.app import create_app
from duiyi.review.security import allowed_hosts, loopback_problem, plain_host

log = logging.getLogger(__name__)


@dataclass
class ReviewServer:
    """A bound socket and the uvicorn server that will serve the review app on it."""

    server: uvicorn.Server
    sock: socket.socket
    url: str

    def run(self) -> None:
        """Serve until interrupted (Ctrl-C) or `stop()`."""
        self.server.run(sockets=[self.sock])

    def stop(self) -> None:
        self.server.should_exit = True


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket on a loopback `host` (`port` 0: any free port)."""
    if problem := loopback_problem(host):
        raise InputError(f"--host {problem}")
    address = plain_host(host)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # A stopped server leaves its closed connections in TIME_WAIT for a minute; without this,
    # running the command again on the same --port fails meanwhile. (A port some other program
    # listens on is still refused.)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1" if address == "localhost" else address, port))
    except OSError as exc:
        sock.close()
        raise InputError(
            f"cannot listen on {host}:{port}: {exc.strerror} (try another --port)"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def make_server(
    store: Store,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    reviewer: str = "",
    read_only: str = "",
    token: str | None = None,
) -> ReviewServer:
    """The review app over `store`, bound and ready to `run()` (`read_only`: why changes are
    refused, see `create_app`; `token`: the pages' CSRF token, None: a random one)."""
    sock = bind(host, port)
    host, port = plain_host(host), sock.getsockname()[1]
    literal = f"[{host}]" if ":" in host else host
    app = create_app(
        store, hosts=allowed_hosts(host, port), reviewer=reviewer, read_only=read_only, token=token
    )
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    return ReviewServer(uvicorn.Server(config), sock, f"http://{literal}:{port}/")


@contextmanager
def serve_in_thread(review: ReviewServer, timeout: float = 10.0) -> Iterator[ReviewServer]:
    """Run the server in a background thread for the `with` block (tests, benchmarks)."""
    thread = threading.Thread(target=review.run, name="duiyi-review", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not review.server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            review.stop()
            raise RuntimeError(f"the review server did not start within {timeout} s")
        time.sleep(0.02)
    try:
        yield review
    finally:
        review.stop()
        thread.join(timeout)
        review.sock.close()
