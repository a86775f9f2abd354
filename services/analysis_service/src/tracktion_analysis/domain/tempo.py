"""Tempo: a precise BPM from beat times, the metrical level a DJ counts, a confidence and a close second reading.

Pure functions over numpy arrays. The beat tracker (essentia's TempoTapDegara, in the adapter) gives beat times;
its own tempo estimate is quantised to its onset-function resolution, so tracktion fits the tempo to the beat times
instead: a least-squares line through (beat number, time), after numbering the beats so that a missed beat counts
twice and then dropping beats that sit far off the line. Over a 30-second window at 128 BPM that is ~64 beats and a
tempo precise to a few hundredths of a BPM, reported to one decimal.

Beat trackers lock onto a related metrical level: half or double the tempo a DJ counts (drum & bass at 174 comes out
as 87) or, on syncopated material, the dotted beat (170 as 113, 2:3). :func:`read_tempo` weighs the tracked tempo
against those readings with three kinds of evidence, each cheap and measured on the window's own onset functions:

* **metrical salience**: how strongly the onset function repeats at one, two and four beats of a candidate (the
  autocorrelation a beat, a half bar and a bar apart). It settles 3:2 confusions: a dotted-beat reading repeats
  at 1.5 and 3 true beats, which a 4/4 bar does not, so its salience falls below the true tempo's;
* **backbeat**: in 4/4 popular music the snare or clap falls on every *other* beat (2 and 4). If the snare band
  repeats at two beats of a candidate more than at one, that candidate counts the beat the snares mark. This is
  what keeps drum & bass at 174 rather than 87 (at 87 the snares fall on every tracked beat);
* **a tempo prior**: listeners' preferred beat rate is centred near 120 BPM (Moelants 2002; the log-normal prior of
  Ellis 2007 and Klapuri et al. 2006), so when the rhythm itself does not decide, the reading nearer 120 wins.

The tracked tempo keeps the benefit of the doubt: another octave must beat it by a margin, and a 3:2 reading must
be clearly more salient. What is left of the contest gives the **confidence** (0-1: regular beats, a clear pulse and
a wide margin over the runner-up) and, when the runner-up came close, the **alternative** reading a DJ may count.
Silence, noise and beat-less ambient have no tracked beats or no pulse to speak of and get no tempo at all.

The weights and margins below were chosen by a small grid search on real music (``../shared/audio/real-dev``:
GTZAN excerpts with human beat annotations, rendered human compositions and drummers) and a generated sample, and
checked on the generated corpus (``benchmarks/analysis``). They are few and coarse on purpose, but they were fitted
on a development set: held-out music may score lower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_BPM",
    "MIN_BPM",
    "PulseEvidence",
    "TempoFit",
    "TempoReading",
    "autocorrelation",
    "backbeat",
    "band_flux",
    "fit_tempo",
    "read_tempo",
    "salience",
]

#: the tempo range tracktion reports; the beat tracker searches the same range.
MIN_BPM = 60.0
MAX_BPM = 210.0

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


def autocorrelation(signal: npt.ArrayLike) -> Floats:
    """Unbiased autocorrelation of the mean-removed ``signal``, 1 at lag 0 (all zeros for a constant signal)."""
    x = np.asarray(signal, dtype=np.float64)
    if x.size == 0:
        return np.zeros(0)
    x = x - x.mean()
    spectrum = np.fft.rfft(x, 2 * x.size)
    acf = np.fft.irfft(np.abs(spectrum) ** 2)[: x.size] / np.arange(x.size, 0, -1)
    return acf / acf[0] if acf[0] > 0 else np.zeros(x.size)


@dataclass(frozen=True)
class PulseEvidence:
    """Autocorrelations of a window's onset function and of its snare-band flux, sampled at ``rate`` Hz."""

    onsets: Floats
    snare: Floats
    rate: float

    @classmethod
    def of(cls, odf: npt.ArrayLike, snare_flux: npt.ArrayLike, rate: float) -> PulseEvidence:
        return cls(autocorrelation(odf), autocorrelation(snare_flux), rate)

    @classmethod
    def pooled(cls, evidences: Sequence[PulseEvidence]) -> PulseEvidence:
        """The mean of several windows' autocorrelations: the evidence of all of them at once (same rate)."""
        onsets = min(e.onsets.size for e in evidences)
        snare = min(e.snare.size for e in evidences)
        return cls(
            np.mean([e.onsets[:onsets] for e in evidences], axis=0),
            np.mean([e.snare[:snare] for e in evidences], axis=0),
            evidences[0].rate,
        )


#: lags are searched within this relative distance, for the tempo drift of played music
_LAG_TOLERANCE = 0.03


def _acf_at(acf: Floats, seconds: float, rate: float) -> float:
    """The autocorrelation's highest value within ±3% of a lag, linearly interpolated."""
    best = 0.0
    for factor in np.linspace(1 - _LAG_TOLERANCE, 1 + _LAG_TOLERANCE, 7):
        lag = seconds * rate * factor
        lo = int(lag)
        if lo + 1 >= acf.size:
            break
        frac = lag - lo
        best = max(best, float((1 - frac) * acf[lo] + frac * acf[lo + 1]))
    return best


def salience(evidence: PulseEvidence, bpm: float) -> float:
    """Mean autocorrelation of the onset function one, two and four beats apart: how much the music repeats there."""
    beat = 60.0 / bpm
    return float(np.mean([_acf_at(evidence.onsets, k * beat, evidence.rate) for k in (1, 2, 4)]))


def backbeat(evidence: PulseEvidence, bpm: float) -> float:
    """How much more the snare band repeats every two beats than every beat (positive: snares on 2 and 4)."""
    beat = 60.0 / bpm
    return _acf_at(evidence.snare, 2 * beat, evidence.rate) - _acf_at(evidence.snare, beat, evidence.rate)


#: centre and width (in octaves) of the log-normal tempo prior
PRIOR_CENTRE_BPM = 120.0
PRIOR_OCTAVES = 0.5
#: weights of salience and backbeat against the (log) prior
SALIENCE_WEIGHT = 2.0
BACKBEAT_WEIGHT = 2.0
#: what another octave must win by before it replaces the tracked tempo
OCTAVE_MARGIN = 0.2
#: how much more salient a 3:2 or 2:3 reading must be than the tracked one
METRE_MARGIN = 0.1
#: below this score margin the runner-up is reported as the alternative
ALTERNATIVE_MARGIN = 0.3
#: a pulse weaker than this (salience at the tracked tempo or its 3:2 readings) is no tempo at all: white noise
#: measures 0.02-0.06 (the tracker finds "beats" in anything), real music with a beat 0.1 and up
MIN_SALIENCE = 0.08


def _log_prior(bpm: float) -> float:
    return float(-0.5 * (np.log2(bpm / PRIOR_CENTRE_BPM) / PRIOR_OCTAVES) ** 2)


@dataclass(frozen=True)
class TempoReading:
    """A window's tempo, how sure it is (0-1) and a close second reading (None when the tempo stands alone)."""

    bpm: float
    confidence: float
    alternative: float | None


def read_tempo(fit: TempoFit | None, evidence: PulseEvidence) -> TempoReading | None:
    """The tempo a DJ counts from the tracker's fit and the window's evidence (see the module docstring).

    None when there is no pulse: no beats were tracked, or the onset function hardly repeats at their period (noise,
    beat-less ambient: the tracker places "beats" in anything).
    """
    if fit is None:
        return None
    tracked = fit.bpm
    if max(salience(evidence, tracked * ratio) for ratio in (1.0, 1.5, 2 / 3)) < MIN_SALIENCE:
        return None
    metre_reading: float | None = None
    for ratio in (1.5, 2 / 3):
        candidate = tracked * ratio
        if (
            MIN_BPM <= candidate <= MAX_BPM
            and salience(evidence, candidate) > salience(evidence, tracked) + METRE_MARGIN
        ):
            metre_reading, tracked = tracked, candidate
            break
    ratios = (1.0,) if metre_reading is not None else (0.5, 1.0, 2.0)
    scored = sorted(
        (
            (
                SALIENCE_WEIGHT * salience(evidence, bpm)
                + BACKBEAT_WEIGHT * backbeat(evidence, bpm)
                + _log_prior(bpm)
                - (OCTAVE_MARGIN if ratio != 1.0 else 0.0),
                bpm,
            )
            for ratio in ratios
            if MIN_BPM <= (bpm := tracked * ratio) <= MAX_BPM or ratio == 1.0
        ),
        reverse=True,
    )
    best_score, best = scored[0]
    if metre_reading is not None:
        margin = salience(evidence, best) - salience(evidence, metre_reading)
        runner_up: float | None = metre_reading
    elif len(scored) > 1:
        margin = best_score - scored[1][0]
        runner_up = scored[1][1]
    else:
        margin, runner_up = 1.0, None
    pulse = min(1.0, salience(evidence, best) / 0.3)
    decisive = 1.0 - 0.5 * float(np.exp(-margin / ALTERNATIVE_MARGIN))
    confidence = float(np.clip(np.sqrt(fit.consistency) * np.sqrt(pulse) * decisive, 0.0, 1.0))
    alternative = runner_up if runner_up is not None and margin < ALTERNATIVE_MARGIN else None
    return TempoReading(best, round(confidence, 3), alternative)
