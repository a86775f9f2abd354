"""A stand-in for 1001tracklists on 127.0.0.1 (pytest-httpserver), and the fixture pages it serves.

The server is threaded so a deliberately slow handler (timeout tests) does not hold up the next request.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tracktion_tracklist import TracklistSettings


@pytest.fixture(scope="module")
def site_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def site(site_server: HTTPServer) -> Iterator[HTTPServer]:
    site_server.clear()
    yield site_server
    site_server.clear()


@pytest.fixture
def site_settings(site: HTTPServer, tmp_path: Path) -> TracklistSettings:
    """Fast, local settings: no rate limit, tiny backoff, short timeouts."""
    return TracklistSettings(
        base_url=site.url_for("/").rstrip("/"),
        request_interval=0,
        backoff_initial=0.01,
        backoff_max=0.05,
        connect_timeout=1.0,
        read_timeout=1.0,
        max_attempts=3,
        retry_after_max=5,
        block_delay=30,
        block_delay_max=120,
    )
