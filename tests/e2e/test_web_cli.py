"""``tracktion ui`` as a person runs it: refuses an open bind without a token, says what is missing, serves, stops."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from ports import free_port

from tracktion_shared.storage import upgrade


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKTION_")}
    return env | {"TRACKTION_DATA_DIR": str(data_dir), "TRACKTION_LOG_FORMAT": "console"} | extra


def ui(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracktion", "ui", *args],
        env=env_for(data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_open_bind_needs_a_token(tmp_path: Path) -> None:
    result = ui(tmp_path, "--host", "0.0.0.0")
    assert result.returncode == 2
    assert "TRACKTION_UI_TOKEN" in result.stderr
    short = ui(tmp_path, "--host", "0.0.0.0", TRACKTION_UI_TOKEN="short")
    assert short.returncode != 0
    assert "at least 16" in short.stderr


def test_no_catalog_yet_is_said_and_nothing_is_created(tmp_path: Path) -> None:
    result = ui(tmp_path / "data")
    assert result.returncode == 2
    assert "tracktion scan FOLDER" in result.stderr
    assert not (tmp_path / "data" / "tracktion.db").exists()


def test_serves_until_interrupted_and_says_how_to_get_in(tmp_path: Path) -> None:
    data = tmp_path / "data"
    asyncio.run(upgrade(f"sqlite:///{data / 'tracktion.db'}"))
    port = free_port()
    token = "cli-test-token-0a1b2c3d4e5f"
    process = subprocess.Popen(
        [sys.executable, "-m", "tracktion", "ui", "--host", "0.0.0.0", "--port", str(port)],
        env=env_for(data, TRACKTION_UI_TOKEN=token),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/api/status", headers={"authorization": f"Bearer {token}"}
                )
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "the UI did not start within 60 s"
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json()["total"] == 0
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in err
    assert "every request needs the token" in err
    assert token not in err
