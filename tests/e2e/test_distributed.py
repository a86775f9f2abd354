"""The cluster shape on one machine: watcher and catalog as separate processes over real RabbitMQ and PostgreSQL.

Each step changes the music folder the way a person would (a slow copy, a move, an edit, a delete, a batch copied
while the catalog is killed) and then waits until the database says exactly what the folder says.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import psycopg
import pytest

from tracktion_shared.bus import delete_topology
from tracktion_shared.routes import ROUTES

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]

AMQP_URL = os.environ.get("TRACKTION_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
WAIT = 60.0


class Cluster:
    """The environment and the service processes of one test; everything it starts it stops."""

    def __init__(self, database_url: str, prefix: str, root: Path, logs: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKTION_")} | {
            "TRACKTION_DATABASE_URL": database_url,
            "TRACKTION_AMQP_URL": AMQP_URL,
            "TRACKTION_BUS_PREFIX": prefix,
            "TRACKTION_BUS_RETRY_DELAY": "0.5",
            "TRACKTION_WATCH_ROOT": str(root),
            "TRACKTION_WATCH_SETTLE_SECONDS": "0.5",
            "TRACKTION_LOG_FORMAT": "json",
        }
        self.database_url = database_url
        self.logs = logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def tracktion(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tracktion", *args],
            check=False,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def start(self, service: str) -> None:
        with (self.logs / f"{service}.log").open("ab") as log:  # the child keeps its own copy of the descriptor
            self.processes[service] = subprocess.Popen(
                [sys.executable, "-m", "tracktion", "service", service], env=self.env, stdout=log, stderr=log
            )

    def kill(self, service: str) -> None:
        process = self.processes.pop(service)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for service, process in self.processes.items():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                pytest.fail(f"{service} did not stop within 30 s of SIGTERM")
        self.processes.clear()

    def alive(self) -> None:
        for service, process in self.processes.items():
            assert process.poll() is None, f"{service} died: {(self.logs / f'{service}.log').read_text()[-3000:]}"

    def rows(self) -> list[tuple[str, str | None, str, str | None]]:
        """(path, recording id, status, sha256) for every file the catalog knows."""
        with psycopg.connect(self.database_url) as connection:
            return [
                (path, None if rid is None else str(rid), status, sha)
                for path, rid, status, sha in connection.execute(
                    "SELECT f.path, f.recording_id, f.status, r.sha256_hash "
                    "FROM files f LEFT JOIN recordings r ON r.id = f.recording_id ORDER BY f.path"
                )
            ]

    def recordings(self) -> int:
        with psycopg.connect(self.database_url) as connection:
            row = connection.execute("SELECT count(*) FROM recordings").fetchone()
        assert row is not None
        return int(row[0])

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not condition():
            self.alive()
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {WAIT:.0f} s waiting until {what}; catalog knows {self.rows()}")
            time.sleep(0.2)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def row_for(cluster: Cluster, path: Path) -> tuple[str, str | None, str, str | None] | None:
    return next((row for row in cluster.rows() if row[0] == str(path)), None)


@pytest.fixture
def cluster(tmp_path: Path, new_postgres_database: Callable[[str], AbstractContextManager[str]]) -> Iterator[Cluster]:
    prefix = f"test_{uuid.uuid4().hex[:8]}"
    root = tmp_path / "Music"
    root.mkdir()
    (tmp_path / "logs").mkdir()
    with new_postgres_database("tracktion_test") as database_url:
        cluster = Cluster(database_url, prefix, root, tmp_path / "logs")
        try:
            upgraded = cluster.tracktion("db", "upgrade")
            assert upgraded.returncode == 0, upgraded.stderr
            yield cluster
        finally:
            cluster.stop_all()
            asyncio.run(delete_topology(AMQP_URL, prefix, list(ROUTES)))


def test_the_database_follows_the_folder(cluster: Cluster, tmp_path: Path, make_audio: Callable[..., Path]) -> None:
    root = Path(cluster.env["TRACKTION_WATCH_ROOT"])
    cluster.start("watcher")  # before the catalog: its first messages must wait for it, not vanish
    make_audio(root / "already-there.wav", freq=300)
    cluster.start("catalog")
    cluster.wait_until(lambda: row_for(cluster, root / "already-there.wav") is not None, "the first file is in")

    # A slow copy: written in chunks over ~2 s; cataloged once, complete, never half.
    source = make_audio(tmp_path / "incoming.wav", seconds=3, freq=440)
    copying = root / "Sets" / "slow copy.wav"
    copying.parent.mkdir()
    data = source.read_bytes()
    with copying.open("wb") as out:
        for start in range(0, len(data), len(data) // 8):
            out.write(data[start : start + len(data) // 8])
            out.flush()
            time.sleep(0.25)
    cluster.wait_until(lambda: row_for(cluster, copying) is not None, "the copied file is cataloged")
    time.sleep(1.5)  # anything half-written would have shown up by now
    _, recording_id, status, digest = row_for(cluster, copying) or ("", None, "", None)
    assert (status, digest) == ("present", sha256(copying))
    assert cluster.recordings() == 2

    # A move keeps the recording.
    moved = root / "Sorted" / "renamed.wav"
    moved.parent.mkdir()
    copying.rename(moved)
    cluster.wait_until(lambda: row_for(cluster, moved) is not None, "the moved file is at its new path")
    assert row_for(cluster, moved) == (str(moved), recording_id, "present", digest)
    assert row_for(cluster, copying) is None
    assert cluster.recordings() == 2

    # An edit changes the content: same recording, new hashes.
    make_audio(tmp_path / "edited.wav", seconds=2, freq=880)
    shutil.copyfile(tmp_path / "edited.wav", moved)
    new_digest = sha256(moved)
    cluster.wait_until(lambda: (row_for(cluster, moved) or ("",) * 4)[3] == new_digest, "the edit is seen")
    assert (row_for(cluster, moved) or ("",) * 4)[1] == recording_id
    assert cluster.recordings() == 2

    # A delete marks it missing and keeps it.
    moved.unlink()
    cluster.wait_until(lambda: (row_for(cluster, moved) or ("",) * 4)[2] == "missing", "the file is missing")
    assert cluster.recordings() == 2


def test_killing_the_catalog_mid_batch_loses_and_duplicates_nothing(
    cluster: Cluster, tmp_path: Path, make_audio: Callable[..., Path]
) -> None:
    root = Path(cluster.env["TRACKTION_WATCH_ROOT"])
    batch = [make_audio(tmp_path / "batch" / f"track {i:02d}.flac", seconds=2, freq=200 + 7 * i) for i in range(40)]
    cluster.start("catalog")
    cluster.start("watcher")
    cluster.wait_until(lambda: cluster.recordings() == 0 and cluster.rows() == [], "the services are up")
    time.sleep(1.0)
    for file in batch:
        shutil.copy(file, root / file.name)
    cluster.wait_until(lambda: len(cluster.rows()) >= 5, "the catalog is part-way through the batch")
    cluster.kill("catalog")
    cataloged_before_kill = len(cluster.rows())
    cluster.start("catalog")

    cluster.wait_until(lambda: len(cluster.rows()) == len(batch), "every file of the batch is cataloged")
    rows = cluster.rows()
    assert cataloged_before_kill < len(batch), "the kill came too late to test anything"
    assert {path for path, *_ in rows} == {str(root / file.name) for file in batch}
    assert all(status == "present" for _, _, status, _ in rows)
    assert {sha for *_, sha in rows} == {sha256(root / file.name) for file in batch}
    assert cluster.recordings() == len(batch), "no recording lost, none duplicated"
