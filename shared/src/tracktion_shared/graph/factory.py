"""Pick the graph from the settings: Neo4j when a URL is configured, else the LadybugDB file in the data directory."""

from __future__ import annotations

from tracktion_shared.config import Settings
from tracktion_shared.graph.base import GraphRepository

__all__ = ["GRAPH_DIR_NAME", "GRAPH_FILE_NAME", "create_graph", "embedded_graph_path"]

GRAPH_DIR_NAME = "graph"
GRAPH_FILE_NAME = "tracktion.lbug"


def embedded_graph_path(settings: Settings) -> str:
    """Where the embedded graph lives: ``<data_dir>/graph/tracktion.lbug``."""
    return str(settings.data_dir / GRAPH_DIR_NAME / GRAPH_FILE_NAME)


def create_graph(settings: Settings) -> GraphRepository:
    """A new graph: :class:`Neo4jGraph` if ``neo4j_url`` is set (not empty), else :class:`LadybugGraph` in ``data_dir``.

    A new user configures nothing and gets a graph on disk; cluster users set ``TRACKTION_NEO4J_URL`` (and the user
    and password, unless the URL carries them). Nothing connects here; a bad URL scheme is a ``ConfigError`` at once.
    """
    # Only the chosen backend's driver is imported (neo4j alone costs a third of a second).
    url = Settings.secret(settings.neo4j_url)
    if url:
        from tracktion_shared.graph.neo4j_graph import Neo4jGraph  # noqa: PLC0415

        password = Settings.secret(settings.neo4j_password)
        auth = (settings.neo4j_user, password or "") if settings.neo4j_user else None
        return Neo4jGraph(url, auth=auth)
    from tracktion_shared.graph.embedded import LadybugGraph  # noqa: PLC0415

    return LadybugGraph(embedded_graph_path(settings))
