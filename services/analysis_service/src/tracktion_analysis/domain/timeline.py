"""Windows, segments and the dominant tempo and key of a recording.

A recording is read in overlapping windows (30 s every 10 s by default). Each window gets a tempo and a key; the
timeline is what is left after smoothing those readings and merging neighbours that agree:

1. **Octaves are made consistent**: a window reading half or double the tempo of both its neighbours, which agree
   with each other, is folded onto theirs (a breakdown without drums can fool the octave choice).
2. **Singletons are noise**: a window whose tempo or key differs from two agreeing neighbours takes theirs; a real
   change lasts at least two windows (30 s), shorter ones are transitions. A lone window without a steady beat
   between two that have one (it straddles a tempo change) joins the side whose key it shares.
3. **Runs become segments**: consecutive windows with the same key and a tempo within 3% of the run's median
   form one segment. Each window owns the middle part of its span (halfway to its neighbours' centres), so segment
   boundaries fall within about a hop (10 s) of the change. Once each segment's key has been re-estimated from
   all of its frames, neighbours that now agree are merged (:func:`merge_adjacent`).

The dominant tempo and key are those held longest (by duration), so a two-hour set reports what most of it is in.
Pure functions; the caller estimates each segment's key from the features it spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "Span",
    "WindowReading",
    "dominant",
    "harmonise_octaves",
    "merge_adjacent",
    "plan_windows",
    "same_tempo",
    "segment_spans",
    "smooth_readings",
    "steady_bpm",
]

#: tempos within this relative difference count as the same tempo.
TEMPO_TOLERANCE = 0.03


@dataclass(frozen=True)
class WindowReading:
    """What one window says: its span (seconds), tempo (None: no beat) and key (None: no pitched content)."""

    start_s: float
    end_s: float
    bpm: float | None
    key: tuple[str, str] | None


@dataclass(frozen=True)
class Span:
    """A segment's extent in seconds and in window indices (``first``..``last`` inclusive) and its tempo."""

    start_s: float
    end_s: float
    first: int
    last: int
    bpm: float | None
    key: tuple[str, str] | None


def plan_windows(duration_s: float, window_s: float = 30.0, hop_s: float = 10.0) -> list[tuple[float, float]]:
    """Window spans covering ``[0, duration_s]``; one window when the recording is barely longer than one."""
    if duration_s <= window_s + hop_s / 2:
        return [(0.0, duration_s)]
    starts = list(np.arange(0.0, duration_s - window_s, hop_s))
    last_start = duration_s - window_s
    if last_start - starts[-1] > hop_s / 4:
        starts.append(last_start)
    else:
        starts[-1] = last_start
    return [(float(s), float(s + window_s)) for s in starts]


#: in a timeline, a window read with less confidence than this has no steady beat: it straddles a cut or a mix
#: (two tempos in one window), and joins a neighbour instead of becoming a 10-second segment of its own
STEADY_CONFIDENCE = 0.5


def steady_bpm(bpm: float, confidence: float, windows: int) -> float | None:
    """A window's tempo as the timeline uses it: None (no steady beat) when unsure and there are neighbours to
    join; a recording of one window keeps its reading, however unsure (it is all there is)."""
    return None if windows > 1 and confidence < STEADY_CONFIDENCE else bpm


def same_tempo(a: float | None, b: float | None) -> bool:
    """Two tempos within :data:`TEMPO_TOLERANCE` of each other (or both None) are the same tempo."""
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TEMPO_TOLERANCE * max(a, b)


def harmonise_octaves(readings: Sequence[WindowReading]) -> list[WindowReading]:
    """Fold a window's tempo onto its neighbours' when it reads half, double, 2:3 or 3:2 of what they both agree on
    (the metrical levels a window of a breakdown or a fill can be fooled into)."""
    out = list(readings)
    for i in range(1, len(out) - 1):
        left, mid, right = out[i - 1].bpm, out[i].bpm, out[i + 1].bpm
        if left is None or mid is None or right is None or not same_tempo(left, right):
            continue
        for factor in (2.0, 0.5, 1.5, 2 / 3):
            if same_tempo(mid * factor, left) and not same_tempo(mid, left):
                out[i] = replace(out[i], bpm=mid * factor)
                break
    return out


def smooth_readings(readings: Sequence[WindowReading]) -> list[WindowReading]:
    """Replace a lone window's tempo or key by that of its two agreeing neighbours (see the module docstring)."""
    out = list(readings)
    for i in range(1, len(readings) - 1):
        left, mid, right = readings[i - 1], readings[i], readings[i + 1]
        if same_tempo(left.bpm, right.bpm) and not same_tempo(mid.bpm, left.bpm) and left.bpm is not None:
            out[i] = replace(out[i], bpm=(left.bpm + (right.bpm or left.bpm)) / 2)
        elif mid.bpm is None and left.bpm is not None and right.bpm is not None:
            # a window straddling a tempo change has no steady beat: it belongs to the side its key matches
            out[i] = replace(out[i], bpm=right.bpm if mid.key == right.key != left.key else left.bpm)
        if left.key == right.key and mid.key != left.key and left.key is not None:
            out[i] = replace(out[i], key=left.key)
    return out


def segment_spans(readings: Sequence[WindowReading]) -> list[Span]:
    """Merge consecutive agreeing windows into spans (tempo: median of the run; key: the run's shared key)."""
    if not readings:
        return []
    centres = [(r.start_s + r.end_s) / 2 for r in readings]
    bounds = [readings[0].start_s]
    bounds += [(centres[i] + centres[i + 1]) / 2 for i in range(len(readings) - 1)]
    bounds.append(readings[-1].end_s)
    spans: list[Span] = []
    first = 0
    run_bpms: list[float] = [readings[0].bpm] if readings[0].bpm is not None else []

    def close(last: int) -> None:
        bpm = float(np.median(run_bpms)) if run_bpms else None
        spans.append(Span(bounds[first], bounds[last + 1], first, last, bpm, readings[first].key))

    for i in range(1, len(readings)):
        reading = readings[i]
        run_bpm = float(np.median(run_bpms)) if run_bpms else None
        same = reading.key == readings[first].key and same_tempo(reading.bpm, run_bpm)
        if not same:
            close(i - 1)
            first = i
            run_bpms = []
        if reading.bpm is not None:
            run_bpms.append(reading.bpm)
    close(len(readings) - 1)
    return spans


def _join(a: Span, b: Span, key: tuple[str, str] | None) -> Span:
    weights = (a.end_s - a.start_s, b.end_s - b.start_s)
    if a.bpm is not None and b.bpm is not None:
        bpm: float | None = (a.bpm * weights[0] + b.bpm * weights[1]) / sum(weights)
    else:
        bpm = a.bpm if a.bpm is not None else b.bpm
    return Span(a.start_s, b.end_s, a.first, b.last, bpm, key)


def _related(a: float | None, b: float | None) -> bool:
    """``a`` is a metrical relative of ``b``: half, double, 2:3 or 3:2 of it."""
    return a is not None and b is not None and any(same_tempo(a * f, b) for f in (2.0, 0.5, 1.5, 2 / 3))


def merge_adjacent(spans: Sequence[Span], *, transition_s: float = 30.0) -> list[Span]:
    """Join neighbouring spans that ended up with the same key and tempo (after their keys were re-estimated from
    all of their frames, a transition window's odd reading may have gone away), and fold short spans (shorter than
    ``transition_s``) into a neighbour: a beatless one (the windows straddling a cut or a mix) into the neighbour
    sharing its key, else into the following one (where the new music starts); one that reads a metrical relative
    (half, double, 2:3) of a neighbour in the same key, into that neighbour (a fill or a breakdown fooled the level)."""
    work = list(spans)
    i = 0
    while len(work) > 1 and i < len(work):
        span = work[i]
        left = work[i - 1] if i > 0 else None
        right = work[i + 1] if i + 1 < len(work) else None
        if span.end_s - span.start_s < transition_s:
            if span.bpm is None:
                if left is not None and (left.key == span.key or right is None):
                    work[i - 1 : i + 1] = [_join(left, span, left.key)]
                elif right is not None:
                    work[i : i + 2] = [_join(span, right, right.key)]
                i = max(i - 1, 0)
                continue
            for neighbour, at in ((left, i - 1), (right, i + 1)):
                if neighbour is not None and neighbour.key == span.key and _related(span.bpm, neighbour.bpm):
                    absorbed = replace(span, bpm=None)  # the neighbour's tempo stands for the whole
                    lo, hi = min(at, i), max(at, i)
                    pair = (neighbour, absorbed) if at < i else (absorbed, neighbour)
                    work[lo : hi + 1] = [_join(pair[0], pair[1], neighbour.key)]
                    i = max(lo - 1, 0)
                    break
            else:
                i += 1
            continue
        i += 1
    merged: list[Span] = []
    for span in work:
        if merged and merged[-1].key == span.key and same_tempo(merged[-1].bpm, span.bpm):
            merged[-1] = _join(merged[-1], span, span.key)
        else:
            merged.append(span)
    return merged


def dominant(
    spans: Sequence[tuple[float, float | None, tuple[str, str] | None]],
) -> tuple[float | None, tuple[str, str] | None]:
    """The tempo and key held longest, from ``(duration_s, bpm, key)`` per segment.

    Tempos are grouped (within 3%) and the longest group wins; its tempo is the duration-weighted median of its
    members. Keys are compared exactly.
    """
    groups: list[list[tuple[float, float]]] = []
    for duration, bpm, _ in spans:
        if bpm is None:
            continue
        for group in groups:
            if same_tempo(group[0][1], bpm):
                group.append((duration, bpm))
                break
        else:
            groups.append([(duration, bpm)])
    bpm_out: float | None = None
    if groups:
        best = max(groups, key=lambda g: sum(d for d, _ in g))
        ordered = sorted(best, key=lambda item: item[1])
        total = sum(d for d, _ in ordered)
        acc = 0.0
        for duration, bpm in ordered:
            acc += duration
            if acc >= total / 2:
                bpm_out = bpm
                break
    keys: dict[tuple[str, str], float] = {}
    for duration, _, key in spans:
        if key is not None:
            keys[key] = keys.get(key, 0.0) + duration
    key_out = max(keys, key=lambda k: keys[k]) if keys else None
    return bpm_out, key_out
