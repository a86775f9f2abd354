"""The heuristic mood, and the TRACKTION_MOOD_MODEL error paths (no model is available offline)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from analysis_clips import ClipFactory

from tracktion_analysis import AnalysisOptions, AnalysisSettings, MoodModelError, analyse_file
from tracktion_analysis.adapters import mood_model
from tracktion_analysis.domain import mood
from tracktion_shared.errors import ConfigError


def _mood(**overrides: object) -> mood.Mood:
    args: dict[str, object] = {
        "loudness": -12.0,
        "dance": 1.5,
        "bpm": 128.0,
        "brightness_hz": 3500.0,
        "scale": "major",
        "key_strength": 0.8,
        "dynamics": 3.0,
    }
    args.update(overrides)
    return mood.heuristic_mood(**args)  # type: ignore[arg-type]


def test_the_four_quadrants() -> None:
    assert _mood().label == "euphoric"
    assert _mood(scale="minor", brightness_hz=1500.0).label == "aggressive"
    assert _mood(loudness=-28.0, bpm=75.0, brightness_hz=2500.0, scale="major", key_strength=1.0).label == "relaxed"
    assert _mood(loudness=-28.0, bpm=75.0, brightness_hz=1300.0, scale="minor").label == "melancholic"
    assert all(_mood().method == "heuristic" for _ in range(1))


def test_energy_and_valence_move_the_right_way() -> None:
    assert _mood(loudness=-8.0).energy > _mood(loudness=-25.0).energy
    assert _mood(bpm=174.0).energy > _mood(bpm=80.0).energy
    assert _mood(scale="major").valence > _mood(scale="minor").valence
    for m in (_mood(loudness=0.0, bpm=200.0, brightness_hz=9000.0), _mood(loudness=-80.0, bpm=None)):
        assert 0.0 <= m.energy <= 1.0
        assert 0.0 <= m.valence <= 1.0


def test_the_mode_does_not_decide_the_mood() -> None:
    """A bright, danceable minor-key track is not melancholic, and a dark, slow major-key one is not cheerful."""
    assert _mood(scale="minor", dance=1.8, brightness_hz=3800.0, onset_density=6.0).label == "euphoric"
    dark = _mood(scale="major", loudness=-26.0, bpm=70.0, dance=0.8, brightness_hz=900.0, onset_density=1.0)
    assert dark.label == "melancholic"
    shift = _mood(scale="major").valence - _mood(scale="minor").valence
    assert 0 < shift <= 0.2


def test_busier_music_has_more_energy() -> None:
    assert _mood(onset_density=7.0).energy > _mood(onset_density=1.0).energy + 0.1


def test_onset_density_counts_attacks_per_second() -> None:
    rate = 44100 / 1024
    odf = np.zeros(int(30 * rate))
    odf[:: int(rate / 4)] = 1.0  # four attacks a second
    assert mood.onset_density(odf, rate) == pytest.approx(4.0, rel=0.1)
    assert mood.onset_density(np.full(1000, 0.3), rate) == 0.0
    assert mood.onset_density(np.zeros(2), rate) == 0.0


def test_danceability_of_too_little_signal_is_zero() -> None:
    assert mood.danceability(np.ones(10)) == 0.0
    assert mood.danceability(np.ones(5000)) == 0.0  # no fluctuation at all


def test_loudness_and_dynamics_ignore_silence() -> None:
    rms = np.concatenate([np.full(900, 0.1), np.zeros(900)])
    assert mood.loudness_db(rms) == pytest.approx(-20.0, abs=0.01)
    assert mood.dynamic_complexity(rms) == pytest.approx(0.0, abs=0.01)
    assert mood.dynamic_complexity(np.concatenate([np.full(900, 0.1), np.full(900, 0.01)])) > 5.0


# -- TRACKTION_MOOD_MODEL ------------------------------------------------------------------------------------------


def test_a_missing_model_is_a_clear_config_error(tmp_path: Path) -> None:
    with pytest.raises(MoodModelError, match="no such file") as info:
        mood_model.check_mood_model(tmp_path / "mood_happy-musicnn-msd-2.pb")
    assert isinstance(info.value, ConfigError)


def test_a_model_that_is_not_a_graph_file(tmp_path: Path) -> None:
    weights = tmp_path / "model.h5"
    weights.write_bytes(b"HDF")
    with pytest.raises(MoodModelError, match=r"\.pb"):
        mood_model.check_mood_model(weights)
    empty = tmp_path / "empty.pb"
    empty.touch()
    with pytest.raises(MoodModelError, match="empty"):
        mood_model.check_mood_model(empty)
    with pytest.raises(MoodModelError, match="not a file"):
        mood_model.check_mood_model(tmp_path)


def test_a_model_without_essentia_tensorflow_says_what_to_install(tmp_path: Path) -> None:
    if mood_model.tensorflow_available():
        pytest.skip("essentia-tensorflow is installed here")
    graph = tmp_path / "mood_happy-musicnn-msd-2.pb"
    graph.write_bytes(b"\x0a\x0bnot really a graph")
    with pytest.raises(MoodModelError, match="essentia-tensorflow"):
        mood_model.check_mood_model(graph)


def test_the_model_is_checked_before_any_decoding(clip: ClipFactory, tmp_path: Path) -> None:
    with pytest.raises(MoodModelError, match="no such file"):
        analyse_file(clip(128.0, "A", "minor"), AnalysisOptions(mood_model=tmp_path / "missing.pb"))


def test_settings_read_the_model_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRACKTION_MOOD_MODEL", str(tmp_path / "m.pb"))
    monkeypatch.setenv("TRACKTION_ANALYSIS_WORKERS", "3")
    settings = AnalysisSettings()
    assert settings.analysis_workers == 3
    assert settings.options().mood_model == tmp_path / "m.pb"
    monkeypatch.delenv("TRACKTION_MOOD_MODEL")
    assert AnalysisSettings().options().mood_model is None
