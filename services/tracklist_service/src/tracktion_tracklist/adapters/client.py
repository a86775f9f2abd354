"""The HTTP client for 1001tracklists: polite, patient, cached, and honest about blocks.

* **Timeouts** are explicit (connect and read separately); a read that stalls is a transient error.
* **Retries** (tenacity): read timeouts, dropped connections, 429 and 5xx are tried again up to ``max_attempts``
  times with exponential backoff and full jitter (so many workers do not retry in lockstep). A ``Retry-After`` header
  sets the wait (at least); one longer than ``retry_after_max`` ends the tries at once. Whatever is left then becomes
  :class:`SiteUnavailable` (temporary). A failure to connect at all (connection refused, DNS failure, connect
  timeout) is not retried: the network or the site is plainly down, and waiting 2 + 4 + 8 s per request changes
  nothing but the time a scan takes.
* **Circuit breaker** (optional, per host, shared by the service's clients): after an unreachable host (connect
  failure, or retries spent) or a block page, :class:`~tracktion_tracklist.adapters.breaker.HostBreaker` opens and
  every further fetch for that host raises :class:`SiteDeferred` at once -- no request, no retry sleep, and callers
  already waiting for a rate-limit slot give up too -- until its cool-down has passed; then one trial request.
* **Rate limit**: every attempt (retries included) waits for its slot in a per-host :class:`HostRateLimiter`.
* **Identity**: a browser's User-Agent and Accept headers; cookies persist in the jar given (one per service
  process, so a session cookie the site sets is sent back on later look-ups).
* **Cache**: successful pages are kept in the :class:`~tracktion_shared.cache.Cache` under ``http:v1:<url>`` (POSTed
  searches: ``http:v1:<url>?<form>``) for ``cache_ttl`` seconds; a cache hit makes no request at all. Block pages,
  errors and cut-off responses are never cached.
* **Size**: a body over ``max_bytes`` is cut off there (and not cached); a page that big is not a tracklist.
* **Blocks**: a 200 page that is a captcha/challenge shell, or a 403, comes back as
  :class:`~tracktion_tracklist.domain.models.Blocked`; a block is not retried here -- hammering a site that just
  blocked us makes it worse. httpx's exceptions never leave this module.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Self
from urllib.parse import urlencode, urljoin, urlsplit

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base

from tracktion_shared.cache import Cache
from tracktion_tracklist.adapters.breaker import HostBreaker
from tracktion_tracklist.adapters.ratelimit import HostRateLimiter
from tracktion_tracklist.domain._html import load_html
from tracktion_tracklist.domain.blocks import classify_soup
from tracktion_tracklist.domain.models import Blocked, SearchCandidate, Tracklist
from tracktion_tracklist.domain.pages import parse_search_page, parse_tracklist_page
from tracktion_tracklist.errors import PageNotFound, SiteDeferred, SiteUnavailable
from tracktion_tracklist.settings import TracklistSettings

__all__ = ["CACHE_PREFIX", "Page", "TracklistClient", "cache_key", "parse_retry_after"]

log = logging.getLogger("tracktion.tracklist.client")

CACHE_PREFIX = "http:v1:"
SEARCH_PATH = "/search/result.php"
#: the site's search form: query text and "search tracklists" (9)
SEARCH_SELECTION = "9"

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


@dataclass(frozen=True)
class Page:
    """A fetched page: the final URL (after redirects), status, text; ``blocked`` when it is a block page."""

    url: str
    status: int
    text: str
    from_cache: bool = False
    truncated: bool = False
    blocked: Blocked | None = None


class _Transient(Exception):
    """A response worth trying again (429/5xx); ``retry_after`` in seconds when the server said so."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def _worth_retrying(exc: BaseException) -> bool:
    """429/5xx and a connection that broke or stalled are retried; not connecting at all is not (offline)."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return False
    return isinstance(exc, _Transient | httpx.TransportError)


class _StopOnLongRetryAfter(stop_base):
    """Stop at once when the server asks for a longer pause than we are willing to wait inside one message."""

    def __init__(self, limit: float) -> None:
        self.limit = limit

    def __call__(self, retry_state: RetryCallState) -> bool:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        return isinstance(exc, _Transient) and exc.retry_after is not None and exc.retry_after > self.limit


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class TracklistClient:
    """One polite session with the site. Use as ``async with TracklistClient(settings, cache=...) as client``.

    ``limiter``, ``breaker`` and ``cookies`` may be shared between clients (the service keeps one of each per
    process); without a ``breaker`` every fetch asks the site (the CLI's one-off commands). ``transport`` and
    ``sleep`` are for tests.
    """

    def __init__(
        self,
        settings: TracklistSettings,
        *,
        cache: Cache | None = None,
        limiter: HostRateLimiter | None = None,
        breaker: HostBreaker | None = None,
        cookies: httpx.Cookies | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.base_url = settings.base_url
        self.cache = cache
        self.limiter = limiter or HostRateLimiter(settings.request_interval)
        self.breaker = breaker
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.requests_made = 0
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            headers={
                "User-Agent": settings.user_agent,
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                "Accept-Language": "en-US,en;q=0.9",
            },
            cookies=cookies,
            follow_redirects=True,
            max_redirects=5,
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._http.cookies

    # -- what the service asks ----------------------------------------------------------------------------------

    async def search(self, query: str) -> list[SearchCandidate] | Blocked:
        """The site's tracklist search for ``query``: candidates (maybe none) or the block that stopped it."""
        url = urljoin(self.base_url + "/", SEARCH_PATH.lstrip("/"))
        page = await self.fetch(url, form={"main_search": query, "search_selection": SEARCH_SELECTION})
        if page.blocked is not None:
            return page.blocked
        return parse_search_page(page.text, base_url=self.base_url)

    async def tracklist(self, url: str) -> Tracklist | Blocked:
        """The tracklist at ``url`` (absolute, or a path on the site), or the block that stopped it."""
        absolute = urljoin(self.base_url + "/", url)
        page = await self.fetch(absolute)
        if page.blocked is not None:
            return page.blocked
        return parse_tracklist_page(page.text, url=page.url)

    # -- one page ---------------------------------------------------------------------------------------------

    async def fetch(self, url: str, *, form: Mapping[str, str] | None = None) -> Page:
        """GET ``url`` (POST ``form`` when given) through cache, rate limit and retries.

        Raises :class:`SiteUnavailable` when the retries are spent (:class:`SiteDeferred` when the breaker is open)
        and :class:`PageNotFound` for 404/410.
        """
        key = cache_key(url, form)
        cached = await self._cached(key)
        if cached is not None:
            return cached
        page = await self._fetch_through_breaker(url, form)
        if page.blocked is None and page.status == 200 and not page.truncated and self.cache is not None:
            body = {"url": page.url, "status": page.status, "text": page.text, "at": time.time()}
            await self.cache.set(key, json.dumps(body).encode(), ttl=self.settings.cache_ttl)
        return page

    async def _cached(self, key: str) -> Page | None:
        if self.cache is None:
            return None
        raw = await self.cache.get(key)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return Page(url=str(data["url"]), status=int(data["status"]), text=str(data["text"]), from_cache=True)
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring an unreadable cache entry %s", key[:200])
            return None

    async def _fetch_through_breaker(self, url: str, form: Mapping[str, str] | None) -> Page:
        """:meth:`_fetch_with_retries`, unless the host's breaker is open; what happens opens or closes it."""
        breaker, host = self.breaker, _host(url)
        if breaker is None:
            return await self._fetch_with_retries(url, form)
        wait = breaker.before(host)
        if wait > 0:
            raise SiteDeferred(f"{host} unreachable; not asking again for {wait:.0f} s", delay=wait)
        trial = breaker.state(host) == "half-open"  # this fetch holds the one trial after a cool-down
        try:
            page = await self._fetch_with_retries(url, form)
        except SiteDeferred:
            if trial:
                breaker.release(host)
            raise
        except SiteUnavailable as exc:
            self.limiter.reset(host)  # the look-ups that gave up waiting leave no reserved slots behind
            initial = max(self.settings.breaker_cooldown, exc.delay or 0.0)
            delay = breaker.failed(host, str(exc), initial=initial, maximum=self.settings.breaker_cooldown_max)
            raise SiteUnavailable(str(exc), delay=delay) from exc
        except PageNotFound:
            breaker.succeeded(host)  # the site answered; there is just no such page
            raise
        except BaseException:
            if trial:
                breaker.release(host)
            raise
        if page.blocked is None:
            breaker.succeeded(host)
        else:
            self.limiter.reset(host)
            first, most = self.settings.block_delay, self.settings.block_delay_max
            breaker.failed(host, page.blocked.describe(), initial=first, maximum=most, blocked=True)
        return page

    async def _wait_for_slot(self, host: str) -> None:
        """The rate limiter's slot for ``host``; given up on (:class:`SiteDeferred`) as soon as the breaker opens."""
        breaker = self.breaker
        if breaker is None:
            await self.limiter.wait(host)
            return
        if (left := breaker.remaining(host)) > 0:  # opened while this fetch slept between two tries
            raise SiteDeferred(f"{host} unreachable; not asking again for {left:.0f} s", delay=left)
        slot = asyncio.ensure_future(self.limiter.wait(host))
        opened = asyncio.ensure_future(breaker.opened(host).wait())
        try:
            await asyncio.wait((slot, opened), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (slot, opened):
                task.cancel()
            await asyncio.gather(slot, opened, return_exceptions=True)
        if not slot.cancelled() and slot.exception() is None:
            return
        left = breaker.remaining(host)
        raise SiteDeferred(f"{host} unreachable; not asking again for {left:.0f} s", delay=left)

    async def _fetch_with_retries(self, url: str, form: Mapping[str, str] | None) -> Page:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.max_attempts) | _StopOnLongRetryAfter(self.settings.retry_after_max),
            wait=self._wait,
            retry=retry_if_exception(_worth_retrying),
            sleep=self._sleep,
            reraise=True,
            before_sleep=self._log_retry,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._fetch_once(url, form)
        except _Transient as exc:
            tries = self.settings.max_attempts
            message = f"{_host(url)} answered HTTP {exc.status} after {tries} tries"
            raise SiteUnavailable(message, delay=exc.retry_after) from exc
        except httpx.TimeoutException as exc:
            raise SiteUnavailable(f"{_host(url)} timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise SiteUnavailable(f"{_host(url)} unreachable: {type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable: tenacity returns or raises")  # pragma: no cover

    async def _fetch_once(self, url: str, form: Mapping[str, str] | None) -> Page:
        await self._wait_for_slot(_host(url))
        self.requests_made += 1
        method = "POST" if form else "GET"
        async with self._http.stream(method, url, data=dict(form) if form else None) as response:
            status = response.status_code
            if status in _RETRY_STATUSES:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is not None:
                    self.limiter.defer(_host(url), retry_after)
                raise _Transient(status, retry_after)
            body, truncated = await self._read_capped(response)
            text = body.decode(response.encoding or "utf-8", errors="replace")
            final_url = str(response.url)
        if status in (404, 410):
            raise PageNotFound(f"{url} does not exist (HTTP {status})")
        soup = load_html(text)
        blocked = classify_soup(soup)
        if blocked is None and status == 403:
            blocked = Blocked("forbidden", "HTTP 403 from the site")
        if blocked is None and status >= 400:
            raise SiteUnavailable(f"{_host(url)} answered HTTP {status}")
        if blocked is not None:  # with a breaker, it logs the outage once (as a warning) for every look-up
            log.log(logging.INFO if self.breaker else logging.WARNING, "%s: %s", url, blocked.describe())
        return Page(url=final_url, status=status, text=text, truncated=truncated, blocked=blocked)

    async def _read_capped(self, response: httpx.Response) -> tuple[bytes, bool]:
        limit = self.settings.max_bytes
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            if size + len(chunk) > limit:
                chunks.append(chunk[: limit - size])
                log.warning("%s: response cut off at %d bytes", response.url, limit)
                return b"".join(chunks), True
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks), False

    # -- tenacity hooks ---------------------------------------------------------------------------------------

    def _wait(self, state: RetryCallState) -> float:
        """Full-jitter exponential backoff, but never shorter than a Retry-After the server sent."""
        ceiling = min(self.settings.backoff_max, self.settings.backoff_initial * 2 ** (state.attempt_number - 1))
        wait = self._rng.uniform(ceiling / 2, ceiling) if ceiling > 0 else 0.0
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            wait = max(wait, exc.retry_after)
        return wait

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        name = type(exc).__name__ if exc else "?"
        log.info("retrying after %s (attempt %d of %d)", name, state.attempt_number, self.settings.max_attempts)


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


def cache_key(url: str, form: Mapping[str, str] | None = None) -> str:
    """The cache key the client uses for ``url`` (and ``form``)."""
    return CACHE_PREFIX + url + (f"?{urlencode(sorted(form.items()))}" if form else "")
