"""The graph's pure rules: track identity, fuzzy matching, Camelot and tempo compatibility (exhaustively)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracktion_shared.graph import domain
from tracktion_shared.graph.domain import Camelot, KeyRelation

WHEEL = [Camelot(n, letter) for n in range(1, 13) for letter in "AB"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where Ya At", "where ya at"),
        ("  WHERE   ya\tAT ", "where ya at"),
        ("Ámé", "ame"),
        ("Björk", "bjork"),
        ("Title (Original Mix)", "title"),
        ("Title [original mix]", "title"),
        ("Title (Extended Mix)", "title"),
        ("Title (Radio Edit)", "title"),
        ("Title (Dub Mix)", "title dub mix"),  # another version is another track
        ("Title (feat. Someone)", "title"),
        ("Title [ft. Someone Else]", "title"),
        ("Artist feat. Guest", "artist"),
        ("Artist ft. Guest", "artist"),
        ("Artist featuring Guest", "artist"),
        ("Feather", "feather"),  # "feat" only as a word
        ("Simon & Garfunkel", "simon and garfunkel"),
        ("Mr. Oizo", "mr oizo"),
        ("\uff26\uff55\uff4c\uff4c", "full"),  # fullwidth letters
        ("", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert domain.normalise(text) == expected


def test_track_key_merges_the_spellings_of_one_track() -> None:
    spellings = [
        ("TOBEHONEST", "Where Ya At"),
        ("Tobehonest", "Where Ya At (Original Mix)"),
        ("TOBEHONEST feat. Someone", "where  ya at"),
        ("TOBEHONEST", "Where Ya At (feat. Someone)"),
    ]
    assert {domain.track_key(a, t) for a, t in spellings} == {"tobehonest - where ya at"}


@pytest.mark.parametrize(("artist", "title"), [("ID", "ID"), ("Someone", "ID"), ("Someone", ""), ("", "  ")])
def test_track_key_of_unidentified_rows_is_empty(artist: str, title: str) -> None:
    assert domain.track_key(artist, title) == ""


def test_match_score_whole_key_and_containment() -> None:
    key = "tobehonest - where ya at"
    assert domain.match_score("TOBEHONEST - Where Ya At", key) == 1.0
    assert domain.match_score("where ya at tobehonest", key) == 1.0  # word order does not matter
    assert domain.match_score("Where Ya At", key) >= domain.MIN_MATCH_SCORE
    assert domain.match_score("Where Ya At", key) < 1.0  # a tighter key would rank higher
    assert domain.match_score("Where Ya At", key) > domain.match_score("Where Ya At", "two words - where ya at")


def test_match_score_misses() -> None:
    assert domain.match_score("something else entirely", "tobehonest - where ya at") < domain.MIN_MATCH_SCORE
    assert domain.match_score("", "a - b") == 0.0
    assert domain.match_score("a", "") == 0.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("8A", Camelot(8, "A")), ("08a", Camelot(8, "A")), (" 12B ", Camelot(12, "B")), ("1b", Camelot(1, "B"))],
)
def test_parse_camelot(value: str, expected: Camelot) -> None:
    assert domain.parse_camelot(value) == expected
    assert str(expected) == f"{expected.number}{expected.letter}"


@pytest.mark.parametrize("value", [None, "", "0A", "13A", "8C", "C#m", "8", "A8", "8AB"])
def test_parse_camelot_rejects(value: str | None) -> None:
    assert domain.parse_camelot(value) is None


def _expected_relation(a: Camelot, b: Camelot) -> KeyRelation | None:
    """An independent statement of the rule, on positions 0..11 around the wheel."""
    steps = min((a.number - b.number) % 12, (b.number - a.number) % 12)
    if a.letter == b.letter:
        return {0: KeyRelation.SAME, 1: KeyRelation.ADJACENT}.get(steps)
    return KeyRelation.RELATIVE if steps == 0 else None


@pytest.mark.parametrize(("a", "b"), list(itertools.product(WHEEL, WHEEL)), ids=str)
def test_camelot_relation_every_pair(a: Camelot, b: Camelot) -> None:
    assert domain.camelot_relation(a, b) == _expected_relation(a, b)
    assert domain.camelot_relation(a, b) == domain.camelot_relation(b, a)


def test_camelot_relation_counts() -> None:
    for key in WHEEL:
        relations = [domain.camelot_relation(key, other) for other in WHEEL]
        # itself, two neighbours on its ring, its relative major/minor; the other 20 keys clash
        assert relations.count(KeyRelation.SAME) == 1
        assert relations.count(KeyRelation.ADJACENT) == 2
        assert relations.count(KeyRelation.RELATIVE) == 1
        assert relations.count(None) == 20


def test_camelot_wheel_wraps() -> None:
    assert domain.camelot_relation(Camelot(12, "A"), Camelot(1, "A")) == KeyRelation.ADJACENT
    assert domain.camelot_relation(Camelot(12, "A"), Camelot(1, "B")) is None  # diagonal: not a standard mix


def test_key_distance_ranks_same_first() -> None:
    assert KeyRelation.SAME < KeyRelation.ADJACENT < KeyRelation.RELATIVE


@pytest.mark.parametrize(
    ("reference", "candidate", "expected"),
    [
        (128.0, 128.0, 0.0),
        (128.0, 125.0, 3 / 128),
        (174.0, 87.0, 0.0),  # half time
        (87.0, 174.0, 0.0),  # double time
        (140.0, 72.0, 4 / 140),  # 72 doubled is 144
        (100.0, 200.0, 0.0),
        (120.0, 240.0 * 1.05, 0.05),  # halved 252 is 126
    ],
)
def test_bpm_distance(reference: float, candidate: float, expected: float) -> None:
    assert domain.bpm_distance(reference, candidate) == pytest.approx(expected)


def test_bpm_distance_tolerance_boundaries() -> None:
    tolerance = domain.DEFAULT_BPM_TOLERANCE
    assert domain.bpm_distance(100.0, 106.0) <= tolerance + 1e-12
    assert domain.bpm_distance(100.0, 106.5) > tolerance
    assert domain.bpm_distance(100.0, 94.0) <= tolerance + 1e-12
    assert domain.bpm_distance(100.0, 150.0) > tolerance  # 3:2 is no mix


@pytest.mark.parametrize(("reference", "candidate"), [(0.0, 120.0), (120.0, 0.0), (-1.0, 120.0)])
def test_bpm_distance_of_nonsense_tempos(reference: float, candidate: float) -> None:
    assert domain.bpm_distance(reference, candidate) == float("inf")


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = domain.normalise(text)
    assert domain.normalise(once) == once
    assert once == " ".join(once.split())


@given(st.text(), st.text())
def test_track_keys_are_stable_under_renormalisation(artist: str, title: str) -> None:
    key = domain.track_key(artist, title)
    if key:
        a, _, t = key.partition(" - ")
        assert domain.track_key(a, t) == key
