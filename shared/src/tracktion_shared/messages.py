"""Typed, versioned messages: the only thing services say to each other.

Each message type has a routing key (``type``) and a ``schema_version``. The body on the wire is the model's JSON,
flat, with ``type`` and ``schema_version`` inside it so a consumer can tell what it holds before validating it.
:func:`decode` is the one way in: a body that is not JSON, names an unknown type, carries a version this build does
not understand or fails validation raises :class:`~tracktion_shared.errors.MessageError` (a permanent error, so the
bus dead-letters it instead of retrying it forever).

``message_id`` identifies one message across redeliveries (consumers record it to stay idempotent);
``correlation_id`` follows one file's journey through every service and every log line.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracktion_shared.errors import MessageError, UnsupportedSchemaVersion

__all__ = [
    "MAX_PAGE_FILES",
    "MESSAGE_TYPES",
    "AnalysisCompleted",
    "AnalysisFailed",
    "FileChanged",
    "FileDeleted",
    "FileDiscovered",
    "FileMoved",
    "FilesScanned",
    "FingerprintFailed",
    "GraphSynced",
    "GraphTracklist",
    "Message",
    "RecordingCataloged",
    "RecordingFingerprinted",
    "RecordingGraphState",
    "ScanCompleted",
    "ScannedFile",
    "TimelineSegment",
    "TracklistFound",
    "TracklistNotFound",
    "TracklistTrack",
    "decode",
    "encode",
    "routing_key",
]


def _now() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """Fields every message carries. Subclasses set ``type`` and the versions they understand."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    schema_version: int = 1
    message_id: UUID = Field(default_factory=uuid4)
    correlation_id: UUID = Field(default_factory=uuid4)
    occurred_at: datetime = Field(default_factory=_now)

    #: versions of this type the current build can read; bump with a migration of the model when it changes.
    supported_versions: ClassVar[frozenset[int]] = frozenset({1})

    def follow_up(self) -> dict[str, Any]:
        """Keyword arguments that make a new message part of the same journey (same correlation id)."""
        return {"correlation_id": self.correlation_id}


# -- file watcher -> catalog -------------------------------------------------------------------------------------


class FileEvent(Message):
    """Something happened to an audio file under the watched folder. Sizes and mtimes let the catalog skip work.

    ``scan_id`` is set when a full scan (initial or reconciliation sweep) found the file, so the catalog can tell,
    once the scan is complete, which known files it did not see.
    """

    path: str
    size: int | None = Field(default=None, ge=0)
    mtime: float | None = None
    scan_id: UUID | None = None


class FileDiscovered(FileEvent):
    """Found by a scan or created while watching."""

    type: Literal["file.discovered"] = "file.discovered"


class FileChanged(FileEvent):
    """The content (or at least size/mtime) of a known file changed."""

    type: Literal["file.changed"] = "file.changed"


class FileMoved(FileEvent):
    """Renamed or moved inside the watched folder; ``path`` is the new location."""

    type: Literal["file.moved"] = "file.moved"
    old_path: str


class FileDeleted(Message):
    """Gone from the watched folder."""

    type: Literal["file.deleted"] = "file.deleted"
    path: str


class ScannedFile(BaseModel):
    """One file a scan found settled: where it is, and the size and mtime that tell the catalog if it changed.

    ``correlation_id`` starts the file's own journey: when the catalog has to read the file, the ``FileDiscovered`` it
    sends itself, and everything that follows, carry it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    size: int = Field(ge=0)
    mtime: float
    correlation_id: UUID = Field(default_factory=uuid4)


#: files in one :class:`FilesScanned` page (about 150 bytes each on the wire: a full page is about 150 kB)
MAX_PAGE_FILES = 1000


class FilesScanned(Message):
    """A page of the files a full scan found settled, instead of one ``FileDiscovered`` each.

    A rescan of a large library finds almost nothing new, and one message per file made the bus the cost of a rescan
    (10,000 unchanged files: 10,000 publishes, deliveries and inbox rows). The catalog records the unchanged files of
    a page as seen in one transaction and turns each of the others into a ``FileDiscovered`` of this scan, sent to
    itself through its outbox, so a new or changed file is still read and recorded on its own.
    """

    type: Literal["files.scanned"] = "files.scanned"
    scan_id: UUID
    files: tuple[ScannedFile, ...] = Field(min_length=1, max_length=MAX_PAGE_FILES)


class ScanCompleted(Message):
    """A full scan of ``root`` finished after reporting ``files_seen`` files with ``scan_id`` (``FilesScanned`` pages
    and ``FileDiscovered`` messages together).

    Known files under ``root`` that the scan did not see were deleted while nobody watched; the catalog marks them
    missing once it has processed all ``files_seen`` discoveries of this scan.
    """

    type: Literal["scan.completed"] = "scan.completed"
    root: str
    scan_id: UUID
    files_seen: int = Field(ge=0)


# -- catalog -> analysis / tracklist -----------------------------------------------------------------------------


class RecordingCataloged(Message):
    """A recording's row is committed; ``content_changed`` says whether its audio is new to the catalog.

    New audio (``content_changed``) goes to every stage. Otherwise the catalog is asking again for the stages in
    ``redo`` only, whose earlier request got no answer or whose result is out of date (its stage state, see
    ``tracktion_catalog.domain.stages``); the other stages ignore the message. A body from a build before ``redo``
    (``content_changed`` False, no ``redo``) was a tracklist re-request; it is now ignored, and the catalog asks again
    when that look-up's lease has passed.
    """

    type: Literal["recording.cataloged"] = "recording.cataloged"
    recording_id: UUID
    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    xxh128: str = Field(pattern=r"^[0-9a-f]{32}$")
    duration_seconds: float | None = Field(default=None, ge=0)
    content_changed: bool = True
    tags: dict[str, str] = Field(default_factory=dict)
    redo: list[Literal["analysis", "tracklist", "identify"]] = Field(default_factory=list)

    def wants(self, stage: Literal["analysis", "tracklist", "identify"]) -> bool:
        """Whether ``stage`` should act on this message: new audio, or a request for that stage again."""
        return self.content_changed or stage in self.redo


# -- analysis -> catalog / graph ---------------------------------------------------------------------------------


class TimelineSegment(BaseModel):
    """Tempo and key of one window of a long recording; ``bpm_confidence`` (0..1) says how sure the tempo is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start_seconds: float = Field(ge=0)
    end_seconds: float = Field(ge=0)
    bpm: float | None = None
    bpm_confidence: float | None = Field(default=None, ge=0, le=1)
    key: str | None = None
    scale: Literal["major", "minor"] | None = None
    camelot: str | None = None
    key_strength: float | None = Field(default=None, ge=0, le=1)


class AnalysisCompleted(Message):
    """Results for one recording's content (``xxh128``), reusable for any copy of the same audio.

    ``bpm_confidence`` and ``key_confidence`` (0..1) say how sure the tempo and key are; ``bpm_alternative`` is a
    second tempo (half, double, 2/3 ...) nearly as well supported as ``bpm``, None when there is none. They are
    optional with defaults, so a body from a build before them still validates (schema version 1 either way).
    ``analysis_version`` names the analysis code and options that made the result; the catalog asks again for a
    result whose version is not the one the running analysis writes.
    """

    type: Literal["analysis.completed"] = "analysis.completed"
    recording_id: UUID
    xxh128: str = Field(pattern=r"^[0-9a-f]{32}$")
    bpm: float | None = Field(default=None, gt=0)
    bpm_confidence: float | None = Field(default=None, ge=0, le=1)
    bpm_alternative: float | None = Field(default=None, gt=0)
    key: str | None = None
    scale: Literal["major", "minor"] | None = None
    camelot: str | None = None
    open_key: str | None = None
    key_confidence: float | None = Field(default=None, ge=0, le=1)
    mood: str | None = None
    mood_method: str | None = None
    energy: float | None = Field(default=None, ge=0, le=1)
    danceability: float | None = Field(default=None, ge=0)
    timeline: list[TimelineSegment] = Field(default_factory=list)
    from_cache: bool = False
    analysis_version: str | None = None


class AnalysisFailed(Message):
    """Analysis gave up on a recording; ``permanent`` is False when a later retry might succeed."""

    type: Literal["analysis.failed"] = "analysis.failed"
    recording_id: UUID
    reason: str
    permanent: bool = True


# -- tracklist -> catalog / graph --------------------------------------------------------------------------------


class TracklistTrack(BaseModel):
    """One row of a set's tracklist. ``start_seconds`` is None when the source gives no time (never 0 by default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    position: int = Field(ge=1)
    artist: str
    title: str
    start_seconds: float | None = Field(default=None, ge=0)
    label: str | None = None
    mashup: bool = False
    unidentified: bool = False
    # found from the audio (source "fingerprint"): the library recording, where it ends, how it was played
    recording_id: UUID | None = None
    end_seconds: float | None = Field(default=None, ge=0)
    tempo_ratio: float | None = Field(default=None, gt=0)
    semitones: float | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)


class TracklistFound(Message):
    """A tracklist was found (or imported by hand) for a recording."""

    type: Literal["tracklist.found"] = "tracklist.found"
    recording_id: UUID
    source: str
    url: str | None = None
    title: str | None = None
    tracks: list[TracklistTrack]
    cue_file_path: str | None = None


class TracklistNotFound(Message):
    """No tracklist: none exists, or the look-up could not be made and is deferred, not lost.

    ``blocked``: the site answered with a block page; ``unreachable``: it could not be reached at all (offline, DNS,
    timeouts). Either says nothing about whether the set has a tracklist: the catalog records the look-up as due
    again from ``retry_after`` (None: at once) and asks for it on a later scan. Both fields are optional with
    defaults, so a body from an older build still validates (schema version 1 either way).
    """

    type: Literal["tracklist.not_found"] = "tracklist.not_found"
    recording_id: UUID
    reason: str
    blocked: bool = False
    unreachable: bool = False
    retry_after: datetime | None = None


# -- identify -> catalog -----------------------------------------------------------------------------------------


class RecordingFingerprinted(Message):
    """The recording's fingerprint is in the index (``fingerprint_version``); for a set, ``tracks`` were found in it.

    The tracks themselves travel as a ``TracklistFound`` with source ``fingerprint``; this message is the stage's
    state, which the catalog keeps so a lost request is asked again.
    """

    type: Literal["recording.fingerprinted"] = "recording.fingerprinted"
    recording_id: UUID
    fingerprint_version: str
    is_set: bool = False
    tracks: int | None = Field(default=None, ge=0)
    #: why there is no fingerprint although nothing is wrong (too short or silent to be found again); None: indexed
    skipped: str | None = None


class FingerprintFailed(Message):
    """The recording could not be fingerprinted; ``permanent``: the same bytes fail the same way (not asked again)."""

    type: Literal["fingerprint.failed"] = "fingerprint.failed"
    recording_id: UUID
    reason: str
    permanent: bool = True


class GraphTracklist(BaseModel):
    """One of a recording's tracklists as the graph keeps it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    url: str | None = None
    title: str | None = None
    tracks: list[TracklistTrack]


class RecordingGraphState(Message):
    """What the graph should hold for one recording: the catalog's current facts, replacing whatever it had.

    The catalog sends it whenever those facts change and whenever a scan finds the graph has not confirmed them
    (``digest`` differs from the one :class:`GraphSynced` last reported), so a lost or dead-lettered state is sent
    again, and applying a state twice, or an old one after a new one, is repaired the same way. ``path`` None: the
    recording has no file left in the library, and leaves the graph.
    """

    type: Literal["recording.graph_state"] = "recording.graph_state"
    recording_id: UUID
    path: str | None
    metadata: dict[str, str] = Field(default_factory=dict)
    tracklists: list[GraphTracklist] = Field(default_factory=list)
    digest: str = Field(min_length=1)


class GraphSynced(Message):
    """The graph now holds the :class:`RecordingGraphState` with this ``digest`` (sent by the graph writer)."""

    type: Literal["graph.synced"] = "graph.synced"
    recording_id: UUID
    digest: str = Field(min_length=1)


MESSAGE_TYPES: dict[str, type[Message]] = {
    model.model_fields["type"].default: model
    for model in (
        FileDiscovered,
        FileChanged,
        FileMoved,
        FileDeleted,
        FilesScanned,
        ScanCompleted,
        RecordingCataloged,
        AnalysisCompleted,
        AnalysisFailed,
        TracklistFound,
        TracklistNotFound,
        RecordingFingerprinted,
        FingerprintFailed,
        RecordingGraphState,
        GraphSynced,
    )
}


def routing_key(message_type: type[Message]) -> str:
    """The topic a message type travels under (its ``type`` literal)."""
    key = message_type.model_fields["type"].default
    if not isinstance(key, str) or key not in MESSAGE_TYPES:
        raise TypeError(f"{message_type.__name__} is not a registered message type")
    return key


def encode(message: Message) -> bytes:
    """The wire form of a message: compact UTF-8 JSON."""
    return message.model_dump_json().encode()


def decode(body: bytes | str) -> Message:
    """Parse a wire body into its message model, or raise :class:`MessageError` saying exactly what is wrong."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MessageError(f"message body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MessageError(f"message body must be a JSON object, got {type(data).__name__}")
    kind = data.get("type")
    model = MESSAGE_TYPES.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise MessageError(f"unknown message type {kind!r}; known: {', '.join(sorted(MESSAGE_TYPES))}")
    version = data.get("schema_version", 1)
    if version not in model.supported_versions:
        raise UnsupportedSchemaVersion(
            f"{kind} schema_version {version!r} is not supported by this build "
            f"(supported: {', '.join(map(str, sorted(model.supported_versions)))}); upgrade tracktion"
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise MessageError(f"invalid {kind} message: {exc}") from exc
