"""One read pass gives exactly hashlib's SHA-256 and xxhash's XXH3-128, in bounded memory, without holding the GIL."""

from __future__ import annotations

import hashlib
import os
import random
import sys
import tracemalloc
from pathlib import Path

import pytest
import xxhash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracktion_catalog.adapters.hashing import hash_file, hash_stream, short_gil_turns
from tracktion_catalog.domain.facts import Digests

CHUNK = 64 * 1024


def reference(data: bytes) -> Digests:
    return Digests(hashlib.sha256(data).hexdigest(), xxhash.xxh3_128_hexdigest(data))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    size=st.one_of(
        st.just(0),
        st.integers(1, 3 * CHUNK),
        st.sampled_from([CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK]),
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_one_pass_equals_the_reference_hashes(tmp_path: Path, size: int, seed: int) -> None:
    data = random.Random(seed).randbytes(size)
    path = tmp_path / f"f{seed}-{size}"
    path.write_bytes(data)
    assert hash_file(path, CHUNK) == reference(data)


def test_empty_file_hashes_to_the_empty_digests(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert hash_file(path) == reference(b"")


@pytest.mark.parametrize("chunk_size", [1, 7, 4096, 1024 * 1024])
def test_any_chunk_size_gives_the_same_digests(tmp_path: Path, chunk_size: int) -> None:
    data = os.urandom(100_003)
    path = tmp_path / "data"
    path.write_bytes(data)
    assert hash_file(path, chunk_size) == reference(data)


def test_a_buffered_stream_works_too(tmp_path: Path) -> None:
    data = os.urandom(300_000)
    path = tmp_path / "data"
    path.write_bytes(data)
    with path.open("rb") as stream:
        stream.read(10)  # whatever was read already is not hashed
        assert hash_stream(stream, CHUNK) == reference(data[10:])


def test_chunk_size_must_be_positive(tmp_path: Path) -> None:
    path = tmp_path / "data"
    path.write_bytes(b"x")
    with pytest.raises(ValueError, match="positive"):
        hash_file(path, 0)


def test_memory_stays_at_one_chunk_for_a_200_mb_file(tmp_path: Path) -> None:
    """A sparse 200 MB file (no disk used) is read in full; Python allocates about one chunk, not the file."""
    path = tmp_path / "big.wav"
    with path.open("wb") as out:
        out.truncate(200 * 1024 * 1024)
    tracemalloc.start()
    try:
        digests = hash_file(path, 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes"
    sha256, xxh128, zeros = hashlib.sha256(), xxhash.xxh3_128(), bytes(1024 * 1024)
    for _ in range(200):
        sha256.update(zeros)
        xxh128.update(zeros)
    assert digests == Digests(sha256.hexdigest(), xxh128.hexdigest())


def test_short_gil_turns_shortens_the_switch_interval_only_within_the_block() -> None:
    before = sys.getswitchinterval()
    with short_gil_turns(0.0002):
        assert sys.getswitchinterval() == pytest.approx(0.0002, abs=2e-6)
        with short_gil_turns(0.01):  # never lengthens it
            assert sys.getswitchinterval() == pytest.approx(0.0002, abs=2e-6)
        assert sys.getswitchinterval() == pytest.approx(0.0002, abs=2e-6)
    assert sys.getswitchinterval() == before
