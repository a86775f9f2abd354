"""FileDiscovered / FileChanged: catalog the file at ``path``, unless it is exactly what the catalog already has.

Unchanged (same size and mtime as when last read): only "this scan saw it" is recorded, batched, no read at all.
Otherwise the file is read outside any transaction (stat, tags, one hash pass in a worker thread) and the result is
recorded in one transaction; a bad file becomes a ``failed`` row, which acknowledges the message.
"""

from __future__ import annotations

from tracktion_catalog.adapters.db import run
from tracktion_catalog.jobs.content import record_inspection
from tracktion_catalog.jobs.context import CatalogContext
from tracktion_catalog.jobs.unchanged import UnchangedFiles
from tracktion_shared.messages import FileEvent

__all__ = ["handle_file_event"]


async def handle_file_event(ctx: CatalogContext, unchanged: UnchangedFiles, message: FileEvent) -> None:
    async with ctx.locks.hold(message.path):
        if await unchanged.confirm(message):
            return
        inspection = await ctx.read(message.path)
        await run(ctx.db, lambda uow: record_inspection(uow, message, inspection))
    # Also after a redelivery that changed nothing: its first delivery may have committed and then failed to
    # publish. An empty outbox costs one SELECT, next to a file just read in full.
    await ctx.announce()
