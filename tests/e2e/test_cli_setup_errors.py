"""A setup the CLI cannot work with ends in one line on stderr, naming the file or setting and what to do; status 2.

Through the real command (a subprocess), because what is under test is what a person sees: no traceback, no
driver message without a file name. The read-only data directory: tests run as root, for whom ``chmod 0555`` does
not bind, so that case runs the command as ``nobody`` (``setpriv``) when root, and a path whose parent is a regular
file stands in for "cannot be created" for every user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest


def tracktion(*args: str, env: dict[str, str], user: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRACKTION_")}
    return subprocess.run(
        [*(user or []), sys.executable, "-m", "tracktion", *args],
        check=False,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single ``error:`` line of a command that refused to start (and nothing else on stderr)."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def music(tmp_path: Path) -> Path:
    folder = tmp_path / "music"
    folder.mkdir()
    (folder / "not-even-audio.txt").write_text("scan must refuse before it reads anything")
    return folder


@pytest.mark.parametrize("command", ["list", "scan"])
def test_a_database_file_overwritten_with_garbage(tmp_path: Path, music: Path, command: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    database = data / "tracktion.db"
    database.write_bytes(os.urandom(8192))
    args = ["scan", "--no-analysis", "--no-tracklists", str(music)] if command == "scan" else ["list"]
    line = one_line_error(tracktion(*args, env={"TRACKTION_DATA_DIR": str(data)}))
    assert line == (
        f"error: {database} is not a SQLite database (file is not a database): move it aside to start a new "
        "catalog, or set TRACKTION_DATA_DIR (or TRACKTION_DATABASE_URL) to another place"
    )


@pytest.mark.parametrize("command", ["list", "scan"])
def test_a_data_directory_that_cannot_be_created(tmp_path: Path, music: Path, command: str) -> None:
    """Its parent is a regular file: mkdir fails with ENOTDIR for root too."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    args = ["scan", "--no-analysis", "--no-tracklists", str(music)] if command == "scan" else ["list"]
    line = one_line_error(tracktion(*args, env={"TRACKTION_DATA_DIR": str(blocker / "sub")}))
    assert line == (
        f"error: cannot create {blocker / 'sub'} for the catalog database (Not a directory): set TRACKTION_DATA_DIR "
        "(or TRACKTION_DATABASE_URL) to a directory you can write"
    )


def test_a_read_only_data_directory() -> None:
    user: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root (chmod does not bind) and no setpriv to run the command as nobody")
        user = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    # not under tmp_path: pytest's base directory is private to root, and nobody must reach the directory to be
    # refused by it rather than by its parents
    with tempfile.TemporaryDirectory(prefix="tracktion-ro-") as folder:
        Path(folder).chmod(0o755)
        read_only = Path(folder) / "read-only"
        read_only.mkdir()
        read_only.chmod(0o555)
        result = tracktion("list", env={"TRACKTION_DATA_DIR": str(read_only), "HOME": folder}, user=user)
        assert one_line_error(result) == (
            f"error: {read_only}, where the catalog database lives, is not writable: set TRACKTION_DATA_DIR "
            "(or TRACKTION_DATABASE_URL) to a directory you can write"
        )


def test_a_ui_token_that_is_too_short(tmp_path: Path) -> None:
    result = tracktion("ui", env={"TRACKTION_UI_TOKEN": "short", "TRACKTION_DATA_DIR": str(tmp_path)})
    line = one_line_error(result)
    assert line == (
        "error: TRACKTION_UI_TOKEN must be at least 16 characters of A-Z a-z 0-9 . _ ~ + / = - "
        "(e.g. the output of `openssl rand -hex 24`)"
    )
    assert "short" not in line  # a secret, even a bad one, is never printed


def test_any_setting_out_of_range_is_named_the_same_way(tmp_path: Path) -> None:
    env = {"TRACKTION_DATA_DIR": str(tmp_path), "TRACKTION_BUS_PREFETCH": "0", "TRACKTION_LOG_LEVEL": "LOUD"}
    assert one_line_error(tracktion("list", env=env)) == (
        "error: TRACKTION_LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'; "
        "TRACKTION_BUS_PREFETCH: Input should be greater than or equal to 1"
    )
