"""The HTTP client end to end against a local stand-in for the site: retries, backoff, timeouts, rate limit,
Retry-After, caching, size limit, cookies and block pages. Every wait is bounded; nothing leaves 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer
from tracklist_site import fixture_page
from werkzeug import Request, Response

from tracktion_shared.cache import MemoryCache
from tracktion_tracklist import Blocked, PageNotFound, SiteUnavailable, Tracklist, TracklistClient, TracklistSettings
from tracktion_tracklist.adapters.client import cache_key, parse_retry_after
from tracktion_tracklist.adapters.ratelimit import HostRateLimiter

PATH = "/tracklist/abc123/test-dj-other-dj-fabric-london-2024-03-09.html"


class Sleeps:
    """Records the backoff waits instead of sleeping them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


async def handlers_done(site: HTTPServer, count: int, limit: float = 3.0) -> None:
    """Wait until ``count`` requests are logged: a slow handler must finish before the next test shares the server."""
    deadline = time.monotonic() + limit
    while len(site.log) < count and time.monotonic() < deadline:  # noqa: ASYNC110 - polling another thread's log
        await asyncio.sleep(0.02)


def html(name: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(fixture_page(name), status=status, headers=headers, content_type="text/html; charset=utf-8")


async def test_tracklist_fetch_and_parse(site: HTTPServer, site_settings: TracklistSettings) -> None:
    site.expect_request(PATH).respond_with_response(html("tracklist-small.html"))
    async with TracklistClient(site_settings) as client:
        result = await client.tracklist(PATH)
    assert isinstance(result, Tracklist)
    assert len(result.tracks) == 7
    request, _ = site.log[0]
    assert request.headers["User-Agent"].startswith("Mozilla/5.0")
    assert "text/html" in request.headers["Accept"]


async def test_search_posts_the_form(site: HTTPServer, site_settings: TracklistSettings) -> None:
    site.expect_request("/search/result.php", method="POST").respond_with_response(html("search-results.html"))
    async with TracklistClient(site_settings) as client:
        result = await client.search("test dj fabric")
    assert isinstance(result, list)
    assert [c.url for c in result] == [
        site.url_for("/tracklist/abc123/test-dj-other-dj-fabric-london-2024-03-09.html"),
        site.url_for("/tracklist/old999/test-dj-fabric-london-2019-05-04.html"),
    ]
    request, _ = site.log[0]
    assert request.form["main_search"] == "test dj fabric"
    assert request.form["search_selection"] == "9"


async def test_transient_errors_are_retried_then_succeed(site: HTTPServer, site_settings: TracklistSettings) -> None:
    site.expect_ordered_request(PATH).respond_with_data("busy", status=503)
    site.expect_ordered_request(PATH).respond_with_data("bad gateway", status=502)
    site.expect_ordered_request(PATH).respond_with_response(html("tracklist-small.html"))
    sleeps = Sleeps()
    async with TracklistClient(site_settings, sleep=sleeps) as client:
        result = await client.tracklist(PATH)
    assert isinstance(result, Tracklist)
    assert len(site.log) == 3
    assert client.requests_made == 3
    # full-jitter-ish exponential backoff: attempt n waits within [c/2, c], c = initial * 2**(n-1), capped
    assert len(sleeps.waits) == 2
    assert 0.005 <= sleeps.waits[0] <= 0.01
    assert 0.01 <= sleeps.waits[1] <= 0.02


async def test_backoff_is_bounded_by_backoff_max(site: HTTPServer, site_settings: TracklistSettings) -> None:
    site.expect_request(PATH).respond_with_data("down", status=500)
    settings = site_settings.model_copy(update={"max_attempts": 6, "backoff_initial": 0.02, "backoff_max": 0.05})
    sleeps = Sleeps()
    async with TracklistClient(settings, sleep=sleeps) as client:
        with pytest.raises(SiteUnavailable, match="HTTP 500 after 6 tries"):
            await client.tracklist(PATH)
    assert len(site.log) == 6
    assert len(sleeps.waits) == 5
    assert all(w <= 0.05 for w in sleeps.waits)
    assert sleeps.waits[-1] >= 0.025


async def test_real_backoff_takes_bounded_time(site: HTTPServer, site_settings: TracklistSettings) -> None:
    site.expect_request(PATH).respond_with_data("down", status=503)
    started = time.monotonic()
    async with TracklistClient(site_settings) as client:
        with pytest.raises(SiteUnavailable):
            await client.tracklist(PATH)
    elapsed = time.monotonic() - started
    assert len(site.log) == 3
    assert 0.01 <= elapsed < 2.0  # two real waits of 5-10 ms and 10-20 ms, plus three local requests


async def test_connection_refused_becomes_site_unavailable_without_retries(site_settings: TracklistSettings) -> None:
    settings = site_settings.model_copy(update={"base_url": "http://127.0.0.1:9", "max_attempts": 3})
    sleeps = Sleeps()
    async with TracklistClient(settings, sleep=sleeps) as client:
        with pytest.raises(SiteUnavailable, match="unreachable"):
            await client.tracklist(PATH)
    assert sleeps.waits == []  # not connecting at all is offline: waiting and trying again changes nothing


async def test_read_timeout_is_retried_then_reported(site: HTTPServer, site_settings: TracklistSettings) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return html("tracklist-small.html")

    site.expect_request(PATH).respond_with_handler(slow)
    settings = site_settings.model_copy(update={"read_timeout": 0.15, "max_attempts": 2})
    started = time.monotonic()
    async with TracklistClient(settings) as client:
        with pytest.raises(SiteUnavailable, match="timed out"):
            await client.tracklist(PATH)
    assert time.monotonic() - started < 1.5
    await handlers_done(site, 2)
    assert len(site.log) == 2


async def test_timeout_then_success(site: HTTPServer, site_settings: TracklistSettings) -> None:
    calls: list[float] = []

    def slow_once(request: Request) -> Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            time.sleep(0.5)
        return html("tracklist-small.html")

    site.expect_request(PATH).respond_with_handler(slow_once)
    settings = site_settings.model_copy(update={"read_timeout": 0.15})
    async with TracklistClient(settings) as client:
        result = await client.tracklist(PATH)
    assert isinstance(result, Tracklist)
    assert len(calls) == 2
    await handlers_done(site, 2)


async def test_retry_after_is_honoured(site: HTTPServer, site_settings: TracklistSettings) -> None:
    site.expect_ordered_request(PATH).respond_with_data("slow down", status=429, headers={"Retry-After": "2"})
    site.expect_ordered_request(PATH).respond_with_response(html("tracklist-small.html"))
    sleeps = Sleeps()
    limiter = HostRateLimiter(0, sleep=sleeps)
    async with TracklistClient(site_settings, sleep=sleeps, limiter=limiter) as client:
        result = await client.tracklist(PATH)
    assert isinstance(result, Tracklist)
    assert sleeps.waits[0] >= 2.0  # tenacity waited at least what the server asked
    assert len(site.log) == 2


async def test_too_long_retry_after_gives_up_at_once(site: HTTPServer, site_settings: TracklistSettings) -> None:
    site.expect_request(PATH).respond_with_data("come back tomorrow", status=429, headers={"Retry-After": "3600"})
    sleeps = Sleeps()
    async with TracklistClient(site_settings, sleep=sleeps) as client:
        with pytest.raises(SiteUnavailable) as caught:
            await client.tracklist(PATH)
    assert caught.value.delay == 3600.0  # the bus retries the message after that long
    assert len(site.log) == 1
    assert sleeps.waits == []


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    now = datetime(2015, 10, 21, 7, 27, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 60.0


async def test_rate_limit_spaces_requests(site: HTTPServer, site_settings: TracklistSettings) -> None:
    arrivals: list[float] = []

    def record(request: Request) -> Response:
        arrivals.append(time.monotonic())
        return html("tracklist-small.html")

    site.expect_request("/tracklist/one.html").respond_with_handler(record)
    site.expect_request("/tracklist/two.html").respond_with_handler(record)
    site.expect_request("/tracklist/three.html").respond_with_handler(record)
    settings = site_settings.model_copy(update={"request_interval": 0.25})
    async with TracklistClient(settings) as client:
        started = time.monotonic()
        await asyncio.gather(*(client.tracklist(f"/tracklist/{n}.html") for n in ("one", "two", "three")))
    gaps = [b - a for a, b in zip(sorted(arrivals), sorted(arrivals)[1:], strict=False)]
    assert len(arrivals) == 3
    assert all(gap >= 0.2 for gap in gaps), gaps  # 0.25 s apart, minus scheduling slack
    assert time.monotonic() - started < 2.0


async def test_rate_limiter_is_per_host() -> None:
    clock = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = HostRateLimiter(3.0, clock=lambda: clock[0], sleep=fake_sleep)
    assert await limiter.wait("a") == 0
    assert await limiter.wait("b") == 0
    assert await limiter.wait("a") == 3.0
    assert await limiter.wait("a") == 6.0
    clock[0] = 10.0
    assert await limiter.wait("a") == 0
    limiter.defer("b", 30)
    assert await limiter.wait("b") == 30.0
    assert slept == [3.0, 6.0, 30.0]


async def test_cache_hit_makes_no_request(site: HTTPServer, site_settings: TracklistSettings) -> None:
    site.expect_request(PATH).respond_with_response(html("tracklist-small.html"))
    cache = MemoryCache()
    async with TracklistClient(site_settings, cache=cache) as client:
        first = await client.tracklist(PATH)
        second = await client.tracklist(PATH)
    assert first == second
    assert len(site.log) == 1
    stored = await cache.get(cache_key(site.url_for(PATH)))
    assert stored is not None
    assert json.loads(stored)["status"] == 200
    assert cache_key(site.url_for(PATH)) == f"http:v1:{site.url_for(PATH)}"
    # a new client (a new look-up) with the same cache asks nobody either
    async with TracklistClient(site_settings, cache=cache) as client:
        assert await client.tracklist(PATH) == first
    assert len(site.log) == 1


async def test_cache_entries_expire(site: HTTPServer, site_settings: TracklistSettings) -> None:
    site.expect_request(PATH).respond_with_response(html("tracklist-small.html"))
    now = [0.0]
    cache = MemoryCache(clock=lambda: now[0])
    async with TracklistClient(site_settings.model_copy(update={"cache_ttl": 60}), cache=cache) as client:
        await client.tracklist(PATH)
        now[0] = 61
        await client.tracklist(PATH)
    assert len(site.log) == 2


@pytest.mark.parametrize(
    ("page", "kind"),
    [("ip-block.html", "captcha"), ("js-challenge.html", "js-challenge"), ("cloudflare-turnstile.html", "cloudflare")],
)
async def test_block_pages_are_blocked_and_never_cached(
    site: HTTPServer, site_settings: TracklistSettings, page: str, kind: str
) -> None:
    site.expect_request(PATH).respond_with_response(html(page))
    cache = MemoryCache()
    async with TracklistClient(site_settings, cache=cache) as client:
        first = await client.tracklist(PATH)
        second = await client.tracklist(PATH)
    assert isinstance(first, Blocked)
    assert first.kind == kind
    assert second == first
    assert len(site.log) == 2  # not served from the cache
    assert len(cache) == 0
    assert all(req.method == "GET" for req, _ in site.log)  # the js challenge's token is never posted back


async def test_blocked_search(site: HTTPServer, site_settings: TracklistSettings) -> None:
    site.expect_request("/search/result.php").respond_with_response(html("ip-block.html"))
    async with TracklistClient(site_settings) as client:
        assert isinstance(await client.search("test dj fabric"), Blocked)


async def test_403_is_a_block_and_404_is_not_found(site: HTTPServer, site_settings: TracklistSettings) -> None:
    site.expect_request("/tracklist/forbidden.html").respond_with_data("no", status=403)
    site.expect_request("/tracklist/cf.html").respond_with_response(html("cloudflare-turnstile.html", status=403))
    site.expect_request("/tracklist/gone.html").respond_with_data("gone", status=404)
    async with TracklistClient(site_settings) as client:
        forbidden = await client.tracklist("/tracklist/forbidden.html")
        cloudflare = await client.tracklist("/tracklist/cf.html")
        with pytest.raises(PageNotFound):
            await client.tracklist("/tracklist/gone.html")
    assert isinstance(forbidden, Blocked)
    assert forbidden.kind == "forbidden"
    assert isinstance(cloudflare, Blocked)
    assert cloudflare.kind == "cloudflare"
    assert len(site.log) == 3  # none of these is retried


async def test_oversized_response_is_cut_off_and_not_cached(site: HTTPServer, site_settings: TracklistSettings) -> None:
    body = fixture_page("tracklist-small.html") + "<!--" + "x" * 20_000 + "-->"
    site.expect_request(PATH).respond_with_data(body, content_type="text/html")
    cache = MemoryCache()
    settings = site_settings.model_copy(update={"max_bytes": 4096})
    async with TracklistClient(settings, cache=cache) as client:
        page = await client.fetch(site.url_for(PATH))
    assert page.truncated
    assert len(page.text.encode()) <= 4096
    assert len(cache) == 0


async def test_cookies_are_kept_for_the_session(site: HTTPServer, site_settings: TracklistSettings) -> None:
    seen: list[str | None] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("Cookie"))
        response = html("tracklist-small.html")
        response.set_cookie("sid", "abc")
        return response

    site.expect_request("/tracklist/one.html").respond_with_handler(handler)
    site.expect_request("/tracklist/two.html").respond_with_handler(handler)
    async with TracklistClient(site_settings) as client:
        await client.tracklist("/tracklist/one.html")
        await client.tracklist("/tracklist/two.html")
    assert seen == [None, "sid=abc"]
