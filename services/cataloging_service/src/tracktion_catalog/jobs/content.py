"""Recording what reading a file found, in one transaction: the file's row, its recording, metadata, the outbox.

Shared by discoveries, changes and moves whose file had to be read. The inbox claim comes first, so a redelivered
message changes nothing; everything after it commits or rolls back together, so a handler killed half-way leaves no
trace and its redelivery starts clean.
"""

from __future__ import annotations

import os
import uuid

from tracktion_catalog.adapters.files import Inspection, Readable, Unreadable, Vanished
from tracktion_catalog.domain.placement import place_content
from tracktion_catalog.domain.stages import StagePolicy
from tracktion_catalog.domain.tags import METADATA_KEYS, TAG_KEYS, metadata_values
from tracktion_catalog.jobs.context import CONSUMER
from tracktion_catalog.jobs.primary import refresh_primary, set_primary
from tracktion_catalog.jobs.stage_requests import mark_requested
from tracktion_shared import metrics
from tracktion_shared.messages import FileEvent, RecordingCataloged
from tracktion_shared.storage import FileEntry, UnitOfWork

__all__ = ["announcement_for", "apply_inspection", "count_recorded", "record_inspection"]


def count_recorded(inspection: Inspection) -> None:
    """After the commit (never inside the transaction, which may be repeated): one file recorded, by its status."""
    match inspection:
        case Readable():
            status = "present"
        case Unreadable():
            status = "failed"
        case Vanished():
            status = "missing"
    metrics.FILES_CATALOGED.labels(status).inc()


async def record_inspection(
    uow: UnitOfWork,
    message: FileEvent,
    inspection: Inspection,
    *,
    moved_from: str | None = None,
    stages: StagePolicy | None = None,
) -> RecordingCataloged | None:
    """Apply ``inspection`` of ``message.path``; returns the announcement it queued in the outbox, if any.

    ``moved_from``: the file was read at its new path after a move; its row is carried over from the old path first.
    """
    if not await uow.inbox.claim(CONSUMER, message.message_id):
        return None
    return await apply_inspection(uow, message, inspection, moved_from=moved_from, stages=stages)


async def apply_inspection(
    uow: UnitOfWork,
    message: FileEvent,
    inspection: Inspection,
    *,
    moved_from: str | None = None,
    stages: StagePolicy | None = None,
) -> RecordingCataloged | None:
    """:func:`record_inspection` for a message its caller has already claimed in the inbox (a batch claims many).

    New audio's announcement goes into the outbox with the record that its analysis was asked for (``stages``: what
    this deployment runs)."""
    displaced = None
    if moved_from is not None and moved_from != message.path and await uow.files.get_by_path(moved_from) is not None:
        displaced = await uow.files.delete_by_path(message.path)
        await uow.files.move(moved_from, message.path)
    previous = await uow.files.get_by_path(message.path)
    announcement = None
    match inspection:
        case Readable():
            announcement = await _record_audio(uow, message, inspection, previous)
        case Unreadable():
            await _record_problem(
                uow,
                message,
                previous,
                status="failed",
                reason=inspection.reason,
                size=inspection.size,
                mtime=inspection.mtime,
            )
        case Vanished():
            size, mtime = (previous.size, previous.mtime) if previous else (None, None)
            await _record_problem(
                uow, message, previous, status="missing", reason=inspection.reason, size=size, mtime=mtime
            )
    if displaced is not None:
        await refresh_primary(uow, displaced.recording_id)
    await mark_requested(uow, [announcement], stages or StagePolicy())
    return announcement


def _last_scan(message: FileEvent, previous: FileEntry | None) -> uuid.UUID | None:
    """The scan that saw the file last: this message's, or for a live event (no scan id) the one before."""
    return message.scan_id or (previous.last_scan_id if previous else None)


async def _record_problem(
    uow: UnitOfWork,
    message: FileEvent,
    previous: FileEntry | None,
    *,
    status: str,
    reason: str,
    size: int | None,
    mtime: float | None,
) -> None:
    """A failed file has no recording; a vanished one keeps its link, so its recording is found again."""
    old_recording = previous.recording_id if previous else None
    await uow.files.save(
        message.path,
        status=status,
        recording_id=old_recording if status == "missing" else None,
        size=size,
        mtime=mtime,
        error=reason,
        last_scan_id=_last_scan(message, previous),
    )
    await refresh_primary(uow, old_recording)


async def _record_audio(
    uow: UnitOfWork, message: FileEvent, read: Readable, previous: FileEntry | None
) -> RecordingCataloged | None:
    path, digests = message.path, read.digests
    old_recording = previous.recording_id if previous else None
    matching = await uow.recordings.get_by_sha256(digests.sha256)
    shared = old_recording is not None and any(
        entry.path != path for entry in await uow.files.for_recording(old_recording, status="present")
    )
    placement = place_content(
        matching=matching.id if matching else None,
        previous=old_recording,
        previous_present=previous is not None and previous.status == "present",
        previous_shared=shared,
    )
    if placement.recording_id is not None:  # attach, or rehash
        recording_id = placement.recording_id
        if placement.kind == "rehash":
            await uow.recordings.update_hashes(recording_id, digests.sha256, digests.xxh128)
            await set_primary(uow, recording_id, path)
    else:
        created = await uow.recordings.add(
            file_path=path,
            file_name=os.path.basename(path),
            sha256_hash=digests.sha256,
            xxh128_hash=digests.xxh128,
        )
        recording_id = created.id
    await uow.files.save(
        path,
        status="present",
        recording_id=recording_id,
        size=read.size,
        mtime=read.mtime,
        error=None,
        last_scan_id=_last_scan(message, previous),
    )
    await refresh_primary(uow, recording_id)
    if old_recording is not None and old_recording != recording_id:
        await refresh_primary(uow, old_recording)
    values = metadata_values(read.audio)
    await uow.metadata.upsert(recording_id, values)
    await uow.metadata.delete_keys(recording_id, [key for key in METADATA_KEYS if key not in values])
    if not placement.announce:
        return None
    announcement = announcement_for(message, read, recording_id, values)
    await uow.outbox.add(announcement)
    return announcement


def announcement_for(
    message: FileEvent, read: Readable, recording_id: uuid.UUID, values: dict[str, str]
) -> RecordingCataloged:
    """What the later stages hear about new or changed audio: where it is, its hashes, its tags."""
    return RecordingCataloged(
        recording_id=recording_id,
        path=message.path,
        sha256=read.digests.sha256,
        xxh128=read.digests.xxh128,
        duration_seconds=read.audio.duration,
        content_changed=True,
        tags={key: values[key] for key in TAG_KEYS if key in values},
        **message.follow_up(),
    )
