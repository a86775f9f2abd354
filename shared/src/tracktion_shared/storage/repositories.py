"""The only code that reads or writes tables: one small class per aggregate, each bound to the caller's session.

Repositories never commit; the unit of work around them decides when a transaction ends, so several repository
calls succeed or fail together. Writes that a redelivered message may repeat (metadata, the inbox) are upserts, so
repeating them is harmless. Upserts need the dialect's own ``INSERT … ON CONFLICT``; PostgreSQL and SQLite spell it
the same way, so one statement serves both.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tracktion_shared.messages import Message, encode
from tracktion_shared.storage.models import Base, MetadataEntry, OutboxMessage, ProcessedMessage, Recording, Tracklist
from tracktion_shared.tracing import inject_context

__all__ = ["InboxRepository", "MetadataRepository", "OutboxRepository", "RecordingRepository", "TracklistRepository"]


def _insert(session: AsyncSession, entity: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that understands ``ON CONFLICT`` for the dialect the session is bound to."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(entity)
    if dialect == "sqlite":
        return sqlite.insert(entity)
    raise NotImplementedError(f"no upsert for the {dialect} dialect")


class RecordingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

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
        return recording

    async def get(self, recording_id: uuid.UUID) -> Recording | None:
        return await self._session.get(Recording, recording_id)

    async def get_by_sha256(self, sha256_hash: str) -> Recording | None:
        return await self._one(Recording.sha256_hash == sha256_hash)

    async def get_by_xxh128(self, xxh128_hash: str) -> Recording | None:
        return await self._one(Recording.xxh128_hash == xxh128_hash)

    async def get_by_path(self, file_path: str) -> Recording | None:
        """The recording at ``file_path``; paths are not unique in the schema, so the oldest one wins."""
        statement = (
            select(Recording).where(Recording.file_path == file_path).order_by(Recording.created_at, Recording.id)
        )
        return (await self._session.scalars(statement.limit(1))).first()

    async def list_page(self, *, limit: int = 100, offset: int = 0) -> Sequence[Recording]:
        """One page of recordings, oldest first (ties broken by id, so pages never overlap)."""
        statement = select(Recording).order_by(Recording.created_at, Recording.id).limit(limit).offset(offset)
        return (await self._session.scalars(statement)).all()

    async def update_location(self, recording_id: uuid.UUID, file_path: str, file_name: str) -> Recording | None:
        """Record that a file moved; ``None`` when there is no such recording."""
        recording = await self.get(recording_id)
        if recording is not None:
            recording.file_path = file_path
            recording.file_name = file_name
            await self._session.flush()
        return recording

    async def delete(self, recording_id: uuid.UUID) -> bool:
        """Delete a recording with its tracklists and metadata (the database cascades); False when it was absent."""
        statement = delete(Recording).where(Recording.id == recording_id).returning(Recording.id)
        return (await self._session.execute(statement)).first() is not None

    async def _one(self, condition: Any) -> Recording | None:
        return (await self._session.scalars(select(Recording).where(condition))).one_or_none()


class MetadataRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

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

    async def get_all(self, recording_id: uuid.UUID) -> dict[str, str]:
        statement = (
            select(MetadataEntry.key, MetadataEntry.value)
            .where(MetadataEntry.recording_id == recording_id)
            .order_by(MetadataEntry.key)
        )
        return {key: value for key, value in await self._session.execute(statement)}


class TracklistRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def replace(
        self,
        recording_id: uuid.UUID,
        source: str,
        tracks: Sequence[Mapping[str, Any]],
        *,
        cue_file_path: str | None = None,
    ) -> Tracklist:
        """Make ``tracks`` the recording's tracklist from ``source``, adding it or replacing the previous one."""
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


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: Message) -> None:
        """Store ``message`` for publishing once this transaction commits, with the current trace context."""
        headers: dict[str, Any] = {}
        inject_context(headers)
        self._session.add(OutboxMessage(routing_key=message.type, body=encode(message), headers=headers))
        await self._session.flush()

    async def take(self, limit: int) -> Sequence[OutboxMessage]:
        """The oldest unpublished messages, locked against other relays (PostgreSQL skips rows others hold)."""
        statement = select(OutboxMessage).order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
        return (await self._session.scalars(statement)).all()

    async def remove(self, ids: Sequence[int]) -> None:
        await self._session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))

    async def count(self) -> int:
        return await self._session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
