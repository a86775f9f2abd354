"""Analysis, tracklist and identify results (AnalysisCompleted ... FingerprintFailed): record them with their recording.

A result for a recording the catalog does not know (deleted meanwhile, or a forged message) cannot become right by
retrying: it is a permanent error and goes to the dead-letter queue with the recording id in the reason.
"""

from __future__ import annotations

import uuid

from tracktion_catalog.adapters.db import run
from tracktion_catalog.domain.results import (
    ANALYSIS_KEYS,
    FINGERPRINT_SOURCE,
    IDENTIFY_KEYS,
    TRACKLIST_KEYS,
    analysis_values,
    failure_values,
    identify_values,
    lookup_values,
    track_rows,
)
from tracktion_catalog.errors import UnknownRecording
from tracktion_catalog.jobs.context import CONSUMER, CatalogContext
from tracktion_catalog.jobs.graph_sync import with_graph
from tracktion_shared.messages import (
    AnalysisCompleted,
    AnalysisFailed,
    FingerprintFailed,
    Message,
    RecordingFingerprinted,
    TracklistFound,
    TracklistNotFound,
)
from tracktion_shared.storage import UnitOfWork

__all__ = ["RESULT_TYPES", "handle_result"]

ResultMessage = (
    AnalysisCompleted | AnalysisFailed | TracklistFound | TracklistNotFound | RecordingFingerprinted | FingerprintFailed
)
RESULT_TYPES: tuple[type[Message], ...] = (
    AnalysisCompleted,
    AnalysisFailed,
    TracklistFound,
    TracklistNotFound,
    RecordingFingerprinted,
    FingerprintFailed,
)


async def handle_result(ctx: CatalogContext, message: ResultMessage) -> None:
    await run(ctx.db, with_graph(lambda uow: _record(uow, message), ctx.stages))
    await ctx.announce()  # the recording's new graph state


async def _record(uow: UnitOfWork, message: ResultMessage) -> None:
    if not await uow.inbox.claim(CONSUMER, message.message_id):
        return
    await _require_recording(uow, message.recording_id)
    match message:
        case AnalysisCompleted():
            await _replace(uow, message.recording_id, analysis_values(message), ANALYSIS_KEYS)
        case AnalysisFailed():
            await _replace(uow, message.recording_id, *failure_values(message))
        case TracklistFound():
            await uow.tracklists.replace(
                message.recording_id, message.source, track_rows(message), cue_file_path=message.cue_file_path
            )
            if message.source != FINGERPRINT_SOURCE:  # the identify stage's state comes with its own message
                await _replace(uow, message.recording_id, lookup_values(message), TRACKLIST_KEYS)
        case TracklistNotFound():
            await _replace(uow, message.recording_id, lookup_values(message), TRACKLIST_KEYS)
        case RecordingFingerprinted() | FingerprintFailed():
            await _replace(uow, message.recording_id, identify_values(message), IDENTIFY_KEYS)


async def _require_recording(uow: UnitOfWork, recording_id: uuid.UUID) -> None:
    if await uow.recordings.get(recording_id) is None:
        raise UnknownRecording(f"no recording {recording_id} in the catalog")


async def _replace(uow: UnitOfWork, recording_id: uuid.UUID, values: dict[str, str], keys: tuple[str, ...]) -> None:
    """Write ``values`` and remove the other ``keys`` of the same stage, so no stale fact survives a new result."""
    await uow.metadata.upsert(recording_id, values)
    await uow.metadata.delete_keys(recording_id, [key for key in keys if key not in values])
