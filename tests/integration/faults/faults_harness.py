"""The distributed pipeline as separate OS processes, the servers it runs on, and the exactly-once checks.

Every fault test builds one :class:`Pipeline` (its own PostgreSQL database, RabbitMQ prefix and audio whose content
no other run shares, so the shared Redis cache cannot answer for it), generates a :class:`Library`, breaks something
in the middle of the run, and then asks :meth:`Pipeline.settle` and :meth:`Pipeline.check_exactly_once` whether
anything was lost, duplicated or left behind. The server controls (:func:`rabbitmq_outage`, :func:`restart_postgres`,
...) always put the server back in a ``finally`` and then run ``.ci/services-up``, so a failing test still leaves the
machine usable for everyone else's tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aio_pika
import psycopg
import pytest

from tracktion_shared.bus.base import DeadLetter
from tracktion_shared.bus.rabbitmq import RabbitMQBus, Topology, queue_state

REPO = Path(__file__).resolve().parents[3]
AMQP_URL = os.environ.get("TRACKTION_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("TRACKTION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SERVICES = ("watcher", "catalog", "analysis", "tracklist")
WORK_QUEUES = ("catalog", "analysis", "tracklist")
#: clip length: above the analysis minimum set below, short enough that a few hundred analyse in seconds
CLIP_SECONDS = 1.5


# -- the generated library ---------------------------------------------------------------------------------------


@dataclass
class Library:
    """The music folder of one test: good files (with their sha256 from hashlib) and the bad ones among them."""

    root: Path
    good: dict[str, str] = field(default_factory=dict)
    bad: list[Path] = field(default_factory=list)

    def rehash(self) -> None:
        """Recompute every good file's sha256 straight from the folder (the truth the catalog is compared with)."""
        self.good = {path: hashlib.sha256(Path(path).read_bytes()).hexdigest() for path in self.good}


def generate_library(root: Path, make_audio: Callable[..., Path], count: int) -> Library:
    """``count`` short clips, every one a different tone (so different content), in WAV and FLAC, in subfolders.

    The tones are offset by a random amount per call: the content hashes are new to the shared Redis cache, so an
    analysis found there cannot stand in for one this run did.
    """
    salt = random.uniform(0.0, 1.0)
    library = Library(root)
    for n in range(count):
        suffix = ".flac" if n % 3 == 0 else ".wav"
        path = root / f"crate {n % 7}" / f"clip {n:04d}{suffix}"
        make_audio(path, seconds=CLIP_SECONDS, freq=110.0 + 3.1 * n + salt, rate=22_050, channels=1)
        library.good[str(path)] = ""
    library.rehash()
    return library


# -- the servers -------------------------------------------------------------------------------------------------


def _run(*command: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout)


def services_up() -> None:
    """``.ci/services-up``: start whatever of PostgreSQL, Redis, RabbitMQ is down and wait until it answers."""
    done = _run("bash", str(REPO / ".ci" / "services-up"), timeout=240)
    assert done.returncode == 0, f"could not bring the servers back: {done.stdout}{done.stderr}"


def needs_tool(tool: str) -> None:
    if _run("bash", "-c", f"command -v {tool}").returncode != 0:
        pytest.skip(f"{tool} is not installed here; this fault needs it to control the server")


@contextlib.contextmanager
def rabbitmq_outage() -> Iterator[None]:
    """RabbitMQ's application stopped (``rabbitmqctl stop_app``) for the body; started again whatever happens."""
    needs_tool("rabbitmqctl")
    try:
        stopped = _run("rabbitmqctl", "-q", "stop_app")
        assert stopped.returncode == 0, stopped.stderr
        yield
    finally:
        _run("rabbitmqctl", "-q", "start_app")
        _run("rabbitmqctl", "-q", "await_startup", timeout=120)
        services_up()


def restart_postgres() -> None:
    """``pg_ctlcluster ... restart``: every connection is cut and the server comes back a moment later."""
    needs_tool("pg_ctlcluster")
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    try:
        done = _run("pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart")
        assert done.returncode == 0, done.stderr
    finally:
        services_up()


def terminate_backends(admin_url: str, database: str) -> int:
    """``pg_terminate_backend`` on every connection to ``database``; how many were cut."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return sum(1 for (cut,) in rows if cut)


@contextlib.contextmanager
def redis_paused(seconds: float) -> Iterator[None]:
    """Redis accepts connections but answers nothing (``CLIENT PAUSE ... ALL``): a hung server, not a dead one."""
    needs_tool("redis-cli")
    try:
        done = _run("redis-cli", "-h", "127.0.0.1", "-p", "6379", "CLIENT", "PAUSE", str(int(seconds * 1000)), "ALL")
        assert done.stdout.strip() == "OK", done.stdout + done.stderr
        yield
    finally:
        _run("redis-cli", "-h", "127.0.0.1", "-p", "6379", "CLIENT", "UNPAUSE")


@contextlib.contextmanager
def redis_down() -> Iterator[None]:
    """Redis shut down (connections refused) for the body; started again by ``.ci/services-up`` whatever happens."""
    needs_tool("redis-cli")
    try:
        _run("redis-cli", "-h", "127.0.0.1", "-p", "6379", "SHUTDOWN", "NOSAVE")
        deadline = time.monotonic() + 15
        while _run("redis-cli", "-h", "127.0.0.1", "-p", "6379", "PING").stdout.strip() == "PONG":
            assert time.monotonic() < deadline, "redis did not shut down"
            time.sleep(0.1)
        yield
    finally:
        services_up()


# -- the bus, seen from outside ------------------------------------------------------------------------------------


async def _queue_depths(prefix: str) -> dict[str, int]:
    topology = Topology(prefix)
    connection = await aio_pika.connect(AMQP_URL, timeout=10)
    async with connection:
        states = {consumer: await queue_state(connection, topology.queue(consumer)) for consumer in WORK_QUEUES}
    return {consumer: state.ready if state else 0 for consumer, state in states.items()}


def queue_depths(prefix: str) -> dict[str, int]:
    """Ready messages in each work queue of ``prefix`` (what is waiting, not what is being handled)."""
    return asyncio.run(_queue_depths(prefix))


async def _dead_letters(prefix: str, consumer: str) -> list[DeadLetter]:
    bus = RabbitMQBus(AMQP_URL, prefix=prefix, connect_timeout=20)
    await bus.start()
    try:
        return await bus.dead_letters(consumer, limit=1000)
    finally:
        await bus.close()


def dead_letters(prefix: str, consumer: str) -> list[DeadLetter]:
    """The consumer's dead-letter queue, left as it is."""
    return asyncio.run(_dead_letters(prefix, consumer))


async def _publish_raw(prefix: str, key: str, body: bytes) -> None:
    bus = RabbitMQBus(AMQP_URL, prefix=prefix, connect_timeout=20)
    await bus.start()
    try:
        await bus.publish_raw(key, body)
    finally:
        await bus.close()


def publish_raw(prefix: str, key: str, body: bytes) -> None:
    """Publish ``body`` under routing key ``key`` as-is (how poison reaches the consumers)."""
    asyncio.run(_publish_raw(prefix, key, body))


# -- the pipeline --------------------------------------------------------------------------------------------------


class Pipeline:
    """The four services as separate processes (each in its own session, so a kill takes its worker processes too)."""

    def __init__(self, database_url: str, prefix: str, library: Library, logs: Path, tracklist_site: str) -> None:
        self.database_url = database_url
        self.prefix = prefix
        self.library = library
        self.logs = logs
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKTION_", "OTEL_"))} | {
            "TRACKTION_DATABASE_URL": database_url,
            "TRACKTION_AMQP_URL": AMQP_URL,
            "TRACKTION_REDIS_URL": REDIS_URL,
            "TRACKTION_BUS_PREFIX": prefix,
            "TRACKTION_BUS_RETRY_DELAY": "0.5",
            "TRACKTION_BUS_MAX_RETRIES": "4",
            "TRACKTION_LOG_FORMAT": "json",
            "TRACKTION_DATA_DIR": str(logs / "data"),
            "TRACKTION_WATCH_ROOT": str(library.root),
            "TRACKTION_WATCH_SETTLE_SECONDS": "0.5",
            "TRACKTION_ANALYSIS_MIN_SECONDS": "1",
            "TRACKTION_ANALYSIS_WORKERS": "2",
            "TRACKTION_TRACKLIST_BASE_URL": tracklist_site,  # never the real site
            "TRACKTION_TRACKLIST_REQUEST_INTERVAL": "0",
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.restarts: Counter[str] = Counter()

    # -- processes --

    def tracktion(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tracktion", *args], check=False, env=self.env, capture_output=True, text=True
        )

    def log_path(self, service: str) -> Path:
        return self.logs / f"{service}.log"

    def start(self, *services: str) -> None:
        for service in services or SERVICES:
            with self.log_path(service).open("ab") as log:  # the child keeps its own copy of the descriptor
                self.processes[service] = subprocess.Popen(
                    [sys.executable, "-m", "tracktion", "service", service],
                    env=self.env,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                )

    def kill(self, service: str) -> None:
        """SIGKILL the service and every process it started (its session), as when a container is killed."""
        process = self.processes.pop(service)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        self.restarts[service] += 1

    def children(self, service: str) -> list[int]:
        """Process ids of the service's direct children (the analysis worker processes)."""
        pid = self.processes[service].pid
        path = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(child) for child in path.read_text().split()] if path.exists() else []

    def stop_all(self) -> None:
        """SIGTERM everything, then SIGKILL what is left of each session; fails if a service ignored SIGTERM."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        late = []
        for service, process in self.processes.items():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                late.append(service)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the service's leftover workers, or the service itself
            process.wait(timeout=30)
        self.processes.clear()
        assert not late, f"{late} did not stop within 30 s of SIGTERM"

    def alive(self) -> None:
        for service, process in self.processes.items():
            assert process.poll() is None, f"{service} died: {self.log_path(service).read_text()[-3000:]}"

    def log_records(self, service: str) -> list[dict[str, object]]:
        records = []
        for line in self.log_path(service).read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict):
                    records.append(record)
        return records

    def logged(self, service: str, text: str) -> bool:
        """Whether a log line of ``service`` contains ``text`` (proof that a fault reached it)."""
        return any(text in str(record.get("message", "")) for record in self.log_records(service))

    # -- what the catalog says --

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with psycopg.connect(self.database_url, connect_timeout=5) as connection:
            return list(connection.execute(sql, params).fetchall())  # type: ignore[arg-type]

    def present(self) -> dict[str, str | None]:
        """path -> sha256 of every file the catalog holds as present."""
        rows = self.query(
            "SELECT f.path, r.sha256_hash FROM files f LEFT JOIN recordings r ON r.id = f.recording_id "
            "WHERE f.status = 'present'"
        )
        return {str(path): None if sha is None else str(sha) for path, sha in rows}

    def analysed(self) -> int:
        rows = self.query("SELECT count(*) FROM metadata WHERE key = 'analysis_status' AND value = 'analysed'")
        return int(str(rows[0][0]))

    def progress(self) -> tuple[int, int]:
        """(files present, recordings analysed), tolerating a database that is restarting."""
        try:
            return len(self.present()), self.analysed()
        except psycopg.OperationalError:
            return -1, -1

    def wait_until(self, condition: Callable[[], bool], what: str, within: float = 120.0) -> None:
        deadline = time.monotonic() + within
        while not condition():
            self.alive()
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {within:.0f} s waiting until {what}; progress {self.progress()}")
            time.sleep(0.25)

    def wait_for_progress(self, files: int) -> None:
        """Until at least ``files`` are cataloged: the moment to break something."""
        self.wait_until(lambda: self.progress()[0] >= files, f"{files} files are cataloged")

    def settle(self, within: float = 150.0) -> None:
        """Until every good file is cataloged and analysed and the work queues and the outbox stay empty."""
        total = len(self.library.good)
        self.wait_until(lambda: self.progress() == (total, total), "every good file is cataloged and analysed", within)

        def quiet() -> bool:
            outbox = int(str(self.query("SELECT count(*) FROM outbox")[0][0]))
            return outbox == 0 and not any(queue_depths(self.prefix).values())

        self.wait_until(quiet, "the queues and the outbox are empty", within=60)
        time.sleep(1.0)  # a straggler (a redelivery, a retry out of a delay queue) would show up now
        self.wait_until(quiet, "the queues and the outbox stay empty", within=60)

    # -- the verdict --

    def fresh_analyses(self) -> Counter[str]:
        """How often each path was analysed from its audio (not from the cache), according to the analysis log."""
        counts: Counter[str] = Counter()
        for record in self.log_records("analysis"):
            message = str(record.get("message", ""))
            if " BPM, " in message and "(shared with" not in message:
                counts[message.split(": ", 1)[0]] += 1
        return counts

    def check_exactly_once(self) -> None:
        """Every good file cataloged once with the folder's sha256, analysed once; nothing else; services alive."""
        self.alive()
        good = self.library.good
        present = self.present()
        lost = sorted(set(good) - set(present))
        assert not lost, f"{len(lost)} good files lost: {lost[:5]}"
        wrong = sorted(path for path, sha in good.items() if present[path] != sha)
        assert not wrong, f"sha256 differs from the folder for {wrong[:5]}"
        extra = sorted(set(present) - set(good))
        assert not extra, f"bad files cataloged as present: {extra[:5]}"
        recordings = self.query("SELECT sha256_hash, count(*) FROM recordings GROUP BY sha256_hash")
        duplicates = [sha for sha, n in recordings if int(str(n)) != 1]
        assert not duplicates, f"recordings duplicated: {duplicates[:5]}"
        assert len(recordings) == len(good), f"{len(recordings)} recordings for {len(good)} good files"
        analysed = self.query(
            "SELECT f.path, m.value FROM files f JOIN metadata m ON m.recording_id = f.recording_id "
            "WHERE m.key = 'analysis_status'"
        )
        status = {str(path): str(value) for path, value in analysed}
        not_analysed = sorted(path for path in good if status.get(path) != "analysed")
        assert not not_analysed, f"not analysed: {[(p, status.get(p)) for p in not_analysed[:5]]}"
        fresh = self.fresh_analyses()
        twice = {path: n for path, n in fresh.items() if path in good and n != 1}
        assert not twice, f"analysed more than once: {dict(list(twice.items())[:5])}"
        never = sorted(set(good) - set(fresh))
        assert not never, f"analysed by nobody according to the analysis log: {never[:5]}"
        assert self.query("SELECT count(*) FROM outbox")[0][0] == 0
