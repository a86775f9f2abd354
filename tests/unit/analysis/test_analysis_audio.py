"""Analysing generated audio end to end (essentia decoding included): known tempo, known key, formats, failures.

Clips are 20 s; a tempo is right when within 1 BPM (the fit is usually within 0.1), a key when tonic and scale
match exactly.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import soundfile
from analysis_clips import ClipFactory, needs_ffmpeg

from tracktion_analysis import (
    AnalysisOptions,
    AnalysisResult,
    AudioNotFound,
    SilentAudio,
    TooShortAudio,
    UnreadableAudio,
    analyse_file,
)
from tracktion_analysis.adapters import essentia_runtime
from tracktion_analysis.domain import keys
from tracktion_shared.errors import PermanentError


@pytest.mark.parametrize(
    ("style", "bpm"),
    [
        ("four_on_the_floor", 128.0),
        ("drum_and_bass", 174.0),  # must not come out as 87
        ("drum_and_bass", 170.5),
        ("hip_hop", 90.0),  # must not come out as 180
        ("hip_hop", 86.0),
        ("breakbeat", 134.0),
        ("downtempo", 80.0),
    ],
)
def test_known_tempo(clip: ClipFactory, style: str, bpm: float) -> None:
    result = analyse_file(clip(bpm, "A", "minor", style))
    assert result.bpm is not None
    assert result.bpm == pytest.approx(bpm, abs=1.0)
    assert result.bpm == round(result.bpm, 1)  # one decimal


@pytest.mark.parametrize(
    ("tonic", "scale", "style", "cents"),
    [
        ("A", "minor", "four_on_the_floor", 0.0),
        ("F#", "minor", "four_on_the_floor", 30.0),  # a sharp-tuned master
        ("C", "major", "breakbeat", 0.0),
        ("D#", "minor", "hip_hop", -32.0),  # A=432 Hz
        ("A#", "major", "drum_and_bass", 0.0),
        ("E", "major", "downtempo", 12.0),
    ],
)
def test_known_key(clip: ClipFactory, tonic: str, scale: keys.Scale, style: str, cents: float) -> None:
    result = analyse_file(clip(124.0 if style != "drum_and_bass" else 172.0, tonic, scale, style, tuning_cents=cents))
    assert (result.key, result.scale) == (tonic, scale)
    assert result.camelot == keys.camelot(tonic, scale)
    assert result.open_key == keys.open_key(tonic, scale)
    assert result.tuning_cents == pytest.approx(cents, abs=8.0)
    assert result.segments[0].key == tonic


def test_result_shape_and_json(clip: ClipFactory) -> None:
    result = analyse_file(clip(128.0, "A", "minor"))
    data = json.loads(json.dumps(result.to_dict()))
    assert {"bpm", "key", "scale", "camelot", "open_key", "mood", "duration_s", "segments"} <= data.keys()
    assert {"label", "method", "energy", "danceability"} <= data["mood"].keys()
    assert data["mood"]["method"] == "heuristic"
    assert 0.0 <= data["mood"]["energy"] <= 1.0
    assert data["duration_s"] == pytest.approx(20.0, abs=0.1)
    assert len(data["segments"]) == 1
    assert {"start_s", "end_s", "bpm", "key", "scale"} <= data["segments"][0].keys()
    assert AnalysisResult.from_dict(data) == result
    assert 0.5 < data["bpm_confidence"] <= 1.0  # a clean generated beat
    assert 0.0 < data["key_confidence"] <= 1.0
    assert "bpm_alternative" in data
    assert data["segments"][0]["bpm_confidence"] is not None


def test_opus_analyses_like_the_other_formats(clip: ClipFactory, tmp_path: Path) -> None:
    signal, sr = soundfile.read(str(clip(126.0, "G", "minor", sr=48000)))
    path = tmp_path / "set.opus"
    soundfile.write(path, signal, sr, format="OGG", subtype="OPUS")
    result = analyse_file(path)
    assert result.bpm == pytest.approx(126.0, abs=1.0)
    assert (result.key, result.scale) == ("G", "minor")
    assert result.duration_s == pytest.approx(20.0, abs=0.2)


def test_noise_has_no_tempo(tmp_path: Path) -> None:
    """``bpm`` is None only where there is no pulse; white noise has none (and is not silence either)."""
    path = tmp_path / "noise.wav"
    soundfile.write(path, np.random.default_rng(5).normal(0, 0.2, 44100 * 20).astype(np.float32), 44100)
    result = analyse_file(path)
    assert result.bpm is None
    assert result.bpm_confidence is None
    assert result.bpm_alternative is None


@pytest.mark.parametrize(
    ("suffix", "sr", "subtype", "channels"),
    [
        (".wav", 96000, "PCM_24", 1),  # 24-bit 96 kHz mono
        (".wav", 48000, "PCM_24", 2),  # 24-bit 48 kHz stereo
        (".wav", 22050, "FLOAT", 1),
        (".flac", 44100, "PCM_16", 2),
        pytest.param(".mp3", 44100, "PCM_16", 2, marks=needs_ffmpeg),
        pytest.param(".ogg", 44100, "PCM_16", 1, marks=needs_ffmpeg),
        pytest.param(".m4a", 44100, "PCM_16", 2, marks=needs_ffmpeg),
    ],
)
def test_formats_rates_and_channels(clip: ClipFactory, suffix: str, sr: int, subtype: str, channels: int) -> None:
    path = clip(126.0, "G", "minor", suffix=suffix, sr=sr, subtype=subtype, channels=channels)
    if suffix == ".wav":
        info = soundfile.info(str(path))
        assert (info.samplerate, info.channels) == (sr, channels)
    result = analyse_file(path)
    assert result.bpm == pytest.approx(126.0, abs=1.0)
    assert (result.key, result.scale) == ("G", "minor")
    assert result.duration_s == pytest.approx(20.0, abs=0.2)


def test_danceability_matches_essentias_own(clip: ClipFactory) -> None:
    """tracktion computes Danceability from 10 ms deviations (no samples kept); essentia from the whole signal."""
    path = clip(128.0, "A", "minor")
    signal = essentia_runtime.load().standard.MonoLoader(filename=str(path), sampleRate=44100)()
    expected, _ = essentia_runtime.load().standard.Danceability()(signal)
    assert analyse_file(path).mood.danceability == pytest.approx(expected, rel=0.01)


def test_a_loud_fast_track_has_more_energy_than_a_quiet_slow_one(clip: ClipFactory, tmp_path: Path) -> None:
    loud = analyse_file(clip(174.0, "A", "minor", "drum_and_bass"))
    quiet_path = tmp_path / "quiet.wav"
    signal, sr = soundfile.read(str(clip(80.0, "A", "minor", "downtempo")))
    soundfile.write(quiet_path, signal * 0.1, sr)
    quiet = analyse_file(quiet_path)
    assert loud.mood.energy > quiet.mood.energy + 0.2
    assert quiet.mood.label in ("relaxed", "melancholic")


# -- failures ---------------------------------------------------------------------------------------------------


def _expect(error: type[PermanentError], path: Path, *fragments: str) -> str:
    with pytest.raises(error) as info:
        analyse_file(path)
    reason = str(info.value)
    assert isinstance(info.value, PermanentError)
    assert "\n" not in reason
    assert path.name in reason
    for fragment in fragments:
        assert fragment in reason
    return reason


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.mp3"
    path.write_bytes(np.random.default_rng(0).bytes(50_000))
    _expect(UnreadableAudio, path, "cannot decode")


def test_text_file_named_like_audio(tmp_path: Path) -> None:
    path = tmp_path / "notes.flac"
    path.write_text("not audio at all\n" * 100)
    _expect(UnreadableAudio, path, "cannot decode")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.touch()
    _expect(UnreadableAudio, path, "empty")


def test_missing_file(tmp_path: Path) -> None:
    _expect(AudioNotFound, tmp_path / "gone.mp3", "no such file")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "album.mp3"
    folder.mkdir()
    _expect(AudioNotFound, folder, "directory")


def test_silent_file(tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    soundfile.write(path, np.zeros(44100 * 15, dtype=np.float32), 44100)
    _expect(SilentAudio, path, "silent")


def test_one_second_file(clip: ClipFactory, tmp_path: Path) -> None:
    path = tmp_path / "blip.wav"
    signal, sr = soundfile.read(str(clip(128.0, "A", "minor")))
    soundfile.write(path, signal[: sr * 1], sr)
    _expect(TooShortAudio, path, "1.0 s", "5 s")


def test_the_minimum_length_is_configurable(clip: ClipFactory, tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    signal, sr = soundfile.read(str(clip(128.0, "A", "minor")))
    soundfile.write(path, signal[: sr * 8], sr)
    assert analyse_file(path).duration_s == pytest.approx(8.0, abs=0.1)
    with pytest.raises(TooShortAudio):
        analyse_file(path, AnalysisOptions(min_duration_s=10.0))


def test_truncated_file_is_analysed_as_far_as_it_goes(clip: ClipFactory, tmp_path: Path) -> None:
    path = tmp_path / "truncated.wav"
    data = clip(128.0, "A", "minor").read_bytes()
    path.write_bytes(data[: math.floor(len(data) * 0.6)])
    result = analyse_file(path)
    assert result.duration_s == pytest.approx(12.0, abs=0.5)
    assert result.bpm == pytest.approx(128.0, abs=1.0)
