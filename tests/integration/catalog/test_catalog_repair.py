"""The cluster path: a request or graph state that was dead-lettered is sent again by the catalog's repair walk.

Real RabbitMQ (durable queues, dead-letter queues), the catalog's database (SQLite and PostgreSQL) and the real graph
writer on an embedded graph. The analysis stage here is a stand-in consumer under the ``analysis`` queue that crashes
on the first request (so RabbitMQ dead-letters it, as it would a file that kills its worker) and answers the second:
the test is about the catalog, which must not take "asked once" for "done". The graph writer is wrapped the same way
for the graph's test.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from catalog_harness import write_wav

from tracktion_catalog import get_recording, register
from tracktion_catalog.domain.stages import MAX_ANALYSIS_ATTEMPTS, StagePolicy
from tracktion_catalog.jobs.repair import repair_once
from tracktion_shared.bus import Bus, RetryPolicy
from tracktion_shared.bus.testing import DEFAULT_TEST_AMQP_URL, BusHarness
from tracktion_shared.errors import PermanentError
from tracktion_shared.graph import GraphWriter, LadybugGraph
from tracktion_shared.graph import register as register_graph
from tracktion_shared.messages import (
    AnalysisCompleted,
    FileDiscovered,
    Message,
    RecordingCataloged,
    RecordingGraphState,
)
from tracktion_shared.outbox import OutboxRelay
from tracktion_shared.storage import Database

pytestmark = pytest.mark.rabbitmq

AMQP_URL = os.environ.get("TRACKTION_TEST_AMQP_URL", DEFAULT_TEST_AMQP_URL)


async def eventually(condition: Callable[[], Awaitable[bool]], what: str, within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"not within {within:.0f} s: {what}"
        await asyncio.sleep(0.1)


async def status(db: Database, path: Path) -> str | None:
    recording = await get_recording(db, str(path))
    return None if recording is None else recording.metadata.get("analysis_status")


async def test_a_dead_lettered_analysis_request_is_asked_for_again(database: Database, music: Path) -> None:
    harness = BusHarness("rabbitmq", amqp_url=AMQP_URL, policy=RetryPolicy(max_retries=1, base_delay=0.05))
    bus = harness()
    consumer = register(bus, database, relay=OutboxRelay(database, bus), stages=StagePolicy())
    graph = LadybugGraph(music.parent / "graph.lbug")
    register_graph(bus, graph)
    requests: list[RecordingCataloged] = []

    async def analysis(message: Message) -> None:
        assert isinstance(message, RecordingCataloged)
        requests.append(message)
        if len(requests) == 1:
            raise PermanentError("the worker died on this file")
        await bus.publish(
            AnalysisCompleted(
                recording_id=message.recording_id, xxh128=message.xxh128, bpm=124.0, **message.follow_up()
            )
        )

    bus.subscribe("analysis", [RecordingCataloged], analysis)
    try:
        await bus.start()
        path = write_wav(music / "track.wav")
        await bus.publish(FileDiscovered(path=str(path), scan_id=uuid.uuid4()))
        await eventually(lambda: _dead_lettered(bus), "the first request dead-lettered")
        assert await status(database, path) == "requested"

        assert await repair_once(consumer.ctx) == 0  # within the request's lease: the answer may still come

        later = datetime.now(UTC) + timedelta(hours=2)
        assert await repair_once(consumer.ctx, now=later) == 1
        await eventually(lambda: _analysed(database, path), "the second request answered and recorded")
        assert [(m.content_changed, m.redo) for m in requests] == [(True, []), (False, ["analysis"])]
        recording = await get_recording(database, str(path))
        assert recording is not None
        assert recording.metadata["bpm"] == "124"
        await eventually(lambda: _graph_synced(database, path), "the graph holds the result")
        assert await repair_once(consumer.ctx, now=later + timedelta(days=30)) == 0  # done is done
    finally:
        await harness.cleanup()
        await graph.close()


async def test_a_request_that_is_never_answered_ends_as_a_failure(database: Database, music: Path) -> None:
    """Asked :data:`MAX_ANALYSIS_ATTEMPTS` times without an answer: recorded as failed, not asked forever."""
    harness = BusHarness("rabbitmq", amqp_url=AMQP_URL)
    bus = harness()
    consumer = register(bus, database, relay=OutboxRelay(database, bus), stages=StagePolicy())
    graph = LadybugGraph(music.parent / "graph.lbug")
    register_graph(bus, graph)
    try:
        await bus.start()
        path = write_wav(music / "track.wav")
        await bus.publish(FileDiscovered(path=str(path), scan_id=uuid.uuid4()))
        await eventually(lambda: _has_status(database, path), "the file cataloged")
        moment = datetime.now(UTC)
        for _ in range(MAX_ANALYSIS_ATTEMPTS - 1):
            moment += timedelta(days=2)
            assert await repair_once(consumer.ctx, now=moment) == 1
        moment += timedelta(days=2)
        assert await repair_once(consumer.ctx, now=moment) == 0
        recording = await get_recording(database, str(path))
        assert recording is not None
        assert recording.metadata["analysis_status"] == "failed"
        assert f"after {MAX_ANALYSIS_ATTEMPTS} requests" in recording.metadata["analysis_error"]
    finally:
        await harness.cleanup()
        await graph.close()


async def test_a_dead_lettered_graph_state_is_sent_again(database: Database, music: Path) -> None:
    """The graph writer dead-letters the recording's first state: the catalog knows the graph never confirmed it,
    and the repair walk sends it again once its lease is over; then the graph holds the recording."""
    harness = BusHarness("rabbitmq", amqp_url=AMQP_URL, policy=RetryPolicy(max_retries=1, base_delay=0.05))
    bus = harness()
    consumer = register(bus, database, relay=OutboxRelay(database, bus), stages=StagePolicy(analysis=False))
    graph = LadybugGraph(music.parent / "graph.lbug")
    writer = GraphWriter(graph, bus)
    states: list[RecordingGraphState] = []

    async def crashes_first(message: Message) -> None:
        assert isinstance(message, RecordingGraphState)
        states.append(message)
        if len(states) == 1:
            raise PermanentError("the graph refused this state")
        await writer.handle(message)

    bus.subscribe("graph", [RecordingGraphState], crashes_first)
    try:
        await bus.start()
        path = write_wav(music / "track.wav")
        await bus.publish(FileDiscovered(path=str(path), scan_id=uuid.uuid4()))
        await eventually(lambda: _dead_lettered(bus, "graph"), "the first state dead-lettered")
        assert await graph.recording_for_path(str(path)) is None

        assert await repair_once(consumer.ctx) == 0  # within its lease: the confirmation may still come
        later = datetime.now(UTC) + timedelta(hours=2)
        assert await repair_once(consumer.ctx, now=later) == 1
        await eventually(lambda: _graph_synced(database, path), "the second state applied and confirmed")
        recording = await get_recording(database, str(path))
        assert recording is not None
        assert await graph.recording_for_path(str(path)) == recording.id
        assert [state.digest for state in states] == [states[0].digest] * 2
        assert await repair_once(consumer.ctx, now=later + timedelta(days=30)) == 0  # in step is done
    finally:
        await harness.cleanup()
        await graph.close()


async def _graph_synced(db: Database, path: Path) -> bool:
    recording = await get_recording(db, str(path))
    return recording is not None and recording.metadata.get("graph_synced") == recording.metadata.get("graph_sent")


async def _dead_lettered(bus: Bus, queue: str = "analysis") -> bool:
    return len(await bus.dead_letters(queue)) == 1


async def _analysed(db: Database, path: Path) -> bool:
    return await status(db, path) == "analysed"


async def _has_status(db: Database, path: Path) -> bool:
    return await status(db, path) is not None
