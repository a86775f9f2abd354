"""Backend wiring without a database: the factory's choice, Neo4j URLs and error translation, the two dialects."""

from __future__ import annotations

from pathlib import Path

import neo4j.exceptions
import pytest

from tracktion_shared.config import Settings
from tracktion_shared.errors import ConfigError, PermanentError, TemporaryError
from tracktion_shared.graph import LadybugGraph, Neo4jGraph, create_graph, cypher
from tracktion_shared.graph.neo4j_graph import split_credentials, translate


def test_factory_defaults_to_the_embedded_file(tmp_path: Path) -> None:
    graph = create_graph(Settings(data_dir=tmp_path))
    assert isinstance(graph, LadybugGraph)
    assert graph.path == tmp_path / "graph" / "tracktion.lbug"
    assert not graph.path.parent.exists(), "nothing is created before first use"


def test_factory_picks_neo4j_when_configured(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"data_dir": tmp_path, "neo4j_url": "neo4j+s://db.example:7687", "neo4j_user": "u", "neo4j_password": "p"}
    )
    graph = create_graph(settings)
    assert isinstance(graph, Neo4jGraph)
    assert graph.url == "neo4j+s://db.example:7687"
    assert graph._auth == ("u", "p")


def test_factory_treats_an_empty_url_as_unset(tmp_path: Path) -> None:
    assert isinstance(create_graph(Settings.model_validate({"data_dir": tmp_path, "neo4j_url": ""})), LadybugGraph)


@pytest.mark.parametrize(
    ("url", "expected_url", "expected_auth"),
    [
        ("neo4j://localhost", "neo4j://localhost", None),
        ("bolt://h:7687", "bolt://h:7687", None),
        ("neo4j+s://user:p%40ss@h:7687/", "neo4j+s://h:7687/", ("user", "p@ss")),
        ("bolt+ssc://user@h", "bolt+ssc://h", ("user", "")),
    ],
)
def test_split_credentials(url: str, expected_url: str, expected_auth: tuple[str, str] | None) -> None:
    assert split_credentials(url) == (expected_url, expected_auth)


@pytest.mark.parametrize("url", ["http://h:7474", "redis://h", "neo4j://", "localhost:7687"])
def test_bad_neo4j_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        Neo4jGraph(url)


def test_explicit_auth_wins_over_the_url() -> None:
    graph = Neo4jGraph("neo4j://a:secret@h", auth=("c", "d"))
    assert graph._auth == ("c", "d")
    assert "secret" not in repr(graph)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (neo4j.exceptions.ServiceUnavailable("down"), TemporaryError),
        (neo4j.exceptions.SessionExpired("gone"), TemporaryError),
        (neo4j.exceptions.TransientError("deadlock"), TemporaryError),
        (neo4j.exceptions.ConstraintError("race"), TemporaryError),
        (neo4j.exceptions.AuthError("no"), ConfigError),
        (neo4j.exceptions.CypherSyntaxError("bad"), PermanentError),
        (neo4j.exceptions.DatabaseError("oops"), TemporaryError),
    ],
)
def test_translate(error: Exception, expected: type[Exception]) -> None:
    assert type(translate(error)) is expected


async def test_neo4j_unreachable_is_a_temporary_error() -> None:
    graph = Neo4jGraph("bolt://127.0.0.1:9", max_transaction_retry_time=0.0, connection_timeout=0.5)
    try:
        with pytest.raises(TemporaryError):
            await graph.sets_with("anything")
    finally:
        await graph.close()
        await graph.close()


def test_both_dialects_have_every_schema_step() -> None:
    assert set(cypher.LADYBUG_SCHEMA) == set(cypher.NEO4J_SCHEMA) == set(range(1, cypher.SCHEMA_VERSION + 1))


def test_every_query_has_both_dialects() -> None:
    queries = [v for v in vars(cypher.Q).values() if isinstance(v, cypher.Query)]
    assert len(queries) >= 10
    for query in queries:
        assert query.ladybug.strip()
        assert query.neo4j.strip()
