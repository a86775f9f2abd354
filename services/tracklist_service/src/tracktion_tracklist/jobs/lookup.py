"""Consumer ``tracklist``: a cataloged recording that looks like a set -> search, fetch, parse, cue sheet, message.

Only recordings longer than ``min_duration`` (default 20 minutes) are looked up: a three-minute track has no
tracklist, and every look-up costs the site requests. What happens to a message:

* found: ``TracklistFound`` with the tracks and the cue sheet's path (``None`` if the sheet could not be written --
  the tracklist is still worth keeping);
* no usable name, no search result above the threshold, a 404, a page without rows: ``TracklistNotFound`` (acked);
* a block page: ``TracklistNotFound(blocked=True)`` is published (so the catalog can show why), then
  :class:`~tracktion_tracklist.errors.TracklistBlocked` is raised with a delay that doubles with each consecutive
  block (``block_delay`` .. ``block_delay_max``); the bus retries the message after at least that long and
  dead-letters it when its retries are spent. Until the delay has passed, other messages do not ask the site at all
  and are put back with the remaining wait;
* the site down or slow after the client's retries: :class:`SiteUnavailable` (temporary) propagates to the bus;
* a page layout the parser does not know: :class:`PageFormatError` (permanent) -- dead-lettered for a person.

Storing the tracklist in the catalog's ``tracklists`` table is the catalog's job, on ``TracklistFound``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import httpx

from tracktion_shared import metrics
from tracktion_shared.bus import Bus
from tracktion_shared.cache import Cache
from tracktion_shared.messages import Message, RecordingCataloged, TracklistFound, TracklistNotFound, TracklistTrack
from tracktion_tracklist.adapters.client import TracklistClient
from tracktion_tracklist.adapters.cuefile import write_cue
from tracktion_tracklist.adapters.ratelimit import HostRateLimiter
from tracktion_tracklist.domain.matching import (
    SetDescription,
    best_score,
    build_queries,
    describe_recording,
    pick_best,
)
from tracktion_tracklist.domain.models import Blocked, SearchCandidate, Track, Tracklist
from tracktion_tracklist.errors import CueWriteError, PageNotFound, TracklistBlocked
from tracktion_tracklist.settings import TracklistSettings

__all__ = ["CONSUMER", "SOURCE", "TracklistLookup", "to_message_tracks"]

log = logging.getLogger("tracktion.tracklist")

CONSUMER = "tracklist"
SOURCE = "1001tracklists"


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


class TracklistLookup:
    """The consumer's state: one rate limiter and cookie jar for the process, and the current block back-off."""

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
        self.cookies = httpx.Cookies()
        self._clock = clock
        self._blocked_until = 0.0
        self._last_block: Blocked | None = None
        self.consecutive_blocks = 0

    def client(self) -> TracklistClient:
        """A client for one look-up, sharing the process's rate limiter, cookies and cache."""
        return TracklistClient(
            self.settings, cache=self.cache, limiter=self.limiter, cookies=self.cookies, transport=self.transport
        )

    async def handle(self, message: Message) -> None:
        if not isinstance(message, RecordingCataloged) or not self.settings.enabled:
            return
        duration = message.duration_seconds
        if duration is None or duration <= self.settings.min_duration:
            log.debug("%s: %s s is not a set; no look-up", message.path, duration)
            return
        self._check_backoff()
        description = describe_recording(message.path, message.tags)
        queries = build_queries(description)
        if not queries:
            await self._not_found(message, "no DJ or event name in the tags or file name to search for")
            return
        async with self.client() as client:
            seen: list[SearchCandidate] = []
            best = None
            for query in queries:
                results = await client.search(query)
                if isinstance(results, Blocked):
                    await self._blocked(message, results)
                seen.extend(results)
                best = pick_best(description, results, self.settings.match_threshold)
                if best is not None:
                    break
            if best is None:
                await self._not_found(message, self._no_match_reason(queries, description, seen))
                return
            log.info("%s: matched %s (score %.2f)", message.path, best.candidate.url, best.score)
            try:
                page = await client.tracklist(best.candidate.url)
            except PageNotFound as exc:
                await self._not_found(message, str(exc))
                return
            if isinstance(page, Blocked):
                await self._blocked(message, page)
        self.consecutive_blocks = 0
        if not page.tracks:
            await self._not_found(message, f"{best.candidate.url} lists no tracks")
            return
        await self._found(message, page, best.candidate.url)

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

    async def _not_found(self, message: RecordingCataloged, reason: str, *, blocked: bool = False) -> None:
        log.info("%s: no tracklist: %s", message.path, reason)
        await self.bus.publish(
            TracklistNotFound(recording_id=message.recording_id, reason=reason, blocked=blocked, **message.follow_up())
        )
        metrics.TRACKLIST_LOOKUPS.labels("blocked" if blocked else "not_found").inc()

    def _check_backoff(self) -> None:
        remaining = self._blocked_until - self._clock()
        if remaining > 0 and self._last_block is not None:
            raise TracklistBlocked(
                f"the site blocked us {self._last_block.kind}; not asking again for {remaining:.0f} s",
                kind=self._last_block.kind,
                delay=remaining,
            )

    async def _blocked(self, message: RecordingCataloged, blocked: Blocked) -> NoReturn:
        self.consecutive_blocks += 1
        delay = min(self.settings.block_delay * 2 ** (self.consecutive_blocks - 1), self.settings.block_delay_max)
        self._blocked_until = self._clock() + delay
        self._last_block = blocked
        await self._not_found(message, blocked.describe(), blocked=True)
        raise TracklistBlocked(f"{blocked.describe()}; retrying in {delay:.0f} s", kind=blocked.kind, delay=delay)
