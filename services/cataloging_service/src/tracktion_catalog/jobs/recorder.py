"""Recording what reading files found, many files per transaction, and announcing it once per batch.

Reading (one hash pass and the tags) stays concurrent, in worker threads. What was read is then handed here and
recorded by group commit (:mod:`~tracktion_shared.group_commit`): while one batch is committed, the files read
meanwhile queue up for the next, and :func:`~tracktion_catalog.jobs.content_batch.record_batch` writes each batch with
set-based statements. One transaction per file used to keep the event loop (and with it the GIL) so busy with
driver round trips that the hashing threads waited for it; per batch, that cost is shared.

One bad message must not cost the others their work: when a batch fails for a reason that is not the database being
unreachable, its files are recorded again one transaction each, with the race handling of
:func:`~tracktion_catalog.adapters.db.run`, and only the message that fails alone raises (the bus then retries it,
and dead-letters it if it keeps failing). After each batch the outbox is flushed once, before any of its handlers
returns, so every announcement is on the bus before the message that caused it is acknowledged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from tracktion_catalog.adapters.db import run
from tracktion_catalog.adapters.files import Inspection
from tracktion_catalog.jobs.content import record_inspection
from tracktion_catalog.jobs.content_batch import ReadFile, record_batch
from tracktion_catalog.jobs.context import CatalogContext
from tracktion_catalog.jobs.graph_sync import with_graph
from tracktion_shared.group_commit import GroupCommit, one_by_one
from tracktion_shared.messages import FileEvent, RecordingCataloged
from tracktion_shared.storage import is_retryable
from tracktion_shared.tracing import inject_context

__all__ = ["Recorder"]

log = logging.getLogger("tracktion.catalog")

Outcome = RecordingCataloged | None


class Recorder:
    """``await record(message, inspection)`` -> the announcement queued for it (None: nothing new to announce)."""

    def __init__(self, ctx: CatalogContext, *, max_batch: int) -> None:
        self._ctx = ctx
        self._batches: GroupCommit[ReadFile, Outcome] = GroupCommit(self._record, max_batch=max_batch)

    @property
    def transactions(self) -> int:
        """How many batches were recorded (for tests and logs)."""
        return self._batches.batches

    async def record(self, message: FileEvent, inspection: Inspection) -> Outcome:
        headers: dict[str, Any] = {}
        inject_context(headers)  # the announcement continues this handler's trace, whoever commits the batch
        return await self._batches.submit(ReadFile(message, inspection, headers))

    async def _record(self, files: Sequence[ReadFile]) -> Sequence[Outcome | Exception]:
        outcomes: Sequence[Outcome | Exception]
        try:
            outcomes = await self._ctx.db.run(
                with_graph(lambda uow: record_batch(uow, files, self._ctx.stages), self._ctx.stages)
            )
        except Exception as exc:
            if is_retryable(exc):
                raise  # the database is still unreachable after retrying: no file would fare better alone
            log.info("a batch of %d files failed (%s); recording them one by one", len(files), _first_line(exc))
            outcomes = await one_by_one(files, self._record_alone)
        await self._ctx.announce()
        return outcomes

    async def _record_alone(self, read: ReadFile) -> Outcome:
        stages = self._ctx.stages
        return await run(
            self._ctx.db,
            with_graph(lambda uow: record_inspection(uow, read.message, read.inspection, stages=stages), stages),
        )


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
