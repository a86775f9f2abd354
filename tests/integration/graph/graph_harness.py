"""The graph tests' harness: opens graphs of one kind on one store, and counts what a graph holds.

The Neo4j URL must point at a database the tests may empty: they delete every Recording, Metadata, Tracklist and
Track node before and after each test (schema constraints and ``SchemaVersion`` are kept).
"""

from __future__ import annotations

import os
from pathlib import Path

from tracktion_shared.graph import GraphRepository, LadybugGraph, Neo4jGraph
from tracktion_shared.graph.cypher import Query

NEO4J_URL = os.environ.get("TRACKTION_NEO4J_URL", "")
_WIPE = "MATCH (n) WHERE n:Recording OR n:Metadata OR n:Tracklist OR n:Track DETACH DELETE n"


class GraphHarness:
    """Opens graphs on one store (so a test can close and reopen it) and closes them all afterwards."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.path = tmp_path / "graph" / "test.lbug"
        self.opened: list[GraphRepository] = []

    def __call__(self) -> GraphRepository:
        graph: GraphRepository
        if self.kind == "ladybug":
            graph = LadybugGraph(self.path)
        else:
            user, password = os.environ.get("TRACKTION_NEO4J_USER"), os.environ.get("TRACKTION_NEO4J_PASSWORD", "")
            graph = Neo4jGraph(NEO4J_URL, auth=(user, password) if user else None)
        self.opened.append(graph)
        return graph

    async def wipe(self) -> None:
        if self.kind == "neo4j":
            graph = self()
            assert isinstance(graph, Neo4jGraph)
            driver = await graph._session_driver()
            async with driver.session(database=graph.database) as session:
                await session.run(_WIPE)

    async def cleanup(self) -> None:
        await self.wipe()
        for graph in self.opened:
            await graph.close()


COUNT_NODES = Query(
    ladybug="MATCH (n) WHERE label(n) <> 'SchemaVersion' RETURN count(n)",
    neo4j="MATCH (n) WHERE NOT n:SchemaVersion RETURN count(n)",
)
COUNT_EDGES = Query(ladybug="MATCH ()-[e]->() RETURN count(e)", neo4j="MATCH ()-[e]->() RETURN count(e)")


async def size(graph: GraphRepository) -> tuple[int, int]:
    """(nodes, edges) of the graph, schema bookkeeping left out: what an idempotent write must not change."""
    return (await graph._read(COUNT_NODES, {}))[0][0], (await graph._read(COUNT_EDGES, {}))[0][0]
