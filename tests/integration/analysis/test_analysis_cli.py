"""``tracktion analyze FILE [--json]``: standalone, JSON on stdout, one-line errors on stderr with a non-zero exit.

One test runs the real ``python -m tracktion`` process; the others invoke the same app in-process (faster).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from tracktion.cli import app
from tracktion.commands.analyze import bpm_text, key_text
from tracktion_analysis import AnalysisResult, Mood, analyse_file
from tracktion_analysis.errors import AudioNotFound
from tracktion_analysis.synth import Section, render


def _tracktion(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracktion", "analyze", *args], check=False, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def track(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "track [live].wav"
    soundfile.write(path, render(Section(20, 128.0, "A", "minor"), seed=5, noise_db=30), 44100)
    return path


def test_json_output(track: Path) -> None:
    done = _tracktion(str(track), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["bpm"] == pytest.approx(128.0, abs=1.0)
    assert (data["key"], data["scale"], data["camelot"], data["open_key"]) == ("A", "minor", "8A", "1m")
    assert {"label", "method", "energy", "danceability"} <= data["mood"].keys()
    assert data["duration_s"] == pytest.approx(20.0, abs=0.1)
    assert {"start_s", "end_s", "bpm", "key", "scale"} <= data["segments"][0].keys()
    assert {"bpm_confidence", "bpm_alternative", "key_confidence"} <= data.keys()
    assert "bpm_confidence" in data["segments"][0]
    assert done.stderr == ""


def test_table_output(track: Path) -> None:
    done = CliRunner().invoke(app, ["analyze", str(track)])
    assert done.exit_code == 0, done.stderr
    assert "track [live].wav" in done.stdout  # the name is printed literally, not as markup
    assert "8A" in done.stdout
    assert "A minor" in done.stdout


def test_the_table_says_how_sure_tempo_and_key_are() -> None:
    assert bpm_text(128.0, 0.91, 64.0) == "128.0 (confidence 0.91; or 64.0)"
    assert bpm_text(128.0, 0.91, None) == "128.0 (confidence 0.91)"
    assert bpm_text(128.0, None, 64.0) == "128.0 (or 64.0)"
    assert bpm_text(128.0, None, None) == "128.0"
    assert bpm_text(None, 0.2, 64.0) == "-"
    mood = Mood("euphoric", "heuristic", 0.7, 1.4, 0.6, -9.0, 3.0, 2500.0)
    result = AnalysisResult(300.0, 128.0, "A", "minor", "8A", "1m", 0.8, None, mood, key_confidence=0.8)
    assert key_text(result) == "A minor  (8A / 1m; confidence 0.80)"
    assert key_text(replace(result, key_confidence=None)) == "A minor  (8A / 1m)"
    assert key_text(replace(result, key=None, scale=None)) == "-"


def test_a_file_it_cannot_analyse(tmp_path: Path) -> None:
    corrupt = tmp_path / "broken [1].mp3"
    corrupt.write_bytes(np.random.default_rng(3).bytes(20_000))
    done = CliRunner().invoke(app, ["analyze", str(corrupt), "--json"])
    assert done.exit_code != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "broken [1].mp3" in lines[0]
    assert "cannot decode" in lines[0]


def test_a_missing_file(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["analyze", str(tmp_path / "nope.flac")])
    assert done.exit_code != 0
    assert "nope.flac: no such file" in done.stderr


def test_a_bad_mood_model_setting(track: Path, tmp_path: Path) -> None:
    env = {"TRACKTION_MOOD_MODEL": str(tmp_path / "missing.pb")}
    done = CliRunner().invoke(app, ["analyze", str(track), "--json"], env=env)
    assert done.exit_code != 0
    assert "TRACKTION_MOOD_MODEL" in done.stderr
    assert "no such file" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    """Opening a FIFO for reading waits for a writer: the real command must refuse it before opening it (a hang
    is caught by the subprocess timeout)."""
    fifo = tmp_path / "set.wav"
    os.mkfifo(fifo)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tracktion", "analyze", str(fifo)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == ["error: set.wav: is a named pipe (FIFO), not an audio file"]
    assert time.monotonic() - started < 60


def test_a_device_is_refused() -> None:
    done = CliRunner().invoke(app, ["analyze", "/dev/null"])
    assert done.exit_code == 2
    assert done.stderr.splitlines() == ["error: null: is a device, not an audio file"]


def test_the_service_entry_refuses_a_fifo_too(tmp_path: Path) -> None:
    """:func:`analyse_file` itself, so the analysis service never blocks on one either. Should it open the FIFO
    after all, a writer opened later unblocks it (and the test fails on the message) rather than hanging."""
    fifo = tmp_path / "pipe.flac"
    os.mkfifo(fifo)
    unblock = threading.Timer(20, lambda: fifo.open("wb").close())
    unblock.daemon = True
    unblock.start()
    try:
        with pytest.raises(AudioNotFound, match=r"^pipe\.flac: is a named pipe \(FIFO\), not an audio file$"):
            analyse_file(fifo)
    finally:
        unblock.cancel()
