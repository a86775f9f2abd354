"""The fast path of a rescan: confirm unchanged files many at a time, without reading them.

A rescan of a 10,000-file library reports every file again; nearly all are unchanged, and for those the only work
is "scan X saw this file". One transaction per file would make the commit (an fsync on SQLite) the bottleneck, so
reports are grouped: while one batch is being committed, the reports that arrive queue up and go into the next
transaction together (group commit). No task runs in the background; whichever handler finds the lock free does the
batch, and every handler waits for the answer about its own message.

A message whose file is not unchanged gets ``False`` and is handled in full by its job; its inbox claim is left to
that job's transaction, so nothing is claimed without its work being done. A batch that fails for a reason other
than the database being unreachable is confirmed again one message at a time, so that a message that cannot be
handled (a path the database cannot store) fails alone instead of taking its batch with it.
"""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Sequence

from tracktion_catalog.adapters.db import run
from tracktion_catalog.domain.files import KnownFile, is_unchanged
from tracktion_catalog.domain.stages import StagePolicy
from tracktion_catalog.jobs.context import CONSUMER
from tracktion_catalog.jobs.graph_sync import with_graph
from tracktion_catalog.jobs.stage_requests import request_due_stages
from tracktion_shared.group_commit import GroupCommit, one_by_one
from tracktion_shared.messages import FileEvent
from tracktion_shared.storage import Database, UnitOfWork, is_retryable

__all__ = ["Confirmation", "UnchangedFiles"]


class Confirmation(enum.Enum):
    """What confirming a file event found: a file to read, or one only seen again (and maybe a stage asked again)."""

    CHANGED = "changed"
    SEEN = "seen"
    #: seen, and a stage of its recording was due (tracktion_catalog.jobs.stage_requests): a request is in the
    #: outbox, to be published
    SEEN_AND_ASKED = "seen_and_asked"


class UnchangedFiles:
    """``await confirm(message)`` -> CHANGED when the file must be read; otherwise "seen by this scan" is recorded."""

    def __init__(self, db: Database, stages: StagePolicy | None = None, *, max_batch: int = 500) -> None:
        self._db = db
        self._stages = stages or StagePolicy()
        self._batches: GroupCommit[FileEvent, Confirmation] = GroupCommit(self._confirm_batch, max_batch=max_batch)

    @property
    def transactions(self) -> int:
        """How many batches were committed (for tests and logs)."""
        return self._batches.batches

    async def confirm(self, message: FileEvent) -> Confirmation:
        if message.size is None or message.mtime is None:
            return Confirmation.CHANGED
        return await self._batches.submit(message)

    async def _confirm_batch(self, messages: Sequence[FileEvent]) -> Sequence[Confirmation | Exception]:
        try:
            return await run(self._db, with_graph(lambda uow: _confirm(uow, messages, self._stages), self._stages))
        except Exception as exc:
            if is_retryable(exc) or len(messages) == 1:
                raise
            return await one_by_one(messages, self._confirm_alone)

    async def _confirm_alone(self, message: FileEvent) -> Confirmation:
        [unchanged] = await run(self._db, with_graph(lambda uow: _confirm(uow, [message], self._stages), self._stages))
        return unchanged


async def _confirm(uow: UnitOfWork, messages: Sequence[FileEvent], stages: StagePolicy) -> list[Confirmation]:
    """Which messages are about unchanged files; for those, claim them and record the scan, in three statements
    (and one more that reads their recordings' stage states, to ask again for what is due)."""
    rows = await uow.files.stats_by_paths([message.path for message in messages])
    unchanged: list[FileEvent] = []
    results: list[bool] = []
    for message in messages:
        row = rows.get(message.path)
        known = None if row is None else KnownFile.of(row)
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
    recordings = {rows[m.path].recording_id for m in unchanged if m.message_id in claimed}
    asked = await request_due_stages(
        uow, {recording_id for recording_id in recordings if recording_id is not None}, stages
    )
    return [
        Confirmation.CHANGED
        if not was_unchanged
        else Confirmation.SEEN_AND_ASKED
        if rows[message.path].recording_id in asked
        else Confirmation.SEEN
        for message, was_unchanged in zip(messages, results, strict=True)
    ]
