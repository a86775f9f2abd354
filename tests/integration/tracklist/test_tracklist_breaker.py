"""Offline is detected, not retried into the ground: the per-host circuit breaker of the tracklist service.

Offline, each long recording used to cost its own connect attempts, the client's retry waits and then the bus's
(5 + 10 + 20 s): ten sets took eight minutes, and nothing was recorded. Now the first connect failure opens the
breaker, the other look-ups are deferred at once (no request, no sleep), the outage is logged once, and every
look-up ends as ``TracklistNotFound(unreachable=True)`` with a time to try again. Nothing here leaves 127.0.0.1: the
offline site is a local port nobody listens on, the blocking one a pytest-httpserver.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import uuid
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from tracklist_site import fixture_page
from werkzeug import Response

from tracktion_shared.bus import InProcessBus, RetryPolicy
from tracktion_shared.cache import MemoryCache
from tracktion_shared.config import Settings
from tracktion_shared.messages import Message, RecordingCataloged, TracklistFound, TracklistNotFound
from tracktion_tracklist import TracklistSettings, register
from tracktion_tracklist.jobs.lookup import TracklistLookup

TRACKLIST_PATH = "/tracklist/abc123/test-dj-other-dj-fabric-london-2024-03-09.html"


def closed_port() -> int:
    """A local port that refuses connections: bound (so it is free), then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def long_set(tmp_path: Path, n: int) -> RecordingCataloged:
    """The n-th copy of a four-hour set whose name matches the fixture search results."""
    folder = tmp_path / f"copy{n}"
    folder.mkdir(exist_ok=True)
    path = folder / "Test DJ & Other DJ @ Fabric London 2024-03-09 [4hr set].mp3"
    path.write_bytes(b"ID3")
    return RecordingCataloged(
        recording_id=uuid.uuid4(), path=str(path), sha256="a" * 64, xxh128="b" * 32, duration_seconds=4 * 3600.0
    )


def html(name: str) -> Response:
    return Response(fixture_page(name), content_type="text/html; charset=utf-8")


class Recorder:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle(self, message: Message) -> None:
        self.messages.append(message)


async def test_ten_offline_lookups_are_deferred_within_seconds_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The defaults a user has (one request per 3 s, 4 tries from 2 s, bus retries from 5 s), only the site is gone.
    settings = TracklistSettings(base_url=f"http://127.0.0.1:{closed_port()}")
    bus = InProcessBus(RetryPolicy(max_retries=3, base_delay=5.0), prefetch=16)
    recorder = Recorder()
    register(bus, MemoryCache(), Settings(), tracklist_settings=settings)
    bus.subscribe("recorder", [TracklistFound, TracklistNotFound], recorder.handle)
    caplog.set_level(logging.INFO, logger="tracktion")
    started = time.monotonic()
    await bus.start()
    try:
        for n in range(10):
            await bus.publish(long_set(tmp_path, n))
        await asyncio.wait_for(bus.wait_idle(), 60)
        elapsed = time.monotonic() - started
        assert await bus.dead_letters("tracklist") == []
    finally:
        await bus.close()
    assert elapsed < 30  # a generous bound on a fault path; it takes well under a second here
    assert len(recorder.messages) == 10
    assert all(isinstance(m, TracklistNotFound) and m.unreachable and not m.blocked for m in recorder.messages)
    assert all(isinstance(m, TracklistNotFound) and m.retry_after is not None for m in recorder.messages)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "unreachable: look-ups deferred until" in warnings[0].getMessage()
    assert getattr(warnings[0], "breaker", None) == "open"


async def test_no_request_reaches_a_blocking_site_until_the_cool_down_then_one_trial_closes_it(
    site: HTTPServer, site_settings: TracklistSettings, tmp_path: Path
) -> None:
    site.expect_ordered_request("/search/result.php").respond_with_response(html("ip-block.html"))
    site.expect_request("/search/result.php").respond_with_response(html("search-results.html"))
    site.expect_request(TRACKLIST_PATH).respond_with_response(html("tracklist-small.html"))
    settings = site_settings.model_copy(update={"block_delay": 300.0, "block_delay_max": 3600.0})
    now = [0.0]
    bus = InProcessBus()
    recorder = Recorder()
    bus.subscribe("recorder", [TracklistFound, TracklistNotFound], recorder.handle)
    await bus.start()
    try:
        job = TracklistLookup(bus, None, settings, clock=lambda: now[0])  # no cache: every page is asked for
        await job.handle(long_set(tmp_path, 0))
        assert len(site.log) == 1
        assert job.breaker.state(job.host) == "open"
        for n in range(1, 6):  # look-ups during the cool-down: none reaches the server
            now[0] += 50
            await job.handle(long_set(tmp_path, n))
        assert len(site.log) == 1

        now[0] = 301.0  # past the cool-down: three look-ups at once, only one of them asks (half-open)
        trial = asyncio.create_task(job.handle(long_set(tmp_path, 6)))
        await asyncio.sleep(0)  # the trial has taken its permit and is on the wire
        assert job.breaker.state(job.host) == "half-open"
        await asyncio.gather(job.handle(long_set(tmp_path, 7)), job.handle(long_set(tmp_path, 8)))
        await trial
        assert job.breaker.state(job.host) == "closed"
        assert [req.path for req, _ in site.log] == ["/search/result.php", "/search/result.php", TRACKLIST_PATH]

        await job.handle(long_set(tmp_path, 9))  # closed: asked at once
        assert len(site.log) == 5
        await asyncio.wait_for(bus.wait_idle(), 5)
    finally:
        await bus.close()
    outcomes = [type(m).__name__ for m in recorder.messages]
    assert outcomes.count("TracklistFound") == 2
    deferred = [m for m in recorder.messages if isinstance(m, TracklistNotFound)]
    assert len(deferred) == 8  # the block, five during the cool-down, two while the trial was under way
    assert all(m.blocked and m.retry_after is not None for m in deferred)
