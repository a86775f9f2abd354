"""Asking the graph from a web server without getting in the pipeline's way.

The embedded graph is a LadybugDB file that one process at a time may open, and a running ``tracktion watch``
writes to it. So the UI never keeps it open: each question opens it, asks, and closes it again, one question at a
time; when the watch holds the file the question is answered with "graph busy" instead of an error, and the watch
is never locked out by an idle UI. A file that does not exist yet means nothing was ever scanned: "no graph", and
the UI does not create one. Neo4j (``TRACKTION_NEO4J_URL``) takes concurrent readers, so that graph is opened once.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

from tracktion_shared.config import Settings, redact_url
from tracktion_shared.errors import TemporaryError, TracktionError
from tracktion_shared.graph import GraphRepository, create_graph, embedded_graph_path

__all__ = ["GraphGate", "GraphRefusal"]

log = logging.getLogger("tracktion.web.graph")

T = TypeVar("T")


class GraphRefusal(Exception):
    """The graph could not be asked; ``state`` is what the API reports (``busy``, ``unavailable``, ``no_graph``)."""

    def __init__(self, state: Literal["busy", "unavailable", "no_graph"], reason: str) -> None:
        super().__init__(reason)
        self.state: Literal["busy", "unavailable", "no_graph"] = state
        self.reason = reason


class GraphGate:
    """Runs graph questions: the embedded file opened per question under a lock, Neo4j kept open."""

    def __init__(
        self,
        settings: Settings,
        *,
        timeout: float = 10.0,
        factory: Callable[[Settings], GraphRepository] = create_graph,
    ) -> None:
        self._settings = settings
        self._factory = factory
        self.timeout = timeout
        self.embedded = not Settings.secret(settings.neo4j_url)
        self.path = embedded_graph_path(settings) if self.embedded else None
        self._lock = asyncio.Lock()
        self._shared: GraphRepository | None = None

    async def ask(self, question: Callable[[GraphRepository], Awaitable[T]]) -> T:
        """``await question(graph)``; raises :class:`GraphRefusal` when the graph cannot answer now."""
        if self.embedded:
            return await self._ask_embedded(question)
        if self._shared is None:
            self._shared = self._factory(self._settings)
        return await self._bounded(question(self._shared), unavailable="the graph database")

    async def close(self) -> None:
        if self._shared is not None:
            await self._shared.close()
            self._shared = None

    async def _ask_embedded(self, question: Callable[[GraphRepository], Awaitable[T]]) -> T:
        if self.path is None or not await asyncio.to_thread(os.path.exists, self.path):
            raise GraphRefusal("no_graph", "there is no graph yet: scan a folder first (tracktion scan FOLDER)")
        try:
            await asyncio.wait_for(self._lock.acquire(), self.timeout)
        except TimeoutError as error:
            raise GraphRefusal("busy", "graph busy: other questions are still running") from error
        try:
            graph = self._factory(self._settings)
            try:
                return await self._bounded(question(graph), unavailable=self.path)
            finally:
                await graph.close()
        finally:
            self._lock.release()

    async def _bounded(self, answer: Awaitable[T], *, unavailable: str) -> T:
        try:
            return await asyncio.wait_for(answer, self.timeout)
        except TimeoutError as error:
            raise GraphRefusal("busy", f"graph busy: no answer within {self.timeout:g} s") from error
        except TemporaryError as error:
            if self.embedded:
                # LadybugDB locks its file: almost always a running `tracktion watch` (or scan) holds it
                log.info("embedded graph %s is held by another process: %s", unavailable, error)
                raise GraphRefusal(
                    "busy", "graph busy: another tracktion process (a running watch or scan) has the graph open"
                ) from error
            raise GraphRefusal("unavailable", f"the graph cannot be reached: {redact_url(str(error))}") from error
        except TracktionError as error:  # bad credentials, a schema the graph does not know
            raise GraphRefusal("unavailable", f"the graph cannot answer: {redact_url(str(error))}") from error
