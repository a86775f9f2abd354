"""tracktion's storage layer: PostgreSQL in production, a SQLite file when no server is configured.

Everything above this package talks to the database through :class:`Database` and the repositories of a
:class:`UnitOfWork`, so the two backends are interchangeable and the SQL lives in one place.

    url = settings.database_url_value()
    await upgrade(url)  # at start-up; a no-op when the schema is current
    async with Database(url) as db:
        recording = await db.run(lambda uow: uow.recordings.get_by_sha256(digest))
"""

from __future__ import annotations

from tracktion_shared.storage.database import Database
from tracktion_shared.storage.engine import make_engine
from tracktion_shared.storage.library import LibraryRepository
from tracktion_shared.storage.migrate import alembic_config, current_revision, downgrade, head_revision, upgrade
from tracktion_shared.storage.models import (
    LIBRARY_STATUSES,
    Base,
    FileEntry,
    LibraryEntry,
    MetadataEntry,
    OutboxMessage,
    ProcessedMessage,
    Recording,
    Tracklist,
)
from tracktion_shared.storage.repositories import (
    FileRepository,
    FileStat,
    InboxRepository,
    MetadataRepository,
    NewFile,
    NewRecording,
    OutboxRepository,
    RecordingRepository,
    TracklistRepository,
)
from tracktion_shared.storage.retry import RetryPolicy, is_retryable
from tracktion_shared.storage.unit_of_work import UnitOfWork
from tracktion_shared.storage.urls import Backend, async_url, backend_of, sync_url

__all__ = [
    "LIBRARY_STATUSES",
    "Backend",
    "Base",
    "Database",
    "FileEntry",
    "FileRepository",
    "FileStat",
    "InboxRepository",
    "LibraryEntry",
    "LibraryRepository",
    "MetadataEntry",
    "MetadataRepository",
    "NewFile",
    "NewRecording",
    "OutboxMessage",
    "OutboxRepository",
    "ProcessedMessage",
    "Recording",
    "RecordingRepository",
    "RetryPolicy",
    "Tracklist",
    "TracklistRepository",
    "UnitOfWork",
    "alembic_config",
    "async_url",
    "backend_of",
    "current_revision",
    "downgrade",
    "head_revision",
    "is_retryable",
    "make_engine",
    "sync_url",
    "upgrade",
]
