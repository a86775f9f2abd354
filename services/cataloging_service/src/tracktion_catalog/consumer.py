"""The ``catalog`` consumer: one bus subscription for every file message, routed to its job by type."""

from __future__ import annotations

from tracktion_catalog.jobs.context import CatalogContext
from tracktion_catalog.jobs.deletions import handle_delete
from tracktion_catalog.jobs.file_events import handle_file_event
from tracktion_catalog.jobs.moves import handle_move
from tracktion_catalog.jobs.scans import handle_scan_completed
from tracktion_catalog.jobs.unchanged import UnchangedFiles
from tracktion_shared.messages import FileChanged, FileDeleted, FileDiscovered, FileMoved, Message, ScanCompleted

__all__ = ["CONSUMED", "CatalogConsumer"]

#: the message types the catalog subscribes to
CONSUMED: tuple[type[Message], ...] = (FileDiscovered, FileChanged, FileMoved, FileDeleted, ScanCompleted)


class CatalogConsumer:
    """Holds what the jobs share and hands each message to its job; ``handle`` is the bus handler."""

    def __init__(self, ctx: CatalogContext) -> None:
        self.ctx = ctx
        self.unchanged = UnchangedFiles(ctx.db, max_batch=ctx.settings.skip_batch_size)

    async def handle(self, message: Message) -> None:
        match message:
            case FileMoved():
                await handle_move(self.ctx, message)
            case FileDiscovered() | FileChanged():
                await handle_file_event(self.ctx, self.unchanged, message)
            case FileDeleted():
                await handle_delete(self.ctx, message)
            case ScanCompleted():
                await handle_scan_completed(self.ctx, message)
            case _:
                raise TypeError(f"the catalog does not consume {message.type}")
