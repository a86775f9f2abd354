"""What one transaction sees: its session and every repository bound to it.

Handing code a unit of work instead of a session keeps data access in the repositories, and makes "these writes
belong together" visible in the signature of whatever receives it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tracktion_shared.storage.repositories import (
    FileRepository,
    InboxRepository,
    MetadataRepository,
    OutboxRepository,
    RecordingRepository,
    TracklistRepository,
)

__all__ = ["UnitOfWork"]


class UnitOfWork:
    """The repositories of one open transaction; obtained from ``Database.transaction()`` or ``Database.run()``."""

    __slots__ = ("files", "inbox", "metadata", "outbox", "recordings", "session", "tracklists")

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.recordings = RecordingRepository(session)
        self.metadata = MetadataRepository(session)
        self.tracklists = TracklistRepository(session)
        self.inbox = InboxRepository(session)
        self.outbox = OutboxRepository(session)
        self.files = FileRepository(session)
