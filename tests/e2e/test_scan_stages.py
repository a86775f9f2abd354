"""Analysis and the graph are state the catalog keeps: whatever a scan did not get done, the next scan asks for again.

The real CLI in subprocesses, as a new user runs it: ``--no-analysis`` defers analysis instead of losing it, a scan
killed with SIGKILL mid-analysis leaves nothing that a rescan does not finish, moves, tag changes and deletions
reach the graph, and two scans at once leave the graph equal to the catalog. The summary's per-stage counts and the
exit status say what was done and what was not.
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

import mutagen
import mutagen.id3

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
    assert counts(rescan, "graph") == {"done": TRACKS}
    assert len(analysed(data)) == TRACKS
    assert_graph_is_catalog(data)


def test_moves_tag_changes_and_deletions_reach_the_graph(tmp_path: Path) -> None:
    music, data = tmp_path / "Music", tmp_path / "data"
    write_tracks(music, seconds=12)
    code, _ = scan(data, music)
    assert code == 0
    assert_graph_is_catalog(data)

    (music / "track-0.wav").rename(music / "renamed [vip].wav")
    (music / "sub").mkdir()
    (music / "track-1.wav").rename(music / "sub" / "moved.wav")
    (music / "track-2.wav").unlink()
    retagged = music / "track-3.wav"
    tagged = mutagen.File(retagged)  # type: ignore[attr-defined]
    tagged.add_tags()
    tagged.tags.add(mutagen.id3.TPE1(encoding=3, text=["New Artist"]))  # type: ignore[attr-defined]
    tagged.save()
    code, rescan = scan(data, music)
    assert code == 0, rescan
    assert counts(rescan, "graph") == {"done": TRACKS - 1}
    graph = assert_graph_is_catalog(data)
    paths = {path for path, _ in graph.values()}
    assert str(music / "renamed [vip].wav") in paths
    assert str(music / "sub" / "moved.wav") in paths
    assert not {str(music / f"track-{n}.wav") for n in range(3)} & paths, "an old path stayed in the graph"
    assert ("artist", "New Artist") in {item for _, facts in graph.values() for item in facts.items()}


def test_two_scans_at_once_leave_the_graph_equal_to_the_catalog(tmp_path: Path) -> None:
    music, data = tmp_path / "Music", tmp_path / "data"
    write_tracks(music, seconds=12)
    command = [sys.executable, "-m", "tracktion", "scan", str(music), "--json", "--no-tracklists"]
    scans = [
        subprocess.Popen(command, env=environment(data), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for process in scans:
        _, stderr = process.communicate(timeout=600)
        assert "Traceback" not in stderr, stderr
    code, after = scan(data, music)  # whatever the two left undone (exit 1 says so), this one finishes
    assert code == 0, after
    assert counts(after, "graph") == {"done": TRACKS}
    assert_graph_is_catalog(data)


def assert_graph_is_catalog(data_dir: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """The embedded graph holds exactly the catalog's present recordings, at their primary paths, with their tags and
    tempo and key; returns the graph's recordings (id -> path, metadata)."""
    listed = tracktion(data_dir, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    keys = ("artist", "title", "bpm", "camelot")
    catalog = {
        row["id"]: (row["file_path"], {key: row["metadata"][key] for key in keys if key in row["metadata"]})
        for row in json.loads(listed.stdout)
        if row["status"] == "present"
    }
    graph = _graph_recordings(data_dir / "graph" / "tracktion.lbug")
    assert {rid: (path, {k: v for k, v in facts.items() if k in keys}) for rid, (path, facts) in graph.items()} == (
        catalog
    )
    return graph


def _graph_recordings(path: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Every recording in the LadybugDB file with its metadata, read directly (no tracktion process is running)."""
    import ladybug  # noqa: PLC0415 - this helper only

    database = ladybug.Database(str(path), read_only=True)
    connection = ladybug.Connection(database)
    try:
        found: dict[str, tuple[str, dict[str, str]]] = {}
        result = connection.execute(
            "MATCH (r:Recording) OPTIONAL MATCH (r)-[:HAS_METADATA]->(m:Metadata) RETURN r.uuid, r.path, m.key, m.value"
        )
        assert not isinstance(result, list)
        while result.has_next():
            rid, where, key, value = result.get_next()
            _, facts = found.setdefault(str(rid), (str(where), {}))
            if key is not None:
                facts[str(key)] = str(value)
        return found
    finally:
        connection.close()
        database.close()


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
