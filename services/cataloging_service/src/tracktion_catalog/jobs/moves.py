"""FileMoved: the row follows the file to its new path; a move is never a new recording or a duplicate.

A rename keeps size and mtime, so the file is not read again unless the message says they differ (a copy across
file systems, or an edit) or the row was not settled (missing, or never cataloged). A file moved over another one
replaces that one's row. With no row for the old path the move is a discovery of the new one.
"""

from __future__ import annotations

import enum

from tracktion_catalog.adapters.db import run
from tracktion_catalog.domain.files import KnownFile, move_keeps_content
from tracktion_catalog.jobs.content import count_recorded, record_inspection
from tracktion_catalog.jobs.context import CONSUMER, CatalogContext
from tracktion_catalog.jobs.graph_sync import with_graph
from tracktion_catalog.jobs.primary import refresh_primary, set_primary
from tracktion_shared.messages import FileMoved
from tracktion_shared.storage import UnitOfWork

__all__ = ["handle_move"]


class _Outcome(enum.Enum):
    DONE = "done"
    READ_NEEDED = "read needed"


async def handle_move(ctx: CatalogContext, message: FileMoved) -> None:
    async with ctx.locks.hold(message.old_path, message.path):
        if await run(ctx.db, with_graph(lambda uow: _move_row(uow, message), ctx.stages)) is _Outcome.DONE:
            await ctx.announce()
            return
        inspection = await ctx.read(message.path)
        await run(
            ctx.db,
            with_graph(
                lambda uow: record_inspection(uow, message, inspection, moved_from=message.old_path, stages=ctx.stages),
                ctx.stages,
            ),
        )
        count_recorded(inspection)
    await ctx.announce()  # as for discoveries: also after a redelivery whose first delivery failed to publish


async def _move_row(uow: UnitOfWork, message: FileMoved) -> _Outcome:
    """Move the row without reading the file, or say that the file must be read (then nothing is written)."""
    row = await uow.files.get_by_path(message.old_path)
    if row is None or message.old_path == message.path:
        return _Outcome.READ_NEEDED
    if not move_keeps_content(KnownFile.of(row), message.size, message.mtime):
        return _Outcome.READ_NEEDED
    if not await uow.inbox.claim(CONSUMER, message.message_id):
        return _Outcome.DONE
    displaced = await uow.files.delete_by_path(message.path)
    moved = await uow.files.move(message.old_path, message.path)
    assert moved is not None
    if message.scan_id is not None:
        await uow.files.mark_seen([moved.id], message.scan_id)
    if moved.recording_id is not None:
        recording = await uow.recordings.get(moved.recording_id)
        if recording is not None and recording.file_path == message.old_path:
            await set_primary(uow, moved.recording_id, message.path)
        await refresh_primary(uow, moved.recording_id)
    if displaced is not None and displaced.recording_id != moved.recording_id:
        await refresh_primary(uow, displaced.recording_id)
    return _Outcome.DONE
