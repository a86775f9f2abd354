"""The reader factory: what ``tracktion graph`` and the web UI open to ask the graph beside a running writer."""

from __future__ import annotations

from pathlib import Path

from tracktion_shared.config import Settings
from tracktion_shared.graph import LadybugGraph, Neo4jGraph
from tracktion_shared.graph.factory import READER_LOCK_TIMEOUT, create_graph_reader


def test_the_embedded_reader_reads_only_and_creates_nothing(tmp_path: Path) -> None:
    graph = create_graph_reader(Settings(data_dir=tmp_path / "data"))
    assert isinstance(graph, LadybugGraph)
    assert graph.read_only
    assert graph.lock_timeout == READER_LOCK_TIMEOUT
    assert graph.path == tmp_path / "data" / "graph" / "tracktion.lbug"
    assert "read_only=True" in repr(graph)
    assert not (tmp_path / "data").exists()


def test_the_reader_waits_as_long_as_it_is_told(tmp_path: Path) -> None:
    graph = create_graph_reader(Settings(data_dir=tmp_path), 2.5)
    assert isinstance(graph, LadybugGraph)
    assert graph.lock_timeout == 2.5


def test_neo4j_readers_are_the_same_client_as_its_writers(tmp_path: Path) -> None:
    settings = Settings.model_validate({"data_dir": tmp_path, "neo4j_url": "neo4j://db.example:7687"})
    assert isinstance(create_graph_reader(settings), Neo4jGraph)
