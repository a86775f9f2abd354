"""ScanCompleted: files the scan did not see and that are gone from disk become ``missing``.

"Not seen by this scan" alone is not enough: messages can arrive in any order (the scan's last discoveries may
still be queued behind this one), so a file is marked missing only if it also no longer exists. The catalog has the
volume mounted, and checking a few paths is cheap next to cataloging them. Checking happens between two
transactions (the file system is not transactional); the second re-reads the candidates, so a file seen in between
is left alone.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Sequence

from tracktion_catalog.adapters.db import run
from tracktion_catalog.domain.files import folder_prefix
from tracktion_catalog.jobs.context import CONSUMER, CatalogContext
from tracktion_catalog.jobs.graph_sync import with_graph
from tracktion_catalog.jobs.primary import refresh_primary
from tracktion_shared.messages import ScanCompleted
from tracktion_shared.storage import UnitOfWork

__all__ = ["handle_scan_completed"]

#: rows that describe a file as being there; a ``failed`` file that is gone is no longer failing, just missing
_THERE = ("present", "failed")


async def handle_scan_completed(ctx: CatalogContext, message: ScanCompleted) -> None:
    prefix = folder_prefix(message.root)
    candidates = await run(ctx.db, lambda uow: uow.files.unseen_under(prefix, message.scan_id, _THERE))
    paths = [entry.path for entry in candidates]
    gone = await asyncio.to_thread(lambda: {path for path in paths if not os.path.exists(path)})
    await run(ctx.db, with_graph(lambda uow: _mark_gone(uow, message, prefix, gone), ctx.stages))
    await ctx.announce()  # the graph states of recordings whose files are gone


async def _mark_gone(uow: UnitOfWork, message: ScanCompleted, prefix: str, gone: set[str]) -> None:
    if not await uow.inbox.claim(CONSUMER, message.message_id):
        return
    rows = [entry for entry in await uow.files.unseen_under(prefix, message.scan_id, _THERE) if entry.path in gone]
    await uow.files.mark_missing([entry.id for entry in rows])
    recordings: Sequence[uuid.UUID] = sorted({entry.recording_id for entry in rows if entry.recording_id}, key=str)
    for recording_id in recordings:
        await refresh_primary(uow, recording_id)
