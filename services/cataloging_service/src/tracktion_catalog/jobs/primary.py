"""Keeping a recording's locations right: ``file_path`` on the original of its present files, no stale paths.

A path stays ``missing`` only while its recording has no present file: that is the "the file is gone, keep what we
know until it comes back" case. Once the same content is present elsewhere, the missing paths were where it used to
be (watchdog reports a move into a just-created folder as a delete plus a create, and a file may come back under a
new name), so they are dropped: the catalog says what the folder says.
"""

from __future__ import annotations

import os
import uuid

from tracktion_catalog.domain.files import choose_primary
from tracktion_shared.storage import UnitOfWork

__all__ = ["refresh_primary", "set_primary"]


async def set_primary(uow: UnitOfWork, recording_id: uuid.UUID, path: str) -> None:
    await uow.recordings.update_location(recording_id, path, os.path.basename(path))


async def refresh_primary(uow: UnitOfWork, recording_id: uuid.UUID | None) -> None:
    """Point the recording at the path :func:`choose_primary` picks from its present files; forget old paths."""
    if recording_id is None:
        return
    recording = await uow.recordings.get(recording_id)
    if recording is None:
        return
    present = {entry.path: entry.mtime for entry in await uow.files.for_recording(recording_id, status="present")}
    if present:
        for stale in await uow.files.for_recording(recording_id, status="missing"):
            await uow.files.delete_by_path(stale.path)
    primary = choose_primary(recording.file_path, present)
    if primary != recording.file_path:
        await set_primary(uow, recording_id, primary)
