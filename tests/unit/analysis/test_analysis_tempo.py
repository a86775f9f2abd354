"""Tempo fitted from beat times, and the half/double choice from where snare and kick fall."""

from __future__ import annotations

import numpy as np
import pytest

from tracktion_analysis.domain import tempo

RATE = 44100 / 1024


def test_fit_tempo_is_exact_on_a_regular_grid() -> None:
    beats = np.arange(64) * 60 / 128.0 + 0.3
    fit = tempo.fit_tempo(beats)
    assert fit is not None
    assert fit.bpm == pytest.approx(128.0, abs=0.01)
    assert fit.consistency == 1.0


def test_fit_tempo_beats_the_median_interval_on_quantised_beats() -> None:
    """Beats quantised to the tracker's ~11.6 ms grid: the median interval is off, the fitted line is not."""
    grid = 1 / (RATE * 2)
    beats = np.round((np.arange(80) * 60 / 174.0 + 0.1) / grid) * grid
    fit = tempo.fit_tempo(beats)
    assert fit is not None
    assert fit.bpm == pytest.approx(174.0, abs=0.05)
    assert abs(60 / np.median(np.diff(beats)) - 174.0) > 0.3


def test_fit_tempo_survives_missed_and_spurious_beats() -> None:
    rng = np.random.default_rng(1)
    beats = np.arange(60) * 60 / 90.0 + rng.normal(0, 0.004, 60)
    beats = np.delete(beats, [10, 11, 30])  # dropouts
    beats = np.sort(np.append(beats, [5.37, 21.1]))  # off-grid extras
    fit = tempo.fit_tempo(beats)
    assert fit is not None
    assert fit.bpm == pytest.approx(90.0, abs=0.1)
    assert fit.consistency < 1.0


@pytest.mark.parametrize("beats", [[], [0.5, 1.0, 1.5], [1.0, 1.0, 1.0, 1.0, 1.0]])
def test_fit_tempo_needs_a_pulse(beats: list[float]) -> None:
    assert tempo.fit_tempo(beats) is None


def _pulses(bpm: float, beats_with_hit: list[float], seconds: float = 30.0) -> np.ndarray:
    """An onset function with a spike wherever (beat number mod 4) is in ``beats_with_hit``."""
    signal = np.zeros(int(seconds * RATE))
    period = 60 / bpm
    beat = 0.0
    while beat * period < seconds:
        if (beat % 4) in beats_with_hit:
            signal[int(beat * period * RATE)] = 1.0
        beat += 0.5
    return signal


def test_periodicity_peaks_at_the_repetition() -> None:
    signal = _pulses(120.0, [0.0])  # once a bar = every 2 s
    assert tempo.periodicity(signal, RATE, 2.0) > 0.8
    assert tempo.periodicity(signal, RATE, 1.0) < 0.2


def test_drum_and_bass_tracked_at_half_tempo_is_doubled() -> None:
    # at 87 BPM (half of 174) the backbeat snares fall on every tracked beat, halfway between the kicks
    snare = _pulses(87.0, [0.5, 1.5, 2.5, 3.5])
    kick = _pulses(87.0, [0.0, 1.25 % 4, 2.0, 3.25])
    assert tempo.choose_octave(87.0, tempo.octave_evidence(snare, kick, RATE, 87.0)) == 2.0


def test_hip_hop_at_90_is_not_doubled() -> None:
    snare = _pulses(90.0, [1.0, 3.0])  # beats 2 and 4
    kick = _pulses(90.0, [0.0, 1.5, 2.5])
    assert tempo.choose_octave(90.0, tempo.octave_evidence(snare, kick, RATE, 90.0)) == 1.0


def test_four_on_the_floor_at_half_tempo_is_doubled() -> None:
    kick = _pulses(64.0, [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5])  # a kick every half of a tracked beat
    snare = np.zeros_like(kick)
    assert tempo.choose_octave(64.0, tempo.octave_evidence(snare, kick, RATE, 64.0)) == 2.0


def test_hip_hop_tracked_at_double_tempo_is_halved() -> None:
    snare = _pulses(180.0, [2.0])  # the 90-BPM backbeat is every fourth beat at 180
    kick = _pulses(180.0, [0.0])
    assert tempo.choose_octave(180.0, tempo.octave_evidence(snare, kick, RATE, 180.0)) == 0.5


def test_drum_and_bass_at_174_is_left_alone() -> None:
    snare = _pulses(174.0, [1.0, 3.0])
    kick = _pulses(174.0, [0.0, 2.5])
    assert tempo.choose_octave(174.0, tempo.octave_evidence(snare, kick, RATE, 174.0)) == 1.0


def test_band_flux_rises_only_on_onsets() -> None:
    flux = tempo.band_flux(np.array([0.0, 0.0, 1.0, 1.0, 0.2, 1.0]))
    assert flux[2] > 0
    assert flux[5] > 0
    assert flux[3] == 0
    assert flux[4] == 0
