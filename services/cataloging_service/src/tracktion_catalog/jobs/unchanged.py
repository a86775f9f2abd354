"""The fast path of a rescan: confirm unchanged files many at a time, without reading them.

A rescan of a 10,000-file library reports every file again; nearly all are unchanged, and for those the only work
is "scan X saw this file". One transaction per file would make the commit (an fsync on SQLite) the bottleneck, so
reports are grouped: while one batch is being committed, the reports that arrive queue up and go into the next
transaction together (group commit). No task runs in the background; whichever handler finds the lock free does the
batch, and every handler waits for the answer about its own message.

A message whose file is not unchanged gets ``False`` and is handled in full by its job; its inbox claim is left to
that job's transaction, so nothing is claimed without its work being done.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import defaultdict
from collections.abc import Sequence

from tracktion_catalog.adapters.db import run
from tracktion_catalog.domain.files import KnownFile, is_unchanged
from tracktion_catalog.jobs.context import CONSUMER
from tracktion_shared.messages import FileEvent
from tracktion_shared.storage import Database, UnitOfWork

__all__ = ["UnchangedFiles"]


class UnchangedFiles:
    """``await confirm(message)`` -> True when the message needed nothing but "seen by this scan" (now recorded)."""

    def __init__(self, db: Database, *, max_batch: int = 500) -> None:
        self._db = db
        self._max_batch = max_batch
        # waiting messages by their answer (futures hash by identity; a dict keeps arrival order)
        self._waiting: dict[asyncio.Future[bool], FileEvent] = {}
        self._lock = asyncio.Lock()
        self.transactions = 0  # how many batches were committed (for tests and logs)

    async def confirm(self, message: FileEvent) -> bool:
        if message.size is None or message.mtime is None:
            return False
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[answer] = message
        try:
            while not answer.done():
                async with self._lock:
                    if not answer.done():
                        await self._run_batch()
        finally:
            self._waiting.pop(answer, None)  # cancelled before any batch took it
        return answer.result()

    async def _run_batch(self) -> None:
        batch = dict(itertools.islice(self._waiting.items(), self._max_batch))
        for answer in batch:
            del self._waiting[answer]
        messages = list(batch.values())
        try:
            results = await run(self._db, lambda uow: _confirm(uow, messages))
        except asyncio.CancelledError:
            # the handler running the batch was cancelled: the others' messages go back for the next one
            self._waiting = {**{a: m for a, m in batch.items() if not a.done()}, **self._waiting}
            raise
        except Exception as exc:
            for answer in batch:
                if not answer.done():
                    answer.set_exception(exc)
            return
        self.transactions += 1
        for answer, result in zip(batch, results, strict=True):
            if not answer.done():
                answer.set_result(result)


async def _confirm(uow: UnitOfWork, messages: Sequence[FileEvent]) -> list[bool]:
    """Which messages are about unchanged files; for those, claim them and record the scan, in three statements."""
    rows = await uow.files.stats_by_paths([message.path for message in messages])
    unchanged: list[FileEvent] = []
    results: list[bool] = []
    for message in messages:
        row = rows.get(message.path)
        known = None if row is None else KnownFile(row.status, row.size, row.mtime, row.recording_id)
        results.append(is_unchanged(known, message.size, message.mtime))
        if results[-1]:
            unchanged.append(message)
    claimed = await uow.inbox.claim_many(CONSUMER, [message.message_id for message in unchanged])
    seen: defaultdict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for message in unchanged:
        if message.message_id in claimed and message.scan_id is not None:
            seen[message.scan_id].append(rows[message.path].id)
    for scan_id, ids in seen.items():
        await uow.files.mark_seen(ids, scan_id)
    return results
