"""The only code that reads or writes tables: one small class per aggregate, each bound to the caller's session.

Repositories never commit; the unit of work around them decides when a transaction ends, so several repository
calls succeed or fail together. Writes that a redelivered message may repeat (metadata, the inbox) are upserts, so
repeating them is harmless. Upserts need the dialect's own ``INSERT … ON CONFLICT``; PostgreSQL and SQLite spell it
the same way, so one statement serves both.

The repositories that change what the library shows of a recording (its location, metadata, files) note its id in
the unit of work's ``touched`` set; the unit of work refreshes the ``library`` read model for those ids before it
commits (:mod:`tracktion_shared.storage.library`), so no writer can forget to.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tracktion_shared.messages import Message, encode
from tracktion_shared.storage.models import (
    Base,
    FileEntry,
    MetadataEntry,
    OutboxMessage,
    ProcessedMessage,
    Recording,
    Tracklist,
)
from tracktion_shared.tracing import inject_context

__all__ = [
    "FileRepository",
    "FileStat",
    "InboxRepository",
    "MetadataRepository",
    "NewFile",
    "NewRecording",
    "OutboxRepository",
    "RecordingRepository",
    "TracklistRepository",
]


def _insert(session: AsyncSession, entity: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that understands ``ON CONFLICT`` for the dialect the session is bound to."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(entity)
    if dialect == "sqlite":
        return sqlite.insert(entity)
    raise NotImplementedError(f"no upsert for the {dialect} dialect")


@dataclass(frozen=True, slots=True)
class NewRecording:
    """A row for :meth:`RecordingRepository.add_many`; the caller picks the id, so it can refer to it at once."""

    id: uuid.UUID
    file_path: str
    file_name: str
    sha256_hash: str | None = None
    xxh128_hash: str | None = None


class RecordingRepository:
    def __init__(self, session: AsyncSession, touched: set[uuid.UUID]) -> None:
        self._session = session
        self._touched = touched

    async def add(
        self,
        *,
        file_path: str,
        file_name: str,
        sha256_hash: str | None = None,
        xxh128_hash: str | None = None,
    ) -> Recording:
        """Insert a recording; a hash that is already taken raises ``IntegrityError`` here, not at commit."""
        recording = Recording(
            file_path=file_path, file_name=file_name, sha256_hash=sha256_hash, xxh128_hash=xxh128_hash
        )
        self._session.add(recording)
        await self._session.flush()
        self._touched.add(recording.id)
        return recording

    async def add_many(self, recordings: Sequence[NewRecording]) -> None:
        """Insert several recordings in one statement; a hash already taken raises ``IntegrityError`` here.

        No entities are built or returned (the caller has the ids): a first scan adds hundreds per transaction.
        """
        if not recordings:
            return
        await self._session.execute(insert(Recording), [_columns(recording) for recording in recordings])
        self._touched.update(recording.id for recording in recordings)

    async def get(self, recording_id: uuid.UUID) -> Recording | None:
        return await self._session.get(Recording, recording_id)

    async def get_many(self, recording_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Recording]:
        """The recordings with these ids, by id, in one query (absent ids are left out)."""
        if not recording_ids:
            return {}
        statement = select(Recording).where(Recording.id.in_(set(recording_ids)))
        return {recording.id: recording for recording in await self._session.scalars(statement)}

    async def paths(self, recording_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The primary path of each of these recordings, in one query of two columns (no entities loaded)."""
        if not recording_ids:
            return {}
        statement = select(Recording.id, Recording.file_path).where(Recording.id.in_(set(recording_ids)))
        return {recording_id: path for recording_id, path in await self._session.execute(statement)}

    async def get_by_sha256(self, sha256_hash: str) -> Recording | None:
        return await self._one(Recording.sha256_hash == sha256_hash)

    async def get_many_by_sha256(self, sha256_hashes: Collection[str]) -> dict[str, Recording]:
        """The recordings that have any of these hashes, by hash: one query for a whole batch of files."""
        if not sha256_hashes:
            return {}
        statement = select(Recording).where(Recording.sha256_hash.in_(set(sha256_hashes)))
        return {recording.sha256_hash or "": recording for recording in await self._session.scalars(statement)}

    async def get_by_xxh128(self, xxh128_hash: str) -> Recording | None:
        return await self._one(Recording.xxh128_hash == xxh128_hash)

    async def get_by_path(self, file_path: str) -> Recording | None:
        """The recording at ``file_path``; paths are not unique in the schema, so the oldest one wins."""
        statement = (
            select(Recording).where(Recording.file_path == file_path).order_by(Recording.created_at, Recording.id)
        )
        return (await self._session.scalars(statement.limit(1))).first()

    async def list_page(
        self, *, limit: int = 100, offset: int = 0, by: Literal["created", "path"] = "created"
    ) -> Sequence[Recording]:
        """One page of recordings, oldest first or by path (ties broken by id, so pages never overlap)."""
        first = Recording.created_at if by == "created" else Recording.file_path
        statement = select(Recording).order_by(first, Recording.id).limit(limit).offset(offset)
        return (await self._session.scalars(statement)).all()

    async def ids_with_prefix(self, prefix: str, *, limit: int) -> tuple[int, Sequence[uuid.UUID]]:
        """How many recording ids start with the hex digits ``prefix``, and the first ``limit`` of them.

        A range of ids, not a ``LIKE`` on their text: ids are stored as 32 hex digits on SQLite and as ``uuid`` on
        PostgreSQL, and both order them as numbers, so one ``BETWEEN`` on the primary key works on either.
        """
        if not 0 < len(prefix) <= 32 or prefix.strip("0123456789abcdef"):
            raise ValueError(f"not a prefix of lower-case hex digits: {prefix!r}")
        within = Recording.id.between(uuid.UUID(prefix.ljust(32, "0")), uuid.UUID(prefix.ljust(32, "f")))
        count = await self._session.scalar(select(func.count()).select_from(Recording).where(within))
        ids = await self._session.scalars(select(Recording.id).where(within).order_by(Recording.id).limit(limit))
        return count or 0, ids.all()

    async def update_location(self, recording_id: uuid.UUID, file_path: str, file_name: str) -> Recording | None:
        """Record that a file moved; ``None`` when there is no such recording."""
        recording = await self.get(recording_id)
        if recording is not None:
            recording.file_path = file_path
            recording.file_name = file_name
            await self._session.flush()
            self._touched.add(recording_id)
        return recording

    async def update_hashes(self, recording_id: uuid.UUID, sha256_hash: str, xxh128_hash: str) -> None:
        """Give a recording new content hashes (its file was modified); a hash already taken raises here."""
        await self._session.execute(
            update(Recording)
            .where(Recording.id == recording_id)
            .values(sha256_hash=sha256_hash, xxh128_hash=xxh128_hash)
        )

    async def delete(self, recording_id: uuid.UUID) -> bool:
        """Delete a recording with its tracklists and metadata (the database cascades); False when it was absent."""
        statement = delete(Recording).where(Recording.id == recording_id).returning(Recording.id)
        return (await self._session.execute(statement)).first() is not None

    async def _one(self, condition: Any) -> Recording | None:
        return (await self._session.scalars(select(Recording).where(condition))).one_or_none()


class MetadataRepository:
    def __init__(self, session: AsyncSession, touched: set[uuid.UUID]) -> None:
        self._session = session
        self._touched = touched

    async def upsert(self, recording_id: uuid.UUID, values: Mapping[str, str]) -> None:
        """Set every ``key -> value`` for the recording, inserting new keys and overwriting existing ones."""
        if not values:
            return
        insert = _insert(self._session, MetadataEntry)
        statement = insert.on_conflict_do_update(
            index_elements=[MetadataEntry.recording_id, MetadataEntry.key],
            set_={"value": insert.excluded.value},
        )
        rows = [{"recording_id": recording_id, "key": key, "value": value} for key, value in values.items()]
        await self._session.execute(statement, rows)
        self._touched.add(recording_id)

    async def upsert_many(self, values: Mapping[uuid.UUID, Mapping[str, str]], *, touch: bool = True) -> None:
        """:meth:`upsert` for several recordings in one statement (recording id -> its ``key -> value``).

        ``touch=False``: bookkeeping that no read model shows (which graph state was sent or confirmed); the library
        rows of these recordings are not recomputed for it."""
        rows = [
            {"recording_id": recording_id, "key": key, "value": value}
            for recording_id, pairs in values.items()
            for key, value in pairs.items()
        ]
        if not rows:
            return
        insert = _insert(self._session, MetadataEntry)
        statement = insert.on_conflict_do_update(
            index_elements=[MetadataEntry.recording_id, MetadataEntry.key],
            set_={"value": insert.excluded.value},
        )
        await self._session.execute(statement, rows)
        if touch:
            self._touched.update(recording_id for recording_id, pairs in values.items() if pairs)

    async def delete_keys(self, recording_id: uuid.UUID, keys: Sequence[str]) -> None:
        """Remove these keys of the recording (a tag its new content no longer has); absent keys are ignored."""
        if keys:
            await self._session.execute(
                delete(MetadataEntry).where(MetadataEntry.recording_id == recording_id, MetadataEntry.key.in_(keys))
            )
            self._touched.add(recording_id)

    async def having(
        self, key: str, values: Collection[str], recording_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, str]:
        """Those of ``recording_ids`` whose ``key`` has one of ``values`` (recording id -> value), in one query.

        A rescan asks this for every page of unchanged files, and nearly always finds nothing.
        """
        if not recording_ids or not values:
            return {}
        statement = select(MetadataEntry.recording_id, MetadataEntry.value).where(
            MetadataEntry.key == key,
            MetadataEntry.value.in_(set(values)),
            MetadataEntry.recording_id.in_(set(recording_ids)),
        )
        return {recording_id: value for recording_id, value in await self._session.execute(statement)}

    async def get_many(
        self, recording_ids: Collection[uuid.UUID], keys: Collection[str]
    ) -> dict[uuid.UUID, dict[str, str]]:
        """These ``keys`` of several recordings (recording id -> ``key -> value``; a recording without any: absent)."""
        if not recording_ids or not keys:
            return {}
        statement = select(MetadataEntry.recording_id, MetadataEntry.key, MetadataEntry.value).where(
            MetadataEntry.recording_id.in_(set(recording_ids)), MetadataEntry.key.in_(set(keys))
        )
        found: dict[uuid.UUID, dict[str, str]] = {}
        for recording_id, key, value in await self._session.execute(statement):
            found.setdefault(recording_id, {})[key] = value
        return found

    async def present_under(self, prefix: str, keys: Collection[str]) -> dict[uuid.UUID, dict[str, str]]:
        """These ``keys`` of every recording with a present file under ``prefix``, in one query (a join, so a folder
        of any size is one statement, not a list of ids)."""
        present = select(FileEntry.recording_id).where(_under(prefix), FileEntry.status == "present")
        statement = select(MetadataEntry.recording_id, MetadataEntry.key, MetadataEntry.value).where(
            MetadataEntry.recording_id.in_(present), MetadataEntry.key.in_(set(keys))
        )
        found: dict[uuid.UUID, dict[str, str]] = {}
        for recording_id, key, value in await self._session.execute(statement):
            found.setdefault(recording_id, {})[key] = value
        return found

    async def get_all(self, recording_id: uuid.UUID) -> dict[str, str]:
        statement = (
            select(MetadataEntry.key, MetadataEntry.value)
            .where(MetadataEntry.recording_id == recording_id)
            .order_by(MetadataEntry.key)
        )
        return {key: value for key, value in await self._session.execute(statement)}


class TracklistRepository:
    def __init__(self, session: AsyncSession, touched: set[uuid.UUID] | None = None) -> None:
        self._session = session
        # a new tracklist changes what the graph holds of the recording: it is touched like a metadata write
        self._touched = touched if touched is not None else set()

    async def replace(
        self,
        recording_id: uuid.UUID,
        source: str,
        tracks: Sequence[Mapping[str, Any]],
        *,
        cue_file_path: str | None = None,
    ) -> Tracklist:
        """Make ``tracks`` the recording's tracklist from ``source``, adding it or replacing the previous one."""
        self._touched.add(recording_id)
        await self._session.execute(
            delete(Tracklist).where(Tracklist.recording_id == recording_id, Tracklist.source == source)
        )
        tracklist = Tracklist(
            recording_id=recording_id,
            source=source,
            cue_file_path=cue_file_path,
            tracks=[dict(track) for track in tracks],
        )
        self._session.add(tracklist)
        await self._session.flush()
        return tracklist

    async def list_for_recording(self, recording_id: uuid.UUID) -> Sequence[Tracklist]:
        statement = select(Tracklist).where(Tracklist.recording_id == recording_id).order_by(Tracklist.source)
        return (await self._session.scalars(statement)).all()

    async def for_recordings(
        self, recording_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[str, list[dict[str, Any]]]]]:
        """(source, track rows) of the tracklists of several recordings, by recording, in one query."""
        if not recording_ids:
            return {}
        statement = (
            select(Tracklist.recording_id, Tracklist.source, Tracklist.tracks)
            .where(Tracklist.recording_id.in_(set(recording_ids)))
            .order_by(Tracklist.source)
        )
        found: dict[uuid.UUID, list[tuple[str, list[dict[str, Any]]]]] = {}
        for recording_id, source, tracks in await self._session.execute(statement):
            found.setdefault(recording_id, []).append((source, list(tracks)))
        return found


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, consumer: str, message_id: uuid.UUID) -> bool:
        """True the first time ``consumer`` claims ``message_id``; False when it already handled it.

        Call it in the same transaction as the work: if the work rolls back, so does the claim, and the redelivered
        message is handled again. A concurrent claim of the same id waits for this transaction to finish.
        """
        insert = _insert(self._session, ProcessedMessage)
        statement = (
            insert.values(consumer=consumer, message_id=message_id)
            .on_conflict_do_nothing(index_elements=[ProcessedMessage.consumer, ProcessedMessage.message_id])
            .returning(ProcessedMessage.message_id)
        )
        return (await self._session.execute(statement)).first() is not None

    async def forget_before(self, cutoff: datetime) -> int:
        """Drop entries processed before ``cutoff``; returns how many. Redeliveries only come within the bus' retry
        window, so an entry older than that only costs space (a rescan adds one per file)."""
        result = await self._session.execute(delete(ProcessedMessage).where(ProcessedMessage.processed_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    async def claim_many(self, consumer: str, message_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """The ids among ``message_ids`` that ``consumer`` claims now; the others it had already handled.

        :meth:`claim` for a batch in one round trip: where commits are grouped (a rescan confirms hundreds of
        unchanged files per transaction), one statement per message would cost more than the work itself.
        """
        if not message_ids:
            return set()
        insert = _insert(self._session, ProcessedMessage)
        statement = insert.on_conflict_do_nothing(
            index_elements=[ProcessedMessage.consumer, ProcessedMessage.message_id]
        ).returning(ProcessedMessage.message_id)
        rows = [{"consumer": consumer, "message_id": message_id} for message_id in dict.fromkeys(message_ids)]
        return set((await self._session.execute(statement, rows)).scalars())


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: Message) -> None:
        """Store ``message`` for publishing once this transaction commits, with the current trace context."""
        headers: dict[str, Any] = {}
        inject_context(headers)
        self._session.add(OutboxMessage(routing_key=message.type, body=encode(message), headers=headers))
        await self._session.flush()

    async def add_many(self, messages: Sequence[tuple[Message, Mapping[str, Any]]]) -> None:
        """Store several messages in one statement, in this order, each with the headers given.

        Messages written for a batch of work carry each item's own trace context (captured where the item began,
        with :func:`~tracktion_shared.tracing.inject_context`), not that of whichever task commits the batch.
        """
        if messages:
            rows = [
                {"routing_key": message.type, "body": encode(message), "headers": dict(headers)}
                for message, headers in messages
            ]
            await self._session.execute(insert(OutboxMessage), rows)

    async def take(self, limit: int) -> Sequence[OutboxMessage]:
        """The oldest unpublished messages, locked against other relays (PostgreSQL skips rows others hold)."""
        statement = select(OutboxMessage).order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
        return (await self._session.scalars(statement)).all()

    async def remove(self, ids: Sequence[int]) -> None:
        await self._session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))

    async def count(self) -> int:
        return await self._session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


@dataclass(frozen=True, slots=True)
class NewFile:
    """A ``files`` row for :meth:`FileRepository.add_many`: a path the catalog did not know."""

    path: str
    status: str
    recording_id: uuid.UUID | None = None
    size: int | None = None
    mtime: float | None = None
    error: str | None = None
    last_scan_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class FileStat:
    """The columns of a ``files`` row that decide whether a reported file needs reading again."""

    id: uuid.UUID
    path: str
    status: str
    size: int | None
    mtime: float | None
    recording_id: uuid.UUID | None


class FileRepository:
    """The ``files`` table: paths, what recording each holds, and whether it is there.

    "Under a folder" compares a path prefix exactly (``substr``), not with ``LIKE``: SQLite's LIKE ignores case and
    both treat ``_`` and ``%`` in a path as wildcards. Pass the folder with its trailing separator.
    """

    def __init__(self, session: AsyncSession, touched: set[uuid.UUID]) -> None:
        self._session = session
        self._touched = touched

    def _touch(self, *recording_ids: uuid.UUID | None) -> None:
        self._touched.update(recording_id for recording_id in recording_ids if recording_id is not None)

    async def get_by_path(self, path: str) -> FileEntry | None:
        return (await self._session.scalars(select(FileEntry).where(FileEntry.path == path))).one_or_none()

    async def stats_by_paths(self, paths: Sequence[str]) -> dict[str, FileStat]:
        """What the catalog stored about those of ``paths`` it knows, by path: one query, no ORM entities.

        A rescan asks this for every file of the library, so it skips the cost of building and tracking entities.
        """
        if not paths:
            return {}
        statement = select(
            FileEntry.id, FileEntry.path, FileEntry.status, FileEntry.size, FileEntry.mtime, FileEntry.recording_id
        ).where(FileEntry.path.in_(set(paths)))
        return {row.path: FileStat(*row) for row in await self._session.execute(statement)}

    async def save(
        self,
        path: str,
        *,
        status: str,
        recording_id: uuid.UUID | None = None,
        size: int | None = None,
        mtime: float | None = None,
        error: str | None = None,
        last_scan_id: uuid.UUID | None = None,
    ) -> FileEntry:
        """Insert the row for ``path`` or overwrite every field of it; a concurrent insert raises IntegrityError."""
        entry = await self.get_by_path(path)
        if entry is None:
            entry = FileEntry(path=path, status=status)
            self._session.add(entry)
        self._touch(entry.recording_id, recording_id)
        entry.status = status
        entry.recording_id = recording_id
        entry.size = size
        entry.mtime = mtime
        entry.error = error
        entry.last_scan_id = last_scan_id
        await self._session.flush()
        return entry

    async def add_many(self, files: Sequence[NewFile]) -> None:
        """Insert rows for paths that have none, in one statement; a path that has one raises ``IntegrityError``."""
        if not files:
            return
        await self._session.execute(insert(FileEntry), [_columns(entry) for entry in files])
        self._touch(*(entry.recording_id for entry in files))

    async def move(self, old_path: str, new_path: str) -> FileEntry | None:
        """Give the row at ``old_path`` the path ``new_path`` (whose own row the caller removed); None if absent."""
        entry = await self.get_by_path(old_path)
        if entry is not None:
            entry.path = new_path
            await self._session.flush()
            self._touch(entry.recording_id)
        return entry

    async def delete_by_path(self, path: str) -> FileEntry | None:
        """Remove the row at ``path`` and return it (as it was), or None when there was none."""
        entry = await self.get_by_path(path)
        if entry is not None:
            await self._session.delete(entry)
            await self._session.flush()
            self._touch(entry.recording_id)
        return entry

    async def mark_seen(self, ids: Sequence[uuid.UUID], scan_id: uuid.UUID) -> None:
        """Record that scan ``scan_id`` saw these files (nothing else about them changes).

        Entities of these rows already loaded in this session keep their old ``last_scan_id``: a rescan calls this
        for thousands of rows, and keeping loaded entities in step would cost more than the update.
        """
        if ids:
            await self._session.execute(
                update(FileEntry)
                .where(FileEntry.id.in_(ids))
                .values(last_scan_id=scan_id)
                .execution_options(synchronize_session=False)
            )

    async def mark_missing(self, ids: Sequence[uuid.UUID], error: str | None = None) -> None:
        if ids:
            statement = (
                update(FileEntry)
                .where(FileEntry.id.in_(ids))
                .values(status="missing", error=error)
                .returning(FileEntry.recording_id)
            )
            self._touch(*(await self._session.scalars(statement)))

    async def for_recording(self, recording_id: uuid.UUID, *, status: str | None = None) -> Sequence[FileEntry]:
        """The recording's files (with ``status`` only, if given), by path."""
        statement = select(FileEntry).where(FileEntry.recording_id == recording_id)
        if status is not None:
            statement = statement.where(FileEntry.status == status)
        return (await self._session.scalars(statement.order_by(FileEntry.path))).all()

    async def with_present_file(self, recording_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these recordings have a present file, in one query."""
        if not recording_ids:
            return set()
        statement = select(FileEntry.recording_id).where(
            FileEntry.recording_id.in_(set(recording_ids)), FileEntry.status == "present"
        )
        return {recording_id for recording_id in await self._session.scalars(statement) if recording_id is not None}

    async def for_recordings(self, recording_ids: Sequence[uuid.UUID]) -> Sequence[FileEntry]:
        """The files of several recordings at once, by path."""
        if not recording_ids:
            return []
        statement = select(FileEntry).where(FileEntry.recording_id.in_(recording_ids)).order_by(FileEntry.path)
        return (await self._session.scalars(statement)).all()

    async def unseen_under(self, prefix: str, scan_id: uuid.UUID, statuses: Sequence[str]) -> Sequence[FileEntry]:
        """Files under ``prefix`` with one of ``statuses`` that scan ``scan_id`` did not see."""
        statement = select(FileEntry).where(
            _under(prefix),
            FileEntry.status.in_(statuses),
            or_(FileEntry.last_scan_id.is_(None), FileEntry.last_scan_id != scan_id),
        )
        return (await self._session.scalars(statement.order_by(FileEntry.path))).all()

    async def under(self, prefix: str, status: str) -> Sequence[FileEntry]:
        """Files under ``prefix`` with ``status``, by path."""
        statement = select(FileEntry).where(_under(prefix), FileEntry.status == status).order_by(FileEntry.path)
        return (await self._session.scalars(statement)).all()

    async def count_seen(self, scan_id: uuid.UUID) -> int:
        """How many files scan ``scan_id`` has reported so far (and the catalog has handled)."""
        statement = select(func.count()).select_from(FileEntry).where(FileEntry.last_scan_id == scan_id)
        return await self._session.scalar(statement) or 0

    async def present_recordings_after(self, after: uuid.UUID | None, limit: int) -> Sequence[uuid.UUID]:
        """The next ``limit`` recordings (by id, after ``after``) that have a present file: a walk over the library."""
        statement = select(FileEntry.recording_id).where(
            FileEntry.status == "present", FileEntry.recording_id.is_not(None)
        )
        if after is not None:
            statement = statement.where(FileEntry.recording_id > after)
        statement = statement.distinct().order_by(FileEntry.recording_id).limit(limit)
        return [recording_id for recording_id in await self._session.scalars(statement) if recording_id is not None]

    async def present_under(self, prefix: str) -> Sequence[tuple[uuid.UUID, str]]:
        """(recording id, primary path) of every recording with a present file under ``prefix``, by path."""
        statement = (
            select(Recording.id, Recording.file_path)
            .where(
                Recording.id.in_(
                    select(FileEntry.recording_id).where(
                        _under(prefix), FileEntry.status == "present", FileEntry.recording_id.is_not(None)
                    )
                )
            )
            .order_by(Recording.file_path)
        )
        return [(recording_id, path) for recording_id, path in await self._session.execute(statement)]

    async def count_recordings_under(self, prefix: str) -> int:
        """How many recordings have a present file under ``prefix``."""
        statement = select(func.count(func.distinct(FileEntry.recording_id))).where(
            _under(prefix), FileEntry.status == "present", FileEntry.recording_id.is_not(None)
        )
        return await self._session.scalar(statement) or 0

    async def duplicates_under(self, prefix: str) -> Sequence[str]:
        """Present files under ``prefix`` that are not their recording's primary path: copies, by path."""
        statement = (
            select(FileEntry.path)
            .join(Recording, Recording.id == FileEntry.recording_id)
            .where(_under(prefix), FileEntry.status == "present", Recording.file_path != FileEntry.path)
            .order_by(FileEntry.path)
        )
        return (await self._session.scalars(statement)).all()


def _columns(row: NewRecording | NewFile) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__slots__}


def _under(prefix: str) -> ColumnElement[bool]:
    return func.substr(FileEntry.path, 1, len(prefix)) == prefix
