"""The ``graph`` consumer on the real in-process bus: messages in, graph answers out, redeliveries change nothing."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from pathlib import Path

from graph_harness import GraphHarness, size

from tracktion_shared.bus import InProcessBus, RetryPolicy
from tracktion_shared.errors import TemporaryError
from tracktion_shared.graph import GraphRepository, LadybugGraph, register
from tracktion_shared.graph.base import Statement
from tracktion_shared.graph.consumer import analysis_metadata
from tracktion_shared.messages import (
    AnalysisCompleted,
    Message,
    RecordingCataloged,
    TracklistFound,
    TracklistTrack,
)
from tracktion_shared.routes import GRAPH, ROUTES


def cataloged(rid: uuid.UUID, path: str) -> RecordingCataloged:
    digest = hashlib.sha256(path.encode()).hexdigest()
    return RecordingCataloged(recording_id=rid, path=path, sha256=digest, xxh128=digest[:32], tags={"album": path})


def analysed(rid: uuid.UUID, bpm: float, camelot: str) -> AnalysisCompleted:
    return AnalysisCompleted(recording_id=rid, xxh128="0" * 32, bpm=bpm, camelot=camelot, key="A", scale="minor")


def found(rid: uuid.UUID, *names: str) -> TracklistFound:
    rows = [
        TracklistTrack(position=i, artist=n.split(" - ")[0], title=n.split(" - ")[1]) for i, n in enumerate(names, 1)
    ]
    return TracklistFound(recording_id=rid, source="1001tracklists", title=f"set {rid}", tracks=rows)


async def deliver(graph: GraphRepository, messages: Sequence[Message]) -> InProcessBus:
    bus = InProcessBus(RetryPolicy(max_retries=2, base_delay=0.02), close_timeout=5)
    register(bus, graph)
    async with bus:
        for message in messages:
            await bus.publish(message)
        await bus.wait_idle()
        assert await bus.dead_letters(GRAPH) == []
    return bus


async def test_messages_become_the_graph(graph_factory: GraphHarness) -> None:
    graph = graph_factory()
    a, b, c = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
    messages: list[Message] = [
        cataloged(a, "/sets/a.mp3"),
        cataloged(b, "/sets/b.mp3"),
        cataloged(c, "/sets/c.mp3"),
        analysed(a, 128.0, "8A"),
        analysed(b, 127.0, "8B"),
        analysed(c, 90.0, "8A"),
        found(a, "X - One", "Y - Two", "Z - Three"),
        found(b, "Y - Two", "Z - Three"),
        found(c, "X - One", "Y - Two"),
    ]
    await deliver(graph, messages)

    assert [h.recording_id for h in await graph.sets_with("y two")] == [str(a), str(b), str(c)]
    assert [(n.title, n.plays) for n in await graph.next_after("y two")] == [("Three", 2)]
    assert [(m.recording_id, m.relation) for m in await graph.compatible(a)] == [(str(b), "relative")]
    assert await graph.recording_for_path("/sets/b.mp3") == b, "the analysis message kept the cataloged path"

    before = await size(graph)
    await deliver(graph, messages)  # at-least-once: everything delivered again
    assert await size(graph) == before


def test_the_consumer_has_its_row_in_the_routing_table() -> None:
    assert ROUTES[GRAPH] == (RecordingCataloged, AnalysisCompleted, TracklistFound)


def test_analysis_metadata_keeps_known_values_only() -> None:
    message = AnalysisCompleted(recording_id=uuid.uuid4(), xxh128="0" * 32, bpm=174.0, camelot="5A", energy=0.5)
    assert analysis_metadata(message) == {"bpm": "174.0", "camelot": "5A", "energy": "0.5"}


class FlakyGraph(LadybugGraph):
    """Loses its "connection" on the first write, as a Neo4j restart would look after the driver's own retries."""

    failures = 1

    async def _write(self, statements: Sequence[Statement]) -> None:
        if self.failures:
            self.failures -= 1
            raise TemporaryError("graph unavailable")
        await super()._write(statements)


async def test_an_unavailable_graph_is_retried_not_lost(tmp_path: Path) -> None:
    graph = FlakyGraph(tmp_path / "graph.lbug")
    try:
        rid = uuid.uuid4()
        await deliver(graph, [cataloged(rid, "/sets/flaky.mp3")])
        assert await graph.recording_for_path("/sets/flaky.mp3") == rid
    finally:
        await graph.close()
