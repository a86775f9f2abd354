"""inspect_file end to end on real files: hashes match, and a file that goes away or changes mid-read is noticed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
import xxhash
from catalog_audio import ToneFile, write_soundfile

from tracktion_catalog.adapters import files
from tracktion_catalog.adapters.files import Readable, Vanished, inspect_file
from tracktion_catalog.adapters.hashing import ReadIntoStream
from tracktion_catalog.domain.facts import Digests
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


def _wav(tmp_path: Path) -> Path:
    return write_soundfile(tmp_path / "tone.wav", 0.5, {})


def _during_read(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Run ``action`` in the middle of the read pass: after the file was opened and its tags read, before hashing.

    Deterministic, unlike a thread that sleeps and hopes the hashing is still going on.
    """
    real_hash_stream = files.hash_stream

    def hash_after_action(stream: ReadIntoStream, chunk_size: int) -> Digests:
        action()
        return real_hash_stream(stream, chunk_size)

    monkeypatch.setattr(files, "hash_stream", hash_after_action)


def test_a_file_deleted_while_it_is_read_vanished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _wav(tmp_path)
    _during_read(monkeypatch, path.unlink)
    assert inspect_file(str(path)) == Vanished("deleted while it was being read")


def test_a_file_that_grows_while_it_is_read_is_retried_later(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _wav(tmp_path)

    def append() -> None:
        with path.open("ab") as out:
            out.write(b"\x00" * 4096)

    _during_read(monkeypatch, append)
    with pytest.raises(FileInFlux, match="changed while it was being read") as caught:
        inspect_file(str(path))
    assert caught.value.delay is not None
