"""FileDeleted: the file is ``missing``; its recording, metadata and history stay, ready for it to come back.

The file is checked on disk first: a deletion that arrives after the path was created again (delete, then a new
file at the same place, messages handled out of order) is stale, and the event that created it is handled alone.
"""

from __future__ import annotations

import asyncio
import os

from tracktion_catalog.adapters.db import run
from tracktion_catalog.jobs.context import CONSUMER, CatalogContext
from tracktion_catalog.jobs.graph_sync import with_graph
from tracktion_catalog.jobs.primary import refresh_primary
from tracktion_shared.messages import FileDeleted
from tracktion_shared.storage import UnitOfWork

__all__ = ["handle_delete"]


async def handle_delete(ctx: CatalogContext, message: FileDeleted) -> None:
    async with ctx.locks.hold(message.path):
        exists = await asyncio.to_thread(os.path.exists, message.path)
        await run(ctx.db, with_graph(lambda uow: _mark_missing(uow, message, exists=exists), ctx.stages))
    await ctx.announce()  # the recording's graph state, if it changed


async def _mark_missing(uow: UnitOfWork, message: FileDeleted, *, exists: bool) -> None:
    if not await uow.inbox.claim(CONSUMER, message.message_id) or exists:
        return
    row = await uow.files.get_by_path(message.path)
    if row is None or row.status == "missing":
        return
    await uow.files.mark_missing([row.id])
    await refresh_primary(uow, row.recording_id)
