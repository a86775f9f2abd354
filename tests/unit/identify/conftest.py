"""A small library of generated tracks, indexed in a throwaway SQLite index, for the identify tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from identify_audio import Audio, track
from identify_index import LIBRARY, Library, add_track

from tracktion_identify.adapters.sqlite_index import SqliteIndex


@pytest.fixture(scope="module")
def tracks() -> dict[int, Audio]:
    return {seed: track(seed, seconds=90.0) for seed in range(1, LIBRARY + 3)}


@pytest.fixture
def library(tmp_path: Path, tracks: dict[int, Audio]) -> Iterator[Library]:
    index = SqliteIndex(tmp_path / "fingerprints.db")
    for seed in range(1, LIBRARY + 1):
        add_track(index, seed, tracks[seed])
    yield Library(index, tracks)
    index.close()
