"""Analysis is state the catalog keeps: whatever a scan did not get done, the next scan asks for again.

The real CLI in subprocesses, as a new user runs it: ``--no-analysis`` defers analysis instead of losing it, and a
scan killed with SIGKILL mid-analysis leaves nothing that a rescan does not finish. The summary's per-stage counts
and the exit status say what was done and what was not.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tracktion_analysis.synth import Section, write_sections

TRACKS = 6


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKTION_")}
    return env | {"TRACKTION_DATA_DIR": str(data_dir), "TRACKTION_ANALYSIS_WORKERS": "2"}


def tracktion(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracktion", *args],
        check=False,
        env=environment(data_dir),
        capture_output=True,
        text=True,
        timeout=600,
    )


def scan(data_dir: Path, folder: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = tracktion(data_dir, "scan", str(folder), "--json", "--no-tracklists", *extra)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def analysed(data_dir: Path) -> dict[str, dict[str, str]]:
    """Every recording's metadata, by path, for those whose analysis is done."""
    listed = tracktion(data_dir, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    return {row["file_path"]: row["metadata"] for row in rows if row["metadata"].get("analysis_status") == "analysed"}


def write_tracks(folder: Path, seconds: float) -> None:
    folder.mkdir(parents=True)
    for n in range(TRACKS):
        section = Section(seconds=seconds, bpm=120.0 + 3 * n, tonic="A", scale="minor")
        write_sections(folder / f"track-{n}.wav", [section], seed=n)


def counts(summary: dict[str, Any], stage: str) -> dict[str, int]:
    return {state: value for state, value in summary["stages"][stage].items() if state != "failures" and value}


def test_no_analysis_defers_analysis_and_the_next_scan_does_it(tmp_path: Path) -> None:
    music, data = tmp_path / "Music", tmp_path / "data"
    write_tracks(music, seconds=12)

    code, first = scan(data, music, "--no-analysis")
    assert code == 0  # skipped by choice is not work left undone
    assert first["recordings"] == TRACKS
    assert counts(first, "analysis") == {"skipped": TRACKS}
    assert analysed(data) == {}

    code, second = scan(data, music)  # the files are unchanged: nothing is read again, analysis is still asked for
    assert code == 0, second
    assert counts(second, "analysis") == {"done": TRACKS}
    results = analysed(data)
    assert sorted(results) == sorted(str(path) for path in music.iterdir())
    assert all(metadata.get("bpm") and metadata.get("analysis_version") for metadata in results.values())
    assert not any("analysis_requested_at" in metadata for metadata in results.values())  # answered: cleared

    code, third = scan(data, music)  # done is done: nothing is asked for again
    assert code == 0
    assert counts(third, "analysis") == {"done": TRACKS}
    assert analysed(data) == results


def test_a_scan_killed_mid_analysis_is_finished_by_the_next_scan(tmp_path: Path) -> None:
    music, data = tmp_path / "Music", tmp_path / "data"
    write_tracks(music, seconds=90)  # long enough that the kill lands while the workers are busy
    killed = subprocess.Popen(
        [sys.executable, "-m", "tracktion", "scan", str(music), "--json", "--no-tracklists"],
        env=environment(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not _cataloged_all(data):
            assert killed.poll() is None, "the scan ended before it could be killed"
            assert time.monotonic() < deadline, "the files were not cataloged within 120 s"
            time.sleep(0.2)
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(timeout=10)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(killed.pid, signal.SIGKILL)
    assert len(analysed(data)) < TRACKS, "every analysis finished before the kill: nothing was tested"

    code, rescan = scan(data, music)
    assert code == 0, rescan
    assert counts(rescan, "analysis") == {"done": TRACKS}
    assert len(analysed(data)) == TRACKS


def _cataloged_all(data_dir: Path) -> bool:
    """All tracks have a recording (read straight from SQLite: the CLI would wait for the scan's write lock)."""
    import sqlite3  # noqa: PLC0415 - this helper only

    database = data_dir / "tracktion.db"
    if not database.exists():
        return False
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)) as connection:
        try:
            (count,) = connection.execute("SELECT count(*) FROM recordings").fetchone()
        except sqlite3.OperationalError:  # not migrated yet, or locked
            return False
    return int(count) >= TRACKS
