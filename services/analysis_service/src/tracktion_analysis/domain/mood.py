"""Mood without a model: energy, danceability, valence and a label from a handful of descriptors.

A model (``TRACKTION_MOOD_MODEL``) needs essentia-tensorflow, 570 MB that the default install does not carry, so
the default mood is a transparent heuristic, reported with ``method="heuristic"``:

* **danceability** is essentia's Danceability (Streich & Herrera's detrended fluctuation analysis of the signal's
  10 ms standard deviations; 0 to ~3, higher is more danceable), computed here from the 10 ms deviations the
  streaming pass keeps, so it works on a two-hour set without its samples (:func:`danceability`);
* **energy** (0..1) rises with loudness, onset density (how many note and drum attacks per second), tempo and
  brightness (spectral centroid), the usual arousal correlates, and falls with large dynamic swings (ambient,
  classical);
* **valence** (0..1) rises with brightness, danceability and tempo, the descriptors that correlate with rated
  valence in music-emotion studies once mode is accounted for; the mode itself moves it by at most ±0.1 (scaled by
  how clear the key is), so a danceable, bright minor-key track can be euphoric and a dark, slow major-key ballad
  melancholic: the label says something the key does not;
* the **label** is the quadrant of the energy/valence plane (Russell's circumplex): ``euphoric`` (high energy,
  high valence), ``aggressive`` (high, low), ``relaxed`` (low, high), ``melancholic`` (low, low).

The weights are hand-set and coarse on purpose: the label is a browsing aid, not a claim of precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "MOOD_LABELS",
    "Mood",
    "MoodLabel",
    "danceability",
    "dynamic_complexity",
    "heuristic_mood",
    "loudness_db",
    "onset_density",
]

MoodLabel = Literal["euphoric", "aggressive", "relaxed", "melancholic"]
MOOD_LABELS: tuple[MoodLabel, ...] = ("euphoric", "aggressive", "relaxed", "melancholic")

#: frames below this RMS level (dBFS) count as silence.
SILENCE_DB = -60.0


@dataclass(frozen=True)
class Mood:
    """The mood summary of a recording; ``method`` is ``"heuristic"`` or ``"model:<file>"``."""

    label: str
    method: str
    energy: float
    danceability: float
    valence: float
    loudness_db: float
    dynamic_complexity: float
    brightness_hz: float


def _clip01(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


def _scale(value: float, low: float, high: float) -> float:
    return _clip01((value - low) / (high - low))


def danceability(block_std: npt.ArrayLike, *, block_ms: float = 10.0) -> float:
    """essentia's Danceability from the standard deviations of consecutive ``block_ms`` blocks of the signal.

    Detrended fluctuation analysis: integrate the (mean-removed) deviations, measure the RMS residual of linear
    fits over windows of 310 ms to 8.8 s (growing by 10%), take the log-log slopes between consecutive window
    sizes and return the inverse of their mean. Windows slide by 1/50 of their length, as essentia does. Returns
    0 when the signal is shorter than two window sizes or has no fluctuation.
    """
    s = np.asarray(block_std, dtype=np.float64)
    taus: list[int] = []
    tau_ms = 310.0
    while tau_ms <= 8800.0:
        taus.append(int(tau_ms / block_ms))
        tau_ms *= 1.1
    n = s.size
    if n < taus[1] + 1:
        return 0.0
    y = np.cumsum(s - s.mean())
    idx = np.arange(n, dtype=np.float64)
    p1 = np.concatenate([[0.0], np.cumsum(y)])
    p2 = np.concatenate([[0.0], np.cumsum(y * y)])
    pi = np.concatenate([[0.0], np.cumsum(idx * y)])
    fluctuation: list[float] = []
    for tau in taus:
        if n < tau:
            break
        jump = max(tau // 50, 1)
        starts = np.arange(0, n - tau, jump)
        if starts.size == 0:
            fluctuation.append(0.0)
            break
        ends = starts + tau
        m = float(tau)
        sx = m * (m - 1) / 2
        sxx = (m - 1) * m * (2 * m - 1) / 6
        sy = p1[ends] - p1[starts]
        syy = p2[ends] - p2[starts]
        sxy = (pi[ends] - pi[starts]) - starts * sy
        var_x = sxx - sx * sx / m
        cov = sxy - sx * sy / m
        residual = np.maximum(syy - sy * sy / m - cov * cov / var_x, 0.0) / m  # mean squared residual per block
        fluctuation.append(float(np.sqrt(residual.sum() / ((n - tau) / jump))))
    if len(fluctuation) < 2:
        return 0.0
    alphas = []
    for i in range(len(fluctuation) - 1):
        if fluctuation[i] <= 0 or fluctuation[i + 1] <= 0:
            return 0.0
        alphas.append(np.log10(fluctuation[i + 1] / fluctuation[i]) / np.log10((taus[i + 1] + 3.0) / (taus[i] + 3.0)))
    mean_alpha = float(np.mean(alphas))
    return 1.0 / mean_alpha if mean_alpha > 0 else 0.0


def loudness_db(frame_rms: npt.ArrayLike) -> float:
    """Energy-average level of the non-silent frames, in dBFS (a stand-in for integrated loudness)."""
    rms = np.asarray(frame_rms, dtype=np.float64)
    level = 20 * np.log10(np.maximum(rms, 1e-10))
    active = rms[level > SILENCE_DB]
    if active.size == 0:
        return SILENCE_DB * 2
    return float(10 * np.log10(np.mean(active * active)))


def dynamic_complexity(frame_rms: npt.ArrayLike, frames_per_block: int = 9) -> float:
    """Mean absolute deviation (dB) of ~200 ms block levels from the overall level, silence ignored.

    The idea of essentia's DynamicComplexity (how much the loudness moves around), on the frame RMS the streaming
    pass keeps rather than on the samples.
    """
    rms = np.asarray(frame_rms, dtype=np.float64)
    usable = rms.size // frames_per_block * frames_per_block
    if usable == 0:
        return 0.0
    blocks = np.sqrt(np.mean(rms[:usable].reshape(-1, frames_per_block) ** 2, axis=1))
    levels = 20 * np.log10(np.maximum(blocks, 1e-10))
    levels = levels[levels > SILENCE_DB]
    if levels.size == 0:
        return 0.0
    overall = 10 * np.log10(np.mean(10 ** (levels / 10)))
    return float(np.mean(np.abs(levels - overall)))


def onset_density(odf: npt.ArrayLike, rate: float) -> float:
    """Attacks per second: local maxima of the onset function that stand out from its running level.

    A peak counts when it is the highest within ±50 ms and exceeds the median of the surrounding second by more
    than the function's median absolute deviation, so steady noise or a pad counts little and busy drums a lot.
    """
    x = np.asarray(odf, dtype=np.float64)
    if x.size < 3 or rate <= 0:
        return 0.0
    half = max(1, int(0.05 * rate))
    is_peak = x >= np.lib.stride_tricks.sliding_window_view(np.pad(x, half, mode="edge"), 2 * half + 1).max(axis=1)
    context = max(3, int(rate)) | 1
    level = np.convolve(np.pad(x, context // 2, mode="edge"), np.ones(context) / context, mode="valid")
    spread = max(float(np.median(np.abs(x - np.median(x)))), 1e-6 * float(np.abs(x).max()), 1e-12)
    peaks = is_peak & (x > level + spread)
    return float(peaks.sum() / (x.size / rate))


def heuristic_mood(
    *,
    loudness: float,
    dance: float,
    bpm: float | None,
    brightness_hz: float,
    scale: Literal["major", "minor"] | None,
    key_strength: float | None,
    dynamics: float,
    onset_density: float = 4.0,
) -> Mood:
    """Combine descriptors into energy, valence and a label (see the module docstring for the reasoning)."""
    loud = _scale(loudness, -30.0, -8.0)
    tempo = _scale(bpm, 70.0, 175.0) if bpm else 0.3
    bright = _scale(brightness_hz, 800.0, 4000.0)
    busy = _scale(onset_density, 1.0, 7.0)
    groove = _scale(dance, 0.8, 1.8)
    calm = _scale(dynamics, 3.0, 12.0)  # very dynamic material (ambient swells, classical) reads as less energetic
    energy = _clip01(0.35 * loud + 0.25 * busy + 0.2 * tempo + 0.2 * bright - 0.15 * calm)
    mode = 0.0
    if scale is not None:
        certainty = _clip01(key_strength if key_strength is not None else 0.5)
        mode = (0.1 if scale == "major" else -0.1) * certainty
    valence = _clip01(0.35 * bright + 0.35 * groove + 0.3 * tempo + mode)
    high_energy = energy >= 0.5
    positive = valence >= 0.5
    quadrants: dict[tuple[bool, bool], MoodLabel] = {
        (True, True): "euphoric",
        (True, False): "aggressive",
        (False, True): "relaxed",
        (False, False): "melancholic",
    }
    label = quadrants[(high_energy, positive)]
    return Mood(
        label=label,
        method="heuristic",
        energy=round(energy, 3),
        danceability=round(max(0.0, dance), 3),
        valence=round(valence, 3),
        loudness_db=round(loudness, 1),
        dynamic_complexity=round(dynamics, 2),
        brightness_hz=round(brightness_hz, 1),
    )
