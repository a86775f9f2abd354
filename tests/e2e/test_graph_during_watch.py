"""``tracktion graph`` answers while a real ``tracktion watch`` runs on the same embedded graph (issue #15).

The watch keeps the LadybugDB file as its writer for its whole life; it lets go between bursts and at least every
two seconds, so the graph command, another process, takes its turn instead of failing with "graph busy". A file
added while the watch runs reaches the graph, and the graph command sees it without the watch stopping.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tracktion_analysis.synth import Section, write_sections

#: what ``tracktion graph compatible`` may say before the watch has analysed the track: not yet, never "busy"
NOT_YET = ("no graph yet", "no recording", "no known BPM")


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKTION_")}
    return env | {"TRACKTION_DATA_DIR": str(data), "TRACKTION_WATCH_SETTLE_SECONDS": "0.2"}


def compatible_names(data: Path, recording: Path) -> list[str] | None:
    """The file names ``tracktion graph compatible`` finds for ``recording``; None while the graph cannot tell yet."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "tracktion", "graph", "compatible", str(recording), "--json"],
        env=_env(data),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert time.monotonic() - started < 30, "the graph command waited for the watch too long"
    if result.returncode == 2 and any(reason in result.stderr for reason in NOT_YET):
        return None
    assert result.returncode == 0, result.stderr  # in particular, no "graph busy" and no lock error
    return sorted(Path(hit["path"]).name for hit in json.loads(result.stdout))


def wait_for(data: Path, recording: Path, expected: list[str], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    names = None
    while time.monotonic() < deadline:
        names = compatible_names(data, recording)
        if names == expected:
            return
        time.sleep(0.5)
    raise AssertionError(f"the graph still says {names}, not {expected}")


def test_the_graph_answers_while_a_watch_runs(tmp_path: Path) -> None:
    folder = tmp_path / "Tracks"
    folder.mkdir()
    write_sections(folder / "a-minor.wav", [Section(seconds=30, bpm=124.0, tonic="A", scale="minor")], seed=1)
    write_sections(folder / "e-minor.wav", [Section(seconds=30, bpm=126.0, tonic="E", scale="minor")], seed=2)
    data = tmp_path / "data"
    log = (tmp_path / "watch.log").open("w")
    watch = subprocess.Popen(
        [sys.executable, "-m", "tracktion", "watch", str(folder), "--no-tracklists"],
        env=_env(data),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(data, folder / "a-minor.wav", ["e-minor.wav"])  # 8A -> 9A, 124 vs 126 BPM
        # a new track while the watch runs: 7A at 123 BPM mixes into A minor too
        staged = tmp_path / "d-minor.wav"
        write_sections(staged, [Section(seconds=30, bpm=123.0, tonic="D", scale="minor")], seed=3)
        staged.rename(folder / "d-minor.wav")
        wait_for(data, folder / "a-minor.wav", ["d-minor.wav", "e-minor.wav"])
        assert watch.poll() is None, "the watch is still running"
    finally:
        watch.send_signal(signal.SIGINT)
        try:
            watch.wait(timeout=60)
        finally:
            if watch.poll() is None:
                watch.kill()
                watch.wait()
            log.close()
    output = (tmp_path / "watch.log").read_text()
    assert "Traceback" not in output, output
