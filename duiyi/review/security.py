"""The review app's guards: Host header (DNS rebinding), CSRF token and Origin, response headers.

The app has no login: whoever can talk to it can change the corpus. So it listens on loopback
only, and every request must prove it comes from our own page:

- **Host**: a page on evil.example whose DNS name is re-pointed at 127.0.0.1 reaches our port
  with ``Host: evil.example``; only the exact loopback ``host:port`` we listen on is accepted.
- **CSRF**: any other site can make the browser POST to 127.0.0.1. State-changing requests must
  carry the per-server token (random, made at startup, embedded in our pages) in the
  ``X-CSRF-Token`` header. Browsers never let another origin set that header without a CORS
  preflight, which we never grant; the Origin header, when sent, must be ours as well.
- **Headers**: a strict Content-Security-Policy (our own script and style only, no inline
  script), no framing, no referrer, no MIME sniffing.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
from collections.abc import Iterable

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
            return "Wrong CSRF token (the server was restarted?): reload the page and try again."
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
