"""Fixtures of the bus tests: one harness per bus kind (the contract runs on both), and an in-memory span exporter."""

from __future__ import annotations

import asyncio
import io
import logging
import os
from collections.abc import AsyncIterator, Iterator

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tracktion_shared.bus.testing import DEFAULT_TEST_AMQP_URL, BusHarness
from tracktion_shared.logs import configure_logging
from tracktion_shared.tracing import configure_tracing

AMQP_URL = os.environ.get("TRACKTION_TEST_AMQP_URL", DEFAULT_TEST_AMQP_URL)


@pytest.fixture(params=["inprocess", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
async def bus_factory(request: pytest.FixtureRequest) -> AsyncIterator[BusHarness]:
    """Call it for a fresh, unstarted bus on this test's own prefix (``test_<uuid8>``, 50 ms first retry delay).

    Every bus it built is closed afterwards and, on RabbitMQ, the prefix's queues and exchange are deleted.
    """
    harness = BusHarness(request.param, amqp_url=AMQP_URL)
    try:
        yield harness
    finally:
        await asyncio.wait_for(harness.cleanup(), timeout=30)


@pytest.fixture
async def rabbit_factory() -> AsyncIterator[BusHarness]:
    """Like ``bus_factory`` but RabbitMQ only (mark the test ``rabbitmq``)."""
    harness = BusHarness("rabbitmq", amqp_url=AMQP_URL)
    try:
        yield harness
    finally:
        await asyncio.wait_for(harness.cleanup(), timeout=30)


@pytest.fixture(scope="session")
def _session_span_exporter() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    configure_tracing("test", SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def span_exporter(_session_span_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    """Finished spans of this test (the provider is process-wide, so one exporter is installed once and cleared)."""
    _session_span_exporter.clear()
    yield _session_span_exporter
    _session_span_exporter.clear()


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The JSON lines the production logging set-up writes, captured; the root logger is restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    noisy = {name: logging.getLogger(name).level for name in ("aiormq", "aio_pika", "httpx", "httpcore")}
    stream = io.StringIO()
    configure_logging("bus-test", "INFO", "json", stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in noisy.items():
            logging.getLogger(name).setLevel(level)
