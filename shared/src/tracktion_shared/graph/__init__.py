"""The graph: recordings, their metadata and tracklists, and the questions DJs ask of them.

:func:`create_graph` picks the backend from the settings -- :class:`Neo4jGraph` when ``TRACKTION_NEO4J_URL`` is set,
the embedded :class:`LadybugGraph` (a file in the data directory) otherwise; :func:`create_graph_reader` the same for
asking questions beside a running writer. Both implement
:class:`GraphRepository` with the same Cypher (:mod:`tracktion_shared.graph.cypher`, both dialects side by side) and
pass one contract suite. :func:`register` subscribes the graph writer (consumer ``graph``) to a bus. The rules that
decide -- track identity, fuzzy matching, harmonic and tempo compatibility -- are pure functions in
:mod:`tracktion_shared.graph.domain`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracktion_shared.graph.base import (
    Compatible,
    GraphRepository,
    NextTrack,
    Play,
    SetHit,
    UnknownRecording,
    tracklist_id,
)
from tracktion_shared.graph.consumer import GraphWriter, register
from tracktion_shared.graph.factory import create_graph, create_graph_reader, embedded_graph_path
from tracktion_shared.lazy import lazy_exports

if TYPE_CHECKING:
    from tracktion_shared.graph.embedded import LadybugGraph
    from tracktion_shared.graph.neo4j_graph import Neo4jGraph

__all__ = [
    "Compatible",
    "GraphRepository",
    "GraphWriter",
    "LadybugGraph",
    "Neo4jGraph",
    "NextTrack",
    "Play",
    "SetHit",
    "UnknownRecording",
    "create_graph",
    "create_graph_reader",
    "embedded_graph_path",
    "register",
    "tracklist_id",
]

# Each backend's driver (neo4j, ladybug) is imported when that backend is first named: a process uses one of them.
__getattr__ = lazy_exports(
    __name__,
    {"LadybugGraph": "tracktion_shared.graph.embedded", "Neo4jGraph": "tracktion_shared.graph.neo4j_graph"},
)
