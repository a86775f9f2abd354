"""The ``identify`` consumer on an in-process bus: what it announces for each kind of recording and bad input."""

from __future__ import annotations

import uuid
from pathlib import Path

import cuetools
import numpy as np
import soundfile
from identify_audio import SR, crossfade, track

from tracktion_identify.adapters.sqlite_index import SqliteIndex
from tracktion_identify.jobs.identify import SOURCE, Identify
from tracktion_identify.settings import IdentifySettings
from tracktion_shared.bus import InProcessBus, RetryPolicy
from tracktion_shared.messages import (
    FingerprintFailed,
    Message,
    RecordingCataloged,
    RecordingFingerprinted,
    TracklistFound,
)


def _cataloged(path: Path, seconds: float, **tags: str) -> RecordingCataloged:
    return RecordingCataloged(
        recording_id=uuid.uuid5(uuid.NAMESPACE_URL, path.name),
        path=str(path),
        sha256=uuid.uuid5(uuid.NAMESPACE_OID, path.name).hex * 2,
        xxh128=uuid.uuid5(uuid.NAMESPACE_OID, path.name).hex,
        duration_seconds=seconds,
        tags=tags,
    )


async def _run(tmp_path: Path, messages: list[RecordingCataloged]) -> list[Message]:
    bus = InProcessBus(RetryPolicy(max_retries=0, base_delay=0.01), close_timeout=5)
    seen: list[Message] = []

    async def collect(message: Message) -> None:
        seen.append(message)

    index = SqliteIndex(tmp_path / "fingerprints.db")
    job = Identify(bus, index, IdentifySettings(set_seconds=100))
    bus.subscribe("identify", [RecordingCataloged], job.handle)
    bus.subscribe("catalog", [RecordingFingerprinted, FingerprintFailed, TracklistFound], collect)
    await bus.start()
    try:
        for message in messages:
            await bus.publish(message)
            await bus.wait_idle()  # one after another, as a scan's catalog announces them
    finally:
        await bus.close()
        index.close()
    return seen


async def test_tracks_then_a_set_give_a_fingerprint_tracklist_and_bad_input_a_clear_state(tmp_path: Path) -> None:
    a, b = track(51, 75.0), track(52, 75.0)
    soundfile.write(tmp_path / "a.wav", a, SR)
    soundfile.write(tmp_path / "b.wav", b, SR)
    mix, starts = crossfade([a, b], 8.0)
    soundfile.write(tmp_path / "set.wav", mix, SR)
    soundfile.write(tmp_path / "jingle.wav", np.sin(np.arange(SR * 2) / 5).astype(np.float32), SR)
    (tmp_path / "broken.mp3").write_bytes(b"\xff\xfb" + bytes(range(256)) * 30)
    messages = [
        _cataloged(tmp_path / "a.wav", 75.0, artist="DJ A", title="First"),
        _cataloged(tmp_path / "b.wav", 75.0),
        _cataloged(tmp_path / "set.wav", mix.size / SR),
        _cataloged(tmp_path / "jingle.wav", 2.0),
        _cataloged(tmp_path / "broken.mp3", 60.0),
        _cataloged(tmp_path / "a.wav", 75.0),  # the same content again (a move): not decoded again
    ]
    seen = await _run(tmp_path, messages)

    states = [m for m in seen if isinstance(m, RecordingFingerprinted | FingerprintFailed)]
    assert [type(m).__name__ for m in states] == [
        "RecordingFingerprinted",
        "RecordingFingerprinted",
        "RecordingFingerprinted",
        "RecordingFingerprinted",
        "FingerprintFailed",
        "RecordingFingerprinted",
    ]
    assert isinstance(states[2], RecordingFingerprinted)
    assert (states[2].is_set, states[2].tracks) == (True, 2)
    assert isinstance(states[3], RecordingFingerprinted)
    assert states[3].skipped is not None
    assert "too short" in states[3].skipped
    assert isinstance(states[4], FingerprintFailed)
    assert "broken.mp3" in states[4].reason
    assert states[4].permanent

    [tracklist] = [m for m in seen if isinstance(m, TracklistFound)]
    assert tracklist.source == SOURCE
    assert tracklist.recording_id == messages[2].recording_id
    assert [(t.artist, t.title, t.recording_id) for t in tracklist.tracks] == [
        ("DJ A", "First", messages[0].recording_id),
        ("", "b", messages[1].recording_id),
    ]
    assert abs((tracklist.tracks[1].start_seconds or 0) - starts[1]) < 1.0
    assert all(t.correlation_id == m.correlation_id for t, m in zip(states, messages, strict=True))
    # the set's cue sheet beside it, one cue track per found track
    assert tracklist.cue_file_path == str(tmp_path / "set.cue")
    sheet = cuetools.loads((tmp_path / "set.cue").read_text(encoding="utf-8"))
    assert [t.title for t in sheet.tracks] == ["First", "b"]
    assert abs(sheet.tracks[1].index01.seconds - starts[1]) < 1.0
