"""Helpers of the identify tests: fingerprinting samples directly, a library of generated tracks in an index."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from identify_audio import Audio

from tracktion_identify.adapters.index import IndexedRecording
from tracktion_identify.adapters.sqlite_index import SqliteIndex
from tracktion_identify.identifier import Fingerprint, fingerprint

#: library tracks are seeds 1..LIBRARY; seeds above are music the library does not hold
LIBRARY = 6

__all__ = ["LIBRARY", "Library", "add_track", "fingerprint_of", "recording_id"]


def fingerprint_of(audio: Audio, name: str = "memory") -> Fingerprint:
    """Fingerprint samples at 8 kHz directly (no decoder)."""
    return fingerprint(Path(name), blocks=[audio[i : i + 4096] for i in range(0, audio.size, 4096)])


def recording_id(seed: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_OID, f"track-{seed}")


@dataclass
class Library:
    index: SqliteIndex
    tracks: dict[int, Audio]

    def add_set(self, audio: Audio, set_id: uuid.UUID) -> Fingerprint:
        found = fingerprint_of(audio, "set")
        digest = hashlib.sha256(audio.tobytes()).hexdigest()
        self.index.add(IndexedRecording(set_id, digest, found.seconds, True), found.index_quads)
        return found


def add_track(index: SqliteIndex, seed: int, audio: Audio) -> Fingerprint:
    found = fingerprint_of(audio, f"track-{seed}")
    index.add(
        IndexedRecording(recording_id(seed), f"content-{seed}", found.seconds, False, title=f"Track {seed}"),
        found.index_quads,
    )
    return found
