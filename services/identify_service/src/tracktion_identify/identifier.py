"""Fingerprinting and identification, end to end and blocking: decode, hash, store, look up, match.

Callers (the bus consumer, ``tracktion identify``) run these in a worker thread. One decode serves both sides: the
sparse index quads stored for the recording and the dense query quads used to identify it (a set against the
library's tracks) or to find it (a new track inside the sets already indexed).

A set is queried a stretch at a time (:data:`QUERY_STRETCH_S` of anchors, overlapping by
:data:`QUERY_OVERLAP_S`), so memory stays bounded for a three-hour recording; segments of one track found in two
stretches are joined by the matcher.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import numpy as np
import numpy.typing as npt

from tracktion_identify.adapters.decode import decode_blocks
from tracktion_identify.adapters.index import FingerprintIndex, Hits, IndexedRecording
from tracktion_identify.domain.fingerprint import (
    FRAME_SECONDS,
    INDEX,
    QUERY,
    SAMPLE_RATE,
    Peaks,
    Quads,
    peaks_of_stream,
    quads,
)
from tracktion_identify.domain.matching import Candidates, MatchSettings, Segment, match, plausible, resolve
from tracktion_identify.domain.result import FoundTrack, Identification, unknown_spans
from tracktion_identify.errors import TooShortAudio

__all__ = ["Fingerprint", "find_in_sets", "fingerprint", "identify"]

#: shorter than this, or with fewer index quads, a recording holds too little to be found again
MIN_SECONDS = 5.0
MIN_QUADS = 40
QUERY_STRETCH_S = 600.0
QUERY_OVERLAP_S = 60.0
#: query-hit pairs built before the implausible ones are dropped (memory: 56 bytes a pair)
_PAIRS_AT_ONCE = 1 << 20


@dataclass(frozen=True)
class Fingerprint:
    """A decoded recording's peaks for both sides, and its length."""

    seconds: float
    index_peaks: Peaks
    query_peaks: Peaks

    @functools.cached_property
    def index_quads(self) -> Quads:
        """The sparse quads the index keeps, hashed once (checked for enough of them, then stored)."""
        return quads(self.index_peaks, INDEX)

    def query_stretches(self) -> Iterable[Quads]:
        """The dense quads, a stretch of anchors at a time."""
        frames = self.query_peaks.frames
        stretch, overlap = round(QUERY_STRETCH_S / FRAME_SECONDS), round(QUERY_OVERLAP_S / FRAME_SECONDS)
        start = 0
        while True:
            lo, hi = np.searchsorted(frames, [start, start + stretch + overlap])
            yield quads(self.query_peaks, QUERY, slice(int(lo), int(hi)))
            if hi >= frames.size:
                return
            start += stretch


def fingerprint(path: Path, blocks: Iterable[npt.NDArray[np.float32]] | None = None) -> Fingerprint:
    """Decode ``path`` (or take its ``blocks``) and find its peaks for both sides; too little audio raises."""
    (index_peaks, query_peaks), samples = peaks_of_stream(
        decode_blocks(path) if blocks is None else blocks, (INDEX, QUERY)
    )
    seconds = samples / SAMPLE_RATE
    if seconds < MIN_SECONDS:
        raise TooShortAudio(
            f"{path}: {seconds:.1f} s of audio is too short to fingerprint (at least {MIN_SECONDS:g} s)"
        )
    found = Fingerprint(seconds, index_peaks, query_peaks)
    if len(found.index_quads) < MIN_QUADS:
        raise TooShortAudio(f"{path}: too quiet or too plain to fingerprint (silence, a test tone)")
    return found


def _candidates(query: Quads, hits: Hits, rules: MatchSettings) -> Candidates:
    """Pair every query row with every hit whose key is in its range; keep the plausible pairs only.

    Most pairs are chance (a quad of the same shape, played at another tempo or pitch than its key's bounds allow
    for exactly), so they are built a chunk of query rows at a time and filtered at once: memory holds the pairs
    worth voting on, not every pair.
    """
    lo = np.searchsorted(hits.hash, query.hashes, side="left")  # hits come in key order
    counts = np.searchsorted(hits.hash, query.upper, side="right") - lo
    ends = np.cumsum(counts)
    parts: list[Candidates] = []
    first = 0
    while first < counts.size:
        stop = max(first + 1, int(np.searchsorted(ends, ends[first] - counts[first] + _PAIRS_AT_ONCE, side="right")))
        chunk = counts[first:stop]
        query_row = np.repeat(np.arange(first, stop), chunk)
        within = np.arange(int(chunk.sum())) - np.repeat(np.cumsum(chunk) - chunk, chunk)
        hit_row = np.repeat(lo[first:stop], chunk) + within
        pairs = Candidates(
            query_frame=query.anchor_frame[query_row],
            query_pitch=query.anchor_pitch[query_row],
            query_span=query.span[query_row],
            ref=hits.ref[hit_row],
            ref_frame=hits.frame[hit_row],
            ref_pitch=hits.pitch[hit_row],
            ref_span=hits.span[hit_row],
        )
        parts.append(plausible(pairs, rules))
        first = stop
    return Candidates.joined(parts)


def _segments(
    index: FingerprintIndex, found: Fingerprint, *, sets: bool, settings: MatchSettings
) -> tuple[list[Segment], dict[int, IndexedRecording]]:
    segments: list[Segment] = []
    known: dict[int, IndexedRecording] = {}
    for stretch in found.query_stretches():
        if len(stretch) == 0:
            continue
        candidates = _candidates(stretch, index.lookup(stretch.hashes, stretch.upper, sets=sets), settings)
        refs = [int(r) for r in np.unique(candidates.ref) if int(r) not in known]
        known.update(index.recordings(refs))
        durations = {ref: recording.seconds for ref, recording in known.items()}
        segments.extend(match(candidates, durations, found.seconds, settings))
    return resolve(segments, settings), known


def identify(
    index: FingerprintIndex, found: Fingerprint, *, exclude: UUID | None = None, settings: MatchSettings | None = None
) -> Identification:
    """The library tracks playing in ``found`` (never ``exclude``, the recording itself), and the unknown rest."""
    rules = settings or MatchSettings()
    segments, known = _segments(index, found, sets=False, settings=rules)
    tracks = tuple(
        FoundTrack(
            recording_id=known[s.ref].recording_id,
            start_s=s.start_s,
            end_s=s.end_s,
            ref_start_s=s.ref_start_s,
            ref_end_s=s.ref_end_s,
            tempo_ratio=round(1.0 / s.scale, 4),
            semitones=round(s.semitones, 2),
            inliers=s.inliers,
            confidence=s.confidence,
        )
        for s in segments
        if s.ref in known and known[s.ref].recording_id != exclude
    )
    return Identification(found.seconds, tracks, tuple(unknown_spans(tracks, found.seconds)))


def find_in_sets(
    index: FingerprintIndex, track_id: UUID, found: Fingerprint, *, settings: MatchSettings | None = None
) -> dict[UUID, FoundTrack]:
    """The sets already indexed that play ``found`` (a track), with where: set id -> the find, in set time.

    The roles are swapped: the track's dense quads are the query, the sets' sparse quads the index, so every set
    ever indexed is searched with one look-up per quad and no set is decoded again. Segments come out in track
    time and are turned around; the extension to the track's start or end is done in set time.
    """
    rules = settings or MatchSettings()
    segments, known = _segments(
        index, found, sets=True, settings=MatchSettings(**{**rules.__dict__, "extend_seconds": 0.0})
    )
    finds: dict[UUID, FoundTrack] = {}
    for s in segments:
        recording = known.get(s.ref)
        if recording is None or recording.recording_id == track_id:
            continue
        start, end = s.ref_start_s, s.ref_end_s  # set time
        if s.start_s <= rules.extend_seconds:
            start -= s.start_s / s.scale
        if found.seconds - s.end_s <= rules.extend_seconds:
            end += (found.seconds - s.end_s) / s.scale
        find = FoundTrack(
            recording_id=track_id,
            start_s=round(max(0.0, start), 3),
            end_s=round(min(recording.seconds, end), 3),
            ref_start_s=0.0 if s.start_s <= rules.extend_seconds else round(s.start_s, 3),
            ref_end_s=round(found.seconds, 3) if found.seconds - s.end_s <= rules.extend_seconds else round(s.end_s, 3),
            tempo_ratio=round(s.scale, 4),
            semitones=round(-s.semitones, 2),
            inliers=s.inliers,
            confidence=s.confidence,
        )
        best = finds.get(recording.recording_id)
        if best is None or find.inliers > best.inliers:
            finds[recording.recording_id] = find
    return finds
