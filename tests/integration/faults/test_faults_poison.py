"""Poison messages and bad files in the middle of a run: dead-lettered or recorded with a reason, never a stall."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from conftest import PipelineFactory
from faults_harness import CLIP_SECONDS, Library, dead_letters, publish_raw

from tracktion_shared.messages import AnalysisCompleted, FileDiscovered, RecordingCataloged

pytestmark = [pytest.mark.faults, pytest.mark.disruptive, pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.redis]


def add_bad_files(library: Library) -> dict[str, str]:
    """Bad files among the good ones: name -> what is wrong with it."""
    folder = library.root / "crate 0"
    good = Path(next(iter(library.good)))
    whole = good.read_bytes()
    bad = {
        "zero.wav": b"",
        "text.flac": b"not audio, a note about the set\n" * 40,
        "truncated.wav": whole[: len(whole) // 3],
        "corrupt.flac": whole[:64] + os.urandom(len(whole) - 64),
        "clip.wav.part": whole,  # wrong extension: a download still in progress
        "noise.mp3": os.urandom(20_000),
    }
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    unreadable = folder / "unreadable.wav"
    unreadable.write_bytes(whole[:100] + b"\0" * 10)
    unreadable.chmod(0)
    (folder / "dangling.wav").symlink_to(folder / "nowhere.wav")
    library.bad = [folder / name for name in (*bad, "unreadable.wav", "dangling.wav")]
    return {name: "" for name in bad}


def poison(prefix: str) -> dict[str, bytes]:
    """What each poison message is, and its body, published under a key a consumer listens to."""
    malformed = b'{"type": "file.discovered", "path": "/music/x.wav"'  # cut off: not JSON
    future = json.loads(FileDiscovered(path="/music/future.wav").model_dump_json()) | {"schema_version": 99}
    unknown = AnalysisCompleted(recording_id=uuid.uuid4(), xxh128="0" * 32, mood_method="heuristic").model_dump_json()
    ghost = RecordingCataloged(
        recording_id=uuid.uuid4(),
        path="/nowhere/ghost.wav",
        sha256="0" * 64,
        xxh128="1" * 32,
        duration_seconds=CLIP_SECONDS,
        content_changed=True,
    ).model_dump_json()
    bodies = {
        "file.discovered": malformed,
        "file.changed": json.dumps(future).encode(),
        "analysis.completed": unknown.encode(),
        "recording.cataloged": ghost.encode(),
    }
    for key, body in bodies.items():
        publish_raw(prefix, key, body)
    return bodies


def test_poison_messages_and_bad_files_stop_nothing(pipeline: PipelineFactory) -> None:
    run = pipeline()
    add_bad_files(run.library)
    run.start()
    run.wait_for_progress(len(run.library.good) // 4)
    bodies = poison(run.prefix)
    run.settle()
    run.check_exactly_once()

    letters = {letter.body: letter for letter in dead_letters(run.prefix, "catalog")}
    assert letters[bodies["file.discovered"]].reason.startswith("message body is not valid JSON")
    assert "schema_version 99 is not supported" in letters[bodies["file.changed"]].reason
    assert letters[bodies["analysis.completed"]].reason.startswith("UnknownRecording: no recording")
    # the ghost recording reaches analysis (file not found, answered with AnalysisFailed), whose result names a
    # recording the catalog does not have: that AnalysisFailed is dead-lettered by the catalog with its reason
    failed = [letter for body, letter in letters.items() if b'"analysis.failed"' in body]
    assert len(failed) == 1
    assert failed[0].reason.startswith("UnknownRecording: no recording")
    assert len(letters) == 4, [letter.reason for letter in letters.values()]
    assert dead_letters(run.prefix, "analysis") == []

    failed_files = dict(run.query("SELECT path, error FROM files WHERE status = 'failed'"))
    for path in run.library.bad:
        if path.suffix in (".wav", ".flac", ".mp3") and not path.is_symlink():
            assert failed_files.get(str(path)), f"{path.name} not recorded as failed: {failed_files}"
