"""The whole distributed pipeline under load: how fast a big library goes through, how deep the queues get, how much
memory each service takes, and what the message bus itself can carry on this machine.

    uv run python benchmarks/load/run.py                  # 10,000 clips, with 1 and then 2 analysis workers
    uv run python benchmarks/load/run.py --quick          # 300 clips, a smoke run of a couple of minutes
    uv run python benchmarks/load/run.py --files 2000 --workers 2 --json out.json

What runs: the watcher, catalog, analysis and tracklist services, each its own OS process (``python -m tracktion
service NAME``), over RabbitMQ, a fresh PostgreSQL database and Redis on 127.0.0.1 -- the cluster shape on one
machine. The library is generated (soundfile: a 1.5 s tone plus seeded noise, every clip different, regenerated
with a new seed for every run so the shared Redis cache can never answer for an analysis) and is in the folder
before the watcher starts, so the watcher's initial scan publishes it all at once, the worst case for the queues.
One run per analysis-worker count (``TRACKTION_ANALYSIS_WORKERS``: processes in the analysis service's pool).

What is measured, per run:

* **files/min cataloged and analysed**: the count over the time from the first file to the last (steady rate,
  start-up excluded), and the wall time from starting the services until everything is analysed;
* **queue depth over time**: ready messages in the catalog and analysis queues, sampled every second (passive
  declares, as the operator's autoscaler reads them) and printed at about a dozen points;
* **peak RSS per service process**: ``VmHWM`` of each service process read just before it is stopped, and the
  largest ``VmRSS`` seen of any analysis worker process (workers are recycled every 50 files, so their own
  high-water marks die with them; sampled every second).

Then the **bus alone**: persistent messages through :class:`RabbitMQBus` on a throwaway prefix, published one at a
time (each awaits its publisher confirm) and with 64 in flight, and the consume rate of a no-op consumer draining
them (prefetch 8, the default, and 64).

Nothing here asserts a target; it prints a table (and with ``--json`` writes the figures). Everything it creates
(database, queues, folders) is removed at the end, also on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aio_pika
import numpy as np
import psycopg
import soundfile
from psycopg import sql

from tracktion_shared.bus import delete_topology
from tracktion_shared.bus.base import RetryPolicy
from tracktion_shared.bus.rabbitmq import RabbitMQBus, Topology, queue_state
from tracktion_shared.messages import FileDiscovered, Message
from tracktion_shared.routes import ROUTES

AMQP_URL = os.environ.get("TRACKTION_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("TRACKTION_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_ADMIN_URL = os.environ.get("TRACKTION_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SERVICES = ("watcher", "catalog", "analysis", "tracklist")
CLIP_SECONDS = 1.5
RATE = 22_050


def note(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the library ---------------------------------------------------------------------------------------------------


def generate_library(folder: Path, count: int, seed: int) -> None:
    """``count`` WAV clips in 20 subfolders; mtimes an hour back so the watcher's settle time never waits on them."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(CLIP_SECONDS * RATE)) / RATE
    past = time.time() - 3600
    for n in range(count):
        tone = 0.3 * np.sin(2 * np.pi * (110.0 + (n % 900) * 1.7) * t) + 0.02 * rng.standard_normal(t.size)
        path = folder / f"crate {n % 20:02d}" / f"clip {n:05d}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(path, tone.astype(np.float32), RATE, subtype="PCM_16")
        os.utime(path, (past, past))


# -- servers -------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    name = f"tracktion_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


async def _depths(connection: aio_pika.abc.AbstractConnection, prefix: str) -> dict[str, int]:
    states = {
        consumer: await queue_state(connection, Topology(prefix).queue(consumer))
        for consumer in ("catalog", "analysis")
    }
    return {consumer: state.ready if state else 0 for consumer, state in states.items()}


def _status_kib(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# -- one pipeline run ----------------------------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    catalog_queue: int
    analysis_queue: int
    cataloged: int
    analysed: int


@dataclass
class PipelineRun:
    files: int
    workers: int
    wall_seconds: float = 0.0
    catalog_files_per_min: float = 0.0
    analysis_files_per_min: float = 0.0
    first_cataloged_s: float = 0.0
    last_cataloged_s: float = 0.0
    first_analysed_s: float = 0.0
    last_analysed_s: float = 0.0
    peak_rss_mib: dict[str, float] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    complete: bool = False
    interruptions: int = 0  # samples lost to a server restart (someone else's test); the figures include the wait


def _counts(database_url: str) -> tuple[int, int]:
    with psycopg.connect(database_url, connect_timeout=5) as connection:
        row = connection.execute(
            "SELECT (SELECT count(*) FROM files WHERE status = 'present'), "
            "(SELECT count(*) FROM metadata WHERE key = 'analysis_status')"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


async def _watch(
    run: PipelineRun,
    database_url: str,
    prefix: str,
    processes: dict[str, subprocess.Popen[bytes]],
    started: float,
    limit_seconds: float,
) -> None:
    """Sample every second until every file is analysed (or the time is up)."""
    worker_peak = 0
    # robust, and a failed sample is skipped: other people's tests on a shared machine may restart the servers
    connection = await aio_pika.connect_robust(AMQP_URL, reconnect_interval=1.0)
    async with connection:
        while True:
            now = time.perf_counter() - started
            try:
                depths = await asyncio.wait_for(_depths(connection, prefix), timeout=10)
                cataloged, analysed = await asyncio.to_thread(_counts, database_url)
            except (aio_pika.exceptions.AMQPError, psycopg.OperationalError, RuntimeError, TimeoutError) as exc:
                run.interruptions += 1
                note(f"sample at {now:.0f}s failed ({type(exc).__name__}); a server is restarting?")
                await asyncio.sleep(1.0)
                continue
            run.samples.append(Sample(now, depths["catalog"], depths["analysis"], cataloged, analysed))
            for child in _children(processes["analysis"].pid):
                worker_peak = max(worker_peak, _status_kib(child, "VmRSS"))
            if cataloged and not run.first_cataloged_s:
                run.first_cataloged_s = now
            if analysed and not run.first_analysed_s:
                run.first_analysed_s = now
            if cataloged >= run.files and not run.last_cataloged_s:
                run.last_cataloged_s = now
            if analysed >= run.files:
                run.last_analysed_s = now
                run.complete = True
                break
            dead = [name for name, p in processes.items() if p.poll() is not None]
            if dead or now > limit_seconds:
                note(f"stopping early: dead={dead}, {now:.0f}s elapsed, {cataloged} cataloged, {analysed} analysed")
                break
            await asyncio.sleep(1.0)
    run.peak_rss_mib["analysis worker (largest)"] = worker_peak / 1024


def run_pipeline(files: int, workers: int, scratch: Path, timeout: float) -> PipelineRun:
    run = PipelineRun(files=files, workers=workers)
    music = scratch / f"music-{workers}"
    note(f"generating {files} clips for the {workers}-worker run")
    generate_library(music, files, seed=int.from_bytes(os.urandom(4), "little"))
    prefix = f"load_{uuid.uuid4().hex[:8]}"
    logs = scratch / f"logs-{workers}"
    logs.mkdir()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    with fresh_database() as database_url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKTION_", "OTEL_"))} | {
            "TRACKTION_DATABASE_URL": database_url,
            "TRACKTION_AMQP_URL": AMQP_URL,
            "TRACKTION_REDIS_URL": REDIS_URL,
            "TRACKTION_BUS_PREFIX": prefix,
            "TRACKTION_LOG_LEVEL": "WARNING",
            "TRACKTION_DATA_DIR": str(scratch / f"data-{workers}"),
            "TRACKTION_WATCH_ROOT": str(music),
            "TRACKTION_ANALYSIS_MIN_SECONDS": "1",
            "TRACKTION_ANALYSIS_WORKERS": str(workers),
            "TRACKTION_TRACKLIST_BASE_URL": "http://127.0.0.1:9",  # clips are never looked up; never the real site
        }
        upgrade = subprocess.run(
            [sys.executable, "-m", "tracktion", "db", "upgrade"], check=False, env=env, capture_output=True
        )
        if upgrade.returncode:
            raise RuntimeError(upgrade.stderr.decode())
        try:
            started = time.perf_counter()
            for service in ("catalog", "analysis", "tracklist", "watcher"):  # consumers first, then the flood
                with (logs / f"{service}.log").open("wb") as log:
                    processes[service] = subprocess.Popen(
                        [sys.executable, "-m", "tracktion", "service", service],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
            asyncio.run(_watch(run, database_url, prefix, processes, started, timeout))
            run.wall_seconds = time.perf_counter() - started
            for service, process in processes.items():
                run.peak_rss_mib[service] = _status_kib(process.pid, "VmHWM") / 1024
        finally:
            for process in processes.values():
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            asyncio.run(delete_topology(AMQP_URL, prefix, list(ROUTES)))
    last = run.samples[-1] if run.samples else Sample(0, 0, 0, 0, 0)
    catalog_span = (run.last_cataloged_s or last.seconds) - run.first_cataloged_s
    analysis_span = (run.last_analysed_s or last.seconds) - run.first_analysed_s
    run.catalog_files_per_min = 60 * last.cataloged / catalog_span if catalog_span > 0 else 0.0
    run.analysis_files_per_min = 60 * last.analysed / analysis_span if analysis_span > 0 else 0.0
    if not run.complete:
        note(f"incomplete run; service logs are in {logs}")
    return run


# -- the bus alone -------------------------------------------------------------------------------------------------


@dataclass
class BusRun:
    messages: int
    publish_sequential_per_s: float = 0.0
    publish_concurrent_per_s: float = 0.0
    consume_per_s: dict[int, float] = field(default_factory=dict)


async def _publish_many(prefix: str, messages: Sequence[Message], in_flight: int) -> float:
    """Publish ``messages`` with at most ``in_flight`` unconfirmed at once; messages per second."""
    bus = RabbitMQBus(AMQP_URL, RetryPolicy(max_retries=1), prefix=prefix, declare={"sink": (FileDiscovered,)})
    await bus.start()
    try:
        gate = asyncio.Semaphore(in_flight)

        async def one(message: Message) -> None:
            async with gate:
                await bus.publish(message)

        started = time.perf_counter()
        if in_flight == 1:
            for message in messages:
                await bus.publish(message)
        else:
            await asyncio.gather(*(one(m) for m in messages))
        return len(messages) / (time.perf_counter() - started)
    finally:
        await bus.close()


async def _drain(prefix: str, count: int, prefetch: int) -> float:
    """Consume ``count`` waiting messages with a no-op handler; messages per second (connecting included)."""
    received = 0
    done = asyncio.Event()

    async def sink(message: Message) -> None:
        nonlocal received
        received += 1
        if received >= count:
            done.set()

    bus = RabbitMQBus(AMQP_URL, RetryPolicy(max_retries=1), prefix=prefix, prefetch=prefetch)
    bus.subscribe("sink", [FileDiscovered], sink)
    started = time.perf_counter()
    await bus.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=600)
        return count / (time.perf_counter() - started)
    finally:
        await bus.close()


async def _bus_throughput(messages: int) -> BusRun:
    result = BusRun(messages)
    prefix = f"loadbus_{uuid.uuid4().hex[:8]}"
    batch = [FileDiscovered(path=f"/music/crate/clip {n:06d}.wav", size=66_194, mtime=1.0e9) for n in range(messages)]
    half = messages // 2
    try:
        result.publish_sequential_per_s = await _publish_many(prefix, batch[:half], 1)
        result.publish_concurrent_per_s = await _publish_many(prefix, batch[half:], 64)
        result.consume_per_s[8] = await _drain(prefix, messages, 8)
        await _publish_many(prefix, batch, 64)
        result.consume_per_s[64] = await _drain(prefix, messages, 64)
    finally:
        await delete_topology(AMQP_URL, prefix, ["sink"])
    return result


# -- report --------------------------------------------------------------------------------------------------------


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def depth_series(run: PipelineRun, points: int = 12) -> list[Sample]:
    if len(run.samples) <= points:
        return run.samples
    step = (len(run.samples) - 1) / (points - 1)
    return [run.samples[round(i * step)] for i in range(points)]


def report(runs: list[PipelineRun], bus: BusRun | None, facts: list[tuple[str, str]]) -> str:
    out = [_table([("machine", "value"), *facts]), ""]
    rows = [
        (
            "analysis workers",
            "files",
            "complete",
            "failed samples",
            "wall (s)",
            "cataloged /min",
            "analysed /min",
            *(f"peak RSS {name} (MiB)" for name in (*SERVICES, "analysis worker (largest)")),
        )
    ]
    for run in runs:
        rows.append((
            str(run.workers), f"{run.files:,}", "yes" if run.complete else "NO", str(run.interruptions),
            f"{run.wall_seconds:.0f}",
            f"{run.catalog_files_per_min:,.0f}", f"{run.analysis_files_per_min:,.0f}",
            *(f"{run.peak_rss_mib.get(name, 0):.0f}" for name in (*SERVICES, "analysis worker (largest)")),
        ))  # fmt: skip
    out += ["Pipeline (steady rates: first file to last)", "", _table(rows), ""]
    for run in runs:
        series = [("t (s)", "catalog queue", "analysis queue", "cataloged", "analysed")]
        series += [
            (f"{s.seconds:.0f}", f"{s.catalog_queue:,}", f"{s.analysis_queue:,}", f"{s.cataloged:,}", f"{s.analysed:,}")
            for s in depth_series(run)
        ]
        out += [f"Queue depth over time, {run.workers} analysis worker(s)", "", _table(series), ""]
    if bus is not None:
        bus_rows = [
            ("bus (RabbitMQ, persistent, publisher confirms)", "messages/s"),
            ("publish, one at a time (each awaits its confirm)", f"{bus.publish_sequential_per_s:,.0f}"),
            ("publish, 64 in flight", f"{bus.publish_concurrent_per_s:,.0f}"),
            *((f"consume (no-op handler, prefetch {p})", f"{v:,.0f}") for p, v in bus.consume_per_s.items()),
        ]
        out += [f"Bus throughput ({bus.messages:,} messages each)", "", _table(bus_rows)]
    return "\n".join(out)


def machine_facts() -> list[tuple[str, str]]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    memory = _status_kib(os.getpid(), "VmRSS")
    del memory
    total = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                 if line.startswith("MemTotal"))  # fmt: skip
    rabbit = subprocess.run(["rabbitmqctl", "-q", "version"], capture_output=True, text=True, check=False).stdout
    return [
        ("CPU", f"{cpu}, {os.cpu_count()} cores"),
        ("memory", f"{total / 2**20:.1f} GiB"),
        ("Python", platform.python_version()),
        ("RabbitMQ", rabbit.strip() or "?"),
        ("load average before", " ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="clips per run (default 10,000)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 300 clips, 2,000 bus messages")
    parser.add_argument("--workers", default="1,2", help="analysis worker counts to run, comma-separated")
    parser.add_argument("--bus-messages", type=int, default=20_000, help="messages for the bus throughput part")
    parser.add_argument("--no-bus", action="store_true", help="skip the bus throughput part")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="give up on a run after this many seconds")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    files = 300 if args.quick else args.files
    bus_messages = 2_000 if args.quick else args.bus_messages
    facts = machine_facts()
    runs = []
    with tempfile.TemporaryDirectory(prefix="tracktion-load-") as scratch:
        for workers in (int(w) for w in args.workers.split(",")):
            runs.append(run_pipeline(files, workers, Path(scratch), args.timeout))
            note(f"{workers} worker(s): {runs[-1].wall_seconds:.0f} s")
    bus = None if args.no_bus else asyncio.run(_bus_throughput(bus_messages))
    facts.append(("load average after", " ".join(f"{x:.2f}" for x in os.getloadavg())))
    if args.json:  # first: a figure measured for minutes must not be lost to a printing bug
        args.json.write_text(json.dumps({"runs": [asdict(r) for r in runs], "bus": bus and asdict(bus)}, indent=2))
    print(report(runs, bus, facts))
    return 0 if all(run.complete for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
