"""The ``catalog`` consumer: one bus subscription for what the catalog records, routed to its job by type."""

from __future__ import annotations

from tracktion_catalog.jobs.context import CatalogContext
from tracktion_catalog.jobs.deletions import handle_delete
from tracktion_catalog.jobs.file_events import handle_file_event
from tracktion_catalog.jobs.graph_sync import Confirmations
from tracktion_catalog.jobs.moves import handle_move
from tracktion_catalog.jobs.pages import handle_files_scanned
from tracktion_catalog.jobs.recorder import Recorder
from tracktion_catalog.jobs.results import handle_result
from tracktion_catalog.jobs.scans import handle_scan_completed
from tracktion_catalog.jobs.unchanged import UnchangedFiles
from tracktion_shared.messages import (
    AnalysisCompleted,
    AnalysisFailed,
    FileChanged,
    FileDeleted,
    FileDiscovered,
    FileMoved,
    FilesScanned,
    FingerprintFailed,
    GraphSynced,
    Message,
    RecordingFingerprinted,
    ScanCompleted,
    TracklistFound,
    TracklistNotFound,
)
from tracktion_shared.routes import CATALOG, ROUTES

__all__ = ["CONSUMED", "CatalogConsumer"]

#: the message types the catalog subscribes to: its row of the system's routing table
CONSUMED: tuple[type[Message], ...] = ROUTES[CATALOG]


class CatalogConsumer:
    """Holds what the jobs share and hands each message to its job; ``handle`` is the bus handler."""

    def __init__(self, ctx: CatalogContext) -> None:
        self.ctx = ctx
        self.unchanged = UnchangedFiles(ctx.db, ctx.stages, max_batch=ctx.settings.skip_batch_size)
        self.recorder = Recorder(ctx, max_batch=ctx.settings.record_batch_size)
        self.confirmations = Confirmations(ctx, max_batch=ctx.settings.skip_batch_size)

    async def handle(self, message: Message) -> None:
        match message:
            case FileMoved():
                await handle_move(self.ctx, message)
            case FileDiscovered() | FileChanged():
                await handle_file_event(self.ctx, self.unchanged, self.recorder, message)
            case FilesScanned():
                await handle_files_scanned(self.ctx, message)
            case FileDeleted():
                await handle_delete(self.ctx, message)
            case ScanCompleted():
                await handle_scan_completed(self.ctx, message)
            case (
                AnalysisCompleted()
                | AnalysisFailed()
                | TracklistFound()
                | TracklistNotFound()
                | RecordingFingerprinted()
                | FingerprintFailed()
            ):
                await handle_result(self.ctx, message)
            case GraphSynced():
                await self.confirmations.record(message)
            case _:
                raise TypeError(f"the catalog does not consume {message.type}")
