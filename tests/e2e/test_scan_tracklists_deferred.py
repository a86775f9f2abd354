"""Offline tracklist look-ups are deferred, not lost: ``tracktion scan`` moves on within seconds and a later scan,
with the site answering, asks again and stores the tracklists (issue 15, item 3 and the tracklist part of item 1).

The real CLI in a subprocess, embedded, with generated two-second clips counted as sets
(``TRACKTION_TRACKLIST_MIN_DURATION``). The site is a port nobody listens on for the first scan and a local
pytest-httpserver serving the fixture pages for the second; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile
from pytest_httpserver import HTTPServer
from werkzeug import Response

FIXTURES = Path(__file__).parents[1] / "unit" / "tracklist" / "fixtures"
TRACKLIST_PATH = "/tracklist/abc123/test-dj-other-dj-fabric-london-2024-03-09.html"
SET_NAME = "Test DJ & Other DJ @ Fabric London 2024-03-09 [4hr set].wav"
SETS = 10


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def write_sets(folder: Path) -> list[Path]:
    """Ten copies of a set by name, each its own audio (a different tone), so ten recordings."""
    paths = []
    for n in range(SETS):
        path = folder / f"night{n}" / SET_NAME
        path.parent.mkdir(parents=True)
        t = np.arange(2 * 8000) / 8000
        soundfile.write(path, (0.2 * np.sin(2 * np.pi * (300 + 25 * n) * t)).astype("float32"), 8000)
        paths.append(path)
    return paths


def tracktion(data_dir: Path, base_url: str, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKTION_")}
    env |= {
        "TRACKTION_DATA_DIR": str(data_dir),
        "TRACKTION_WATCH_SETTLE_SECONDS": "0.2",
        "TRACKTION_TRACKLIST_BASE_URL": base_url,
        "TRACKTION_TRACKLIST_MIN_DURATION": "1",
        "TRACKTION_TRACKLIST_BREAKER_COOLDOWN": "1",
        **settings,
    }
    return subprocess.run(
        [sys.executable, "-m", "tracktion", *args], check=False, env=env, capture_output=True, text=True, timeout=300
    )


def lookups(data_dir: Path) -> dict[str, dict[str, str]]:
    """Every recording's tracklist facts by path, and its tracklist source, read from the catalog file itself (one
    ``tracktion show`` per set would cost a process start-up each)."""
    with contextlib.closing(sqlite3.connect(data_dir / "tracktion.db")) as db:
        facts: dict[str, dict[str, str]] = {
            path: {} for (path,) in db.execute("SELECT file_path FROM recordings ORDER BY file_path")
        }
        for path, key, value in db.execute(
            "SELECT r.file_path, m.key, m.value FROM metadata m JOIN recordings r ON r.id = m.recording_id"
            " WHERE m.key LIKE 'tracklist%'"
        ):
            facts[path][key] = value
        for path, source in db.execute(
            "SELECT r.file_path, t.source FROM tracklists t JOIN recordings r ON r.id = t.recording_id"
        ):
            facts[path]["stored"] = source
    return facts


def html(name: str) -> Response:
    return Response((FIXTURES / name).read_text(encoding="utf-8"), content_type="text/html; charset=utf-8")


def test_offline_lookups_are_deferred_quickly_and_done_by_a_later_scan(tmp_path: Path) -> None:
    folder, data = tmp_path / "Sets", tmp_path / "data"
    paths = write_sets(folder)

    started = time.monotonic()
    offline = tracktion(data, f"http://127.0.0.1:{closed_port()}", "scan", str(folder), "--json", "--no-analysis")
    elapsed = time.monotonic() - started
    assert offline.returncode == 1, offline.stderr  # work is left for later: not a clean 0
    summary = json.loads(offline.stdout)
    assert summary["recordings"] == SETS
    assert summary["stages"]["tracklist"]["deferred"] == SETS
    assert summary["stages"]["analysis"]["skipped"] == SETS
    assert summary["complete"] is False
    assert elapsed < 30, f"offline look-ups took {elapsed:.0f} s"  # generous: about two seconds of it is start-up
    assert offline.stderr.count("unreachable: look-ups deferred until") == 1, offline.stderr
    facts = lookups(data)
    assert sorted(facts) == sorted(map(str, paths))
    for stored in facts.values():
        assert stored["tracklist_status"] == "deferred", stored
        assert "tracklist_retry_after" in stored
        assert "stored" not in stored
    assert not list(folder.rglob("*.cue"))

    time.sleep(1.5)  # past the retry time (a cool-down of 1 s for the test)
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/search/result.php", method="POST").respond_with_response(html("search-results.html"))
    server.expect_request(TRACKLIST_PATH).respond_with_response(html("tracklist-small.html"))
    server.start()
    try:
        online = tracktion(
            data,
            server.url_for("/").rstrip("/"),
            "scan",
            str(folder),
            "--json",
            "--no-analysis",
            TRACKTION_TRACKLIST_REQUEST_INTERVAL="0",
        )
    finally:
        server.stop()
    assert online.returncode == 0, online.stderr
    assert len(server.log) == 2 * SETS, "one search and one tracklist page per deferred set"
    for path, stored in lookups(data).items():
        assert (stored["tracklist_status"], stored["stored"]) == ("found", "1001tracklists"), stored
        assert "tracklist_retry_after" not in stored
        assert Path(path).with_suffix(".cue").is_file()

    again = tracktion(data, "http://127.0.0.1:9", "scan", str(folder), "--json", "--no-analysis")
    assert again.returncode == 0, again.stderr
    assert "unreachable" not in again.stderr  # found look-ups are done: nothing is asked for again
