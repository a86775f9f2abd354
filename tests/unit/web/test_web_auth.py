"""Token auth: who gets in, and how the middleware answers everyone else (the UI's only access control)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tracktion_web.auth import COOKIE_NAME, Outcome, TokenMiddleware, decide
from tracktion_web.settings import UiSettings, is_loopback

TOKEN = "s3cret-token-0123456789"


def ask(**overrides: object) -> Outcome:
    request: dict[str, object] = {
        "authorization": None,
        "cookie": None,
        "query_token": None,
        "host": "127.0.0.1:8477",
        "trusted_hosts": None,
    }
    request.update(overrides)
    token = request.pop("token", TOKEN)
    return decide(token, **request).outcome  # type: ignore[arg-type]


def test_without_a_token_everyone_on_this_machine_gets_in() -> None:
    assert ask(token=None) is Outcome.ALLOW
    assert ask(token=None, trusted_hosts={"127.0.0.1", "localhost"}, host="localhost:8477") is Outcome.ALLOW
    assert ask(token=None, trusted_hosts={"127.0.0.1", "[::1]"}, host="[::1]:8477") is Outcome.ALLOW
    # a page of evil.example that re-resolved its name to 127.0.0.1 (DNS rebinding) is refused
    assert ask(token=None, trusted_hosts={"127.0.0.1"}, host="evil.example:8477") is Outcome.BAD_HOST


def test_with_a_token_only_the_token_gets_in() -> None:
    assert ask() is Outcome.UNAUTHORIZED
    assert ask(authorization=f"Bearer {TOKEN}") is Outcome.ALLOW
    assert ask(authorization=f"bearer   {TOKEN} ") is Outcome.ALLOW
    assert ask(authorization=f"Basic {TOKEN}") is Outcome.UNAUTHORIZED
    assert ask(authorization="Bearer wrong") is Outcome.UNAUTHORIZED
    assert ask(cookie=TOKEN) is Outcome.ALLOW
    assert ask(cookie=TOKEN + "x") is Outcome.UNAUTHORIZED
    assert ask(query_token=TOKEN) is Outcome.SET_COOKIE
    assert ask(query_token="") is Outcome.UNAUTHORIZED


def _app(token: str | None, trusted: set[str] | None = None) -> TokenMiddleware:
    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"hello {request.url.path}?{request.url.query}")

    inner = Starlette(routes=[Route("/", hello), Route("/api/x", hello), Route("/page/{name}", hello)])
    return TokenMiddleware(inner, token=token, trusted_hosts=trusted)


async def test_middleware_redirects_a_query_token_into_a_cookie() -> None:
    transport = httpx.ASGITransport(app=_app(TOKEN))
    async with httpx.AsyncClient(transport=transport, base_url="http://ui.example") as client:
        response = await client.get("/page/a%20b", params={"token": TOKEN, "q": "x"})
        assert response.status_code == 303
        assert response.headers["location"] == "/page/a%20b?q=x"  # the token is gone from the address
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE_NAME}={TOKEN};")
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        client.cookies.set(COOKIE_NAME, TOKEN)
        assert (await client.get("/page/a%20b", params={"q": "x"})).text == "hello /page/a b?q=x"


async def test_middleware_refuses_json_for_the_api_and_a_page_for_people() -> None:
    transport = httpx.ASGITransport(app=_app(TOKEN))
    async with httpx.AsyncClient(transport=transport, base_url="http://ui.example") as client:
        api = await client.get("/api/x")
        assert api.status_code == 401
        assert api.headers["www-authenticate"] == "Bearer"
        assert "TRACKTION_UI_TOKEN" in api.json()["detail"]
        page = await client.get("/", headers={"cookie": "garbage;;; =="})
        assert page.status_code == 401
        assert page.headers["content-type"].startswith("text/html")
        ok = await client.get("/api/x", headers={"authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200


async def test_middleware_refuses_foreign_host_names_without_a_token() -> None:
    transport = httpx.ASGITransport(app=_app(None, {"127.0.0.1", "localhost"}))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8477") as client:
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/", headers={"host": "rebound.example"})).status_code == 421


def test_loopback_addresses() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.5", "example.org", "10.0.0.1", ""))


def test_the_token_must_be_long_and_need_no_quoting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKTION_UI_TOKEN", "short")
    with pytest.raises(ValueError, match="at least 16"):
        UiSettings()
    monkeypatch.setenv("TRACKTION_UI_TOKEN", "has a space in it; and more")
    with pytest.raises(ValueError, match="at least 16"):
        UiSettings()
    monkeypatch.setenv("TRACKTION_UI_TOKEN", TOKEN)
    settings = UiSettings()
    assert settings.token_value() == TOKEN
    assert TOKEN not in repr(settings)
    monkeypatch.setenv("TRACKTION_UI_TOKEN", "")
    assert UiSettings().token_value() is None
