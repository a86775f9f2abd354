"""The JSON API's response models: the one contract the pages, the OpenAPI schema and scripts share.

Pages are rendered from these same objects, so what a person sees and what ``/api`` returns cannot disagree.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AnalysisView",
    "BusQueue",
    "BusReport",
    "ClusterReport",
    "CompatibleAnswer",
    "CompatibleView",
    "DeadLetterView",
    "Facets",
    "Failure",
    "FileView",
    "GraphState",
    "LibraryCondition",
    "LibraryPage",
    "LibraryRow",
    "RecordingDetail",
    "ServiceReplicas",
    "SetHitView",
    "SetsAnswer",
    "StatusReport",
    "Timeline",
    "TimelineSegmentView",
    "TrackBoundary",
    "TrackView",
    "TracklistView",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class LibraryRow(_Model):
    """One recording in the library table."""

    recording_id: uuid.UUID
    file_path: str
    file_name: str
    artist: str | None
    title: str | None
    album: str | None
    genre: str | None
    duration: float | None = Field(description="seconds")
    bpm: float | None
    bpm_confidence: float | None = Field(description="0..1, how sure the tempo is; null when the analysis did not say")
    bpm_alternative: float | None = Field(
        description="a second tempo nearly as likely as bpm (half, double, 2/3 ...); null when none came close"
    )
    key: str | None
    scale: str | None
    camelot: str | None
    open_key: str | None
    key_confidence: float | None = Field(description="0..1, how sure the key is; null when the analysis did not say")
    mood: str | None
    energy: float | None
    status: str = Field(description="cataloged, analysed, failed or missing")
    tracklist_status: str | None


class LibraryPage(_Model):
    """One page of the filtered, sorted library; ``total`` counts every match, ``items`` is this page."""

    total: int
    limit: int
    offset: int
    sort: str
    order: Literal["asc", "desc"]
    items: list[LibraryRow]


class Facets(_Model):
    """The values the library's filters offer: every Camelot key and the moods and states present."""

    camelot: list[str]
    moods: list[str]
    statuses: list[str]


class FileView(_Model):
    path: str
    status: str = Field(description="present, missing or failed")
    error: str | None
    size: int | None


class AnalysisView(_Model):
    status: str | None = Field(description="analysed, failed, retrying, or null when not analysed yet")
    error: str | None
    bpm: float | None
    bpm_confidence: float | None = Field(description="0..1, how sure the tempo is; null when the analysis did not say")
    bpm_alternative: float | None = Field(
        description="a second tempo nearly as likely as bpm (half, double, 2/3 ...); null when none came close"
    )
    key: str | None
    scale: str | None
    camelot: str | None
    open_key: str | None
    key_confidence: float | None = Field(description="0..1, how sure the key is; null when the analysis did not say")
    mood: str | None
    mood_method: str | None
    energy: float | None
    danceability: float | None


class TrackView(_Model):
    """One row of a tracklist; ``cue_time`` is ``start_seconds`` as h:mm:ss (null when the source gave no time)."""

    position: int
    artist: str
    title: str
    start_seconds: float | None
    cue_time: str | None
    label: str | None
    unidentified: bool
    recording_id: uuid.UUID | None = Field(
        default=None, description="the library recording, for a track found in the audio"
    )
    end_seconds: float | None = None
    tempo_ratio: float | None = Field(
        default=None, description="played tempo / original, for a track found in the audio"
    )
    semitones: float | None = None
    confidence: float | None = Field(default=None, description="0..1, how sure the fingerprint match is")


class TracklistView(_Model):
    """A recording's tracklist from one source; ``cue_url`` is set when its .cue sheet can be downloaded."""

    id: uuid.UUID
    source: str
    cue_file_name: str | None
    cue_url: str | None
    cue_problem: str | None = Field(description="why the recorded .cue cannot be served, when it cannot")
    tracks: list[TrackView]


class RecordingDetail(_Model):
    id: uuid.UUID
    file_path: str
    file_name: str
    sha256_hash: str | None
    xxh128_hash: str | None
    created_at: datetime
    status: str = Field(description="cataloged, analysed, failed or missing (as in the library)")
    tags: dict[str, str] = Field(description="artist, title, album, genre, date as the file's tags say")
    properties: dict[str, str] = Field(description="duration, bitrate, sample_rate, channels")
    duration: float | None
    analysis: AnalysisView
    tracklist_status: str | None
    tracklist_reason: str | None
    files: list[FileView]
    duplicates: list[str] = Field(description="other present files with the same audio")
    tracklists: list[TracklistView]
    has_timeline: bool


class TimelineSegmentView(_Model):
    start_seconds: float
    end_seconds: float
    bpm: float | None
    bpm_confidence: float | None = Field(description="0..1, how sure the window's tempo is")
    camelot: str | None
    key: str | None
    scale: str | None


class TrackBoundary(_Model):
    """Where a track of the tracklist starts in the recording."""

    position: int
    start_seconds: float
    label: str


class Timeline(_Model):
    """Tempo and key over a long recording, and where its tracklist's tracks start."""

    recording_id: uuid.UUID
    duration: float | None
    segments: list[TimelineSegmentView]
    boundaries: list[TrackBoundary]


GraphState = Literal["ok", "busy", "unavailable", "no_graph", "not_analysed", "no_tags"]


class SetHitView(_Model):
    recording_id: uuid.UUID
    path: str | None
    source: str
    tracklist_title: str | None
    position: int
    start_seconds: float | None
    cue_time: str | None
    artist: str
    title: str
    score: float


class SetsAnswer(_Model):
    """Sets that played a track; ``state`` says why the list may be empty (``busy``: the graph was not free in time)."""

    state: GraphState
    reason: str | None
    query: str | None
    items: list[SetHitView]


class CompatibleView(_Model):
    recording_id: uuid.UUID
    path: str | None
    camelot: str
    bpm: float
    relation: str = Field(description="same, adjacent or relative (Camelot)")
    bpm_distance: float = Field(description="relative tempo difference, half/double-time aware")


class CompatibleAnswer(_Model):
    state: GraphState
    reason: str | None
    items: list[CompatibleView]


class Failure(_Model):
    """Something that went wrong: a file that could not be read, or an analysis that gave up."""

    kind: Literal["file", "analysis"]
    path: str
    recording_id: uuid.UUID | None
    reason: str
    at: datetime | None


class BusQueue(_Model):
    consumer: str
    queue: str
    depth: int | None = Field(description="messages waiting")
    consumers: int | None = Field(description="workers consuming the queue now (for analysis: its live replicas)")
    dead_letters: int | None = Field(description="messages in the consumer's dead-letter queue")


class DeadLetterView(_Model):
    consumer: str
    reason: str
    attempts: int
    message_type: str | None
    message_id: str | None
    body: str = Field(description="the first 500 characters of the message body")


class BusReport(_Model):
    """What the bus holds; embedded, ``note`` says where dead letters went instead (no broker to ask)."""

    kind: Literal["in-process", "rabbitmq"]
    reachable: bool
    note: str | None
    queues: list[BusQueue]
    dead_letters: list[DeadLetterView]


class LibraryCondition(_Model):
    type: str = Field(description="Ready, Reconciled or Degraded")
    status: str = Field(description="True, False or Unknown")
    reason: str | None
    message: str | None


class ServiceReplicas(_Model):
    replicas: int | None = Field(description="replicas wanted")
    ready: int | None = Field(description="replicas ready")


class ClusterReport(_Model):
    """The MusicLibrary's status as the operator wrote it; ``reachable`` is False (with ``note``) when unreadable."""

    library: str = Field(description="namespace/name of the MusicLibrary")
    reachable: bool
    note: str | None
    phase: str | None = Field(description="Pending, Provisioning, Running, Degraded or Failed")
    ready: str | None = Field(description="services ready, e.g. 5/6")
    queue_depth: int | None = Field(description="messages waiting for the analysis workers")
    analysis_workers: int | None = Field(description="analysis replicas the autoscaler set")
    up_to_date: bool | None = Field(description="the operator has acted on the latest spec (observedGeneration)")
    conditions: list[LibraryCondition]
    services: dict[str, ServiceReplicas]


class StatusReport(_Model):
    counts: dict[str, int] = Field(description="recordings by library status")
    total: int
    failed_files: int
    failures: list[Failure] = Field(description="the most recent failures, newest first")
    bus: BusReport
    cluster: ClusterReport | None = Field(description="in the cluster: the MusicLibrary's status; else null")
