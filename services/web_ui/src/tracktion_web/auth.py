"""Who may read the catalog: everyone on this machine by default, only token holders when the UI is reachable.

A catalog lists where every file of someone's collection lives, so a UI bound to anything but loopback needs a token
(``TRACKTION_UI_TOKEN``). Scripts send it as ``Authorization: Bearer <token>``; a person opens the link with
``?token=<token>`` once, which sets an HTTP-only cookie and redirects to the same address without the token, so it
does not stay in the address bar or the history. Every request is checked, pages, API, schema and static files
alike: there is nothing public to leave out.

Bound to loopback without a token, the only other way in is a web page the user visits that makes its own name
resolve to 127.0.0.1 (DNS rebinding); :class:`TokenMiddleware` therefore accepts only loopback ``Host`` headers then.

The decision is the pure :func:`decide`; the middleware only carries it out.
"""

from __future__ import annotations

import enum
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["COOKIE_NAME", "LOOPBACK_HOSTS", "Decision", "Outcome", "TokenMiddleware", "decide"]

COOKIE_NAME = "tracktion_ui_token"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


class Outcome(enum.Enum):
    ALLOW = "allow"
    SET_COOKIE = "set_cookie"  # the ?token= was right: remember it and redirect without it
    UNAUTHORIZED = "unauthorized"
    BAD_HOST = "bad_host"


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason: str = ""


def _same(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def decide(  # noqa: PLR0911 (one return per outcome reads best)
    token: str | None,
    *,
    authorization: str | None,
    cookie: str | None,
    query_token: str | None,
    host: str | None,
    trusted_hosts: Iterable[str] | None,
) -> Decision:
    """Whether a request may be served, given the configured ``token`` and what the request carries."""
    if token is None:
        if trusted_hosts is not None and _host_name(host or "") not in set(trusted_hosts):
            return Decision(Outcome.BAD_HOST, f"host {host!r} is not this machine; open http://127.0.0.1 instead")
        return Decision(Outcome.ALLOW)
    scheme, _, credentials = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and _same(credentials.strip(), token):
        return Decision(Outcome.ALLOW)
    if _same(query_token, token):
        return Decision(Outcome.SET_COOKIE)
    if _same(cookie, token):
        return Decision(Outcome.ALLOW)
    if authorization or query_token is not None or cookie:
        return Decision(Outcome.UNAUTHORIZED, "the token is wrong")
    return Decision(
        Outcome.UNAUTHORIZED,
        "this tracktion UI needs its token: send 'Authorization: Bearer <token>', or open the page once with "
        "?token=<token> (TRACKTION_UI_TOKEN)",
    )


class TokenMiddleware:
    """Applies :func:`decide` to every HTTP request before the application sees it."""

    def __init__(self, app: ASGIApp, *, token: str | None, trusted_hosts: Iterable[str] | None = None) -> None:
        self.app = app
        self.token = token
        self.trusted_hosts = None if trusted_hosts is None else frozenset(trusted_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        query_token = next((value for name, value in query if name == "token"), None)
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a garbled Cookie header is no cookie, not a server error
            cookies = SimpleCookie()
        morsel = cookies.get(COOKIE_NAME)
        decision = decide(
            self.token,
            authorization=headers.get("authorization"),
            cookie=None if morsel is None else morsel.value,
            query_token=query_token,
            host=headers.get("host"),
            trusted_hosts=self.trusted_hosts,
        )
        match decision.outcome:
            case Outcome.ALLOW:
                await self.app(scope, receive, send)
            case Outcome.SET_COOKIE:
                rest = urlencode([(name, value) for name, value in query if name != "token"])
                path = scope.get("raw_path") or scope["path"].encode()
                location = scope.get("root_path", "") + path.decode("latin-1") + (f"?{rest}" if rest else "")
                cookie = f"{COOKIE_NAME}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                await _respond(send, 303, {"location": location, "set-cookie": cookie}, "text/plain", b"")
            case Outcome.UNAUTHORIZED:
                await _refuse(scope, send, 401, decision.reason, {"www-authenticate": "Bearer"})
            case Outcome.BAD_HOST:
                await _refuse(scope, send, 421, decision.reason, {})


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}


async def _refuse(scope: Scope, send: Send, status: int, reason: str, headers: Mapping[str, str]) -> None:
    path = str(scope.get("path", ""))
    if path.startswith("/api") or path == "/openapi.json":
        await _respond(send, status, headers, "application/json", json.dumps({"detail": reason}).encode())
        return
    page = f"<!doctype html><title>tracktion</title><h1>tracktion</h1><p>{_escape(reason)}</p>"
    await _respond(send, status, headers, "text/html; charset=utf-8", page.encode())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def _respond(send: Send, status: int, headers: Mapping[str, str], content_type: str, body: bytes) -> None:
    raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(name.encode(), value.encode("latin-1")) for name, value in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
