"""Messages survive the wire unchanged, and every kind of bad body is rejected with a reason that says why."""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tracktion_shared import messages
from tracktion_shared.errors import MessageError, PermanentError, UnsupportedSchemaVersion

SAMPLES: list[messages.Message] = [
    messages.FileDiscovered(path="/music/a.mp3", size=10, mtime=1.5, scan_id=uuid.uuid4()),
    messages.FileChanged(path="/music/a.mp3", size=11, mtime=2.5),
    messages.FileMoved(path="/music/b.mp3", old_path="/music/a.mp3"),
    messages.FileDeleted(path="/music/b.mp3"),
    messages.FilesScanned(
        scan_id=uuid.uuid4(),
        files=(
            messages.ScannedFile(path="/music/a.mp3", size=10, mtime=1.5),
            messages.ScannedFile(path="/m/é", size=0, mtime=0),
        ),
    ),
    messages.ScanCompleted(root="/music", scan_id=uuid.uuid4(), files_seen=3),
    messages.RecordingCataloged(recording_id=uuid.uuid4(), path="/m/x.flac", sha256="a" * 64, xxh128="b" * 32),
    messages.AnalysisCompleted(
        recording_id=uuid.uuid4(),
        xxh128="c" * 32,
        bpm=128.0,
        key="A",
        scale="minor",
        camelot="8A",
        timeline=[messages.TimelineSegment(start_seconds=0, end_seconds=30, bpm=128.0, key="A", scale="minor")],
    ),
    messages.AnalysisCompleted(
        recording_id=uuid.uuid4(),
        xxh128="d" * 32,
        bpm=128.0,
        bpm_confidence=0.32,
        bpm_alternative=64.0,
        key="A",
        key_confidence=0.9,
        timeline=[messages.TimelineSegment(start_seconds=0, end_seconds=30, bpm=128.0, bpm_confidence=0.3)],
    ),
    messages.AnalysisFailed(recording_id=uuid.uuid4(), reason="silent"),
    messages.TracklistFound(
        recording_id=uuid.uuid4(),
        source="manual",
        tracks=[messages.TracklistTrack(position=1, artist="A", title="T", start_seconds=None)],
    ),
    messages.TracklistNotFound(recording_id=uuid.uuid4(), reason="blocked: captcha", blocked=True),
    messages.TracklistNotFound(
        recording_id=uuid.uuid4(),
        reason="www.1001tracklists.com unreachable: ConnectError",
        unreachable=True,
        retry_after=datetime(2026, 3, 9, 21, 30, tzinfo=UTC),
    ),
    messages.RecordingFingerprinted(recording_id=uuid.uuid4(), fingerprint_version="quad-1", is_set=True, tracks=12),
    messages.RecordingFingerprinted(
        recording_id=uuid.uuid4(), fingerprint_version="quad-1", skipped="2.0 s of audio is too short"
    ),
    messages.FingerprintFailed(recording_id=uuid.uuid4(), reason="/m/x.mp3: cannot be decoded (Invalid data)"),
    messages.RecordingGraphState(
        recording_id=uuid.uuid4(),
        path="/m/set [live].flac",
        metadata={"artist": "Ä", "bpm": "128"},
        tracklists=[
            messages.GraphTracklist(
                source="manual", title="Live", tracks=[messages.TracklistTrack(position=1, artist="A", title="T")]
            )
        ],
        digest="0" * 32,
    ),
    messages.RecordingGraphState(recording_id=uuid.uuid4(), path=None, digest="1" * 32),
    messages.GraphSynced(recording_id=uuid.uuid4(), digest="0" * 32),
]


def test_every_registered_type_has_a_sample() -> None:
    assert {m.type for m in SAMPLES} == set(messages.MESSAGE_TYPES)


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: m.type)
def test_round_trip(message: messages.Message) -> None:
    decoded = messages.decode(messages.encode(message))
    assert decoded == message
    assert type(decoded) is type(message)


def test_a_not_found_from_before_the_deferral_fields_still_reads() -> None:
    body = json.dumps(
        {"type": "tracklist.not_found", "recording_id": str(uuid.uuid4()), "reason": "x", "blocked": True}
    )
    decoded = messages.decode(body.encode())
    assert isinstance(decoded, messages.TracklistNotFound)
    assert (decoded.blocked, decoded.unreachable, decoded.retry_after) == (True, False, None)


def test_follow_up_keeps_the_journey() -> None:
    first = messages.FileDiscovered(path="/m/a.wav")
    second = messages.FileDeleted(path="/m/a.wav", **first.follow_up())
    assert second.correlation_id == first.correlation_id
    assert second.message_id != first.message_id


@pytest.mark.parametrize(
    ("body", "error", "says"),
    [
        (b"{not json", MessageError, "not valid JSON"),
        (b"\xff\xfe", MessageError, "not valid JSON"),
        (b"[1, 2]", MessageError, "JSON object"),
        (b'{"type": "file.exploded"}', MessageError, "unknown message type 'file.exploded'"),
        (b'{"path": "/x"}', MessageError, "unknown message type None"),
        (b'{"type": "file.deleted", "schema_version": 2, "path": "/x"}', UnsupportedSchemaVersion, "upgrade"),
        (b'{"type": "file.deleted"}', MessageError, "invalid file.deleted"),
        (b'{"type": "file.deleted", "path": "/x", "surprise": 1}', MessageError, "invalid file.deleted"),
        (
            b'{"type": "recording.cataloged", "recording_id": "nope", "path": "/x", "sha256": "", "xxh128": ""}',
            MessageError,
            "invalid recording.cataloged",
        ),
    ],
)
def test_bad_bodies_are_rejected_permanently(body: bytes, error: type[Exception], says: str) -> None:
    with pytest.raises(error, match=says) as info:
        messages.decode(body)
    assert isinstance(info.value, PermanentError), "a bad body must never be retried"


@given(st.binary(max_size=200))
def test_decode_never_fails_with_anything_but_message_error(body: bytes) -> None:
    with contextlib.suppress(MessageError):
        messages.decode(body)


def test_version_is_on_the_wire() -> None:
    wire = json.loads(messages.encode(messages.FileDeleted(path="/x")))
    assert wire["schema_version"] == 1
    assert wire["type"] == "file.deleted"


def test_routing_key_rejects_the_base_class() -> None:
    with pytest.raises(TypeError):
        messages.routing_key(messages.Message)


def test_a_page_holds_at_least_one_file_and_at_most_max_page_files() -> None:
    file = messages.ScannedFile(path="/music/a.mp3", size=1, mtime=1.0)
    with pytest.raises(ValidationError):
        messages.FilesScanned(scan_id=uuid.uuid4(), files=())
    with pytest.raises(ValidationError):
        messages.FilesScanned(scan_id=uuid.uuid4(), files=(file,) * (messages.MAX_PAGE_FILES + 1))
    assert len(messages.FilesScanned(scan_id=uuid.uuid4(), files=(file,) * messages.MAX_PAGE_FILES).files) == 1000


def test_an_analysis_from_before_the_confidences_still_decodes() -> None:
    """The confidences are optional with defaults: a body without them (an older build's) is the same version."""
    body = {
        "type": "analysis.completed",
        "schema_version": 1,
        "recording_id": str(uuid.uuid4()),
        "xxh128": "e" * 32,
        "bpm": 174.0,
        "timeline": [{"start_seconds": 0, "end_seconds": 60, "bpm": 174.0}],
    }
    decoded = messages.decode(json.dumps(body))
    assert isinstance(decoded, messages.AnalysisCompleted)
    assert (decoded.bpm_confidence, decoded.bpm_alternative, decoded.key_confidence) == (None, None, None)
    assert decoded.timeline[0].bpm_confidence is None
    assert decoded.schema_version == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"bpm_confidence": 1.5},
        {"bpm_confidence": -0.1},
        {"key_confidence": 2},
        {"bpm_alternative": 0},
        {"bpm_alternative": -87.0},
    ],
    ids=str,
)
def test_confidences_and_the_alternative_tempo_are_checked(fields: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        messages.AnalysisCompleted.model_validate({"recording_id": uuid.uuid4(), "xxh128": "f" * 32, **fields})


def test_a_segments_tempo_confidence_is_checked() -> None:
    with pytest.raises(ValidationError):
        messages.TimelineSegment(start_seconds=0, end_seconds=1, bpm_confidence=1.01)
