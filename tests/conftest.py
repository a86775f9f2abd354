"""Shared by every test: server markers that skip when the server is absent (never in CI), and ../shared fixtures."""

from __future__ import annotations

import functools
import os
import socket
from pathlib import Path

import pytest

# marker -> port on 127.0.0.1
SERVER_PORTS = {"postgres": 5432, "redis": 6379, "rabbitmq": 5672}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@functools.cache
def _answers(port: int) -> bool:
    """True when something accepts a TCP connection on 127.0.0.1:port; checked once per session."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip server tests whose server is down, except in CI (there a missing server must fail loudly)."""
    no_server_control = os.environ.get("TRACKTION_TEST_NO_SERVER_CONTROL") == "1"
    in_ci = _in_ci()
    for item in items:
        if no_server_control and item.get_closest_marker("disruptive"):
            item.add_marker(
                pytest.mark.skip(reason="TRACKTION_TEST_NO_SERVER_CONTROL=1: this test restarts or cuts off a server")
            )
            continue
        if in_ci:
            continue
        for marker, port in SERVER_PORTS.items():
            if item.get_closest_marker(marker) and not _answers(port):
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"{marker} does not answer on 127.0.0.1:{port} "
                        "(`make services-up` starts it; in CI this test fails instead)"
                    )
                )
                break


@pytest.fixture(scope="session")
def shared_fixtures_dir() -> Path:
    """``../shared/fixtures`` beside the checkout (real pages kept for testing); skips the test when it is absent."""
    path = Path(__file__).parents[1].parent / "shared" / "fixtures"
    if not path.is_dir():
        pytest.skip("../shared is absent (CI always has it)")
    return path
