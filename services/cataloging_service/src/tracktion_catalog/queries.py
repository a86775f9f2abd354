"""Read-only questions about the catalog, for the CLI (``tracktion scan`` summary, ``show``, ``list``) and tests.

Every function takes the :class:`~tracktion_shared.storage.Database` and returns plain frozen dataclasses with an
``as_json()`` for ``--json`` output, so callers never see ORM rows (which are bound to a closed session).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from tracktion_catalog.domain.files import folder_prefix
from tracktion_catalog.domain.stages import STAGE_KEYS, ReportedStage, StageCounts, StagePolicy, summarise
from tracktion_shared.storage import Database, FileEntry, Recording, UnitOfWork

__all__ = [
    "CatalogSummary",
    "FileView",
    "RecordingView",
    "TracklistView",
    "get_file",
    "get_recording",
    "get_tracklists",
    "ids_with_prefix",
    "list_recordings",
    "scan_progress",
    "stage_progress",
    "summary",
]


@dataclass(frozen=True, slots=True)
class FileView:
    """One path the catalog knows: ``present``, ``missing`` or ``failed`` (then ``error`` says why)."""

    path: str
    status: str
    error: str | None
    size: int | None
    mtime: float | None
    recording_id: uuid.UUID | None

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "error": self.error,
            "size": self.size,
            "mtime": self.mtime,
            "recording_id": None if self.recording_id is None else str(self.recording_id),
        }


@dataclass(frozen=True, slots=True)
class RecordingView:
    """A recording with its tags and its files. ``status`` is ``present`` while any of its files is there.

    ``file_path`` is the primary path; ``duplicates`` are the other present paths with the same content.
    """

    id: uuid.UUID
    file_path: str
    file_name: str
    sha256_hash: str | None
    xxh128_hash: str | None
    created_at: datetime
    metadata: dict[str, str]
    duplicates: list[str]
    status: str
    files: list[FileView]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "file_path": self.file_path,
            "file_name": self.file_name,
            "sha256_hash": self.sha256_hash,
            "xxh128_hash": self.xxh128_hash,
            "created_at": self.created_at.isoformat(),
            "metadata": dict(self.metadata),
            "duplicates": list(self.duplicates),
            "status": self.status,
            "files": [file.as_json() for file in self.files],
        }


@dataclass(frozen=True, slots=True)
class TracklistView:
    """A recording's tracklist from one source (``1001tracklists`` or ``manual``), with where its .cue was written."""

    source: str
    cue_file_path: str | None
    tracks: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "cue_file_path": self.cue_file_path, "tracks": list(self.tracks)}


@dataclass(frozen=True, slots=True)
class CatalogSummary:
    """The state of a folder: recordings with a present file, failed files (with why), copies, missing files."""

    root: str
    recordings: int
    failed: list[tuple[str, str]]
    duplicates: list[str]
    missing: list[str]
    #: the later stages of the folder's recordings, by state (tracktion_catalog.domain.stages.summarise)
    stages: dict[ReportedStage, StageCounts] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "recordings": self.recordings,
            "failed": [{"path": path, "error": error} for path, error in self.failed],
            "duplicates": list(self.duplicates),
            "missing": list(self.missing),
            "stages": {stage: counts.as_json() for stage, counts in self.stages.items()},
        }


async def scan_progress(db: Database, scan_id: uuid.UUID) -> int:
    """How many files of scan ``scan_id`` the catalog has handled (compare with ``ScanCompleted.files_seen``)."""
    return await db.run(lambda uow: uow.files.count_seen(scan_id))


async def summary(db: Database, root: str, stages: StagePolicy | None = None) -> CatalogSummary:
    """What the catalog knows about the folder ``root`` (an absolute path, as the watcher reports it), its later
    stages judged by what ``stages`` says runs (the due rules depend on it)."""
    prefix = folder_prefix(root)

    async def read(uow: UnitOfWork) -> CatalogSummary:
        failed = await uow.files.under(prefix, "failed")
        missing = await uow.files.under(prefix, "missing")
        present = await uow.files.present_under(prefix)
        return CatalogSummary(
            stages=await _stages(uow, prefix, present, stages),
            root=root,
            recordings=len(present),
            failed=[(entry.path, entry.error or "unknown error") for entry in failed],
            duplicates=list(await uow.files.duplicates_under(prefix)),
            missing=[entry.path for entry in missing],
        )

    return await db.run(read)


async def stage_progress(
    db: Database, root: str, stages: StagePolicy | None = None
) -> dict[ReportedStage, StageCounts]:
    """The later stages of the folder's recordings by state, as :func:`summary` counts them: what a progress
    display polls while a scan's analysis, look-ups and graph writes go on (two queries, however large the
    folder)."""
    prefix = folder_prefix(root)

    async def read(uow: UnitOfWork) -> dict[ReportedStage, StageCounts]:
        return await _stages(uow, prefix, await uow.files.present_under(prefix), stages)

    return await db.run(read)


async def _stages(
    uow: UnitOfWork, prefix: str, present: Sequence[tuple[uuid.UUID, str]], stages: StagePolicy | None
) -> dict[ReportedStage, StageCounts]:
    states = await uow.metadata.present_under(prefix, STAGE_KEYS)
    return summarise(
        ((path, states.get(recording_id, {})) for recording_id, path in present),
        stages or StagePolicy(),
        datetime.now(UTC),
    )


async def get_recording(db: Database, path_or_id: str | uuid.UUID) -> RecordingView | None:
    """The recording with this id, or the one a file at this path holds (or last held); None when unknown."""

    async def read(uow: UnitOfWork) -> RecordingView | None:
        recording = await _find(uow, path_or_id)
        if recording is None:
            return None
        return await _view(uow, recording, await uow.files.for_recording(recording.id))

    return await db.run(read)


async def get_tracklists(db: Database, recording_id: uuid.UUID) -> list[TracklistView]:
    """Every tracklist the catalog holds for the recording, one per source."""

    async def read(uow: UnitOfWork) -> list[TracklistView]:
        stored = await uow.tracklists.list_for_recording(recording_id)
        return [TracklistView(t.source, t.cue_file_path, list(t.tracks)) for t in stored]

    return await db.run(read)


async def get_file(db: Database, path: str) -> FileView | None:
    """What the catalog knows about one path, including why it failed; None when it never saw it."""

    async def read(uow: UnitOfWork) -> FileView | None:
        entry = await uow.files.get_by_path(path)
        return None if entry is None else _file_view(entry)

    return await db.run(read)


async def list_recordings(
    db: Database, limit: int = 100, offset: int = 0, by: Literal["created", "path"] = "created"
) -> list[RecordingView]:
    """One page of recordings, oldest first or by path (pages never overlap)."""

    async def read(uow: UnitOfWork) -> list[RecordingView]:
        recordings = await uow.recordings.list_page(limit=limit, offset=offset, by=by)
        files = await uow.files.for_recordings([recording.id for recording in recordings])
        views = []
        for recording in recordings:
            own = [entry for entry in files if entry.recording_id == recording.id]
            views.append(await _view(uow, recording, own))
        return views

    return await db.run(read)


async def ids_with_prefix(db: Database, prefix: str, limit: int = 10) -> tuple[int, list[uuid.UUID]]:
    """How many recording ids start with ``prefix`` (hex digits, dashes ignored), and the first ``limit`` of them.

    For short ids, as ``git`` takes abbreviated hashes: the caller decides what is unique enough.
    """
    digits = prefix.replace("-", "").lower()
    count, ids = await db.run(lambda uow: uow.recordings.ids_with_prefix(digits, limit=limit))
    return count, list(ids)


async def _find(uow: UnitOfWork, path_or_id: str | uuid.UUID) -> Recording | None:
    if isinstance(path_or_id, uuid.UUID):
        return await uow.recordings.get(path_or_id)
    try:
        return await uow.recordings.get(uuid.UUID(path_or_id))
    except ValueError:
        pass
    entry = await uow.files.get_by_path(path_or_id)
    if entry is not None and entry.recording_id is not None:
        return await uow.recordings.get(entry.recording_id)
    return await uow.recordings.get_by_path(path_or_id)


async def _view(uow: UnitOfWork, recording: Recording, files: Sequence[FileEntry]) -> RecordingView:
    present = [entry.path for entry in files if entry.status == "present"]
    return RecordingView(
        id=recording.id,
        file_path=recording.file_path,
        file_name=recording.file_name,
        sha256_hash=recording.sha256_hash,
        xxh128_hash=recording.xxh128_hash,
        created_at=recording.created_at,
        metadata=await uow.metadata.get_all(recording.id),
        duplicates=[path for path in present if path != recording.file_path],
        status="present" if present else "missing",
        files=[_file_view(entry) for entry in files],
    )


def _file_view(entry: FileEntry) -> FileView:
    return FileView(
        path=entry.path,
        status=entry.status,
        error=entry.error,
        size=entry.size,
        mtime=entry.mtime,
        recording_id=entry.recording_id,
    )
