"""What identification says about a recording: the library tracks it contains, and the stretches nobody knows.

:class:`FoundTrack` is a segment tied to a catalog recording; it is also what the index keeps per set, so a track
added to the library later can be merged into a set's list without identifying the set again (:func:`merge`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

__all__ = ["MIN_UNKNOWN_SECONDS", "FoundTrack", "Identification", "Span", "merge", "unknown_spans"]

#: a stretch no track covers is reported as unknown from this long (shorter ones are transitions)
MIN_UNKNOWN_SECONDS = 10.0


@dataclass(frozen=True)
class FoundTrack:
    """A library recording playing inside the query from ``start_s`` to ``end_s`` (query seconds).

    ``ref_start_s``/``ref_end_s``: the part of the track that plays; ``tempo_ratio``: played tempo / original;
    ``semitones``: the pitch change heard (a key-locked transposition, or the pitch a speed change without key lock
    brings); ``inliers``: the matching quads on the fitted line, the evidence behind ``confidence``.
    """

    recording_id: UUID
    start_s: float
    end_s: float
    ref_start_s: float
    ref_end_s: float
    tempo_ratio: float
    semitones: float
    inliers: int
    confidence: float


@dataclass(frozen=True)
class Span:
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Identification:
    seconds: float
    tracks: tuple[FoundTrack, ...]
    unknown: tuple[Span, ...]


class _Timed(Protocol):
    @property
    def start_s(self) -> float: ...
    @property
    def end_s(self) -> float: ...
    @property
    def inliers(self) -> int: ...


def unknown_spans(tracks: Iterable[_Timed], seconds: float, min_seconds: float = MIN_UNKNOWN_SECONDS) -> list[Span]:
    """The stretches of ``[0, seconds]`` no track covers, ``min_seconds`` or longer."""
    gaps: list[Span] = []
    cursor = 0.0
    for track in sorted(tracks, key=lambda t: t.start_s):
        if track.start_s - cursor >= min_seconds:
            gaps.append(Span(round(cursor, 3), round(track.start_s, 3)))
        cursor = max(cursor, track.end_s)
    if seconds - cursor >= min_seconds:
        gaps.append(Span(round(cursor, 3), round(seconds, 3)))
    return gaps


def merge(known: Sequence[FoundTrack], found: Sequence[FoundTrack]) -> list[FoundTrack]:
    """``known`` with ``found`` added: a found track replaces the known finds of the same recording it overlaps."""
    kept = [
        old
        for old in known
        if not any(
            new.recording_id == old.recording_id and new.start_s < old.end_s and old.start_s < new.end_s
            for new in found
        )
    ]
    return sorted([*kept, *found], key=lambda t: t.start_s)
