"""A generated long recording with a tempo change and a key change where we put them, analysed in windows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracktion_analysis import analyse_file
from tracktion_analysis.synth import Section, write_sections

# 0-95 s: 124 BPM A minor; 95-190 s: 174 BPM D major (tempo and key change); 190-280 s: 174 BPM F# minor (key only)
SECTIONS = [
    Section(95.0, 124.0, "A", "minor", "four_on_the_floor"),
    Section(95.0, 174.0, "D", "major", "drum_and_bass"),
    Section(90.0, 174.0, "F#", "minor", "drum_and_bass"),
]
TOLERANCE_S = 12.0  # windows advance by 10 s


@pytest.fixture(scope="module")
def long_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sections(tmp_path_factory.mktemp("long") / "set.flac", SECTIONS, seed=4, noise_db=28)


def test_the_timeline_follows_the_changes(long_file: Path) -> None:
    result = analyse_file(long_file)
    assert result.duration_s == pytest.approx(280.0, abs=0.5)
    main = [s for s in result.segments if s.end_s - s.start_s >= 30.0]
    assert [(s.bpm is not None and round(s.bpm), s.key, s.scale) for s in main] == [
        (124, "A", "minor"),
        (174, "D", "major"),
        (174, "F#", "minor"),
    ]
    assert main[0].start_s == 0.0
    assert main[-1].end_s == pytest.approx(280.0, abs=0.5)
    assert main[1].start_s == pytest.approx(95.0, abs=TOLERANCE_S)  # tempo + key change
    assert main[2].start_s == pytest.approx(190.0, abs=TOLERANCE_S)  # key change at the same tempo
    # segments tile the recording without gaps or overlaps
    for earlier, later in zip(result.segments, result.segments[1:], strict=False):
        assert earlier.end_s == pytest.approx(later.start_s)
    assert len(result.segments) <= 5


def test_the_dominant_tempo_and_key_are_those_held_longest(long_file: Path) -> None:
    result = analyse_file(long_file)
    assert result.bpm == pytest.approx(174.0, abs=0.5)  # 185 s at 174 against 95 s at 124
    assert result.key in ("D", "F#")  # 95 s of D major, 90 s of F# minor, 95 s of A minor: close to a tie
