"""Shared by every test: server markers that skip when the server is absent (never in CI), and ../shared fixtures."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest
import soundfile
from psycopg import sql
from sqlalchemy.engine import make_url

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


# -- generated audio ------------------------------------------------------------------------------------------------

#: formats soundfile writes itself; the rest go through ffmpeg
_SOUNDFILE_FORMATS = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG", ".aiff": "AIFF", ".aif": "AIFF"}


class AudioMaker:
    """Writes short real audio files (a sine tone, distinct per frequency) in any format the product reads."""

    def __init__(self, ffmpeg: str | None) -> None:
        self.ffmpeg = ffmpeg

    def __call__(
        self,
        path: Path,
        *,
        seconds: float = 1.0,
        freq: float = 440.0,
        rate: int = 44_100,
        channels: int = 2,
        tags: dict[str, str] | None = None,
    ) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        t = np.arange(int(seconds * rate)) / rate
        tone = 0.3 * np.sin(2 * np.pi * freq * t)
        data = np.repeat(tone[:, None], channels, axis=1) if channels > 1 else tone
        suffix = path.suffix.lower()
        if suffix in _SOUNDFILE_FORMATS and not tags:
            soundfile.write(path, data, rate, format=_SOUNDFILE_FORMATS[suffix])
            return path
        if self.ffmpeg is None:
            pytest.skip(f"ffmpeg is needed to write {suffix} files (apt-get install ffmpeg; CI installs it)")
        source = path.with_name(path.name + ".src.wav")
        soundfile.write(source, data, rate, format="WAV")
        metadata = [arg for key, value in (tags or {}).items() for arg in ("-metadata", f"{key}={value}")]
        subprocess.run(
            [self.ffmpeg, "-v", "error", "-y", "-i", str(source), *metadata, str(path)], check=True, timeout=60
        )
        source.unlink()
        return path


@pytest.fixture(scope="session")
def make_audio() -> AudioMaker:
    """``make_audio(path, seconds=1, freq=440, tags={...})`` writes a real audio file in the format of its suffix."""
    return AudioMaker(shutil.which("ffmpeg"))


# -- throwaway PostgreSQL databases ---------------------------------------------------------------------------------

#: a role allowed to create databases; trust authentication as on the CI machine
POSTGRES_ADMIN_URL = os.environ.get("TRACKTION_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def _throwaway_database(prefix: str) -> Iterator[str]:
    """A new, empty database with a unique name: its URL; dropped afterwards even if a connection leaked."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def new_postgres_database() -> Callable[[str], contextlib.AbstractContextManager[str]]:
    """``with new_postgres_database("tracktion_test") as url:`` — the one way tests get a database of their own."""
    return _throwaway_database
