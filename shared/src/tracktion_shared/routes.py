"""Who consumes what, for the whole system: one table every service and the bus read.

RabbitMQ drops a message published under a routing key no queue is bound to. Services start in any order (and the
analysis workers may be scaled to zero while their queue fills), so the RabbitMQ bus declares every consumer's
queue and bindings from this table when any service starts, and a message is never published into the void. Each
service subscribes with its own row, so the table cannot drift from what the services really consume.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    RecordingCataloged,
    RecordingFingerprinted,
    RecordingGraphState,
    ScanCompleted,
    TracklistFound,
    TracklistNotFound,
)

__all__ = ["ANALYSIS", "CATALOG", "GRAPH", "IDENTIFY", "ROUTES", "TRACKLIST"]

CATALOG = "catalog"
ANALYSIS = "analysis"
TRACKLIST = "tracklist"
IDENTIFY = "identify"
GRAPH = "graph"

ROUTES: Mapping[str, tuple[type[Message], ...]] = {
    # the catalog is the only writer of the catalog database: it records files and every later stage's results
    CATALOG: (
        FileDiscovered,
        FileChanged,
        FileMoved,
        FileDeleted,
        FilesScanned,
        ScanCompleted,
        AnalysisCompleted,
        AnalysisFailed,
        TracklistFound,
        TracklistNotFound,
        RecordingFingerprinted,
        FingerprintFailed,
        GraphSynced,
    ),
    ANALYSIS: (RecordingCataloged,),
    TRACKLIST: (RecordingCataloged,),
    # fingerprints every recording, identifies sets, finds new tracks in the sets indexed before (tracktion_identify)
    IDENTIFY: (RecordingCataloged,),
    # the graph writer: applies the catalog's state of a recording and confirms it (tracktion_shared.graph)
    GRAPH: (RecordingGraphState,),
}
