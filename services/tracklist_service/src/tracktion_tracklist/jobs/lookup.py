"""Consumer ``tracklist``: a cataloged recording that looks like a set -> search, fetch, parse, cue sheet, message.

Only new audio, or a recording the catalog asks to look up again (``redo``: its look-up was deferred), and only
recordings longer than ``min_duration`` (default 20 minutes) are looked up: a three-minute track has no
tracklist, and every look-up costs the site requests. What happens to a message:

* found: ``TracklistFound`` with the tracks and the cue sheet's path (``None`` if the sheet could not be written --
  the tracklist is still worth keeping);
* no usable name, no search result above the threshold, a 404, a page without rows: ``TracklistNotFound`` (acked);
* the site unreachable (offline, DNS, connect refused, timeouts or 5xx that outlived the client's retries) or a
  block page: ``TracklistNotFound(unreachable=True)`` or ``TracklistNotFound(blocked=True)`` with ``retry_after``,
  and the message is acknowledged. The catalog records the look-up as deferred and asks for it again on a later
  scan once ``retry_after`` has passed; retrying it here, or on the bus, only made a scan wait for a site that was
  not there. The client's per-host circuit breaker (one per process) opens on the first such failure, so the
  look-ups that follow are deferred at once, without a request, until its cool-down has passed (one trial then);
* a page layout the parser does not know: :class:`PageFormatError` (permanent) -- dead-lettered for a person.

Storing the tracklist in the catalog's ``tracklists`` table is the catalog's job, on ``TracklistFound``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from tracktion_shared import metrics
from tracktion_shared.bus import Bus
from tracktion_shared.cache import Cache
from tracktion_shared.cue import CueWriteError, write_cue
from tracktion_shared.messages import Message, RecordingCataloged, TracklistFound, TracklistNotFound, TracklistTrack
from tracktion_tracklist.adapters.breaker import HostBreaker
from tracktion_tracklist.adapters.client import TracklistClient
from tracktion_tracklist.adapters.ratelimit import HostRateLimiter
from tracktion_tracklist.domain.matching import (
    SetDescription,
    best_score,
    build_queries,
    describe_recording,
    pick_best,
)
from tracktion_tracklist.domain.models import Blocked, SearchCandidate, Track, Tracklist
from tracktion_tracklist.errors import PageNotFound, SiteDeferred, SiteUnavailable
from tracktion_tracklist.settings import TracklistSettings

__all__ = ["CONSUMER", "SOURCE", "TracklistLookup", "to_message_tracks"]

log = logging.getLogger("tracktion.tracklist")

CONSUMER = "tracklist"
SOURCE = "1001tracklists"

_T = TypeVar("_T")


def to_message_tracks(tracks: tuple[Track, ...]) -> list[TracklistTrack]:
    """Domain tracks as the message schema has them (``mashup``/``unidentified`` flags)."""
    return [
        TracklistTrack(
            position=t.position,
            artist=t.artist,
            title=t.title,
            start_seconds=t.start_s,
            label=t.label,
            mashup=t.mashup_linked,
            unidentified=not t.identified,
        )
        for t in tracks
    ]


class _Deferred(Exception):
    """Inside :meth:`TracklistLookup.handle`: the site could not be asked; the look-up is deferred."""

    def __init__(self, reason: str, *, blocked: bool, delay: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.blocked = blocked
        self.delay = delay


class TracklistLookup:
    """The consumer's state: one rate limiter, circuit breaker and cookie jar for the process."""

    def __init__(
        self,
        bus: Bus,
        cache: Cache | None,
        settings: TracklistSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bus = bus
        self.cache = cache
        self.settings = settings
        self.transport = transport
        self.limiter = HostRateLimiter(settings.request_interval)
        self.breaker = HostBreaker(clock=clock)
        self.host = urlsplit(settings.base_url).netloc.lower()
        self.cookies = httpx.Cookies()

    def client(self) -> TracklistClient:
        """A client for one look-up, sharing the process's rate limiter, breaker, cookies and cache."""
        return TracklistClient(
            self.settings,
            cache=self.cache,
            limiter=self.limiter,
            breaker=self.breaker,
            cookies=self.cookies,
            transport=self.transport,
        )

    async def handle(self, message: Message) -> None:
        if not isinstance(message, RecordingCataloged) or not self.settings.enabled or not message.wants("tracklist"):
            return
        duration = message.duration_seconds
        if duration is None or duration <= self.settings.min_duration:
            log.debug("%s: %s s is not a set; no look-up", message.path, duration)
            return
        description = describe_recording(message.path, message.tags)
        queries = build_queries(description)
        if not queries:
            await self._not_found(message, "no DJ or event name in the tags or file name to search for")
            return
        if (wait := self.breaker.remaining(self.host)) > 0:  # not even a client: offline, a scan defers at once
            await self._deferred(message, self._breaker_open(wait))
            return
        try:
            await self._look_up(message, description, queries)
        except _Deferred as deferred:
            await self._deferred(message, deferred)

    async def _look_up(self, message: RecordingCataloged, description: SetDescription, queries: list[str]) -> None:
        async with self.client() as client:
            seen: list[SearchCandidate] = []
            best = None
            for query in queries:
                results = self._answered(await self._ask(client.search(query)))
                seen.extend(results)
                best = pick_best(description, results, self.settings.match_threshold)
                if best is not None:
                    break
            if best is None:
                await self._not_found(message, self._no_match_reason(queries, description, seen))
                return
            log.info("%s: matched %s (score %.2f)", message.path, best.candidate.url, best.score)
            try:
                page = self._answered(await self._ask(client.tracklist(best.candidate.url)))
            except PageNotFound as exc:
                await self._not_found(message, str(exc))
                return
        if not page.tracks:
            await self._not_found(message, f"{best.candidate.url} lists no tracks")
            return
        await self._found(message, page, best.candidate.url)

    def _breaker_open(self, wait: float) -> _Deferred:
        reason, blocked = self.breaker.why(self.host)
        return _Deferred(f"not asked: {reason or self.host + ' unreachable'}", blocked=blocked, delay=wait)

    async def _ask(self, request: Awaitable[_T]) -> _T:
        try:
            return await request
        except SiteDeferred as exc:
            raise self._breaker_open(exc.delay or 0.0) from exc
        except SiteUnavailable as exc:
            raise _Deferred(str(exc), blocked=False, delay=exc.delay) from exc

    def _answered(self, result: _T | Blocked) -> _T:
        if isinstance(result, Blocked):
            raise _Deferred(result.describe(), blocked=True, delay=self.breaker.remaining(self.host) or None)
        return result

    def _no_match_reason(self, queries: list[str], description: SetDescription, seen: list[SearchCandidate]) -> str:
        if not seen:
            return f"no search results for {' / '.join(repr(q) for q in queries)}"
        closest = best_score(description, seen)
        assert closest is not None
        return (
            f"no search result scored {self.settings.match_threshold:.2f} or more "
            f"(closest: {closest.candidate.title!r} at {closest.score:.2f})"
        )

    async def _found(self, message: RecordingCataloged, tracklist: Tracklist, url: str) -> None:
        cue_path: Path | None = None
        try:
            written = await asyncio.to_thread(
                write_cue,
                tracklist,
                Path(message.path),
                cue_dir=self.settings.cue_dir,
                library_root=self.settings.library_root,
            )
            cue_path = written.path
        except CueWriteError as exc:
            log.warning("%s: tracklist found but no cue sheet written: %s", message.path, exc)
        await self.bus.publish(
            TracklistFound(
                recording_id=message.recording_id,
                source=SOURCE,
                url=tracklist.url or url,
                title=tracklist.title,
                tracks=to_message_tracks(tracklist.tracks),
                cue_file_path=str(cue_path) if cue_path else None,
                **message.follow_up(),
            )
        )
        metrics.TRACKLIST_LOOKUPS.labels("found").inc()

    async def _not_found(self, message: RecordingCataloged, reason: str) -> None:
        log.info("%s: no tracklist: %s", message.path, reason)
        await self.bus.publish(
            TracklistNotFound(recording_id=message.recording_id, reason=reason, **message.follow_up())
        )
        metrics.TRACKLIST_LOOKUPS.labels("not_found").inc()

    async def _deferred(self, message: RecordingCataloged, deferred: _Deferred) -> None:
        """Say the look-up could not be made and when it may be tried again; the breaker has logged the outage."""
        delay = deferred.delay if deferred.delay is not None else self.settings.breaker_cooldown
        retry_after = datetime.now(UTC) + timedelta(seconds=delay)
        log.debug("%s: look-up deferred until %s: %s", message.path, retry_after.isoformat(), deferred.reason)
        await self.bus.publish(
            TracklistNotFound(
                recording_id=message.recording_id,
                reason=deferred.reason,
                blocked=deferred.blocked,
                unreachable=not deferred.blocked,
                retry_after=retry_after,
                **message.follow_up(),
            )
        )
        metrics.TRACKLIST_LOOKUPS.labels("blocked" if deferred.blocked else "deferred").inc()
