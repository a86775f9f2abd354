"""The ``analysis`` consumer on the real in-process bus and memory cache.

Most tests count analyses with a fake analyser (fast, and it proves what was *not* analysed); the last ones run the
real process pool on generated audio and a corrupt file.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from tracktion.services import load_service
from tracktion_analysis import (
    AnalysisOptions,
    AnalysisResult,
    AnalysisSettings,
    AudioNotFound,
    Mood,
    MoodModelError,
    Segment,
    TooShortAudio,
    UnreadableAudio,
)
from tracktion_analysis.adapters.workers import Analyser, ProcessPoolAnalyser
from tracktion_analysis.errors import AnalysisWorkerError
from tracktion_analysis.jobs.analyse import CONSUMER, cache_key, completed_message
from tracktion_analysis.service import main, register, result_version
from tracktion_analysis.synth import Section, render
from tracktion_shared.bus import InProcessBus, RetryPolicy
from tracktion_shared.cache import MemoryCache
from tracktion_shared.config import Settings
from tracktion_shared.messages import AnalysisCompleted, AnalysisFailed, Message, RecordingCataloged

RESULT = AnalysisResult(
    duration_s=240.0,
    bpm=174.0,
    bpm_confidence=0.62,
    bpm_alternative=87.0,
    key="F#",
    scale="minor",
    camelot="11A",
    open_key="4m",
    key_strength=0.8,
    key_confidence=0.7,
    tuning_cents=0.0,
    mood=Mood("aggressive", "heuristic", 0.8, 1.6, 0.3, -9.0, 2.5, 2500.0),
    segments=(Segment(0.0, 240.0, 174.0, "F#", "minor", "11A", "4m", 0.8, bpm_confidence=0.6),),
)


@dataclass
class FakeAnalyser:
    """Counts calls; "corrupt" files fail permanently, "gone" ones are missing, "flaky" ones fail once then work."""

    calls: list[str] = field(default_factory=list)
    delay: float = 0.0
    flaky_failures: int = 1

    async def analyse(self, path: str) -> AnalysisResult:
        self.calls.append(path)
        await asyncio.sleep(self.delay)
        if "corrupt" in path:
            raise UnreadableAudio(f"{Path(path).name}: cannot decode it as audio (Invalid data)")
        if "gone" in path:
            raise AudioNotFound(f"{Path(path).name}: no such file")
        if "flaky" in path and self.flaky_failures:
            self.flaky_failures -= 1
            raise AnalysisWorkerError("the analysis worker died")
        return RESULT

    async def close(self) -> None:
        return None


@dataclass
class TooShortBelow:
    """An analyser for a recording of ``duration`` s that refuses it, as the real one does, below ``min_seconds``."""

    inner: FakeAnalyser
    duration: float
    min_seconds: float

    async def analyse(self, path: str) -> AnalysisResult:
        result = await self.inner.analyse(path)
        if self.duration < self.min_seconds:
            raise TooShortAudio(f"{Path(path).name}: {self.duration:.1f} s long; at least {self.min_seconds:g} s")
        return result

    async def close(self) -> None:
        return None


@dataclass
class Harness:
    bus: InProcessBus
    cache: MemoryCache
    analyser: FakeAnalyser
    published: list[Message]

    async def send(self, *messages: RecordingCataloged) -> None:
        for message in messages:
            await self.bus.publish(message)
        await asyncio.wait_for(self.bus.wait_idle(), timeout=30)

    def of(self, kind: type[Message]) -> list[Message]:
        return [m for m in self.published if isinstance(m, kind)]


def cataloged(path: str = "/music/track.mp3", xxh128: str | None = None, **extra: Any) -> RecordingCataloged:
    return RecordingCataloged(
        recording_id=uuid.uuid4(),
        path=path,
        sha256="a" * 64,
        xxh128=xxh128 or uuid.uuid4().hex,
        **extra,
    )


async def _start(analyser: Analyser, cache: MemoryCache) -> tuple[InProcessBus, list[Message]]:
    bus = InProcessBus(RetryPolicy(max_retries=2, base_delay=0.01), prefetch=4, close_timeout=5)
    published: list[Message] = []

    async def record(message: Message) -> None:
        published.append(message)

    register(bus, cache, Settings(), analysis_settings=AnalysisSettings(), analyser=analyser)
    bus.subscribe("recorder", [AnalysisCompleted, AnalysisFailed], record)
    await bus.start()
    return bus, published


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    analyser = FakeAnalyser()
    cache = MemoryCache()
    bus, published = await _start(analyser, cache)
    try:
        yield Harness(bus, cache, analyser, published)
    finally:
        await bus.close()
        await cache.close()


async def test_a_result_is_published_with_the_journeys_correlation_id(harness: Harness) -> None:
    message = cataloged()
    await harness.send(message)
    [completed] = harness.of(AnalysisCompleted)
    assert isinstance(completed, AnalysisCompleted)
    assert completed.recording_id == message.recording_id
    assert completed.correlation_id == message.correlation_id
    assert (completed.bpm, completed.key, completed.scale, completed.camelot) == (174.0, "F#", "minor", "11A")
    assert completed.open_key == "4m"
    assert (completed.mood, completed.mood_method) == ("aggressive", "heuristic")
    assert completed.timeline[0].end_seconds == 240.0
    assert (completed.bpm_confidence, completed.bpm_alternative, completed.key_confidence) == (0.62, 87.0, 0.7)
    assert completed.timeline[0].bpm_confidence == 0.6
    assert completed.from_cache is False
    assert await harness.cache.get_json(cache_key(message.xxh128, AnalysisOptions().cache_tag())) is not None


async def test_a_cache_hit_publishes_without_analysing_again(harness: Harness) -> None:
    content = uuid.uuid4().hex
    await harness.send(cataloged("/music/a/track.mp3", content))
    await harness.send(cataloged("/music/b/copy-of-track.mp3", content))
    assert harness.analyser.calls == ["/music/a/track.mp3"]  # the copy was never analysed
    first, second = harness.of(AnalysisCompleted)
    assert isinstance(first, AnalysisCompleted)
    assert isinstance(second, AnalysisCompleted)
    assert (first.from_cache, second.from_cache) == (False, True)
    same = {"bpm", "bpm_confidence", "bpm_alternative", "key", "key_confidence", "timeline"}
    assert second.model_dump(include=same) == first.model_dump(include=same)
    assert second.bpm_alternative == 87.0


async def test_a_cached_result_without_confidences_is_published_without_them(harness: Harness) -> None:
    """An entry written before the confidences existed (same key: a hand-written or pre-bump entry) still reads."""
    message = cataloged()
    old = RESULT.to_dict()
    for key in ("bpm_confidence", "bpm_alternative", "key_confidence"):
        del old[key]
    del old["segments"][0]["bpm_confidence"]
    await harness.cache.set_json(cache_key(message.xxh128, AnalysisOptions().cache_tag()), {"result": old})
    await harness.send(message)
    assert harness.analyser.calls == []
    [completed] = harness.of(AnalysisCompleted)
    assert isinstance(completed, AnalysisCompleted)
    assert (completed.bpm, completed.from_cache) == (174.0, True)
    assert (completed.bpm_confidence, completed.bpm_alternative, completed.key_confidence) == (None, None, None)
    assert completed.timeline[0].bpm_confidence is None


def test_confidences_out_of_range_or_unknown_never_make_the_message_invalid() -> None:
    result = replace(
        RESULT,
        bpm_confidence=1.0000001,
        bpm_alternative=float("nan"),
        key_confidence=float("nan"),
        segments=(replace(RESULT.segments[0], bpm_confidence=-0.01),),
    )
    completed = completed_message(cataloged(), result, from_cache=False)
    assert (completed.bpm_confidence, completed.bpm_alternative, completed.key_confidence) == (1.0, None, None)
    assert completed.timeline[0].bpm_confidence == 0.0
    no_alternative = completed_message(cataloged(), replace(RESULT, bpm_alternative=0.0), from_cache=False)
    assert no_alternative.bpm_alternative is None


async def test_a_redelivered_message_is_handled_once(harness: Harness) -> None:
    message = cataloged()
    await harness.send(message)
    await harness.send(message)  # the same message id again, as after a crash before the ack
    assert len(harness.analyser.calls) == 1
    assert len(harness.of(AnalysisCompleted)) == 1


async def test_unchanged_content_is_skipped(harness: Harness) -> None:
    await harness.send(cataloged(content_changed=False), cataloged(content_changed=False, redo=["tracklist"]))
    assert harness.analyser.calls == []
    assert harness.published == []


async def test_a_rerequest_for_analysis_is_analysed_and_says_its_version(harness: Harness) -> None:
    """The catalog asks again (``redo``) when a request got no answer; the result names the version that made it."""
    message = cataloged(content_changed=False, redo=["analysis"])
    await harness.send(message)
    assert len(harness.analyser.calls) == 1
    [completed] = harness.of(AnalysisCompleted)
    assert isinstance(completed, AnalysisCompleted)
    assert completed.recording_id == message.recording_id
    assert completed.analysis_version == result_version(AnalysisSettings())


async def test_a_corrupt_file_is_reported_and_the_consumer_goes_on(harness: Harness) -> None:
    bad, good = cataloged("/music/corrupt.mp3"), cataloged("/music/fine.mp3")
    await harness.send(bad, good)
    [failed] = harness.of(AnalysisFailed)
    assert isinstance(failed, AnalysisFailed)
    assert failed.recording_id == bad.recording_id
    assert failed.permanent is True
    assert "cannot decode" in failed.reason
    assert failed.correlation_id == bad.correlation_id
    assert len(harness.of(AnalysisCompleted)) == 1
    assert await harness.bus.dead_letters(CONSUMER) == []  # handled, so acked rather than dead-lettered
    # the failure is remembered for this content: a copy is not analysed again either
    await harness.send(cataloged("/music/copy-of-corrupt.mp3", bad.xxh128))
    assert harness.analyser.calls.count("/music/copy-of-corrupt.mp3") == 0
    assert len(harness.of(AnalysisFailed)) == 2


async def test_a_missing_file_fails_but_is_not_remembered_for_the_content(harness: Harness) -> None:
    content = uuid.uuid4().hex
    await harness.send(cataloged("/music/gone.mp3", content))
    [failed] = harness.of(AnalysisFailed)
    assert isinstance(failed, AnalysisFailed)
    assert "no such file" in failed.reason
    await harness.send(cataloged("/music/moved-here.mp3", content))  # the same audio, found elsewhere
    assert harness.analyser.calls == ["/music/gone.mp3", "/music/moved-here.mp3"]
    assert len(harness.of(AnalysisCompleted)) == 1


async def test_a_changed_option_is_not_answered_from_the_cache() -> None:
    """A file "too short" at the default minimum is analysed once the minimum is lowered, not refused for a week."""
    cache = MemoryCache()
    content = uuid.uuid4().hex
    outcomes = []
    for min_seconds in (5.0, 1.0, 1.0):
        analyser = FakeAnalyser()
        bus = InProcessBus(RetryPolicy(max_retries=0))
        published: list[Message] = []

        async def record(message: Message, into: list[Message] = published) -> None:
            into.append(message)

        register(
            bus,
            cache,
            Settings(),
            analysis_settings=AnalysisSettings(analysis_min_seconds=min_seconds),
            analyser=TooShortBelow(analyser, 3.0, min_seconds),
        )
        bus.subscribe("recorder", [AnalysisCompleted, AnalysisFailed], record)
        async with bus:
            await bus.publish(cataloged("/music/short.wav", content))
            await asyncio.wait_for(bus.wait_idle(), timeout=30)
        outcomes.append((type(published[0]).__name__, len(analyser.calls)))
    await cache.close()
    # refused and remembered; analysed under the new minimum; then that result is what the cache answers
    assert outcomes == [("AnalysisFailed", 1), ("AnalysisCompleted", 1), ("AnalysisCompleted", 0)]


async def test_a_transient_failure_is_retried(harness: Harness) -> None:
    await harness.send(cataloged("/music/flaky.mp3"))
    assert harness.analyser.calls == ["/music/flaky.mp3", "/music/flaky.mp3"]
    assert len(harness.of(AnalysisCompleted)) == 1
    assert harness.of(AnalysisFailed) == []


async def test_concurrent_messages_for_the_same_content_share_one_analysis() -> None:
    analyser = FakeAnalyser(delay=0.2)
    cache = MemoryCache()
    bus, published = await _start(analyser, cache)
    try:
        content = uuid.uuid4().hex
        for i in range(3):
            await bus.publish(cataloged(f"/music/copy{i}.mp3", content))
        await asyncio.wait_for(bus.wait_idle(), timeout=30)
    finally:
        await bus.close()
        await cache.close()
    assert len(analyser.calls) == 1
    assert len([m for m in published if isinstance(m, AnalysisCompleted)]) == 3


class SlowReadCache(MemoryCache):
    """A cache whose reads answer what was there when they were asked, ``delay`` s later (a slow Redis round trip)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def get(self, key: str) -> bytes | None:
        value = await super().get(key)
        await asyncio.sleep(self.delay)
        return value


async def test_a_message_whose_cache_miss_outlives_the_other_analysis_finds_its_result() -> None:
    """The race a redelivered message ran into: its cache look-up missed, and before it answered, the first message's
    analysis finished and left the content's in-flight slot. The audio is analysed once all the same."""
    analyser = FakeAnalyser(delay=0.1)
    cache = SlowReadCache(delay=0.15)
    bus, published = await _start(analyser, cache)
    try:
        content = uuid.uuid4().hex
        await bus.publish(cataloged("/music/first.mp3", content))
        await asyncio.sleep(0.2)  # the first is analysing; the second's look-up will answer after it is done
        await bus.publish(cataloged("/music/second.mp3", content))
        await asyncio.wait_for(bus.wait_idle(), timeout=30)
    finally:
        await bus.close()
        await cache.close()
    assert analyser.calls == ["/music/first.mp3"]
    assert len([m for m in published if isinstance(m, AnalysisCompleted)]) == 2


async def test_without_a_cache_everything_is_analysed() -> None:
    analyser = FakeAnalyser()
    bus = InProcessBus(RetryPolicy(max_retries=0, base_delay=0.01))
    register(bus, None, Settings(), analysis_settings=AnalysisSettings(), analyser=analyser)
    await bus.start()
    try:
        content = uuid.uuid4().hex
        for path in ("/music/x.mp3", "/music/y.mp3"):  # one after the other: nothing to share, nothing cached
            await bus.publish(cataloged(path, content))
            await asyncio.wait_for(bus.wait_idle(), timeout=30)
    finally:
        await bus.close()
    assert len(analyser.calls) == 2


# -- the real worker pool ------------------------------------------------------------------------------------------


async def test_real_workers_analyse_off_the_event_loop(tmp_path: Path) -> None:
    track = tmp_path / "track.wav"
    soundfile.write(track, render(Section(20, 128.0, "A", "minor"), seed=2, noise_db=30), 44100)
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(np.random.default_rng(1).bytes(30_000))
    analyser = ProcessPoolAnalyser(AnalysisOptions(), workers=1)
    cache = MemoryCache()
    bus, published = await _start(analyser, cache)
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    beating = asyncio.create_task(heartbeat())
    try:
        await bus.publish(cataloged(str(corrupt)))
        await bus.publish(cataloged(str(track)))
        await asyncio.wait_for(bus.wait_idle(), timeout=120)
    finally:
        beating.cancel()
        await bus.close()
        await analyser.close()
        await cache.close()
    completed = [m for m in published if isinstance(m, AnalysisCompleted)]
    failed = [m for m in published if isinstance(m, AnalysisFailed)]
    assert len(completed) == 1
    assert len(failed) == 1
    assert completed[0].bpm == pytest.approx(128.0, abs=1.0)
    assert (completed[0].key, completed[0].scale) == ("A", "minor")
    assert "corrupt.mp3" in failed[0].reason
    assert failed[0].permanent
    assert ticks > 5  # the loop kept running while the worker decoded


# -- wiring --------------------------------------------------------------------------------------------------------


def test_the_service_is_found_through_its_entry_point() -> None:
    assert load_service("analysis") is main


def test_register_refuses_a_bad_mood_model(tmp_path: Path) -> None:
    bus = InProcessBus()
    with pytest.raises(MoodModelError, match="no such file"):
        register(bus, None, Settings(), analysis_settings=AnalysisSettings(mood_model=tmp_path / "nope.pb"))
    assert bus.subscriptions == []


async def test_main_runs_until_cancelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKTION_AMQP_URL", raising=False)
    monkeypatch.delenv("TRACKTION_REDIS_URL", raising=False)
    task = asyncio.create_task(main(Settings(data_dir=tmp_path)))
    await asyncio.sleep(0.3)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
