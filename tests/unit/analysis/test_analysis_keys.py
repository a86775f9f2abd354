"""Key names, Camelot and Open Key for all 24 keys, the MIREX score, tuning and key estimation on profiles."""

from __future__ import annotations

import numpy as np
import pytest

from tracktion_analysis.domain import keys

# The wheels as DJ software prints them, written out by hand (not derived from the code under test).
CAMELOT_WHEEL = {
    ("C", "major"): ("8B", "1d"),
    ("G", "major"): ("9B", "2d"),
    ("D", "major"): ("10B", "3d"),
    ("A", "major"): ("11B", "4d"),
    ("E", "major"): ("12B", "5d"),
    ("B", "major"): ("1B", "6d"),
    ("F#", "major"): ("2B", "7d"),
    ("C#", "major"): ("3B", "8d"),
    ("G#", "major"): ("4B", "9d"),
    ("D#", "major"): ("5B", "10d"),
    ("A#", "major"): ("6B", "11d"),
    ("F", "major"): ("7B", "12d"),
    ("A", "minor"): ("8A", "1m"),
    ("E", "minor"): ("9A", "2m"),
    ("B", "minor"): ("10A", "3m"),
    ("F#", "minor"): ("11A", "4m"),
    ("C#", "minor"): ("12A", "5m"),
    ("G#", "minor"): ("1A", "6m"),
    ("D#", "minor"): ("2A", "7m"),
    ("A#", "minor"): ("3A", "8m"),
    ("F", "minor"): ("4A", "9m"),
    ("C", "minor"): ("5A", "10m"),
    ("G", "minor"): ("6A", "11m"),
    ("D", "minor"): ("7A", "12m"),
}


@pytest.mark.parametrize(("key", "codes"), sorted(CAMELOT_WHEEL.items()))
def test_camelot_and_open_key_of_every_key(key: tuple[str, keys.Scale], codes: tuple[str, str]) -> None:
    assert keys.camelot(*key) == codes[0]
    assert keys.open_key(*key) == codes[1]
    assert keys.parse_key(codes[0]) == key
    assert keys.parse_key(codes[1]) == key


def test_the_tables_cover_24_distinct_codes() -> None:
    assert len(keys.CAMELOT) == len(set(keys.CAMELOT.values())) == 24
    assert len(keys.OPEN_KEY) == len(set(keys.OPEN_KEY.values())) == 24
    assert {k: v[0] for k, v in CAMELOT_WHEEL.items()} == keys.CAMELOT


@pytest.mark.parametrize(
    ("flat", "sharp"),
    [("Db", "C#"), ("Eb", "D#"), ("Gb", "F#"), ("Ab", "G#"), ("Bb", "A#"), ("c#", "C#"), ("B♭", "A#")],
)
def test_flats_are_spelled_as_sharps(flat: str, sharp: str) -> None:
    assert keys.canonical_note(flat) == sharp
    assert keys.camelot(flat, "minor") == keys.camelot(sharp, "minor")


def test_parse_key_reads_the_usual_spellings() -> None:
    assert keys.parse_key("A minor") == ("A", "minor")
    assert keys.parse_key("Am") == ("A", "minor")
    assert keys.parse_key("Bbmaj") == ("A#", "major")
    assert keys.parse_key("F#") == ("F#", "major")
    with pytest.raises(ValueError, match="not a"):
        keys.parse_key("H minor")


@pytest.mark.parametrize(
    ("estimate", "score"),
    [
        (("A", "minor"), 1.0),
        (("E", "minor"), 0.5),  # dominant
        (("D", "minor"), 0.5),  # subdominant
        (("C", "major"), 0.3),  # relative
        (("A", "major"), 0.2),  # parallel
        (("A#", "minor"), 0.0),
        (("E", "major"), 0.0),
    ],
)
def test_mirex_score(estimate: tuple[str, keys.Scale], score: float) -> None:
    assert keys.mirex_score(("A", "minor"), estimate) == score


def _hpcp_for(notes: dict[str, float], cents: float = 0.0) -> np.ndarray:
    """A 36-bin profile (bin 0 = A) with energy at the given notes, detuned by ``cents``."""
    hpcp = np.zeros(36)
    for name, weight in notes.items():
        position = ((keys.pitch_class(name) - 9) % 12) * 3 + cents / 100 * 3
        lower = int(np.floor(position))
        frac = position - lower
        hpcp[lower % 36] += weight * (1 - frac)
        hpcp[(lower + 1) % 36] += weight * frac
    return hpcp


@pytest.mark.parametrize("cents", [-40.0, -25.0, 0.0, 18.0, 33.0])
def test_tuning_offset_is_read_from_the_36_bins(cents: float) -> None:
    hpcp = _hpcp_for({"A": 1.0, "C": 0.7, "E": 0.8}, cents)
    assert keys.tuning_offset(hpcp) == pytest.approx(cents, abs=4.0)


def test_chroma_is_read_at_the_tuned_positions() -> None:
    hpcp = _hpcp_for({"D": 1.0}, cents=40.0)
    chroma = keys.chroma_from_hpcp(hpcp, keys.tuning_offset(hpcp))
    assert keys.NOTE_NAMES[int(np.argmax(chroma))] == "D"
    assert chroma[keys.pitch_class("D#")] < 0.2 * chroma.max()


TRIAD_HEAVY_MINOR = {"A": 1.0, "C": 0.7, "E": 0.8, "D": 0.35, "G": 0.3, "F": 0.35, "B": 0.3, "G#": 0.25}


def test_estimate_key_finds_a_minor_and_survives_detuning() -> None:
    for cents in (0.0, -35.0, 38.0):
        estimate = keys.estimate_key(_hpcp_for(TRIAD_HEAVY_MINOR, cents))
        assert estimate is not None
        assert (estimate.tonic, estimate.scale) == ("A", "minor")
        assert estimate.camelot == "8A"
        assert estimate.tuning_cents == pytest.approx(cents, abs=5.0)
        assert 0.5 < estimate.strength <= 1.0


def test_estimate_key_without_tuning_correction_breaks_on_a_quarter_tone() -> None:
    """The control for the test above: at +45 cents, reading at A=440 lands between two keys."""
    corrected = keys.estimate_key(_hpcp_for(TRIAD_HEAVY_MINOR, 45.0))
    uncorrected = keys.estimate_key(_hpcp_for(TRIAD_HEAVY_MINOR, 55.0), tune=False)
    assert corrected is not None
    assert (corrected.tonic, corrected.scale) == ("A", "minor")
    assert uncorrected is not None
    assert (uncorrected.tonic, uncorrected.scale) != ("A", "minor")


def test_estimate_key_of_silence_is_none() -> None:
    assert keys.estimate_key(np.zeros(36)) is None
    assert keys.key_scores(np.ones(12)).tolist() == [0.0] * 24


def test_key_scores_rank_every_rotation_of_a_profile_first() -> None:
    major, minor = keys._PROFILES["krumhansl"]
    for pc in range(12):
        assert int(np.argmax(keys.key_scores(np.roll(major, pc), ("krumhansl",)))) == pc
        assert int(np.argmax(keys.key_scores(np.roll(minor, pc), ("krumhansl",)))) == 12 + pc


# -- the vote with essentia's reference extractor -------------------------------------------------------------------


def test_agreeing_estimators_keep_the_key_with_a_high_confidence() -> None:
    estimate, confidence = keys.fuse_with_reference(_hpcp_for(TRIAD_HEAVY_MINOR, 0.0), ("A", "minor", 0.9))
    assert estimate is not None
    assert (estimate.tonic, estimate.scale) == ("A", "minor")
    assert confidence is not None
    assert confidence > 0.7


def test_the_reference_wins_a_close_call_between_relative_keys() -> None:
    """C major and A minor share their notes; with the profile undecided the reference breaks the tie, and the
    disagreement halves the confidence."""
    ambiguous = {"C": 0.9, "E": 0.8, "G": 0.9, "A": 0.8, "D": 0.4, "F": 0.4, "B": 0.4}
    hpcp = _hpcp_for(ambiguous, 0.0)
    own = keys.estimate_key(hpcp)
    assert own is not None
    scores = np.sort(keys.key_scores(keys.chroma_from_hpcp(hpcp)))
    assert scores[-1] - scores[-2] < keys.REFERENCE_MARGIN  # the profile really is undecided
    other = ("C", "major") if (own.tonic, own.scale) == ("A", "minor") else ("A", "minor")
    estimate, confidence = keys.fuse_with_reference(hpcp, (other[0], other[1], 0.8))  # type: ignore[arg-type]
    assert estimate is not None
    assert (estimate.tonic, estimate.scale) == other
    assert confidence == pytest.approx(0.4)


def test_a_reference_far_from_the_evidence_is_overruled() -> None:
    estimate, confidence = keys.fuse_with_reference(_hpcp_for(TRIAD_HEAVY_MINOR, 0.0), ("F#", "major", 0.9))
    assert estimate is not None
    assert (estimate.tonic, estimate.scale) == ("A", "minor")
    assert confidence is not None
    assert confidence < 0.5


def test_without_a_reference_the_profile_decides_and_flats_are_read() -> None:
    estimate, confidence = keys.fuse_with_reference(_hpcp_for(TRIAD_HEAVY_MINOR, 0.0), None)
    assert estimate is not None
    assert (estimate.tonic, estimate.scale) == ("A", "minor")
    assert confidence == pytest.approx(round(estimate.strength, 3))
    flat, _ = keys.fuse_with_reference(_hpcp_for({"A#": 1.0, "D": 0.7, "F": 0.8}, 0.0), ("Bb", "major", 0.9))
    assert flat is not None
    assert (flat.tonic, flat.scale) == ("A#", "major")
    assert keys.fuse_with_reference(np.zeros(36), ("A", "minor", 0.9)) == (None, None)
