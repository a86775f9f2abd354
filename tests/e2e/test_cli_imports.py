"""A ``tracktion`` command loads only what it uses: no server driver it does not talk to, no stage it does not run.

Start-up time is most of a no-change rescan of a large library, and it is spent importing; this pins the behaviour
that keeps it short (the time itself is measured by ``benchmarks/catalog``). Each command runs in a fresh interpreter
that reports the modules it ended with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tracktion_shared.storage import head_revision

#: the drivers of the cluster's servers: RabbitMQ, Redis, Neo4j, PostgreSQL
SERVER_DRIVERS = {"aio_pika", "aiormq", "redis", "neo4j", "psycopg"}
#: what the analysis stage needs (numpy, essentia) and the tracklist stage (HTML parser, HTTP client, fuzzy matching)
ANALYSIS = {"tracktion_analysis", "numpy", "essentia"}
TRACKLISTS = {"tracktion_tracklist", "bs4", "httpx", "rapidfuzz"}
#: what the identify stage needs (numpy, PyAV's FFmpeg)
IDENTIFY = {"tracktion_identify", "av"}
#: the migrations tool, needed only when the schema is behind
MIGRATIONS = {"alembic", "mako"}

PROBE = """
import json, sys
from tracktion.cli import app
report, args = sys.argv[1], sys.argv[2:]
try:
    app(args, prog_name="tracktion")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(report, "w") as out:
    json.dump({"code": code, "modules": sorted({name.partition(".")[0] for name in sys.modules})}, out)
"""


def tracktion(tmp_path: Path, *args: str) -> tuple[set[str], str]:
    """Run ``tracktion ARGS`` in a new interpreter on an embedded data dir; its top-level modules and its stdout."""
    report = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKTION_", "OTEL_"))}
    env["TRACKTION_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    result: dict[str, Any] = json.loads(report.read_text())
    assert result["code"] == 0, done.stderr
    return set(result["modules"]), done.stdout


def test_help_loads_no_stage_no_database_and_no_driver(tmp_path: Path) -> None:
    modules, out = tracktion(tmp_path, "--help")
    assert "scan" in out
    heavy = SERVER_DRIVERS | ANALYSIS | TRACKLISTS | IDENTIFY | MIGRATIONS | {"sqlalchemy", "pydantic"}
    assert modules & heavy == set()


def test_catalog_only_scan_loads_neither_stage_nor_a_server_driver(tmp_path: Path, make_audio: Any) -> None:
    folder = tmp_path / "music"
    for number in range(3):
        make_audio(folder / f"{number}.wav", freq=300.0 + 100 * number)

    first, out = tracktion(tmp_path, "scan", str(folder), "--no-analysis", "--no-tracklists", "--no-identify", "--json")
    assert json.loads(out)["recordings"] == 3
    assert first & (SERVER_DRIVERS | ANALYSIS | TRACKLISTS | IDENTIFY) == set()
    assert first >= MIGRATIONS  # a new data dir: the schema is created by the migrations

    again, out = tracktion(tmp_path, "scan", str(folder), "--no-analysis", "--no-tracklists", "--no-identify", "--json")
    assert json.loads(out)["recordings"] == 3
    assert again & (SERVER_DRIVERS | ANALYSIS | TRACKLISTS | IDENTIFY | MIGRATIONS) == set()


def test_a_scan_with_every_stage_loads_them_but_no_server_driver(tmp_path: Path, make_audio: Any) -> None:
    make_audio(tmp_path / "music" / "tone.wav", seconds=6)  # long enough to analyse: the scan exits 0
    modules, out = tracktion(tmp_path, "scan", str(tmp_path / "music"), "--json")
    assert json.loads(out)["recordings"] == 1
    assert {"tracktion_analysis", "tracktion_tracklist", "tracktion_identify"} <= modules
    assert modules & SERVER_DRIVERS == set()


def test_the_db_commands_still_find_the_migrations(tmp_path: Path) -> None:
    modules, out = tracktion(tmp_path, "db", "current")
    assert out.strip() == "none"
    assert modules & (SERVER_DRIVERS | ANALYSIS | TRACKLISTS) == set()
    tracktion(tmp_path, "db", "upgrade")
    assert tracktion(tmp_path, "db", "current")[1].strip() == head_revision()
