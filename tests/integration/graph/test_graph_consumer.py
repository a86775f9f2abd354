"""The ``graph`` consumer on the real in-process bus: catalog states in, graph answers and confirmations out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

from graph_harness import GraphHarness, size

from tracktion_shared.bus import InProcessBus, RetryPolicy
from tracktion_shared.errors import TemporaryError
from tracktion_shared.graph import GraphRepository, LadybugGraph, register
from tracktion_shared.graph.base import Statement
from tracktion_shared.messages import GraphSynced, GraphTracklist, Message, RecordingGraphState, TracklistTrack
from tracktion_shared.routes import GRAPH, ROUTES


def state(
    rid: uuid.UUID,
    path: str | None,
    *,
    bpm: float | None = None,
    camelot: str | None = None,
    tracks: Sequence[str] = (),
    digest: str = "d1",
    **tags: str,
) -> RecordingGraphState:
    metadata = dict(tags)
    if bpm is not None:
        metadata["bpm"] = str(bpm)
    if camelot is not None:
        metadata["camelot"] = camelot
    rows = [
        TracklistTrack(position=i, artist=n.split(" - ")[0], title=n.split(" - ")[1]) for i, n in enumerate(tracks, 1)
    ]
    lists = [GraphTracklist(source="1001tracklists", title=f"set {rid}", tracks=rows)] if rows else []
    return RecordingGraphState(recording_id=rid, path=path, metadata=metadata, tracklists=lists, digest=digest)


async def deliver(graph: GraphRepository, messages: Sequence[Message]) -> list[GraphSynced]:
    """Deliver ``messages`` to the graph writer; the confirmations it published."""
    bus = InProcessBus(RetryPolicy(max_retries=2, base_delay=0.02), close_timeout=5)
    confirmed: list[GraphSynced] = []

    async def record(message: Message) -> None:
        assert isinstance(message, GraphSynced)
        confirmed.append(message)

    register(bus, graph)
    bus.subscribe("confirmations", [GraphSynced], record)
    async with bus:
        for message in messages:
            await bus.publish(message)
        await bus.wait_idle()
        assert await bus.dead_letters(GRAPH) == []
    return confirmed


async def test_states_become_the_graph_and_are_confirmed(graph_factory: GraphHarness) -> None:
    graph = graph_factory()
    a, b, c = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
    messages: list[Message] = [
        state(a, "/sets/a.mp3", bpm=128.0, camelot="8A", tracks=("X - One", "Y - Two", "Z - Three"), digest="a1"),
        state(b, "/sets/b.mp3", bpm=127.0, camelot="8B", tracks=("Y - Two", "Z - Three"), digest="b1"),
        state(c, "/sets/c.mp3", bpm=90.0, camelot="8A", tracks=("X - One", "Y - Two"), digest="c1"),
    ]
    confirmed = await deliver(graph, messages)
    assert sorted((m.recording_id, m.digest) for m in confirmed) == [(a, "a1"), (b, "b1"), (c, "c1")]
    assert all(m.correlation_id == s.correlation_id for m, s in zip(confirmed, messages, strict=True))

    assert [h.recording_id for h in await graph.sets_with("y two")] == [str(a), str(b), str(c)]
    assert [(n.title, n.plays) for n in await graph.next_after("y two")] == [("Three", 2)]
    assert [(m.recording_id, m.relation) for m in await graph.compatible(a)] == [(str(b), "relative")]
    assert await graph.recording_for_path("/sets/b.mp3") == b

    before = await size(graph)
    await deliver(graph, messages)  # at-least-once: everything delivered again
    assert await size(graph) == before


async def test_a_new_state_replaces_the_old_one_and_an_absent_recording_leaves(graph_factory: GraphHarness) -> None:
    """Moves, renames, lost tags, a replaced tracklist and a deleted file all reach the graph."""
    graph = graph_factory()
    a, b = uuid.UUID(int=11), uuid.UUID(int=12)
    await deliver(
        graph,
        [
            state(a, "/sets/old.mp3", bpm=128.0, camelot="8A", tracks=("X - One", "Y - Two"), genre="techno"),
            state(b, "/sets/b.mp3", bpm=128.0, camelot="8A"),
        ],
    )
    assert [m.recording_id for m in await graph.compatible(b)] == [str(a)]

    # moved and re-analysed; the tag is gone; the tracklist now has other tracks
    await deliver(graph, [state(a, "/sets/new.mp3", bpm=140.0, camelot="8A", tracks=("Z - Three",), digest="d2")])
    assert await graph.recording_for_path("/sets/old.mp3") is None
    assert await graph.recording_for_path("/sets/new.mp3") == a
    assert await graph.compatible(b) == [], "the old tempo is gone with the old state"
    assert await graph.sets_with("y two") == []
    assert [h.recording_id for h in await graph.sets_with("z three")] == [str(a)]

    await deliver(graph, [state(a, None, digest="gone")])
    assert await graph.recording_for_path("/sets/new.mp3") is None
    assert await graph.sets_with("z three") == []
    await deliver(graph, [state(a, None, digest="gone")])  # removing twice is fine


def test_the_consumer_has_its_row_in_the_routing_table() -> None:
    assert ROUTES[GRAPH] == (RecordingGraphState,)


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
        confirmed = await deliver(graph, [state(rid, "/sets/flaky.mp3")])
        assert await graph.recording_for_path("/sets/flaky.mp3") == rid
        assert [m.digest for m in confirmed] == ["d1"]
    finally:
        await graph.close()
