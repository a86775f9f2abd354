"""Recording many files that were read, in one transaction: set-based for paths the catalog has never seen.

A first scan is nearly all new paths. For those, each look-up is one query for the whole batch (which messages are
new, which paths are known, which of these hashes already has a recording) and each write is one multi-row statement
(recordings, files, metadata, the outbox), so a batch of a hundred files costs about the statements one file used to.
The outcome is what :func:`~tracktion_catalog.jobs.content.record_inspection` gives for the same files recorded one
after another in batch order: the second of two copies in a batch is a copy of the recording the first one created,
a copy of content already cataloged attaches to that recording, and the last copy's tags are the recording's.

A path the catalog already knows (a changed file, a failed one tried again, a missing one that is back) is rarer and
has more cases; it goes through :func:`~tracktion_catalog.jobs.content.apply_inspection` in the same transaction,
after the new paths, which is again the outcome of some serial order of the batch's messages.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracktion_catalog.adapters.files import Inspection, Readable, Unreadable, Vanished
from tracktion_catalog.domain.files import choose_primary
from tracktion_catalog.domain.stages import StagePolicy
from tracktion_catalog.domain.tags import METADATA_KEYS, metadata_values
from tracktion_catalog.jobs.content import announcement_for, apply_inspection
from tracktion_catalog.jobs.context import CONSUMER
from tracktion_catalog.jobs.primary import set_primary
from tracktion_catalog.jobs.stage_requests import mark_requested
from tracktion_shared.messages import FileEvent, Message, RecordingCataloged
from tracktion_shared.storage import NewFile, NewRecording, UnitOfWork

__all__ = ["ReadFile", "record_batch"]


@dataclass(frozen=True, slots=True)
class ReadFile:
    """A file message and what reading its file found; ``headers``: the trace context of the handler that read it."""

    message: FileEvent
    inspection: Inspection
    headers: Mapping[str, Any] = field(default_factory=dict)


async def record_batch(
    uow: UnitOfWork, files: Sequence[ReadFile], stages: StagePolicy | None = None
) -> list[RecordingCataloged | None]:
    """Record ``files``; for each, in order, the announcement it queued in the outbox (None: nothing to announce).

    A message the inbox already holds (a redelivery) changes nothing, as in :func:`record_inspection`.
    """
    claimed = await uow.inbox.claim_many(CONSUMER, [read.message.message_id for read in files])
    todo: dict[uuid.UUID, int] = {}  # message id -> index of its first occurrence in ``files``
    for index, read in enumerate(files):
        if read.message.message_id in claimed:
            todo.setdefault(read.message.message_id, index)
    known = await uow.files.stats_by_paths([files[index].message.path for index in todo.values()])
    new = [index for index in todo.values() if files[index].message.path not in known]
    results: list[RecordingCataloged | None] = [None] * len(files)
    announced = await _record_new_paths(uow, [files[i] for i in new])
    await mark_requested(uow, announced, stages or StagePolicy())
    for index, announcement in zip(new, announced, strict=True):
        results[index] = announcement
    for index in todo.values():
        if files[index].message.path in known:
            results[index] = await apply_inspection(uow, files[index].message, files[index].inspection, stages=stages)
    return results


@dataclass
class _Recording:
    """A recording the batch writes files of: one that exists already, or one the batch creates."""

    id: uuid.UUID
    file_path: str
    created: bool
    present: dict[str, float | None]  # path -> mtime of every present file, the batch's included
    missing: list[str] = field(default_factory=list)  # paths of its missing files before the batch
    values: dict[str, str] | None = None  # its catalog metadata after the batch (the last copy's)
    sha256: str | None = None
    xxh128: str | None = None


@dataclass
class _Plan:
    """What recording a batch of new paths means, decided in memory before anything is written."""

    files: list[NewFile] = field(default_factory=list)
    outbox: list[tuple[Message, Mapping[str, Any]]] = field(default_factory=list)
    announcements: list[RecordingCataloged | None] = field(default_factory=list)
    recordings: dict[uuid.UUID, _Recording] = field(default_factory=dict)  # every recording given a file


async def _record_new_paths(uow: UnitOfWork, files: Sequence[ReadFile]) -> list[RecordingCataloged | None]:
    plan = _plan(files, await _recordings_with_content(uow, files))
    await uow.recordings.add_many([_new_recording(r) for r in plan.recordings.values() if r.created])
    await uow.files.add_many(plan.files)
    for recording in plan.recordings.values():
        if not recording.created:
            await _refresh_location(uow, recording)
    await uow.metadata.upsert_many({r.id: r.values for r in plan.recordings.values() if r.values is not None})
    for recording in plan.recordings.values():
        if not recording.created and recording.values is not None:
            await uow.metadata.delete_keys(recording.id, [k for k in METADATA_KEYS if k not in recording.values])
    await uow.outbox.add_many(plan.outbox)
    return plan.announcements


async def _recordings_with_content(uow: UnitOfWork, files: Sequence[ReadFile]) -> dict[str, _Recording]:
    """The recordings that already hold the content of any of ``files``, by SHA-256, with their files: two queries."""
    digests = {read.inspection.digests.sha256 for read in files if isinstance(read.inspection, Readable)}
    found = {
        digest: _Recording(recording.id, recording.file_path, created=False, present={})
        for digest, recording in (await uow.recordings.get_many_by_sha256(digests)).items()
    }
    by_id = {recording.id: recording for recording in found.values()}
    for entry in await uow.files.for_recordings(list(by_id)):
        recording = by_id[entry.recording_id] if entry.recording_id is not None else None
        if recording is not None and entry.status == "present":
            recording.present[entry.path] = entry.mtime
        elif recording is not None and entry.status == "missing":
            recording.missing.append(entry.path)
    return found


def _plan(files: Sequence[ReadFile], by_hash: dict[str, _Recording]) -> _Plan:
    """Decide every file in order, as the one-at-a-time rules would; ``by_hash`` learns the batch's new recordings."""
    plan = _Plan()
    for read in files:
        message, inspection = read.message, read.inspection
        announcement = None
        match inspection:
            case Readable(digests=digests):
                values = metadata_values(inspection.audio)
                recording = by_hash.get(digests.sha256)
                if recording is None:  # content the catalog has never seen: a new recording, announced
                    recording = _Recording(
                        uuid.uuid4(),
                        message.path,
                        created=True,
                        present={},
                        sha256=digests.sha256,
                        xxh128=digests.xxh128,
                    )
                    by_hash[digests.sha256] = recording
                    announcement = announcement_for(message, inspection, recording.id, values)
                    plan.outbox.append((announcement, read.headers))
                recording.present[message.path] = inspection.mtime
                recording.values = values
                plan.recordings[recording.id] = recording
                plan.files.append(_row(message, "present", recording.id, (inspection.size, inspection.mtime)))
            case Unreadable(reason=reason, size=size, mtime=mtime):
                plan.files.append(_row(message, "failed", None, (size, mtime), reason))
            case Vanished(reason=reason):
                plan.files.append(_row(message, "missing", None, (None, None), reason))
        plan.announcements.append(announcement)
    return plan


def _row(
    message: FileEvent,
    status: str,
    recording_id: uuid.UUID | None,
    stat: tuple[int | None, float | None],
    error: str | None = None,
) -> NewFile:
    """The ``files`` row of a path seen for the first time; the scan that saw it is this message's (None: live)."""
    return NewFile(message.path, status, recording_id, *stat, error, message.scan_id)


def _new_recording(recording: _Recording) -> NewRecording:
    """Named after its oldest copy, as :func:`refresh_primary` would have renamed it after each copy was added."""
    primary = choose_primary(recording.file_path, recording.present)
    return NewRecording(recording.id, primary, os.path.basename(primary), recording.sha256, recording.xxh128)


async def _refresh_location(uow: UnitOfWork, recording: _Recording) -> None:
    """:func:`refresh_primary` for a recording that got copies: forget its missing paths, name its oldest copy."""
    for stale in recording.missing:
        await uow.files.delete_by_path(stale)
    primary = choose_primary(recording.file_path, recording.present)
    if primary != recording.file_path:
        await set_primary(uow, recording.id, primary)
