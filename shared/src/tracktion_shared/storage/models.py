"""The tables, declared once for the application and for Alembic's autogenerate check.

The migrations in ``migrations/versions`` are written by hand and never import this module (a migration must keep
meaning what it meant when it was written); a test compares the migrated database with these classes, so the two
cannot drift apart unnoticed. Constraint names come from the naming convention, so a later migration can drop or
alter a constraint by a name that is the same on PostgreSQL and SQLite.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, Uuid

__all__ = [
    "LIBRARY_STATUSES",
    "Base",
    "FileEntry",
    "LibraryEntry",
    "MetadataEntry",
    "OutboxMessage",
    "ProcessedMessage",
    "Recording",
    "Tracklist",
    "UtcDateTime",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is timezone-aware (UTC) on every backend.

    PostgreSQL's ``timestamptz`` already is; SQLite stores text without an offset and hands back naive datetimes,
    which cannot even be compared with aware ones. This stores UTC and reads it back as UTC, and refuses naive input
    rather than guessing its zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no timezone; give an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


UuidPk = Annotated[uuid.UUID, mapped_column(Uuid, primary_key=True, default=uuid.uuid4)]
RecordingRef = Annotated[uuid.UUID, mapped_column(Uuid, ForeignKey("recordings.id", ondelete="CASCADE"))]
CreatedAt = Annotated[datetime, mapped_column(UtcDateTime, server_default=func.now())]
JsonList = Annotated[list[dict[str, Any]], mapped_column(JSON().with_variant(JSONB(), "postgresql"))]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {str: Text(), uuid.UUID: Uuid()}  # noqa: RUF012 (read by SQLAlchemy, never mutated)


class Recording(Base):
    """One audio file; the hashes identify its content wherever it moves."""

    __tablename__ = "recordings"
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 (read created_at back in the INSERT)

    id: Mapped[UuidPk]
    file_path: Mapped[str]
    file_name: Mapped[str]
    # nullable: hashing happens after the file is first seen; NULLs never collide with each other
    sha256_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    xxh128_hash: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[CreatedAt]


class Tracklist(Base):
    """The tracks played in a recording, as one source (a CUE file, a website) tells it."""

    __tablename__ = "tracklists"

    id: Mapped[UuidPk]
    recording_id: Mapped[RecordingRef]
    source: Mapped[str]
    cue_file_path: Mapped[str | None]
    tracks: Mapped[JsonList]


class MetadataEntry(Base):
    """One ``key = value`` fact about a recording (a tag, an analysis result)."""

    __tablename__ = "metadata"
    __table_args__ = (
        # A key has one value per recording. This is also what makes writes idempotent: the repository upserts on
        # (recording_id, key), so a redelivered message rewrites the same row instead of adding a duplicate.
        UniqueConstraint("recording_id", "key"),
        Index("idx_metadata_recording_id", "recording_id"),
        Index("idx_metadata_key", "key"),
    )

    id: Mapped[UuidPk]
    recording_id: Mapped[RecordingRef]
    key: Mapped[str]
    value: Mapped[str]


class ProcessedMessage(Base):
    """The inbox: a bus message a consumer has already handled.

    Delivery is at-least-once, so a consumer inserts the message id in the same transaction as its work; a
    redelivered message finds its id taken and is acknowledged without repeating the work.
    """

    __tablename__ = "processed_messages"

    consumer: Mapped[str] = mapped_column(primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    processed_at: Mapped[CreatedAt]


class OutboxMessage(Base):
    """The outbox: a message to publish, stored in the same transaction as the work that caused it.

    Publishing after COMMIT can fail (broker down, process killed); publishing before it can announce work that then
    rolls back. Storing the message with the work and publishing it from here afterwards means it is sent at least
    once if and only if the work was committed.
    """

    __tablename__ = "outbox"

    # An increasing id keeps the publishing order; SQLite only auto-increments a plain INTEGER primary key.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    routing_key: Mapped[str]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    created_at: Mapped[CreatedAt]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class FileEntry(Base):
    """One path the catalog knows. A recording is content; this is a place where that content is (or was).

    Copies of the same audio are several files of one recording; the recording's ``file_path`` is its primary one.
    An unreadable file has no recording. ``size``/``mtime`` are what the file had when it was last read, so a rescan
    that reports the same pair needs no hashing.

    ``status``: ``present`` (on disk and cataloged), ``missing`` (gone; the recording is kept for when it comes
    back), ``failed`` (there but unreadable; ``error`` says why, and it is tried again when size or mtime change).
    """

    __tablename__ = "files"
    __table_args__ = (
        CheckConstraint("status IN ('present', 'missing', 'failed')", name="status"),
        Index("idx_files_recording_id", "recording_id"),
        # "has this recording a present file?" (the library read model asks it per recording); without it SQLite
        # walks idx_files_status, i.e. every present file, for each recording
        Index("idx_files_recording_id_status", "recording_id", "status"),
        Index("idx_files_status", "status"),
        Index("idx_files_last_scan_id", "last_scan_id"),
    )

    id: Mapped[UuidPk]
    path: Mapped[str] = mapped_column(unique=True)
    # SET NULL, not CASCADE: deleting a recording forgets what the file held, not that the file is there
    recording_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("recordings.id", ondelete="SET NULL"))
    size: Mapped[int | None] = mapped_column(BigInteger)
    mtime: Mapped[float | None] = mapped_column(Double)
    status: Mapped[str]
    error: Mapped[str | None]
    last_scan_id: Mapped[uuid.UUID | None]
    # set in Python on every write: a server-side onupdate would expire the attribute, and reading an expired
    # attribute outside an awaited load fails under asyncio
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime, server_default=func.now(), default=_utcnow, onupdate=_utcnow
    )


#: what :class:`LibraryEntry.status` can be, in the order the library shows the states
LIBRARY_STATUSES = ("cataloged", "analysed", "failed", "missing")


class LibraryEntry(Base):
    """One recording as the library browser lists it: a read model, derived from the tables above, never edited.

    Sorting and filtering 100,000 recordings by tempo, key or mood cannot be done quickly over key/value metadata
    (every filter is another self-join, every sort a pivot), so the storage layer keeps this row per recording with
    typed, indexed columns. It is rebuilt from ``recordings``, ``metadata`` and ``files`` at the end of every
    transaction that touched the recording (:meth:`UnitOfWork.refresh_library`), so it is always exactly as current
    as the catalog it is derived from, and it can be rebuilt from scratch at any time.

    ``status``: ``missing`` while no file of the recording is present; otherwise ``failed`` or ``analysed`` after the
    analysis said so; else ``cataloged``. ``search_text`` is the lower-cased artist, title, album, genre and file name
    (SQLite lower-cases ASCII only).
    """

    __tablename__ = "library"
    __table_args__ = (
        CheckConstraint(f"status IN {LIBRARY_STATUSES!r}", name="status"),
        # (column, key): a sort by the column ends with the key, so a page is found in the index alone
        Index("idx_library_artist", "artist", "recording_id"),
        Index("idx_library_title", "title", "recording_id"),
        Index("idx_library_file_name", "file_name", "recording_id"),
        Index("idx_library_bpm", "bpm", "recording_id"),
        Index("idx_library_camelot", "camelot", "recording_id"),
        Index("idx_library_mood", "mood", "recording_id"),
        Index("idx_library_duration", "duration", "recording_id"),
        Index("idx_library_status", "status", "recording_id"),
        Index("idx_library_created_at", "created_at", "recording_id"),
    )

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), primary_key=True)
    file_path: Mapped[str]
    file_name: Mapped[str]
    artist: Mapped[str | None]
    title: Mapped[str | None]
    album: Mapped[str | None]
    genre: Mapped[str | None]
    duration: Mapped[float | None] = mapped_column(Double)
    bpm: Mapped[float | None] = mapped_column(Double)
    key: Mapped[str | None]
    scale: Mapped[str | None]
    camelot: Mapped[str | None]
    open_key: Mapped[str | None]
    mood: Mapped[str | None]
    energy: Mapped[float | None] = mapped_column(Double)
    status: Mapped[str]
    analysis_error: Mapped[str | None]
    tracklist_status: Mapped[str | None]
    search_text: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
