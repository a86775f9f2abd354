"""A password in any server URL never reaches a log line or a message, whether the server accepts it or not.

Every process is run the way an operator runs it -- the CLI and each service as its own process, DEBUG logging, a
password in every ``TRACKTION_*_URL`` -- and everything it writes is captured and searched. RabbitMQ gets a user of
its own with a password only this test knows; PostgreSQL (trust authentication here) ignores the password but the
URL still carries it; Redis and Neo4j refuse theirs, so the failure paths (where a URL is most likely to be printed
in an exception) are exercised too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
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
from sqlalchemy.engine import make_url

from tracktion_shared.bus import delete_topology
from tracktion_shared.routes import ROUTES

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.redis]

SERVICES = ("watcher", "catalog", "analysis", "tracklist", "graph")


def _secret(kind: str) -> str:
    return f"{kind}S3cret{uuid.uuid4().hex}"


@pytest.fixture
def rabbit_user() -> Iterator[tuple[str, str]]:
    """A RabbitMQ user with a password of its own on the default vhost; deleted afterwards."""
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not installed here; it is needed to create a user with a known password")
    user, password = f"tracktion_sec_{uuid.uuid4().hex[:8]}", _secret("amqp")
    subprocess.run(["rabbitmqctl", "-q", "add_user", user, password], check=True, capture_output=True, timeout=60)
    try:
        subprocess.run(
            ["rabbitmqctl", "-q", "set_permissions", "-p", "/", user, ".*", ".*", ".*"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield user, password
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_user", user], check=False, capture_output=True, timeout=60)


def _run(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tracktion", *args],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done.stdout + done.stderr


@contextlib.contextmanager
def _topology_deleted(amqp_url: str, prefix: str) -> Iterator[None]:
    """The prefix's queues and exchange are deleted afterwards (the graph's queue still holds what Neo4j refused)."""
    try:
        yield
    finally:
        asyncio.run(delete_topology(amqp_url, prefix, list(ROUTES)))


def _state(connection: psycopg.Connection[tuple[object, ...]]) -> str:
    """What the database holds when the wait times out: how far each file got."""
    rows = connection.execute(
        "SELECT r.file_name, m.key, m.value FROM recordings r LEFT JOIN metadata m ON m.recording_id = r.id "
        "AND m.key IN ('analysis_status', 'analysis_error') ORDER BY 1, 2"
    ).fetchall()
    return "database: " + ("; ".join(" ".join(str(c) for c in row) for row in rows) or "no recordings")


def _report_on_failure(logs: Path, processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """Print each service's exit code and its warnings and errors; pytest shows them when the test fails."""
    for service, process in processes.items():
        lines = (logs / service).read_text(errors="replace").splitlines()
        notable = [line for line in lines if '"WARNING"' in line or '"ERROR"' in line or "Traceback" in line]
        print(f"--- {service}: exit {process.returncode}, {len(lines)} lines; warnings and errors:")
        print("\n".join(notable[-15:]))


def test_no_password_appears_in_any_output(
    tmp_path: Path,
    rabbit_user: tuple[str, str],
    new_postgres_database: Callable[[str], AbstractContextManager[str]],
    make_audio: Callable[..., Path],
) -> None:
    amqp_user, amqp_password = rabbit_user
    secrets = {
        "amqp": amqp_password,
        "postgres": _secret("pg"),
        "redis": _secret("redis"),
        "neo4j_url": _secret("neo4jurl"),
        "neo4j": _secret("neo4j"),
        "wrong_amqp": _secret("wrongamqp"),
    }
    music = tmp_path / "Music"
    salt = random.uniform(0.0, 1.0)  # content new to the shared Redis: each file is analysed, not found in the cache
    for n in range(3):
        make_audio(music / f"track {n}.wav", seconds=1.5, freq=300.0 + 50 * n + salt)
    prefix = f"secrets_{uuid.uuid4().hex[:8]}"
    amqp_url = f"amqp://{amqp_user}:{amqp_password}@127.0.0.1:5672/"
    with new_postgres_database("tracktion_secrets") as plain_url, _topology_deleted(amqp_url, prefix):
        database_url = make_url(plain_url).set(password=secrets["postgres"]).render_as_string(hide_password=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKTION_", "OTEL_"))} | {
            "TRACKTION_DATABASE_URL": database_url,
            "TRACKTION_AMQP_URL": amqp_url,
            "TRACKTION_REDIS_URL": f"redis://default:{secrets['redis']}@127.0.0.1:6379/0",
            "TRACKTION_NEO4J_URL": f"neo4j://neo4j:{secrets['neo4j_url']}@127.0.0.1:1",
            "TRACKTION_NEO4J_USER": "neo4j",
            "TRACKTION_NEO4J_PASSWORD": secrets["neo4j"],
            "TRACKTION_BUS_PREFIX": prefix,
            "TRACKTION_LOG_LEVEL": "DEBUG",
            # the graph writer's handlers wait on the unreachable Neo4j when told to stop: 5 s, not the default 30
            "TRACKTION_BUS_SHUTDOWN_GRACE": "5",
            "TRACKTION_LOG_FORMAT": "json",
            "TRACKTION_DATA_DIR": str(tmp_path / "data"),
            "TRACKTION_WATCH_ROOT": str(music),
            "TRACKTION_WATCH_SETTLE_SECONDS": "0.2",
            "TRACKTION_ANALYSIS_MIN_SECONDS": "1",
            "TRACKTION_TRACKLIST_ENABLED": "false",
        }
        outputs = {"db upgrade": _run(env, "db", "upgrade"), "db current": _run(env, "db", "current")}
        logs = tmp_path / "logs"
        logs.mkdir()
        processes = {}
        for service in SERVICES:
            with (logs / service).open("wb") as log:
                processes[service] = subprocess.Popen(
                    [sys.executable, "-m", "tracktion", "service", service],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        try:
            deadline = time.monotonic() + 90
            with psycopg.connect(plain_url) as connection:
                while time.monotonic() < deadline:
                    row = connection.execute(
                        "SELECT count(*) FROM metadata WHERE key = 'analysis_status' AND value = 'analysed'"
                    ).fetchone()
                    if row is not None and row[0] == 3:
                        break
                    time.sleep(0.5)
                else:
                    pytest.fail(f"the three files were not cataloged and analysed within 90 s\n{_state(connection)}")
        finally:
            for process in processes.values():
                process.send_signal(signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=30)
            _report_on_failure(logs, processes)
        outputs |= {service: (logs / service).read_text(errors="replace") for service in SERVICES}
        outputs["list"] = _run(env, "list", "--json")
        wrong = env | {"TRACKTION_AMQP_URL": f"amqp://{amqp_user}:{secrets['wrong_amqp']}@127.0.0.1:5672/"}
        outputs["refused login"] = _run(wrong, "service", "catalog", timeout=90)

    assert f"{amqp_user}:***@" in outputs["catalog"], "the catalog never logged its (masked) broker URL"
    assert "refused the login" in outputs["refused login"]
    assert "track 0.wav" in outputs["analysis"], "the analysis service logged nothing about its work"
    leaks = [(name, kind) for name, text in outputs.items() for kind, secret in secrets.items() if secret in text]
    assert not leaks, f"passwords in the output: {leaks}"
