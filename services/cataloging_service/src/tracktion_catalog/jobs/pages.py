"""FilesScanned: a page of what a scan found, sorted in one transaction into "seen, unchanged" and "to read".

Unchanged files (same size and mtime as when last read) are only marked as seen by the scan (and a deferred tracklist
stage of theirs that is due is asked for again, :mod:`~tracktion_catalog.jobs.stage_requests`). Every other file of the
page becomes a ``FileDiscovered`` of the same scan, put in the outbox with the page's inbox claim, so it is sent
exactly once and then read and recorded on its own like any discovery (a bad file fails alone, a big one holds up
nothing else). A redelivered page finds its claim taken and does nothing.
"""

from __future__ import annotations

import uuid

from tracktion_catalog.adapters.db import run
from tracktion_catalog.domain.files import KnownFile, is_unchanged
from tracktion_catalog.domain.stages import StagePolicy
from tracktion_catalog.jobs.context import CONSUMER, CatalogContext
from tracktion_catalog.jobs.graph_sync import with_graph
from tracktion_catalog.jobs.stage_requests import request_due_stages
from tracktion_shared.messages import FileDiscovered, FilesScanned
from tracktion_shared.storage import UnitOfWork
from tracktion_shared.tracing import inject_context

__all__ = ["handle_files_scanned", "sort_page"]


async def handle_files_scanned(ctx: CatalogContext, message: FilesScanned) -> None:
    await run(ctx.db, with_graph(lambda uow: sort_page(uow, message, ctx.stages), ctx.stages))
    await ctx.announce()  # also after a redelivery: its first delivery may have committed and then failed to publish


async def sort_page(uow: UnitOfWork, message: FilesScanned, stages: StagePolicy | None = None) -> None:
    """The page's one transaction: claim it, mark the unchanged files seen, queue the others' discoveries."""
    if not await uow.inbox.claim(CONSUMER, message.message_id):
        return
    known = await uow.files.stats_by_paths([file.path for file in message.files])
    seen: list[uuid.UUID] = []
    recordings: set[uuid.UUID] = set()
    to_read: list[FileDiscovered] = []
    for file in message.files:
        row = known.get(file.path)
        if row is not None and is_unchanged(KnownFile.of(row), file.size, file.mtime):
            seen.append(row.id)
            if row.recording_id is not None:
                recordings.add(row.recording_id)
        else:
            to_read.append(
                FileDiscovered(
                    path=file.path,
                    size=file.size,
                    mtime=file.mtime,
                    scan_id=message.scan_id,
                    correlation_id=file.correlation_id,
                )
            )
    await uow.files.mark_seen(seen, message.scan_id)
    await request_due_stages(uow, recordings, stages or StagePolicy())
    trace: dict[str, str] = {}
    inject_context(trace)  # every discovery continues the trace of this page
    await uow.outbox.add_many([(discovery, trace) for discovery in to_read])
