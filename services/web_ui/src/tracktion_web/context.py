"""What every request handler needs, built once per application: the database, the graph gate, the bus probe, and
in the cluster the MusicLibrary probe."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from tracktion_shared.config import Settings
from tracktion_shared.storage import Database
from tracktion_web.bus_probe import BusProbe
from tracktion_web.cluster_probe import ClusterProbe
from tracktion_web.graphs import GraphGate
from tracktion_web.settings import UiSettings

__all__ = ["UiContext", "context_of"]


@dataclass(frozen=True, slots=True)
class UiContext:
    settings: Settings
    ui: UiSettings
    db: Database
    graph: GraphGate
    bus: BusProbe
    cluster: ClusterProbe | None = None

    async def close(self) -> None:
        await self.graph.close()
        await self.bus.close()
        if self.cluster is not None:
            await self.cluster.close()
        await self.db.dispose()


def context_of(request: Request) -> UiContext:
    context: UiContext = request.app.state.tracktion
    return context
