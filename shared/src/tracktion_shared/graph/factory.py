"""Pick the graph from the settings: Neo4j when a URL is configured, else the LadybugDB file in the data directory
(:func:`create_graph` to write it, :func:`create_graph_reader` to ask it beside a running writer)."""

from __future__ import annotations

from tracktion_shared.config import Settings
from tracktion_shared.graph.base import GraphRepository

__all__ = [
    "GRAPH_DIR_NAME",
    "GRAPH_FILE_NAME",
    "READER_LOCK_TIMEOUT",
    "create_graph",
    "create_graph_reader",
    "embedded_graph_path",
]

GRAPH_DIR_NAME = "graph"
GRAPH_FILE_NAME = "tracktion.lbug"
#: seconds a reader waits for the embedded graph while a scan or watch writes it
READER_LOCK_TIMEOUT = 30.0


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


def create_graph_reader(settings: Settings, lock_timeout: float = READER_LOCK_TIMEOUT) -> GraphRepository:
    """A graph for questions only, beside a running writer (a ``tracktion watch``): the same Neo4j as
    :func:`create_graph`, or a reader of the embedded file that waits up to ``lock_timeout`` seconds for its turn.

    The embedded reader never creates the file (asking before any scan is
    :class:`~tracktion_shared.graph.embedded.GraphMissing`) and never writes.
    """
    if Settings.secret(settings.neo4j_url):
        return create_graph(settings)  # Neo4j serves readers and writers at once
    from tracktion_shared.graph.embedded import LadybugGraph  # noqa: PLC0415

    return LadybugGraph(embedded_graph_path(settings), read_only=True, lock_timeout=lock_timeout)
