"""Tempo: a precise BPM from beat times, and the choice between half, single and double tempo.

Pure functions over numpy arrays. The beat tracker (essentia's TempoTapDegara, in the adapter) gives beat times;
its own tempo estimate is quantised to its onset-function resolution, so tracktion fits the tempo to the beat times
instead: a least-squares line through (beat number, time), after numbering the beats so that a missed beat counts
twice and then dropping beats that sit far off the line. Over a 30-second window at 128 BPM that is ~64 beats and a
tempo precise to a few hundredths of a BPM, reported to one decimal.

Beat trackers lock onto half or double the tempo a DJ would count (drum & bass at 174 comes out as 87). The
octave is chosen from where the snare (backbeat) and kick fall, using band-limited onset functions:

* in 4/4 dance music and hip-hop the snare or clap lands on beats 2 and 4, i.e. on every *other* beat. If the
  snare band repeats at the tracked beat period itself, the tracker counts half time -> double it (drum & bass at
  87 has its snares on every tracked beat);
* if the kick repeats at half the tracked period, the tracker again counts half time (four-on-the-floor at 64);
* if the snare repeats only every fourth tracked beat at a fast tempo (>= 150), the tracker counts double time
  (hip-hop at 180) -> halve it.

Hip-hop at 90 keeps its snare on every other beat, so it is never doubled, and drum & bass at 174 is never halved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_BPM",
    "MIN_BPM",
    "OctaveEvidence",
    "TempoFit",
    "band_flux",
    "choose_octave",
    "fit_tempo",
    "octave_evidence",
    "periodicity",
]

#: the tempo range tracktion reports; the beat tracker searches the same range.
MIN_BPM = 60.0
MAX_BPM = 200.0

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TempoFit:
    """The fitted tempo and how well the beats agreed with it (``consistency``: share of beats on the line)."""

    bpm: float
    beats: int
    consistency: float


def fit_tempo(beat_times: Sequence[float] | npt.ArrayLike) -> TempoFit | None:
    """Least-squares tempo from beat times (seconds); None with fewer than 4 beats or no regular pulse."""
    beats = np.asarray(beat_times, dtype=np.float64)
    beats = beats[np.isfinite(beats)]
    if beats.size < 4:
        return None
    beats = np.sort(beats)
    intervals = np.diff(beats)
    intervals = intervals[intervals > 1e-3]
    if intervals.size < 3:
        return None
    period = float(np.median(intervals))
    slope = period
    for _ in range(2):  # number the beats with the median interval, then again with the fitted period
        index, numbered = _number_beats(beats, slope)
        if numbered.size < 4:
            return None
        keep = np.ones(numbered.size, dtype=bool)
        for _ in range(3):
            slope, intercept = np.polyfit(index[keep], numbered[keep], 1)
            residual = np.abs(numbered - (slope * index + intercept))
            new_keep = residual < 0.12 * slope
            if np.array_equal(new_keep, keep) or new_keep.sum() < 4:
                break
            keep = new_keep
    if slope <= 0 or keep.sum() < 4:
        return None
    return TempoFit(bpm=float(60.0 / slope), beats=int(beats.size), consistency=float(keep.sum() / beats.size))


def _number_beats(beats: Floats, period: float) -> tuple[Floats, Floats]:
    """Beat numbers for the beats that sit near a whole number of periods after the previous kept beat.

    A missed beat advances the count by two; a spurious beat between two real ones (not near a whole period) is
    left out, so it cannot shift the numbering of everything after it. Each of the first three beats is tried as
    the anchor (the first may itself be spurious) and the numbering that keeps the most beats wins.
    """
    best: tuple[list[float], list[float]] = ([], [])
    for anchor in range(min(3, beats.size)):
        index = [0.0]
        kept = [float(beats[anchor])]
        for t in beats[anchor + 1 :]:
            ratio = (float(t) - kept[-1]) / period
            steps = round(ratio)
            if steps >= 1 and abs(ratio - steps) < 0.25:
                kept.append(float(t))
                index.append(index[-1] + steps)
        if len(kept) > len(best[1]):
            best = (index, kept)
    return np.asarray(best[0]), np.asarray(best[1])


def band_flux(band_energies: npt.ArrayLike) -> Floats:
    """Half-wave rectified difference of log-compressed energy: an onset function for one frequency band."""
    energy = np.asarray(band_energies, dtype=np.float64)
    compressed = np.log1p(1e3 * np.maximum(energy, 0.0))
    return np.maximum(np.diff(compressed, prepend=compressed[:1]), 0.0)


def periodicity(signal: npt.ArrayLike, rate: float, period_s: float) -> float:
    """Normalised autocorrelation of ``signal`` (sampled at ``rate`` Hz) at lag ``period_s``, best within ±2%."""
    x = np.asarray(signal, dtype=np.float64)
    x = x - x.mean() if x.size else x
    energy = float(np.dot(x, x)) / max(x.size, 1)
    if energy <= 0:
        return 0.0

    def ac(lag: int) -> float:
        if lag <= 0 or lag >= x.size:
            return 0.0
        return float(np.dot(x[:-lag], x[lag:])) / (x.size - lag)

    def at(lag_frames: float) -> float:
        lo = int(np.floor(lag_frames))
        frac = lag_frames - lo
        return ((1 - frac) * ac(lo) + frac * ac(lo + 1)) / energy

    return max(at(period_s * rate * f) for f in (0.98, 1.0, 1.02))


@dataclass(frozen=True)
class OctaveEvidence:
    """How strongly the snare and kick bands repeat at multiples of the tracked beat period (autocorrelations)."""

    snare_1: float  # snare band at 1 beat
    snare_2: float  # ... at 2 beats
    snare_4: float  # ... at 4 beats
    kick_half: float  # kick band at half a beat
    kick_1: float  # ... at 1 beat


def octave_evidence(snare: npt.ArrayLike, kick: npt.ArrayLike, rate: float, bpm: float) -> OctaveEvidence:
    """Measure the periodicities :func:`choose_octave` decides on, for the tracked tempo ``bpm``."""
    period = 60.0 / bpm
    return OctaveEvidence(
        snare_1=periodicity(snare, rate, period),
        snare_2=periodicity(snare, rate, 2 * period),
        snare_4=periodicity(snare, rate, 4 * period),
        kick_half=periodicity(kick, rate, period / 2),
        kick_1=periodicity(kick, rate, period),
    )


def choose_octave(bpm: float, evidence: OctaveEvidence) -> float:
    """The factor (2, 1 or 0.5) that turns the tracked tempo into the one a DJ counts (see the module docstring)."""
    e = evidence
    if bpm * 2 <= MAX_BPM:
        snare_every_beat = e.snare_1 >= 0.4 and e.snare_1 >= 0.5 * e.snare_2
        kick_every_half_beat = e.kick_half >= 0.5 and e.kick_half >= 0.7 * e.kick_1
        if snare_every_beat or kick_every_half_beat:
            return 2.0
    if bpm >= 150.0 and bpm / 2 >= MIN_BPM:
        snare_every_fourth_beat = e.snare_4 >= 0.4 and e.snare_2 < 0.35 * e.snare_4 and e.snare_1 < 0.2
        if snare_every_fourth_beat:
            return 0.5
    return 1.0
