"""Identification on small generated mixes: each robustness item of the issue, one at a time, plus bad input.

The library is six generated tracks (conftest); a "mix" is some of them treated the way DJs and club recordings
treat music. Every test asks the same: the right tracks, at the right times, how fast and how high, and nothing
that is not there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from identify_audio import SR, crossfade, crowd, ffmpeg_filter, filter_sweep, limiter, to_mp3, vinyl
from identify_index import LIBRARY, Library, add_track, fingerprint_of, recording_id

from tracktion_identify.errors import AudioNotFound, TooShortAudio, UnreadableAudio
from tracktion_identify.identifier import find_in_sets, fingerprint, identify


def _found(library: Library, mix: np.ndarray) -> dict[object, object]:
    result = identify(library.index, fingerprint_of(mix))
    return {track.recording_id: track for track in result.tracks}


def test_a_mix_of_three_tracks_gives_each_with_its_start_and_the_unknown_one_as_a_gap(library: Library) -> None:
    parts = [library.tracks[1], library.tracks[LIBRARY + 1], library.tracks[3], library.tracks[5]]
    mix, starts = crossfade(parts, seconds=8.0)
    result = identify(library.index, fingerprint_of(mix))

    assert [t.recording_id for t in result.tracks] == [recording_id(1), recording_id(3), recording_id(5)]
    for found, start in zip(result.tracks, [starts[0], starts[2], starts[3]], strict=True):
        assert abs(found.start_s - start) < 1.0
        assert abs(found.tempo_ratio - 1.0) < 0.01
        assert found.semitones == pytest.approx(0.0, abs=0.3)
        assert 0 < found.confidence <= 1
    # the track the library does not hold is an unknown stretch, not a match
    assert any(span.start_s <= starts[1] + 10 and span.end_s >= starts[2] for span in result.unknown)


@pytest.mark.parametrize("tempo_ratio", [0.84, 0.92, 1.05, 1.16])
def test_a_speed_change_without_key_lock_is_found_with_its_tempo_ratio_and_pitch(
    library: Library, tempo_ratio: float
) -> None:
    found = _found(library, vinyl(library.tracks[2], tempo_ratio))
    assert list(found) == [recording_id(2)]
    match = found[recording_id(2)]
    assert match.tempo_ratio == pytest.approx(tempo_ratio, rel=0.01)  # type: ignore[attr-defined]
    assert match.semitones == pytest.approx(12 * np.log2(tempo_ratio), abs=0.4)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("tempo", "semitones"), [(1.16, 0), (0.86, 0), (1.08, 1), (0.95, -1)])
def test_key_locked_stretching_and_transposition_are_found(library: Library, tempo: float, semitones: int) -> None:
    played = ffmpeg_filter(library.tracks[4], f"rubberband=tempo={tempo}:pitch={2 ** (semitones / 12)}")
    found = _found(library, played)
    assert list(found) == [recording_id(4)]
    match = found[recording_id(4)]
    assert match.tempo_ratio == pytest.approx(tempo, rel=0.01)  # type: ignore[attr-defined]
    assert match.semitones == pytest.approx(semitones, abs=0.4)  # type: ignore[attr-defined]


def test_long_overlaps_with_filter_sweeps_a_limiter_and_crowd_noise(library: Library) -> None:
    # 24 s crossfades; each incoming track opens from a 250 Hz low-pass over the transition, as a DJ's filter does;
    # the whole mix then limited and under crowd noise 12 dB below the music
    fade = 24 * SR
    parts = [library.tracks[6]]
    for seed in (2, 4):
        opened = library.tracks[seed].copy()
        opened[:fade] = filter_sweep(opened[:fade], low_hz=250.0, high_hz=4000.0)
        parts.append(opened)
    mix, starts = crossfade(parts, seconds=24.0)
    mix = crowd(limiter(mix), below_db=12.0)
    result = identify(library.index, fingerprint_of(mix))
    assert [t.recording_id for t in result.tracks] == [recording_id(6), recording_id(2), recording_id(4)]
    assert all(abs(t.start_s - s) < 1.5 for t, s in zip(result.tracks, starts, strict=True))


def test_a_whole_mix_reencoded_to_mp3_is_decoded_and_identified(library: Library, tmp_path: Path) -> None:
    mix, starts = crossfade([library.tracks[3], vinyl(library.tracks[1], 1.06)], seconds=8.0)
    path = to_mp3(crowd(limiter(mix)), tmp_path / "my set (live) & friends.mp3")
    result = identify(library.index, fingerprint(path))
    assert [t.recording_id for t in result.tracks] == [recording_id(3), recording_id(1)]
    assert abs(result.tracks[1].start_s - starts[1]) < 1.0
    assert result.tracks[1].tempo_ratio == pytest.approx(1.06, rel=0.01)


def test_music_the_library_does_not_hold_matches_nothing(library: Library) -> None:
    mix, _ = crossfade([library.tracks[LIBRARY + 1], library.tracks[LIBRARY + 2]], seconds=8.0)
    result = identify(library.index, fingerprint_of(crowd(mix)))
    assert result.tracks == ()
    assert [(span.start_s, span.end_s) for span in result.unknown] == [(0.0, pytest.approx(mix.size / SR, abs=0.1))]


def test_a_track_added_after_the_set_is_found_in_it_without_identifying_the_set_again(library: Library) -> None:
    newcomer = LIBRARY + 1  # in the set, not (yet) in the library
    mix, starts = crossfade([library.tracks[1], vinyl(library.tracks[newcomer], 0.94), library.tracks[2]], 8.0)
    set_id = recording_id(1000)
    library.add_set(mix, set_id)
    assert recording_id(newcomer) not in {t.recording_id for t in identify(library.index, fingerprint_of(mix)).tracks}

    found = add_track(library.index, newcomer, library.tracks[newcomer])
    finds = find_in_sets(library.index, recording_id(newcomer), found)

    assert list(finds) == [set_id]
    find = finds[set_id]
    assert find.recording_id == recording_id(newcomer)
    assert abs(find.start_s - starts[1]) < 1.0
    assert find.tempo_ratio == pytest.approx(0.94, rel=0.01)
    assert find.semitones == pytest.approx(12 * np.log2(0.94), abs=0.4)


def test_a_recording_is_never_reported_inside_itself(library: Library) -> None:
    result = identify(library.index, fingerprint_of(library.tracks[2]), exclude=recording_id(2))
    assert result.tracks == ()


def test_silence_and_a_two_second_clip_are_too_short_to_fingerprint() -> None:
    with pytest.raises(TooShortAudio, match="too quiet or too plain"):
        fingerprint_of(np.zeros(SR * 30, dtype=np.float32))
    with pytest.raises(TooShortAudio, match=r"2\.0 s of audio is too short"):
        fingerprint_of(np.random.default_rng(0).normal(0, 0.3, SR * 2).astype(np.float32))


def test_a_corrupt_or_missing_file_fails_with_one_clear_line(tmp_path: Path) -> None:
    corrupt = tmp_path / "broken <set>\x07.mp3"
    corrupt.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 40)
    with pytest.raises(UnreadableAudio) as error:
        fingerprint(corrupt)
    assert str(corrupt) in str(error.value)
    assert "\n" not in str(error.value)
    with pytest.raises(AudioNotFound, match="file not found"):
        fingerprint(tmp_path / "gone.flac")
