"""The graph writer: the consumer ``graph`` turns catalog, analysis and tracklist messages into graph upserts.

Every handler is an idempotent upsert keyed by the catalog's recording id, so a redelivered message changes nothing
and the order of arrival does not matter (a tracklist that arrives before its recording creates the recording node,
which the catalog message later completes). Failures follow the error tree: an unreachable graph is a
``TemporaryError`` and the bus retries the message later.
"""

from __future__ import annotations

import asyncio

from tracktion_shared.bus.base import Bus
from tracktion_shared.bus.factory import create_bus
from tracktion_shared.config import Settings
from tracktion_shared.graph.base import BPM_KEY, CAMELOT_KEY, GraphRepository
from tracktion_shared.graph.factory import create_graph
from tracktion_shared.messages import AnalysisCompleted, Message, RecordingCataloged, TracklistFound
from tracktion_shared.routes import GRAPH, ROUTES

__all__ = ["GraphWriter", "analysis_metadata", "main", "register"]


def analysis_metadata(message: AnalysisCompleted) -> dict[str, str]:
    """The analysis results the graph keeps as metadata (the ones the harmonic search and people ask for)."""
    values: dict[str, object | None] = {
        BPM_KEY: message.bpm,
        "key": message.key,
        "scale": message.scale,
        CAMELOT_KEY: message.camelot,
        "open_key": message.open_key,
        "mood": message.mood,
        "energy": message.energy,
        "danceability": message.danceability,
    }
    return {key: str(value) for key, value in values.items() if value is not None}


class GraphWriter:
    """Routes each message type to its upsert; one instance per graph."""

    def __init__(self, graph: GraphRepository) -> None:
        self.graph = graph

    async def handle(self, message: Message) -> None:
        if isinstance(message, RecordingCataloged):
            await self.graph.upsert_recording(message.recording_id, message.path, message.tags)
        elif isinstance(message, AnalysisCompleted):
            await self.graph.upsert_recording(message.recording_id, None, analysis_metadata(message))
        elif isinstance(message, TracklistFound):
            await self.graph.upsert_tracklist(
                message.recording_id, message.source, message.tracks, title=message.title, url=message.url
            )


def register(bus: Bus, graph: GraphRepository) -> GraphWriter:
    """Subscribe the ``graph`` consumer (its row of the routing table) to ``bus``; before the bus starts."""
    writer = GraphWriter(graph)
    bus.subscribe(GRAPH, ROUTES[GRAPH], writer.handle)
    return writer


async def main(settings: Settings) -> None:
    """The ``graph`` service: keep the configured graph in step with the bus until cancelled."""
    async with create_graph(settings) as graph:
        bus = create_bus(settings)
        register(bus, graph)
        async with bus:
            await asyncio.Event().wait()
