"""From hash matches to segments: which indexed recording plays where, how fast and how transposed.

A hash found in the index says "the quad at query frame ``q`` looks like the quad at frame ``r`` of recording
``ref``". Most such matches are chance: a 20-bit hash meets thousands of unrelated quads in a large library. A
real match is one of many that agree: while a track plays inside a set at a constant tempo ratio, its matches lie
on one line ``q = offset + scale * r`` (``scale`` = played duration / original duration = 1 / tempo ratio), all with
the same pitch difference. Finding them is a Hough transform in two steps:

1. **vote**: each match gives a local scale (the ratio of the two quads' spans) and a pitch difference, so it can
   vote for a coarse cell (recording, transposition, scale, offset); chance matches spread thinly over millions of
   cells, a playing track piles its matches into one or two;
2. **refine**: for every well-filled cell, gather that recording's matches near the cell's line and fit the line
   by least squares, rejecting outliers, until only matches within a few frames remain (the inliers). Their count
   and spread are the evidence; their first and last times the segment.

Segments of one recording that continue each other are joined (a track interrupted by an effect); where two
recordings claim the same stretch, the much weaker one is dropped (a remix, a shared sample, a chance line).
Everything is in frames of :data:`tracktion_identify.domain.fingerprint.FRAME_SECONDS`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from tracktion_identify.domain.fingerprint import FRAME_SECONDS, MAX_SHIFT_SEMITONES, MAX_TEMPO_CHANGE

__all__ = ["Candidates", "MatchSettings", "Segment", "match", "plausible", "resolve"]


@dataclass(frozen=True)
class Candidates:
    """Index hits of a query: per hit, the query quad's position and the indexed quad's, and whose it is."""

    query_frame: npt.NDArray[np.int64]
    query_pitch: npt.NDArray[np.int64]
    query_span: npt.NDArray[np.int64]
    ref: npt.NDArray[np.int64]
    ref_frame: npt.NDArray[np.int64]
    ref_pitch: npt.NDArray[np.int64]
    ref_span: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.ref.size)

    def take(self, rows: npt.NDArray[np.int64]) -> Candidates:
        """These rows only."""
        return Candidates(*(getattr(self, name)[rows] for name in self.__dataclass_fields__))

    @staticmethod
    def joined(parts: Sequence[Candidates]) -> Candidates:
        """All of ``parts``, in order."""
        names = Candidates.__dataclass_fields__
        if not parts:
            return Candidates(*(np.zeros(0, dtype=np.int64) for _ in names))
        return Candidates(*(np.concatenate([getattr(part, name) for part in parts]) for name in names))


@dataclass(frozen=True)
class MatchSettings:
    """What counts as a match. The defaults cover what DJs do: +-20 % tempo, about +-4 semitones of pitch.

    Wider limits than the fingerprint's (``MAX_TEMPO_CHANGE``, ``MAX_SHIFT_SEMITONES``) find nothing more: the
    query never fetches quads beyond them.
    """

    max_scale_change: float = MAX_TEMPO_CHANGE
    max_semitones: float = MAX_SHIFT_SEMITONES
    #: fewest inliers (distinct quads on the line) for a segment to count
    min_inliers: int = 10
    #: a segment must cover at least this much of the query (seconds)
    min_seconds: float = 8.0
    #: an inlier lies within this many frames of the fitted line
    inlier_frames: float = 4.0
    #: a segment whose first (last) inlier is within this of the recording's start (end) is taken to run from
    #: (to) there: DJs start a track at its first beat, and its quiet intro under the previous track leaves few
    #: matches
    extend_seconds: float = 30.0
    #: a segment that overlaps a stronger one by more than this fraction of its length, with less than
    #: ``dominance`` of its inliers, is dropped
    overlap_fraction: float = 0.5
    dominance: float = 0.35
    #: a segment must explain at least this fraction of its evidence that no stronger segment explains
    unexplained: float = 0.5


@dataclass(frozen=True)
class Segment:
    """One recording found in the query: where (query seconds), where in the recording, how fast, how high."""

    ref: int
    start_s: float
    end_s: float
    ref_start_s: float
    ref_end_s: float
    #: query duration / recording duration for the same music (1 / tempo ratio)
    scale: float
    semitones: float
    inliers: int
    confidence: float
    #: the query quads the inliers are (frame << 10 | pitch): what this segment explains of the query
    evidence: frozenset[int] = field(default=frozenset(), compare=False, repr=False)


_SCALE_STEP = math.log(1.03)
_OFFSET_CELL = round(8.0 / FRAME_SECONDS)
_CELLS_PER_REF = 16


def match(
    found: Candidates,
    ref_seconds: dict[int, float],
    query_seconds: float,
    settings: MatchSettings | None = None,
) -> list[Segment]:
    """The segments ``found`` supports, sorted by start. ``ref_seconds`` holds each recording's duration."""
    rules = settings or MatchSettings()
    if len(found) == 0:
        return []
    log_scale, shift = _scale_and_shift(found)
    index = np.nonzero(_plausible(log_scale, shift, rules))[0]
    if index.size == 0:
        return []
    order = index[np.argsort(found.ref[index], kind="stable")]
    refs, starts = np.unique(found.ref[order], return_index=True)
    by_ref = dict(zip(refs.tolist(), np.split(order, starts[1:]), strict=True))
    votes = _Votes(index, log_scale, shift, by_ref)
    segments: list[Segment] = []
    taken: set[tuple[int, int, int]] = set()
    for hypothesis in _vote(found, votes, rules):
        segment = _refine(found, votes, hypothesis, rules, taken)
        if segment is not None:
            segments.append(_extend(segment, ref_seconds.get(hypothesis.ref), query_seconds, rules))
    return resolve(segments, rules)


def plausible(found: Candidates, rules: MatchSettings) -> Candidates:
    """The candidates whose local tempo ratio and transposition are within ``rules`` (the others are chance)."""
    return found.take(np.nonzero(_plausible(*_scale_and_shift(found), rules))[0])


def _scale_and_shift(found: Candidates) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each candidate's log scale (query span / indexed span) and pitch shift in semitones."""
    return np.log(found.query_span / np.maximum(found.ref_span, 1)), (found.query_pitch - found.ref_pitch) / 10.0


def _plausible(
    log_scale: npt.NDArray[np.float64], shift: npt.NDArray[np.float64], rules: MatchSettings
) -> npt.NDArray[np.bool_]:
    return (np.abs(log_scale) <= math.log1p(rules.max_scale_change)) & (np.abs(shift) <= rules.max_semitones)


@dataclass(frozen=True)
class _Votes:
    """The plausible candidates (``index`` into :class:`Candidates`) and every candidate's scale and pitch shift."""

    index: npt.NDArray[np.int64]
    log_scale: npt.NDArray[np.float64]
    shift: npt.NDArray[np.float64]
    #: the plausible candidates of each recording (refining a cell looks at its recording's only)
    by_ref: dict[int, npt.NDArray[np.int64]]


@dataclass(frozen=True)
class _Hypothesis:
    """A well-filled Hough cell: recording, scale, offset (frames) and pitch shift (semitones) of its line."""

    ref: int
    scale: float
    offset: float
    shift: float


def _vote(found: Candidates, votes: _Votes, rules: MatchSettings) -> list[_Hypothesis]:
    """Cells with enough votes, strongest first."""
    index, log_scale, shift = votes.index, votes.log_scale[votes.index], votes.shift[votes.index]
    scale_bin = np.round(log_scale / _SCALE_STEP).astype(np.int64)
    shift_bin = np.round(shift).astype(np.int64)
    centre = np.exp(scale_bin * _SCALE_STEP)
    offset = found.query_frame[index] - centre * found.ref_frame[index]
    offset_bin = np.floor(offset / _OFFSET_CELL).astype(np.int64)
    scale_span = math.ceil(math.log1p(rules.max_scale_change) / _SCALE_STEP) * 2 + 1
    shift_span = math.ceil(rules.max_semitones) * 2 + 1
    key = found.ref[index] * scale_span + (scale_bin + scale_span // 2)
    key = key * shift_span + (shift_bin + shift_span // 2)
    key = key * (1 << 24) + (offset_bin + (1 << 23))
    first, counts = _distinct_votes(key, found.query_frame[index], found.ref_frame[index])
    strong = np.nonzero(counts >= max(4, rules.min_inliers // 2))[0]
    strong = strong[np.argsort(-counts[strong], kind="stable")]
    hypotheses: list[_Hypothesis] = []
    per_ref: dict[int, int] = {}
    for row in first[strong]:
        ref = int(found.ref[index[row]])
        # a recording playing once fills a few cells; dozens of cells of one recording are its repeats and chance
        if per_ref.setdefault(ref, 0) >= _CELLS_PER_REF:
            continue
        per_ref[ref] += 1
        hypotheses.append(
            _Hypothesis(
                ref=ref,
                scale=float(centre[row]),
                offset=float((offset_bin[row] + 0.5) * _OFFSET_CELL),
                shift=float(shift_bin[row]),
            )
        )
    return hypotheses


def _distinct_votes(
    key: npt.NDArray[np.int64], query_frame: npt.NDArray[np.int64], ref_frame: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per cell (distinct ``key``), a row of it and its votes: the fewer of its distinct query and indexed frames.

    A line of a playing track brings a new query frame and a new indexed frame with every vote. Chance piles votes
    into a cell another way: a loop repeats one quad every bar, so one indexed quad meets the query's copies of it
    again and again (many query frames, one indexed frame), or the other way round. Counting distinct frames on
    both sides keeps the first and collapses the second: with 1,000 tracks indexed, chance cells hold up to twenty
    raw votes but at most five distinct ones.
    """
    cells, first = np.unique(key, return_index=True)
    votes = np.full(cells.size, np.iinfo(np.int64).max)
    for frames in (query_frame, ref_frame):
        order = np.lexsort((frames, key))
        k, f = key[order], frames[order]
        new = np.ones(k.size, dtype=np.int64)
        new[1:] = (k[1:] != k[:-1]) | (f[1:] != f[:-1])
        votes = np.minimum(votes, np.add.reduceat(new, np.searchsorted(k, cells)))
    return first, votes


def _refine(
    found: Candidates, votes: _Votes, hypothesis: _Hypothesis, rules: MatchSettings, taken: set[tuple[int, int, int]]
) -> Segment | None:
    """Fit the line of ``hypothesis`` to its recording's nearby candidates; the segment its inliers cover."""
    log_scale, shift = votes.log_scale, votes.shift
    ref, scale0, offset0, shift0 = hypothesis.ref, hypothesis.scale, hypothesis.offset, hypothesis.shift
    mine = votes.by_ref[ref]
    q = found.query_frame[mine].astype(np.float64)
    r = found.ref_frame[mine].astype(np.float64)
    near = (
        (np.abs(shift[mine] - shift0) <= 1.0)
        & (np.abs(log_scale[mine] - math.log(scale0)) <= 2 * _SCALE_STEP)
        & (np.abs(q - (offset0 + scale0 * r)) <= 0.03 * r + _OFFSET_CELL)
    )
    if int(near.sum()) < rules.min_inliers:
        return None
    q, r, rows = q[near], r[near], mine[near]
    slope, intercept = scale0, float(np.median(q - scale0 * r))
    tolerance = float(_OFFSET_CELL)
    for _ in range(8):
        residual = np.abs(q - (intercept + slope * r))
        inlier = residual <= tolerance
        if int(inlier.sum()) < rules.min_inliers:
            return None
        if np.ptp(r[inlier]) > 0:
            slope, intercept = np.polyfit(r[inlier], q[inlier], 1)
            slope = float(np.clip(slope, 1 / (1 + rules.max_scale_change), 1 + rules.max_scale_change))
        else:
            intercept = float(np.median(q[inlier] - slope * r[inlier]))
        if tolerance <= rules.inlier_frames:
            break
        tolerance = max(rules.inlier_frames, tolerance / 3)
    inlier = np.abs(q - (intercept + slope * r)) <= rules.inlier_frames
    # one quad probed in several cells, or found twice, counts once
    pairs = {(ref, int(a), int(b)) for a, b in zip(q[inlier], r[inlier], strict=True)}
    fresh = pairs - taken
    if len(fresh) < rules.min_inliers:
        return None
    taken |= pairs
    q_in, r_in = q[inlier], r[inlier]
    start, end = float(q_in.min()) * FRAME_SECONDS, float(q_in.max()) * FRAME_SECONDS
    if end - start < rules.min_seconds:
        return None
    semitones = float(np.median(shift[rows[inlier]]))
    evidence = frozenset(((found.query_frame[rows[inlier]] << 10) | found.query_pitch[rows[inlier]]).tolist())
    return Segment(
        ref=ref,
        start_s=start,
        end_s=end,
        ref_start_s=float(r_in.min()) * FRAME_SECONDS,
        ref_end_s=float(r_in.max()) * FRAME_SECONDS,
        scale=slope,
        semitones=semitones,
        inliers=len(pairs),
        confidence=_confidence(len(pairs), end - start),
        evidence=evidence,
    )


def _confidence(inliers: int, seconds: float) -> float:
    """Grows with the evidence: about 0.5 at 15 inliers, 0.9 at 50; a sparse line over a long stretch counts less."""
    density = min(1.0, inliers / max(seconds, 1.0) / 0.25)
    return round(float((1 - math.exp(-inliers / 22.0)) * (0.6 + 0.4 * density)), 3)


def _extend(segment: Segment, ref_seconds: float | None, query_seconds: float, rules: MatchSettings) -> Segment:
    """Run a segment to the recording's start (end) when its evidence starts (ends) near it."""
    start, end = segment.start_s, segment.end_s
    ref_start, ref_end = segment.ref_start_s, segment.ref_end_s
    if ref_start <= rules.extend_seconds:
        start -= ref_start * segment.scale
        ref_start = 0.0
    if ref_seconds is not None and ref_seconds - ref_end <= rules.extend_seconds:
        end += (ref_seconds - ref_end) * segment.scale
        ref_end = ref_seconds
    start, end = max(0.0, start), min(query_seconds, end)
    return replace(
        segment,
        start_s=round(start, 3),
        end_s=round(end, 3),
        ref_start_s=round(ref_start, 3),
        ref_end_s=round(ref_end, 3),
    )


def _join(segments: list[Segment]) -> list[Segment]:
    """Join segments of one recording on (nearly) one line: the same playback, found in pieces."""
    out: list[Segment] = []
    for segment in sorted(segments, key=lambda s: (s.ref, s.start_s)):
        last = out[-1] if out else None
        if (
            last is not None
            and last.ref == segment.ref
            and abs(last.scale - segment.scale) < 0.02
            and abs(
                (segment.start_s - segment.ref_start_s * segment.scale) - (last.start_s - last.ref_start_s * last.scale)
            )
            < 2.0
        ):
            inliers = last.inliers + segment.inliers
            out[-1] = Segment(
                ref=last.ref,
                start_s=min(last.start_s, segment.start_s),
                end_s=max(last.end_s, segment.end_s),
                ref_start_s=min(last.ref_start_s, segment.ref_start_s),
                ref_end_s=max(last.ref_end_s, segment.ref_end_s),
                scale=(last.scale * last.inliers + segment.scale * segment.inliers) / inliers,
                semitones=last.semitones if last.inliers >= segment.inliers else segment.semitones,
                inliers=inliers,
                confidence=_confidence(inliers, max(last.end_s, segment.end_s) - min(last.start_s, segment.start_s)),
                evidence=last.evidence | segment.evidence,
            )
        else:
            out.append(segment)
    return out


def resolve(segments: list[Segment], rules: MatchSettings) -> list[Segment]:
    """Join the pieces of one playback, then keep segments strongest first, each only for what it alone explains.

    Two recordings that share material (the same drum loop, a remix of the same song) both match the query quads
    of that material. The stronger segment claims its query quads; a weaker one whose evidence is mostly claimed
    already says nothing the stronger did not, and is dropped. A weaker one also goes when it lies mostly under a
    much stronger one, or under another playback of its own recording.
    """
    kept: list[Segment] = []
    claimed: set[int] = set()
    for segment in sorted(_join(segments), key=lambda s: -s.inliers):
        own = segment.evidence - claimed
        if segment.evidence and (len(own) < rules.min_inliers or len(own) < rules.unexplained * len(segment.evidence)):
            continue
        length = max(segment.end_s - segment.start_s, 1e-6)
        # a recording cannot play twice at once: a weaker line of the same one is a repeat of its own music (a loop
        # sixteen bars on matches the same quads) or a slope fitted through part of the real line
        dominated = any(
            (min(segment.end_s, other.end_s) - max(segment.start_s, other.start_s)) / length > rules.overlap_fraction
            and (segment.ref == other.ref or segment.inliers < rules.dominance * other.inliers)
            for other in kept
        )
        if not dominated:
            kept.append(segment)
            claimed |= segment.evidence
    return sorted(kept, key=lambda s: s.start_s)
