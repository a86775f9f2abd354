"""inspect_file end to end on real files: hashes match, and a file that goes away or changes mid-read is noticed."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import xxhash
from catalog_audio import ToneFile, write_soundfile

from tracktion_catalog.adapters.files import Readable, Vanished, inspect_file
from tracktion_catalog.errors import FileInFlux


def test_readable_file_has_reference_hashes_and_its_stat(tone_file: ToneFile) -> None:
    path = tone_file("tone.wav", seconds=1.0)
    data = path.read_bytes()
    result = inspect_file(str(path), 4096)
    assert isinstance(result, Readable)
    assert result.digests.sha256 == hashlib.sha256(data).hexdigest()
    assert result.digests.xxh128 == xxhash.xxh3_128_hexdigest(data)
    assert (result.size, result.mtime) == (path.stat().st_size, path.stat().st_mtime)


def test_a_file_that_does_not_exist_vanished(tmp_path: Path) -> None:
    assert inspect_file(str(tmp_path / "gone.wav")) == Vanished("deleted before it could be read")


def _big_wav(tmp_path: Path) -> Path:
    """A valid WAV header followed by 256 MiB of sparse silence: hashing it takes a while, storing it takes nothing."""
    path = write_soundfile(tmp_path / "long.wav", 0.1, {})
    with path.open("r+b") as out:
        out.truncate(256 * 1024 * 1024)
    return path


def _during_read(path: Path, action: Callable[[], None]) -> threading.Thread:
    """Run ``action`` once the file is being read (its atime cannot tell us, so: shortly after the read starts)."""

    def later() -> None:
        time.sleep(0.15)
        action()

    thread = threading.Thread(target=later)
    thread.start()
    return thread


def test_a_file_deleted_while_it_is_read_vanished(tmp_path: Path) -> None:
    path = _big_wav(tmp_path)
    thread = _during_read(path, path.unlink)
    started = time.perf_counter()
    result = inspect_file(str(path))
    thread.join()
    if time.perf_counter() - started < 0.15:
        pytest.skip("hashing 256 MiB finished before the file could be deleted")
    assert result == Vanished("deleted while it was being read")


def test_a_file_that_grows_while_it_is_read_is_retried_later(tmp_path: Path) -> None:
    path = _big_wav(tmp_path)

    def append() -> None:
        with path.open("ab") as out:
            out.write(b"\x00" * 4096)
            os.fsync(out.fileno())

    thread = _during_read(path, append)
    started = time.perf_counter()
    try:
        inspect_file(str(path))
    except FileInFlux as exc:
        caught: FileInFlux | None = exc
    else:
        caught = None
    thread.join()
    if caught is None and time.perf_counter() - started < 0.15:
        pytest.skip("hashing 256 MiB finished before the file could grow")
    assert caught is not None
    assert "changed while it was being read" in str(caught)
    assert caught.delay is not None
