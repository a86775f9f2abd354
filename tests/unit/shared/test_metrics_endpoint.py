"""The service runner's /metrics: off without a port; with one, the bus's counters move as messages are handled."""

from __future__ import annotations

import asyncio
import urllib.request
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tracktion_shared import metrics
from tracktion_shared.bus.base import RetryPolicy
from tracktion_shared.bus.inprocess import InProcessBus
from tracktion_shared.config import Settings
from tracktion_shared.errors import PermanentError
from tracktion_shared.messages import FileDeleted, FileDiscovered, Message
from tracktion_shared.runtime import metrics_endpoint


def scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of ``/metrics``: (name, labels) -> value, parsed with prometheus_client's own parser."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_no_port_means_no_endpoint() -> None:
    with metrics_endpoint(Settings(metrics_port=None)) as server:
        assert server is None


def test_port_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKTION_METRICS_PORT", "9464")
    assert Settings().metrics_port == 9464
    monkeypatch.setenv("TRACKTION_METRICS_PORT", "70000")
    with pytest.raises(ValueError, match="metrics_port"):
        Settings()


async def test_counters_move_as_messages_are_handled_retried_and_dead_lettered() -> None:
    consumer = f"metrics-{uuid.uuid4().hex[:8]}"  # a label no other test counts under
    handled: list[Message] = []

    async def handler(message: Message) -> None:
        if isinstance(message, FileDeleted):
            raise PermanentError("refused on purpose")
        if isinstance(message, FileDiscovered) and message.path.endswith("flaky"):
            raise RuntimeError("fails every time: retried, then dead-lettered")
        handled.append(message)

    bus = InProcessBus(RetryPolicy(max_retries=2, base_delay=0.01), close_timeout=5)
    bus.subscribe(consumer, [FileDiscovered, FileDeleted], handler)
    with metrics_endpoint(Settings(metrics_port=0)) as server:
        assert server is not None
        before = await asyncio.to_thread(scrape, server.port)
        assert sample(before, "tracktion_messages_handled_total", consumer=consumer, type="file.discovered") == 0
        async with bus:
            for i in range(3):
                await bus.publish(FileDiscovered(path=f"/music/{i}.flac"))
            await bus.publish(FileDiscovered(path="/music/flaky"))
            await bus.publish(FileDeleted(path="/music/gone.flac"))
            await bus.publish_raw("file.discovered", b"not json")
            await bus.wait_idle()
        after = await asyncio.to_thread(scrape, server.port)
    assert len(handled) == 3

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("tracktion_messages_handled_total", consumer=consumer, type="file.discovered") == 3
    assert moved("tracktion_messages_retried_total", consumer=consumer, type="file.discovered") == 2
    assert moved("tracktion_messages_dead_lettered_total", consumer=consumer, type="file.discovered") == 1
    assert moved("tracktion_messages_dead_lettered_total", consumer=consumer, type="file.deleted") == 1
    assert moved("tracktion_messages_dead_lettered_total", consumer=consumer, type="undecodable") == 1
    # 3 handled + 3 attempts of the flaky one + 1 refused + 1 undecodable, each timed once
    assert moved("tracktion_handler_seconds_count", consumer=consumer) == 8
    assert moved("tracktion_handler_seconds_bucket", consumer=consumer, le="+Inf") == 8
    assert len(await bus.dead_letters(consumer)) == 3


def test_the_server_releases_its_port() -> None:
    server = metrics.serve(0, "127.0.0.1")
    port = server.port
    server.close()
    again = metrics.serve(port, "127.0.0.1")  # would fail with "address in use" had the first one kept it
    again.close()


def test_exposed_names_are_what_prometheus_sees() -> None:
    assert "tracktion_files_cataloged_total" in metrics.METRIC_NAMES
    assert "tracktion_analysis_seconds_bucket" in metrics.METRIC_NAMES
    assert "tracktion_outbox_backlog" in metrics.METRIC_NAMES
    assert all(name.startswith("tracktion_") for name in metrics.METRIC_NAMES)
