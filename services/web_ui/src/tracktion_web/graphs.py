"""Asking the graph from a web server without getting in the pipeline's way.

The embedded graph is a LadybugDB file that a running ``tracktion watch`` (or scan) writes. The UI only reads it, as
a reader (:func:`~tracktion_shared.graph.factory.create_graph_reader`): each question takes the file's shared lock,
opens it read-only, asks, and closes it again. The watch lets go of the file between bursts of writes and at least
every two seconds, so the two take turns (:mod:`tracktion_shared.graph.embedded`), and an idle UI never holds the
file. One UI asks one question at a time: each opens the database afresh, with a buffer pool of its own.

A question that cannot get its turn, or its answer, within the gate's timeout is "graph busy"; that is now a real
timeout (a writer stuck holding the file, a question too slow), not the normal state during a watch. A file that
does not exist yet means nothing was ever scanned: "no graph", and the UI creates nothing. Neo4j
(``TRACKTION_NEO4J_URL``) takes concurrent readers, so that graph is opened once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

from tracktion_shared.config import Settings, redact_url
from tracktion_shared.errors import TemporaryError, TracktionError
from tracktion_shared.graph import GraphRepository, UnknownRecording, embedded_graph_path
from tracktion_shared.graph.factory import create_graph_reader

__all__ = ["GraphGate", "GraphRefusal"]

log = logging.getLogger("tracktion.web.graph")

T = TypeVar("T")

NO_GRAPH = "there is no graph yet: scan a folder first (tracktion scan FOLDER)"


class GraphRefusal(Exception):
    """The graph could not be asked; ``state`` is what the API reports (``busy``, ``unavailable``, ``no_graph``)."""

    def __init__(self, state: Literal["busy", "unavailable", "no_graph"], reason: str) -> None:
        super().__init__(reason)
        self.state: Literal["busy", "unavailable", "no_graph"] = state
        self.reason = reason


class GraphGate:
    """Runs graph questions: the embedded file read per question, one question at a time; Neo4j kept open.

    ``factory(settings, lock_timeout)`` makes the graph a question reads; the default is the reader of the product.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        timeout: float = 10.0,
        factory: Callable[[Settings, float], GraphRepository] = create_graph_reader,
    ) -> None:
        self._settings = settings
        self._factory = factory
        self.timeout = timeout
        self.embedded = not Settings.secret(settings.neo4j_url)
        self.path = embedded_graph_path(settings) if self.embedded else None
        self._lock = asyncio.Lock()
        self._shared: GraphRepository | None = None

    async def ask(self, question: Callable[[GraphRepository], Awaitable[T]]) -> T:
        """``await question(graph)``; raises :class:`GraphRefusal` when the graph cannot answer now.

        :class:`~tracktion_shared.graph.UnknownRecording` passes through: it is the question's answer, not a
        refusal.
        """
        if self.embedded:
            return await self._ask_embedded(question)
        if self._shared is None:
            self._shared = self._factory(self._settings, self.timeout)
        return await self._bounded(question(self._shared))

    async def close(self) -> None:
        if self._shared is not None:
            await self._shared.close()
            self._shared = None

    async def _ask_embedded(self, question: Callable[[GraphRepository], Awaitable[T]]) -> T:
        try:
            await asyncio.wait_for(self._lock.acquire(), self.timeout)
        except TimeoutError as error:
            raise GraphRefusal("busy", "graph busy: other questions are still running") from error
        try:
            # the reader waits for its turn at most as long as the whole answer may take; at the gate's timeout
            # the question is cancelled and close() ends a wait that is still going on
            graph = self._factory(self._settings, self.timeout)
            try:
                return await self._bounded(question(graph))
            finally:
                await graph.close()
        finally:
            self._lock.release()

    async def _bounded(self, answer: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(answer, self.timeout)
        except TimeoutError as error:
            raise GraphRefusal("busy", f"graph busy: no answer within {self.timeout:g} s") from error
        except UnknownRecording:
            raise
        except TracktionError as error:
            raise self._refusal(error) from error

    def _refusal(self, error: TracktionError) -> GraphRefusal:
        if self.embedded:
            # ladybug is loaded already: the question just used the embedded backend
            from tracktion_shared.graph import embedded  # noqa: PLC0415

            if isinstance(error, embedded.GraphMissing):
                return GraphRefusal("no_graph", NO_GRAPH)
            if isinstance(error, embedded.GraphBusy):
                log.info("embedded graph %s: no turn within %g s: %s", self.path, self.timeout, error)
                return GraphRefusal(
                    "busy", f"graph busy: a tracktion scan or watch kept the graph for {self.timeout:g} s"
                )
        if isinstance(error, TemporaryError):
            return GraphRefusal("unavailable", f"the graph cannot be reached: {redact_url(str(error))}")
        # bad credentials, a schema the graph does not know, a graph older than this tracktion
        return GraphRefusal("unavailable", f"the graph cannot answer: {redact_url(str(error))}")
