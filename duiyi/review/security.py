"""The review app's guards: Host header (DNS rebinding), CSRF token and Origin, response headers.

The app has no login: whoever can talk to it can change the corpus. So it listens on loopback
only, and every request must prove it comes from our own page:

- **Host**: a page on evil.example whose DNS name is re-pointed at 127.0.0.1 reaches our port
  with ``Host: evil.example``; only the exact loopback ``host:port`` we listen on is accepted.
- **CSRF**: any other site can make the browser POST to 127.0.0.1. State-changing requests must
  carry the page's token (embedded in our pages) in the ``X-CSRF-Token`` header. Browsers
  never let another origin set that header without a CORS preflight, which we never grant;
  the Origin header, when sent, must be ours as well. ``duiyi review`` makes the token from
  the store and the reviewer under a secret of the user's (``stable_token``), so a page left
  open goes on saving after a restart, and a page of another store or reviewer is refused.
- **Headers**: a strict Content-Security-Policy (our own script and style only, no inline
  script), no framing, no referrer, no MIME sniffing.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import ipaddress
import logging
import os
import secrets
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

TOKEN_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


def new_token() -> str:
    """A fresh CSRF token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def stable_token(store_path: str | os.PathLike, reviewer: str) -> str:
    """The CSRF token of the review app over `store_path` for `reviewer`: the same after a
    restart, so a page left open goes on saving, but another for another store or reviewer
    (an HMAC of both under the user's secret, `secret_path()`). A fresh random token where
    no secret can be kept (a home it cannot write, a secret file others may read)."""
    secret = _user_secret()
    if secret is None:
        return new_token()
    # bytes as the file system names it: a path need not be UTF-8 (a Latin-1 name, \udcff)
    path = os.fsencode(os.path.realpath(store_path))
    message = path + b"\0" + reviewer.encode("utf-8", "surrogateescape")
    digest = hmac.digest(secret, message, "sha256")
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def secret_path() -> Path:
    """Where the user's review secret is kept: $XDG_CONFIG_HOME/duiyi/review-secret, else
    ~/.config/duiyi/review-secret."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "duiyi" / "review-secret"


def _user_secret() -> bytes | None:
    """The user's secret (256 random bits, made on first use, mode 0600), or None (logged)."""
    try:
        path = secret_path()
    except RuntimeError as exc:  # no $HOME, no passwd entry (a container's user)
        log.warning("no review secret (%s): the page's token lasts until a restart", exc)
        return None
    try:
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, made = tempfile.mkstemp(dir=path.parent, prefix=".review-secret-")  # 0600
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(secrets.token_bytes(32))
                with contextlib.suppress(FileExistsError):  # another server made it first
                    os.link(made, path)  # whole, never half written
            finally:
                os.unlink(made)
        # O_NONBLOCK: a FIFO put there opens at once (and is refused), not waits for a writer
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
        with open(os.open(path, flags), "rb") as secret_file:
            info = os.fstat(secret_file.fileno())
            secret = secret_file.read() if stat.S_ISREG(info.st_mode) else b""
    except OSError as exc:
        log.warning("no review secret (%s): the page's token lasts until a restart", exc)
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o077 or len(secret) < 32:
        log.warning(
            "%s is not a secret of yours (another owner, readable by others, or short): the "
            "page's token lasts until a restart; remove the file to make a new one",
            path,
        )
        return None
    return secret


def plain_host(host: str) -> str:
    """`host` as the socket and the Host check want it: lower case (host names are
    case-insensitive), an IPv6 address without the brackets of a URL ("[::1]" is ::1)."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) means this machine only."""
    host = plain_host(host)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_problem(host: str) -> str | None:
    """Why the app will not listen on `host` (None: it is loopback)."""
    if is_loopback(host):
        return None
    return (
        f"{host}: the review app has no login, so it only listens on loopback "
        "(127.0.0.1, ::1, localhost); to review from another machine, forward the port "
        "with ssh -L PORT:127.0.0.1:PORT"
    )


def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host header values a browser sends for our own URL (and `localhost` for 127.0.0.1)."""
    literal = f"[{host}]" if ":" in host else host
    hosts = {f"{literal}:{port}"}
    if host in ("127.0.0.1", "localhost", "::1"):
        hosts |= {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
    return hosts


class Guard:
    """ASGI middleware: Host check on every request, CSRF check on state-changing ones."""

    def __init__(self, app: ASGIApp, *, hosts: Iterable[str], token: str) -> None:
        self.app = app
        self.hosts = {h.lower() for h in hosts}
        self.origins = {f"http://{h}" for h in self.hosts}
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "").lower()
        if host not in self.hosts:
            log.warning("refused a request for Host %r", host)
            response = PlainTextResponse(
                f"Host {host!r} is not allowed: open the review app at its own address "
                f"({sorted(self.hosts)[0]}).",
                status_code=400,
            )
            await response(scope, receive, self._with_headers(send))
            return
        if scope["method"] not in SAFE_METHODS:
            problem = self._csrf_problem(headers)
            if problem:
                log.warning("refused %s %s: %s", scope["method"], scope["path"], problem)
                response = PlainTextResponse(problem, status_code=403)
                await response(scope, receive, self._with_headers(send))
                return
        await self.app(scope, receive, self._with_headers(send))

    def _csrf_problem(self, headers: dict[str, str]) -> str | None:
        """Why a state-changing request is refused, or None when it is ours."""
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in self.origins:
            return f"Origin {origin!r} is not this review app: request refused (CSRF)."
        sent = headers.get(TOKEN_HEADER, "")
        if not sent:
            return "Missing the page's CSRF token: reload the page and try again."
        if not hmac.compare_digest(sent.encode(), self.token.encode()):
            return (
                "Wrong CSRF token: this page is from another run of the review server (another "
                "store or reviewer?): reload the page and try again (copy any text you typed "
                "first: reloading drops it)."
            )
        return None

    @staticmethod
    def _with_headers(send: Send) -> Send:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return send_with_headers
