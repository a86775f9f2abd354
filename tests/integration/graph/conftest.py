"""Fixtures of the graph tests: the contract runs on every backend (Neo4j only when ``TRACKTION_NEO4J_URL`` is set)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from graph_harness import NEO4J_URL, GraphHarness

from tracktion_shared.graph import GraphRepository


@pytest.fixture(
    params=[
        "ladybug",
        pytest.param(
            "neo4j",
            marks=pytest.mark.skipif(not NEO4J_URL, reason="TRACKTION_NEO4J_URL is not set (no Neo4j server here)"),
        ),
    ]
)
async def graph_factory(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[GraphHarness]:
    harness = GraphHarness(request.param, tmp_path)
    await harness.wipe()
    try:
        yield harness
    finally:
        await harness.cleanup()


@pytest.fixture
def graph(graph_factory: GraphHarness) -> GraphRepository:
    """One graph of each kind (closed by the harness afterwards)."""
    return graph_factory()
