"""Consumer ``analysis``: ``RecordingCataloged`` -> tempo, key, mood and timeline -> ``AnalysisCompleted``.

What happens to a message:

* neither new audio (``content_changed``) nor a request for analysis again (``redo``): nothing to do; acked. A
  re-request for content whose current result is cached is answered from the cache.
* the message was already handled (a redelivery after a crash between publishing and acking): acked without
  publishing again -- handled message ids are remembered in the cache for a week.
* the content hash is in the cache (``analysis:v<RESULT_VERSION>:<options tag>:<xxh128>``):
  ``AnalysisCompleted(from_cache=True)`` is published from the cached result, without touching the file. Identical
  audio anywhere in the library is analysed once. A cached permanent failure is republished as ``AnalysisFailed``
  the same way.
* otherwise the file is analysed in the worker pool (never on the event loop). Concurrent messages for the same
  content in this process share one analysis.
* the content cannot be analysed (corrupt, silent, too short) or the file is gone: ``AnalysisFailed(permanent=True)``
  is published and the message acked -- it has been handled; retrying the same bytes fails the same way. Content
  failures are cached like results (for ``TRACKTION_ANALYSIS_CACHE_FAILURES_SECONDS``, a week by default); a missing
  file is not, since it says nothing about the content.
* anything else (a worker died, the cache or bus hiccuped) propagates, so the bus retries the message a bounded
  number of times and then dead-letters it.

Results are cached before they are published, so a crash in between costs a cache hit on redelivery, not a second
analysis. Follow-up messages carry the incoming message's correlation id (``**message.follow_up()``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any

from tracktion_analysis.adapters.workers import Analyser
from tracktion_analysis.analysis import AnalysisOptions
from tracktion_analysis.domain.result import RESULT_VERSION, AnalysisResult
from tracktion_analysis.errors import AnalysisWorkerError, AudioNotFound, UnanalysableAudio
from tracktion_shared import metrics
from tracktion_shared.bus import Bus
from tracktion_shared.cache import Cache
from tracktion_shared.messages import (
    AnalysisCompleted,
    AnalysisFailed,
    Message,
    RecordingCataloged,
    TimelineSegment,
)

__all__ = ["CONSUMER", "AnalyseRecording", "analysis_version", "cache_key", "completed_message", "handled_key"]

log = logging.getLogger("tracktion.analysis")

CONSUMER = "analysis"

#: how long a handled message id is remembered (redeliveries come within minutes; a week is generous).
HANDLED_TTL = 7 * 24 * 3600.0


def cache_key(xxh128: str, options_tag: str) -> str:
    """Where the result for one content hash lives; new when the analysis code (the version) or its options change."""
    return f"analysis:v{RESULT_VERSION}:{options_tag}:{xxh128}"


def analysis_version(options_tag: str) -> str:
    """What made a result: the analysis code's version and the digest of its options
    (:meth:`AnalysisOptions.cache_tag`). ``AnalysisCompleted`` says it; the catalog asks again for results of
    another one."""
    return f"{RESULT_VERSION}.{options_tag}"


def handled_key(message: Message) -> str:
    return f"analysis:handled:{message.message_id}"


def _unit(value: float | None) -> float | None:
    """``value`` clamped to 0..1, None when there is none: a rounding slip must not make the message invalid, and a
    NaN is "unknown", not "no confidence"."""
    return None if value is None or not math.isfinite(value) else min(1.0, max(0.0, value))


def _tempo(value: float | None) -> float | None:
    """A tempo the message can carry (finite and above zero), else None."""
    return value if value is not None and math.isfinite(value) and value > 0 else None


def completed_message(
    message: RecordingCataloged, result: AnalysisResult, *, from_cache: bool, version: str | None = None
) -> AnalysisCompleted:
    """The ``AnalysisCompleted`` for ``message``'s recording, from a fresh or cached result made by ``version``."""
    return AnalysisCompleted(
        recording_id=message.recording_id,
        xxh128=message.xxh128,
        bpm=_tempo(result.bpm),
        bpm_confidence=_unit(result.bpm_confidence),
        bpm_alternative=_tempo(result.bpm_alternative),
        key=result.key,
        scale=result.scale,
        camelot=result.camelot,
        open_key=result.open_key,
        key_confidence=_unit(result.key_confidence),
        mood=result.mood.label,
        mood_method=result.mood.method,
        energy=min(1.0, max(0.0, result.mood.energy)),
        danceability=max(0.0, result.mood.danceability),
        timeline=[
            TimelineSegment(
                start_seconds=s.start_s,
                end_seconds=s.end_s,
                bpm=s.bpm,
                bpm_confidence=_unit(s.bpm_confidence),
                key=s.key,
                scale=s.scale,
                camelot=s.camelot,
                key_strength=None if s.strength is None else min(1.0, max(0.0, s.strength)),
            )
            for s in result.segments
        ],
        from_cache=from_cache,
        analysis_version=version,
        **message.follow_up(),
    )


class AnalyseRecording:
    """The consumer's state: where to publish, the cache, the worker pool, and analyses in flight by content."""

    def __init__(
        self,
        bus: Bus,
        cache: Cache | None,
        analyser: Analyser,
        options: AnalysisOptions,
        *,
        failure_ttl: float = 7 * 24 * 3600.0,
    ) -> None:
        self.bus = bus
        self.cache = cache
        self.analyser = analyser
        self._options_tag = options.cache_tag()  # once: it may stat the mood model
        self._version = analysis_version(self._options_tag)
        self.failure_ttl = failure_ttl
        self._in_flight: dict[str, asyncio.Future[AnalysisResult]] = {}

    async def handle(self, message: Message) -> None:
        if not isinstance(message, RecordingCataloged):  # pragma: no cover - subscribed to this type only
            raise TypeError(f"unexpected message {message.type}")
        if not message.wants("analysis"):
            log.debug("%s: content unchanged and no analysis asked for", message.path)
            return
        if await self._was_handled(message):
            log.info("%s: message %s was already handled; not publishing again", message.path, message.message_id)
            return
        cached = await self._cached(message.xxh128)
        if cached is not None:
            await self._publish_cached(message, cached)
        else:
            await self._analyse_and_publish(message)
        if self.cache is not None:
            await self.cache.set(handled_key(message), b"1", HANDLED_TTL)

    def _cache_key(self, xxh128: str) -> str:
        return cache_key(xxh128, self._options_tag)

    async def _was_handled(self, message: Message) -> bool:
        return self.cache is not None and await self.cache.get(handled_key(message)) is not None

    async def _cached(self, xxh128: str) -> dict[str, Any] | None:
        if self.cache is None:
            return None
        try:
            value = await self.cache.get_json(self._cache_key(xxh128))
        except ValueError:  # undecodable bytes: treat as a miss and overwrite it
            log.warning("ignoring an unreadable cache entry for %s", xxh128)
            return None
        return value if isinstance(value, dict) else None

    async def _publish_cached(self, message: RecordingCataloged, cached: dict[str, Any]) -> None:
        if "failed" in cached:
            log.info("%s: cached failure for this content: %s", message.path, cached["failed"])
            await self._publish_failure(message, str(cached["failed"]))
            metrics.ANALYSIS_FAILURES.labels("cached").inc()
            return
        try:
            result = AnalysisResult.from_dict(cached["result"])
        except (KeyError, TypeError, ValueError):
            log.warning("%s: cached result has an old shape; analysing again", message.path)
            await self._analyse_and_publish(message)
            return
        log.info("%s: analysis found in the cache", message.path)
        await self.bus.publish(completed_message(message, result, from_cache=True, version=self._version))
        metrics.RECORDINGS_ANALYSED.labels("cache").inc()

    async def _analyse_and_publish(self, message: RecordingCataloged) -> None:
        started = time.perf_counter()
        try:
            result, how = await self._analyse_once(message)
        except UnanalysableAudio as exc:
            log.warning("%s: cannot be analysed: %s", message.path, exc)
            await self._publish_failure(message, str(exc))
            metrics.ANALYSIS_FAILURES.labels("missing_file" if isinstance(exc, AudioNotFound) else "unanalysable").inc()
            return
        if how == "cache":
            log.info("%s: analysis found in the cache", message.path)
            await self.bus.publish(completed_message(message, result, from_cache=True, version=self._version))
            metrics.RECORDINGS_ANALYSED.labels("cache").inc()
            return
        metrics.ANALYSIS_SECONDS.observe(time.perf_counter() - started)
        log.info(
            "%s: %s BPM, %s %s (%s)%s",
            message.path,
            result.bpm,
            result.key,
            result.scale,
            result.camelot,
            " (shared with a concurrent message for the same content)" if how == "shared" else "",
        )
        await self.bus.publish(completed_message(message, result, from_cache=False, version=self._version))
        metrics.RECORDINGS_ANALYSED.labels("analysed").inc()

    async def _analyse_once(self, message: RecordingCataloged) -> tuple[AnalysisResult, str]:
        """Analyse, sharing one analysis between concurrent messages for the same content; says how the result came:
        "analysed", "shared" (with a concurrent message) or "cache" (another message finished it a moment ago).

        The content's in-flight slot is taken before anything is awaited and held until the outcome is in the cache,
        so a second message for the same content, however it interleaves, waits for this one or finds the cache:
        the audio is analysed once (the fault tests count analyses by log line, so sharing is said there).
        """
        pending = self._in_flight.get(message.xxh128)
        if pending is not None:
            try:
                return await asyncio.shield(pending), "shared"
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # this handler itself is being cancelled
                raise AnalysisWorkerError(f"the shared analysis of {message.path} was cancelled") from None
        future: asyncio.Future[AnalysisResult] = asyncio.get_running_loop().create_future()
        self._in_flight[message.xxh128] = future
        try:
            cached = await self._cached_result(message.xxh128)
            if cached is not None:
                future.set_result(cached)
                return cached, "cache"
            result = await self._analyse_and_cache(message)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here, so an unshared failure logs no "never retrieved" warning
            raise
        else:
            future.set_result(result)
            return result, "analysed"
        finally:
            del self._in_flight[message.xxh128]

    async def _cached_result(self, xxh128: str) -> AnalysisResult | None:
        """A result cached since the caller looked (a message for the same content finished in between)."""
        cached = await self._cached(xxh128)
        try:
            return AnalysisResult.from_dict(cached["result"]) if cached is not None and "result" in cached else None
        except (KeyError, TypeError, ValueError):
            return None

    async def _analyse_and_cache(self, message: RecordingCataloged) -> AnalysisResult:
        """The analysis of the file, its outcome cached: a result, or a content failure (not a missing file: that
        says nothing about the content, which may have moved)."""
        try:
            result = await self.analyser.analyse(message.path)
        except UnanalysableAudio as exc:
            if self.cache is not None and self.failure_ttl > 0 and not isinstance(exc, AudioNotFound):
                await self.cache.set_json(self._cache_key(message.xxh128), {"failed": str(exc)}, self.failure_ttl)
            raise
        if self.cache is not None:
            await self.cache.set_json(self._cache_key(message.xxh128), {"result": result.to_dict()})
        return result

    async def _publish_failure(self, message: RecordingCataloged, reason: str) -> None:
        await self.bus.publish(
            AnalysisFailed(recording_id=message.recording_id, reason=reason, permanent=True, **message.follow_up())
        )
