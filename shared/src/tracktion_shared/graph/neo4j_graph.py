"""The clustered graph: Neo4j 5 through the official async driver.

What keeps it correct when several consumers and a flaky network share it:

* every write is a ``MERGE`` on a stable id backed by a uniqueness constraint (created by the versioned schema
  step), so a message delivered twice changes nothing;
* every write and read is a *managed* transaction (``execute_write``/``execute_read``): the driver retries it on
  transient errors, leader switches and dropped connections (up to ``max_transaction_retry_time``), on a fresh
  connection from its pool, so a Neo4j restart or a cut connection is survived without code of ours;
* what is still failing after that is translated, in :func:`translate`, into the error tree: unreachable or
  transient -> :class:`TemporaryError` (the bus retries the message later), bad credentials -> :class:`ConfigError`,
  a refused statement -> :class:`PermanentError`;
* two consumers racing to ``MERGE`` the same new node make one of them fail on the constraint; that too is a
  :class:`TemporaryError`, because the retry finds the node and matches it.

URLs are written as users type them (``neo4j://``, ``neo4j+s://``, ``bolt://``, ``bolt+ssc://``...); credentials may
sit in the URL (``neo4j://user:pass@host``) or come from ``TRACKTION_NEO4J_USER``/``_PASSWORD``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import neo4j
import neo4j.exceptions

from tracktion_shared.config import redact_url
from tracktion_shared.errors import ConfigError, PermanentError, TemporaryError, TracktionError
from tracktion_shared.graph.base import GraphRepository, Statement
from tracktion_shared.graph.cypher import NEO4J_SCHEMA, Q, Query

__all__ = ["SCHEMES", "Neo4jGraph", "split_credentials", "translate"]

log = logging.getLogger("tracktion.graph")

SCHEMES = frozenset({"neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"})


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``neo4j://user:pw@host:7687`` -> (``neo4j://host:7687``, (user, pw)); the driver wants auth apart from the URL.

    An unknown scheme is a :class:`ConfigError` now rather than an obscure driver error on first use.
    """
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ConfigError(
            f"TRACKTION_NEO4J_URL {redact_url(url)!r} must start with one of: {', '.join(sorted(SCHEMES))}"
        )
    if not parts.hostname:
        raise ConfigError(f"TRACKTION_NEO4J_URL {redact_url(url)!r} names no host")
    auth = None
    if parts.username is not None:
        auth = (unquote(parts.username), unquote(parts.password or ""))
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)), auth


def translate(error: Exception) -> TracktionError:
    """The error tree's verdict on a driver error that survived the driver's own retries."""
    if isinstance(error, neo4j.exceptions.AuthError | neo4j.exceptions.ConfigurationError):
        return ConfigError(f"Neo4j refused the configuration: {error}")
    if isinstance(error, neo4j.exceptions.ConstraintError):
        return TemporaryError(f"concurrent write to the same Neo4j node, will retry: {error}")
    if isinstance(error, neo4j.exceptions.ClientError):
        return PermanentError(f"Neo4j refused the statement: {error}")
    return TemporaryError(f"Neo4j unavailable: {error}")


class Neo4jGraph(GraphRepository):
    """The graph in the Neo4j at ``url``; ``database`` None means the server's default database.

    The driver (a connection pool) is created on first use and the schema steps are applied once per instance.
    """

    def __init__(
        self,
        url: str,
        *,
        auth: tuple[str, str] | None = None,
        database: str | None = None,
        max_transaction_retry_time: float = 15.0,
        connection_timeout: float = 10.0,
    ) -> None:
        self.url, url_auth = split_credentials(url)
        self._auth = auth or url_auth
        self.database = database
        self._retry_time = max_transaction_retry_time
        self._connection_timeout = connection_timeout
        self._driver: neo4j.AsyncDriver | None = None
        self._schema_ready = False
        self._lock = asyncio.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return f"Neo4jGraph({self.url!r}, database={self.database!r})"

    async def _session_driver(self) -> neo4j.AsyncDriver:
        if self._closed:
            raise RuntimeError("the graph is closed")
        if self._driver is not None and self._schema_ready:
            return self._driver
        async with self._lock:
            if self._driver is None:
                self._driver = neo4j.AsyncGraphDatabase.driver(
                    self.url,
                    auth=self._auth,
                    max_transaction_retry_time=self._retry_time,
                    connection_timeout=self._connection_timeout,
                    connection_acquisition_timeout=self._connection_timeout * 3,
                )
            if not self._schema_ready:
                await self._migrate(self._driver)
                self._schema_ready = True
        return self._driver

    async def _migrate(self, driver: neo4j.AsyncDriver) -> None:
        """Apply the schema steps newer than the database's. Schema statements cannot share a transaction with
        writes in Neo4j, so each runs in its own; all are ``IF NOT EXISTS``, so a step interrupted halfway is simply
        applied again (and two processes migrating at once both succeed)."""
        try:
            async with driver.session(database=self.database) as session:
                await session.execute_write(_run_all, [(Q.SCHEMA_TABLE.neo4j, {})])
                rows = await session.execute_read(_fetch, Q.SCHEMA_CURRENT.neo4j, {})
                current = rows[0][0] or 0
                for version in sorted(v for v in NEO4J_SCHEMA if v > current):
                    for ddl in NEO4J_SCHEMA[version]:
                        await session.execute_write(_run_all, [(ddl, {})])
                    await session.execute_write(_run_all, [(Q.SCHEMA_RECORD.neo4j, {"version": version})])
                    log.info("graph %s: schema step %d applied", self.url, version)
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as error:
            raise translate(error) from error

    async def _write(self, statements: Sequence[Statement]) -> None:
        driver = await self._session_driver()
        batch = [(query.neo4j, dict(params)) for query, params in statements]
        try:
            async with driver.session(database=self.database) as session:
                await session.execute_write(_run_all, batch)
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as error:
            raise translate(error) from error

    async def _read(self, query: Query, params: Mapping[str, Any]) -> list[list[Any]]:
        driver = await self._session_driver()
        try:
            async with driver.session(database=self.database) as session:
                return await session.execute_read(_fetch, query.neo4j, dict(params))
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as error:
            raise translate(error) from error

    async def close(self) -> None:
        """Close the driver's connections; safe to call twice."""
        self._closed = True
        driver, self._driver = self._driver, None
        if driver is not None:
            await driver.close()


# Transaction functions: the driver may call them more than once (on retry), so they only run statements.


async def _run_all(tx: neo4j.AsyncManagedTransaction, batch: Sequence[tuple[str, dict[str, Any]]]) -> None:
    for text, params in batch:
        result = await tx.run(text, params)
        await result.consume()


async def _fetch(tx: neo4j.AsyncManagedTransaction, text: str, params: dict[str, Any]) -> list[list[Any]]:
    result = await tx.run(text, params)
    return [list(values) for values in await result.values()]
