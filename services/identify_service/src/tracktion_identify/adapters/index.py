"""The fingerprint index: every fingerprinted recording's sparse quads, looked up by hash.

One contract, two stores: :class:`~tracktion_identify.adapters.sqlite_index.SqliteIndex` (the embedded default, a
file in the data dir) and :class:`~tracktion_identify.adapters.postgres_index.PostgresIndex` (the cluster, shared
by every replica); ``tests/integration/identify/test_index_contract.py`` runs the same suite against both.

Why these stores. The index is a multimap from a 64-bit hash to (recording, position): written once per recording
in bulk, read as hundreds of thousands of point look-ups per query. A B-tree keyed by ``(hash, ref, position)``
(SQLite ``WITHOUT ROWID``, a PostgreSQL primary key) answers a look-up with one descent and keeps the rows of one
hash together on a page, and both take bulk writes in one transaction; the benchmark
(``benchmarks/identify/``) reports the index's bytes per audio hour and the look-up speed at 1,000 and 10,000
tracks. SQLite is what the embedded catalog already runs on, so it adds no dependency, and it is a file apart from
the catalog's: bulk fingerprint writes never hold the catalog's write lock, and the file can be deleted to rebuild.

The index is derived data: its schema carries :data:`FINGERPRINT_VERSION`; a store built by another version of the
fingerprint is emptied on open (its hashes would never match), and the catalog's per-recording state asks for every
recording to be fingerprinted again.

Positions are packed into one integer (frame << 18 | pitch << 8 | span) so a row is three integers.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import numpy as np
import numpy.typing as npt

from tracktion_identify.domain.fingerprint import Quads
from tracktion_identify.domain.result import FoundTrack

__all__ = [
    "COMMON_ROWS",
    "FINGERPRINT_VERSION",
    "RECORDING_COLUMNS",
    "FingerprintIndex",
    "Hits",
    "IndexStats",
    "IndexedRecording",
    "found_from_row",
    "hits_of",
    "merged_ranges",
    "pack_positions",
    "recording_from_row",
    "unpack_positions",
]

#: bumped whenever the hashes change meaning (parameters of the fingerprint): a store of another version is emptied
FINGERPRINT_VERSION = "quad-2"

#: a key range holding more rows than this is not fetched: a quad shape that many recordings share (the same drum
#: sample on every other track) tells none of them apart, and fetching it is most of a look-up's work (the stop
#: list of text search, audfprint's bucket limit)
COMMON_ROWS = 64

_PITCH_BITS, _SPAN_BITS = 10, 8
#: the ``recordings`` columns :func:`recording_from_row` reads, in its order
RECORDING_COLUMNS = "recording_id, content_hash, seconds, is_set, path, artist, title"


@dataclass(frozen=True)
class IndexedRecording:
    """A fingerprinted recording: the catalog's id, its content, its length, whether it is a set.

    ``path``, ``artist`` and ``title`` are what the catalog said when it was fingerprinted (updated when the file
    moves), so a tracklist of found tracks can name them without asking the catalog.
    """

    recording_id: UUID
    content_hash: str
    seconds: float
    is_set: bool
    path: str = ""
    artist: str = ""
    title: str = ""


@dataclass(frozen=True)
class Hits:
    """The index rows found for a batch of hashes: ``hash`` repeats once per row; ``ref`` is the store's own id."""

    hash: npt.NDArray[np.int64]
    ref: npt.NDArray[np.int64]
    frame: npt.NDArray[np.int64]
    pitch: npt.NDArray[np.int64]
    span: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.ref.size)


@dataclass(frozen=True)
class IndexStats:
    recordings: int
    sets: int
    hashes: int
    audio_seconds: float
    bytes: int


class FingerprintIndex(Protocol):
    """What the identify service needs of a store. Methods are blocking: callers run them in a worker thread."""

    def add(self, recording: IndexedRecording, quads: Quads) -> int:
        """Store ``recording``'s quads (replacing any it had); returns its ref."""
        ...

    def has_content(self, content_hash: str) -> IndexedRecording | None:
        """The recording already fingerprinted with this content, if any (a copy is fingerprinted once)."""
        ...

    def relabel(self, recording: IndexedRecording) -> None:
        """Update the catalog id, path and names of the fingerprint of ``recording.content_hash`` (a move, new tags)."""
        ...

    def remove(self, recording_id: UUID) -> None: ...

    def lookup(
        self, lower: npt.NDArray[np.int64], upper: npt.NDArray[np.int64], *, sets: bool, common: int = COMMON_ROWS
    ) -> Hits:
        """Rows with a key in any of the inclusive ranges ``lower[i]..upper[i]``, each row once, in key order,
        belonging to sets (``sets``) or to tracks (not ``sets``); a (merged) range holding more than ``common``
        rows of either kind is skipped whole."""
        ...

    def recordings(self, refs: Sequence[int]) -> dict[int, IndexedRecording]: ...

    def recordings_by_id(self, ids: Collection[UUID]) -> dict[UUID, IndexedRecording]: ...

    def save_detections(self, set_id: UUID, detections: Sequence[FoundTrack], *, replace: bool) -> None:
        """The tracks found in a set: all of them (``replace``), or more found later (added, same track replaced)."""
        ...

    def detections(self, set_id: UUID) -> list[FoundTrack]: ...

    def stats(self) -> IndexStats: ...

    def close(self) -> None: ...


def hits_of(batches: Sequence[npt.NDArray[np.int64]]) -> Hits:
    """Hits from a look-up's batches of ``(key, ref, packed position)`` rows, each made an array as it arrives (a
    Python tuple of three ints takes ten times the memory), in key order."""
    table = np.concatenate([batch.reshape(-1, 3) for batch in batches]) if batches else np.zeros((0, 3), np.int64)
    table = table[np.argsort(table[:, 0], kind="stable")]
    frame, pitch, span = unpack_positions(table[:, 2])
    return Hits(hash=table[:, 0], ref=table[:, 1], frame=frame, pitch=pitch, span=span)


def merged_ranges(
    lower: npt.NDArray[np.int64], upper: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The union of inclusive key ranges as disjoint ranges in key order: every row is fetched once, in order."""
    if lower.size == 0:
        return lower, upper
    order = np.argsort(lower, kind="stable")
    lo, reach = lower[order], np.maximum.accumulate(upper[order])
    opens = np.ones(lo.size, dtype=bool)
    opens[1:] = lo[1:] > reach[:-1] + 1
    first = np.nonzero(opens)[0]
    return lo[first], reach[np.append(first[1:] - 1, lo.size - 1)]


def pack_positions(quads: Quads) -> npt.NDArray[np.int64]:
    """One integer per quad: its anchor frame, anchor pitch (tenths of a semitone) and span, bit-packed."""
    pitch = np.clip(quads.anchor_pitch, 0, (1 << _PITCH_BITS) - 1)
    span = np.clip(quads.span, 0, (1 << _SPAN_BITS) - 1)
    return (quads.anchor_frame << (_PITCH_BITS + _SPAN_BITS)) | (pitch << _SPAN_BITS) | span


def unpack_positions(
    packed: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``(frame, pitch, span)`` of packed positions."""
    return (
        packed >> (_PITCH_BITS + _SPAN_BITS),
        (packed >> _SPAN_BITS) & ((1 << _PITCH_BITS) - 1),
        packed & ((1 << _SPAN_BITS) - 1),
    )


def recording_from_row(row: Sequence[Any]) -> IndexedRecording:
    """A ``recordings`` row (recording_id, content_hash, seconds, is_set, path, artist, title) of either store."""
    recording_id, content_hash, seconds, is_set, path, artist, title = row
    return IndexedRecording(
        UUID(str(recording_id)), str(content_hash), float(seconds), bool(is_set), str(path), str(artist), str(title)
    )


def found_from_row(row: Sequence[Any]) -> FoundTrack:
    """A ``detections`` row (track_id, start_s, end_s, ref_start_s, ref_end_s, tempo_ratio, semitones, inliers,
    confidence) of either store."""
    track, start, end, ref_start, ref_end, tempo, semitones, inliers, confidence = row
    return FoundTrack(
        UUID(str(track)),
        float(start),
        float(end),
        float(ref_start),
        float(ref_end),
        float(tempo),
        float(semitones),
        int(inliers),
        float(confidence),
    )
