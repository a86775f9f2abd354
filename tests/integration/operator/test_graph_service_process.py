"""The graph Deployment's command, ``python -m tracktion_shared.graph``, as a real process on the real RabbitMQ.

It is what the operator renders for the graph writer's pod: this checks that the entry point starts, consumes the
``graph`` queue, serves /metrics on ``TRACKTION_METRICS_PORT`` with its counters moving, and stops cleanly on SIGTERM
(the exit code a rolling update sees).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from ports import free_port
from prometheus_client.parser import text_string_to_metric_families

from tracktion_shared.bus.testing import DEFAULT_TEST_AMQP_URL, BusHarness
from tracktion_shared.messages import RecordingGraphState
from tracktion_shared.routes import GRAPH, ROUTES

AMQP_URL = os.environ.get("TRACKTION_TEST_AMQP_URL", DEFAULT_TEST_AMQP_URL)


def handled(port: int) -> float | None:
    """``tracktion_messages_handled_total`` of the graph consumer, or None while /metrics does not answer yet."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            text = response.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "tracktion_messages_handled_total" and sample.labels.get("consumer") == GRAPH:
                total += sample.value
    return total


async def until(check: Callable[[], bool], within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not reached in time")
        await asyncio.sleep(0.2)


@pytest.fixture
async def harness() -> AsyncIterator[BusHarness]:
    bus_harness = BusHarness("rabbitmq", amqp_url=AMQP_URL)
    try:
        yield bus_harness
    finally:
        await bus_harness.cleanup()


@pytest.mark.rabbitmq
async def test_graph_entry_point_consumes_and_serves_metrics(harness: BusHarness, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "TRACKTION_AMQP_URL": AMQP_URL,
        "TRACKTION_BUS_PREFIX": harness.prefix,
        "TRACKTION_DATA_DIR": str(tmp_path),  # the embedded graph file: no Neo4j needed for the entry point
        "TRACKTION_METRICS_PORT": str(port),
        "TRACKTION_LOG_FORMAT": "console",
    }
    for name in ("TRACKTION_NEO4J_URL", "TRACKTION_DATABASE_URL", "TRACKTION_REDIS_URL"):
        env.pop(name, None)
    process = subprocess.Popen(  # noqa: ASYNC220  (started once, watched with asyncio polling below)
        [sys.executable, "-m", "tracktion_shared.graph"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        await until(lambda: handled(port) is not None or process.poll() is not None)
        assert process.poll() is None, "the graph service exited at start"
        assert handled(port) == 0
        publisher = harness(declare=ROUTES)
        async with publisher:
            for i in range(2):
                await publisher.publish(
                    RecordingGraphState(
                        recording_id=uuid.uuid4(),
                        path=f"/music/set-{i}.flac",
                        metadata={"artist": "Test DJ"},
                        digest=f"{i:032x}",
                    )
                )
            await until(lambda: handled(port) == 2)
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.to_thread(process.communicate, timeout=30)
        assert process.returncode == 0, output.decode(errors="replace")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()  # a failed test must not leave the pipe to a later test's garbage collection
