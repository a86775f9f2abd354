"""The graph writer: the consumer ``graph`` makes the graph hold each recording's state as the catalog sends it.

The catalog is the one source of truth; the graph is a copy it keeps in step (:class:`RecordingGraphState`: path,
the metadata the graph answers from, tracklists). Each state replaces the recording in one transaction -- or removes
it, when the recording has no file left -- so a move, a rename, a deletion or a tag change reaches the graph, and a
redelivered or repeated state changes nothing. The writer then confirms with :class:`GraphSynced` (the state's
digest), which the catalog records: a state that was lost or dead-lettered is never confirmed, and the next scan or
repair walk sends it again. Failures follow the error tree: an unreachable graph is a ``TemporaryError`` and the bus
retries the message later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from tracktion_shared.bus.base import Bus
from tracktion_shared.bus.factory import create_bus
from tracktion_shared.config import Settings
from tracktion_shared.graph.base import GraphRepository
from tracktion_shared.graph.factory import create_graph
from tracktion_shared.group_commit import GroupCommit
from tracktion_shared.messages import GraphSynced, Message, RecordingGraphState
from tracktion_shared.routes import GRAPH, ROUTES

__all__ = ["GraphWriter", "main", "register"]

log = logging.getLogger("tracktion.graph")


class GraphWriter:
    """Applies the recording states to one graph, many per transaction, and confirms each on the bus.

    States are grouped like the catalog's own writes (:class:`~tracktion_shared.group_commit.GroupCommit`): whatever
    arrives while a batch is being written goes into the next one, so a scan's thousands of states cost a few graph
    transactions, not one each.
    """

    def __init__(self, graph: GraphRepository, bus: Bus, *, max_batch: int = 500) -> None:
        self.graph = graph
        self.bus = bus
        self._batches: GroupCommit[RecordingGraphState, None] = GroupCommit(self._apply, max_batch=max_batch)

    async def handle(self, message: Message) -> None:
        if not isinstance(message, RecordingGraphState):  # pragma: no cover - subscribed to this type only
            raise TypeError(f"unexpected message {message.type}")
        await self._batches.submit(message)
        await self.bus.publish(
            GraphSynced(recording_id=message.recording_id, digest=message.digest, **message.follow_up())
        )

    async def _apply(self, states: Sequence[RecordingGraphState]) -> Sequence[Exception | None]:
        await self.graph.apply_states(states)
        return [None] * len(states)


def register(bus: Bus, graph: GraphRepository) -> GraphWriter:
    """Subscribe the ``graph`` consumer (its row of the routing table) to ``bus``; before the bus starts."""
    writer = GraphWriter(graph, bus)
    bus.subscribe(GRAPH, ROUTES[GRAPH], writer.handle)
    return writer


async def main(settings: Settings) -> None:
    """The ``graph`` service: keep the configured graph in step with the bus until cancelled."""
    async with create_graph(settings) as graph:
        bus = create_bus(settings)
        register(bus, graph)
        async with bus:
            await asyncio.Event().wait()
