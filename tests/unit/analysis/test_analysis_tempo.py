"""Tempo fitted from beat times, and the metrical level (half, double, 3:2) chosen from the onset functions."""

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


def _smooth(signal: np.ndarray) -> np.ndarray:
    """A spike spread over three frames, as an onset function's peaks are (one-frame spikes alias at some lags)."""
    return np.convolve(signal, [0.5, 1.0, 0.5], mode="same")


def _fit(bpm: float, consistency: float = 1.0) -> tempo.TempoFit:
    return tempo.TempoFit(bpm=bpm, beats=64, consistency=consistency)


def _read(tracked: float, true_bpm: float, kick: list[float], snare: list[float], hats: bool = True) -> float | None:
    """read_tempo on a drum pattern at ``true_bpm`` (hits at these beat positions, mod 4), tracked at ``tracked``."""
    kicks, snares = _smooth(_pulses(true_bpm, kick)), _smooth(_pulses(true_bpm, snare))
    eighths = _smooth(_pulses(true_bpm, [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]))
    odf = kicks + snares + (0.3 * eighths if hats else 0.0)
    reading = tempo.read_tempo(_fit(tracked), tempo.PulseEvidence.of(odf, snares, RATE))
    return reading.bpm if reading else None


def test_autocorrelation_peaks_at_the_repetition() -> None:
    acf = tempo.autocorrelation(_pulses(120.0, [0.0]))  # once a bar = every 2 s
    assert acf[0] == pytest.approx(1.0)
    assert acf[round(2.0 * RATE)] > 0.8
    assert acf[round(1.0 * RATE)] < 0.2
    assert not tempo.autocorrelation(np.ones(100)).any()


def test_drum_and_bass_tracked_at_half_tempo_is_doubled() -> None:
    # at 87 BPM the backbeat snares (2 and 4 of 174) fall on every tracked beat
    assert _read(87.0, 174.0, kick=[0.0, 2.5], snare=[1.0, 3.0]) == pytest.approx(174.0)


def test_drum_and_bass_at_174_is_left_alone() -> None:
    assert _read(174.0, 174.0, kick=[0.0, 2.5], snare=[1.0, 3.0]) == pytest.approx(174.0)


def test_hip_hop_at_90_is_not_doubled() -> None:
    assert _read(90.0, 90.0, kick=[0.0, 1.5, 2.5], snare=[1.0, 3.0]) == pytest.approx(90.0)


def test_hip_hop_tracked_at_double_tempo_is_halved() -> None:
    assert _read(180.0, 90.0, kick=[0.0, 1.5, 2.5], snare=[1.0, 3.0]) == pytest.approx(90.0)


def test_four_on_the_floor_at_half_tempo_is_doubled() -> None:
    assert _read(64.0, 128.0, kick=[0.0, 1.0, 2.0, 3.0], snare=[1.0, 3.0]) == pytest.approx(128.0)


@pytest.mark.parametrize(("tracked", "true_bpm"), [(113.33, 170.0), (180.0, 120.0)])
def test_a_dotted_beat_reading_goes_back_to_the_bar_s_beat(tracked: float, true_bpm: float) -> None:
    """3:2 and 2:3 confusions: a 4/4 bar repeats at 1, 2 and 4 of its beats, not at the tracker's dotted beat."""
    assert _read(tracked, true_bpm, kick=[0.0, 2.0], snare=[1.0, 3.0], hats=False) == pytest.approx(true_bpm, rel=0.01)


def test_a_clear_beat_is_confident_and_stands_alone() -> None:
    kicks, snares = _smooth(_pulses(128.0, [0.0, 1.0, 2.0, 3.0])), _smooth(_pulses(128.0, [1.0, 3.0]))
    reading = tempo.read_tempo(_fit(128.0), tempo.PulseEvidence.of(kicks + snares, snares, RATE))
    assert reading is not None
    assert reading.confidence > 0.8
    assert reading.alternative is None


def test_a_close_call_reports_the_other_reading() -> None:
    """The same hit on every beat, 80 or 160 either side of 120: nothing decides, so the other one is reported."""
    odf = _smooth(_pulses(160.0, [0.0, 1.0, 2.0, 3.0]))
    reading = tempo.read_tempo(_fit(80.0), tempo.PulseEvidence.of(odf, odf, RATE))
    assert reading is not None
    assert reading.alternative is not None
    assert sorted([reading.bpm, reading.alternative]) == pytest.approx([80.0, 160.0])
    assert reading.confidence < 0.8


def test_noise_with_irregular_beats_has_no_tempo() -> None:
    rng = np.random.default_rng(3)
    noise = rng.random(int(30 * RATE))
    assert tempo.read_tempo(_fit(123.0, consistency=0.8), tempo.PulseEvidence.of(noise, noise, RATE)) is None
    assert tempo.read_tempo(None, tempo.PulseEvidence.of(noise, noise, RATE)) is None


def test_band_flux_rises_only_on_onsets() -> None:
    flux = tempo.band_flux(np.array([0.0, 0.0, 1.0, 1.0, 0.2, 1.0]))
    assert flux[2] > 0
    assert flux[5] > 0
    assert flux[3] == 0
    assert flux[4] == 0
