"""What one transaction sees: its session and every repository bound to it.

Handing code a unit of work instead of a session keeps data access in the repositories, and makes "these writes
belong together" visible in the signature of whatever receives it. It also keeps the ``library`` read model in
step: the repositories note which recordings they changed, and :meth:`refresh_library` recomputes those rows before
the transaction commits.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from tracktion_shared.storage.library import LibraryRepository
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

    __slots__ = ("files", "inbox", "library", "metadata", "outbox", "recordings", "session", "touched", "tracklists")

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        #: recordings whose library row this transaction may have changed
        self.touched: set[uuid.UUID] = set()
        self.recordings = RecordingRepository(session, self.touched)
        self.metadata = MetadataRepository(session, self.touched)
        self.tracklists = TracklistRepository(session, self.touched)
        self.inbox = InboxRepository(session)
        self.outbox = OutboxRepository(session)
        self.files = FileRepository(session, self.touched)
        self.library = LibraryRepository(session)

    async def refresh_library(self) -> None:
        """Recompute the library rows of the recordings touched so far; called before every commit."""
        if self.touched:
            await self.library.refresh(self.touched)
            self.touched.clear()
