"""Library filters: tempo ranges with half/double time, Camelot keys, text search, sort columns (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracktion_web.filters import CAMELOT_KEYS, SORT_COLUMNS, FilterError, LibraryFilter, bpm_ranges, normalise_camelot
from tracktion_web.queries.library import walk_sort_index


def matches(ranges: list[tuple[float | None, float | None]], bpm: float) -> bool:
    return any((low is None or bpm >= low) and (high is None or bpm <= high) for low, high in ranges)


def test_a_174_filter_matches_87_only_with_half_double_time() -> None:
    assert not matches(bpm_ranges(170, 178, half_double=False), 87)
    assert matches(bpm_ranges(170, 178, half_double=True), 87)
    assert matches(bpm_ranges(170, 178, half_double=True), 348)
    assert matches(bpm_ranges(85, 89, half_double=True), 174)
    assert not matches(bpm_ranges(170, 178, half_double=True), 124)


def test_no_bound_is_no_condition_and_a_reversed_range_is_an_error() -> None:
    assert bpm_ranges(None, None, half_double=True) == []
    assert bpm_ranges(120, None, half_double=False) == [(120, None)]
    with pytest.raises(FilterError, match="above"):
        bpm_ranges(130, 120, half_double=False)


@given(
    low=st.floats(1, 300),
    width=st.floats(0, 50),
    bpm=st.floats(1, 700),
)
def test_half_double_matches_exactly_the_tempo_at_three_beat_levels(low: float, width: float, bpm: float) -> None:
    high = low + width
    inside = lambda value: low <= value <= high  # noqa: E731
    assert matches(bpm_ranges(low, high, half_double=False), bpm) == inside(bpm)
    expected = inside(bpm) or inside(bpm * 2) or inside(bpm / 2)
    # the SQL compares bpm with the scaled bounds; allow for float rounding right at a bound
    if not any(abs(bpm * f - bound) < 1e-9 * bound for f in (1, 2, 0.5) for bound in (low, high)):
        assert matches(bpm_ranges(low, high, half_double=True), bpm) == expected


def test_camelot_keys_are_normalised_deduplicated_and_in_wheel_order() -> None:
    assert normalise_camelot(["9b", " 08A", "8A", "12a,1A", ""]) == ("1A", "8A", "9B", "12A")
    assert CAMELOT_KEYS[0] == "1A"
    assert CAMELOT_KEYS[-1] == "12B"
    assert len(CAMELOT_KEYS) == 24
    with pytest.raises(FilterError, match="13A"):
        normalise_camelot(["13A"])
    with pytest.raises(FilterError, match="C#m"):
        normalise_camelot(["C#m"])


def test_build_checks_sort_and_lowercases_search_words() -> None:
    built = LibraryFilter.build(q="  Kraak  NIGHTdrive kraak ", camelot=["8a"], mood=["dark", " "], sort="bpm")
    assert built.words == ("kraak", "nightdrive")
    assert built.camelot == ("8A",)
    assert built.moods == ("dark",)
    assert built.sort == "bpm"
    with pytest.raises(FilterError, match="cannot sort by"):
        LibraryFilter.build(sort="file_path; DROP TABLE library")
    with pytest.raises(FilterError, match="longer"):
        LibraryFilter.build(q="x" * 201)
    assert set(SORT_COLUMNS) >= {"artist", "bpm", "camelot", "duration", "status"}


def test_the_sort_index_is_walked_only_when_matches_are_common_and_the_sort_is_not_a_filter() -> None:
    common = LibraryFilter.build(bpm_min=170, bpm_max=178, sort="artist")
    assert walk_sort_index(13_000, 100_000, common)  # ~400 rows visited instead of 13,000 sorted
    assert not walk_sort_index(500, 100_000, common)  # rare: reading the 500 matches and sorting them wins
    assert not walk_sort_index(
        13_000, 100_000, LibraryFilter.build(bpm_min=170, bpm_max=178, sort="artist", offset=50_000)
    )
    assert not walk_sort_index(13_000, 100_000, LibraryFilter.build(bpm_min=170, bpm_max=178, sort="bpm"))
    assert not walk_sort_index(0, 100_000, common)
    assert not walk_sort_index(100_000, 100_000, common)
