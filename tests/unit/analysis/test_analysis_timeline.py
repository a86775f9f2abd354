"""Windows, smoothing and segmenting of per-window readings, and the dominant tempo and key."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest

from tracktion_analysis.domain import timeline
from tracktion_analysis.domain.timeline import Span, WindowReading

AM = ("A", "minor")
DM = ("D", "major")


def _readings(values: Sequence[tuple[float | None, tuple[str, str] | None]], hop: float = 10.0) -> list[WindowReading]:
    return [WindowReading(i * hop, i * hop + 30.0, bpm, key) for i, (bpm, key) in enumerate(values)]


def test_short_recordings_are_one_window() -> None:
    assert timeline.plan_windows(20.0) == [(0.0, 20.0)]
    assert timeline.plan_windows(34.0) == [(0.0, 34.0)]


def test_windows_cover_a_long_recording_to_its_end() -> None:
    windows = timeline.plan_windows(125.0)
    assert windows[0] == (0.0, 30.0)
    assert windows[-1][1] == pytest.approx(125.0)
    assert all(b - a == pytest.approx(30.0) for a, b in windows)
    assert all(later[0] - earlier[0] <= 10.0 + 1e-9 for earlier, later in itertools.pairwise(windows))


def test_an_octave_slip_between_agreeing_neighbours_is_folded() -> None:
    out = timeline.harmonise_octaves(_readings([(174.0, DM), (87.1, DM), (173.8, DM)]))
    assert out[1].bpm == pytest.approx(174.2)


def test_a_dotted_beat_slip_between_agreeing_neighbours_is_folded() -> None:
    out = timeline.harmonise_octaves(_readings([(121.1, AM), (80.7, AM), (121.0, AM)]))
    assert out[1].bpm == pytest.approx(121.05)


def test_an_unsure_window_has_no_steady_beat_in_a_timeline_only() -> None:
    assert timeline.steady_bpm(128.0, 0.3, windows=7) is None  # straddles a mix: it joins a neighbour
    assert timeline.steady_bpm(128.0, 0.9, windows=7) == 128.0
    assert timeline.steady_bpm(128.0, 0.3, windows=1) == 128.0  # a track's only reading stays, however unsure


def test_a_lone_odd_window_takes_its_neighbours_reading() -> None:
    out = timeline.smooth_readings(_readings([(124.0, AM), (131.0, DM), (124.2, AM)]))
    assert out[1].bpm == pytest.approx(124.1)
    assert out[1].key == AM


def test_a_beatless_window_at_a_tempo_change_joins_the_side_of_its_key() -> None:
    out = timeline.smooth_readings(_readings([(124.0, AM), (None, DM), (174.0, DM)]))
    assert out[1].bpm == 174.0


def test_runs_become_segments_with_boundaries_between_window_centres() -> None:
    values = [(124.0, AM)] * 5 + [(174.0, DM)] * 5
    spans = timeline.segment_spans(_readings(values))
    assert [(s.bpm, s.key) for s in spans] == [(124.0, AM), (174.0, DM)]
    assert spans[0].start_s == 0.0
    assert spans[0].end_s == pytest.approx(spans[1].start_s)
    assert spans[0].end_s == pytest.approx(60.0)  # halfway between the centres of windows 4 (55 s) and 5 (65 s)
    assert spans[1].end_s == 120.0


def test_a_key_change_at_the_same_tempo_splits_too() -> None:
    spans = timeline.segment_spans(_readings([(128.0, AM)] * 3 + [(128.2, DM)] * 3))
    assert [s.key for s in spans] == [AM, DM]


def test_merge_adjacent_joins_equal_neighbours_and_absorbs_short_beatless_spans() -> None:
    spans = [
        Span(0.0, 90.0, 0, 6, 124.0, AM),
        Span(90.0, 100.0, 7, 7, None, DM),
        Span(100.0, 200.0, 8, 17, 174.0, DM),
        Span(200.0, 210.0, 18, 18, 174.5, DM),
    ]
    merged = timeline.merge_adjacent(spans)
    assert [(s.start_s, s.end_s, s.key) for s in merged] == [(0.0, 90.0, AM), (90.0, 210.0, DM)]
    assert merged[1].bpm == pytest.approx(174.05, abs=0.05)


def test_a_short_span_at_a_related_tempo_in_the_same_key_joins_its_neighbour() -> None:
    spans = [
        Span(0.0, 100.0, 0, 8, 121.1, AM),
        Span(100.0, 120.0, 9, 10, 80.7, AM),  # 2:3 of 121.1: a fill fooled the level
        Span(120.0, 300.0, 11, 27, 121.1, AM),
        Span(300.0, 320.0, 28, 29, 87.0, DM),  # half of what follows, but in another key than what precedes
        Span(320.0, 500.0, 30, 47, 174.0, DM),
    ]
    merged = timeline.merge_adjacent(spans)
    assert [(s.start_s, s.end_s, s.key) for s in merged] == [(0.0, 300.0, AM), (300.0, 500.0, DM)]
    assert merged[0].bpm == pytest.approx(121.1)
    assert merged[1].bpm == pytest.approx(174.0)


def test_a_short_span_at_an_unrelated_tempo_stays() -> None:
    spans = [
        Span(0.0, 100.0, 0, 8, 121.1, AM),
        Span(100.0, 120.0, 9, 10, 140.0, AM),
        Span(120.0, 300.0, 11, 27, 121.1, AM),
    ]
    assert len(timeline.merge_adjacent(spans)) == 3


def test_a_long_beatless_stretch_stays_a_segment() -> None:
    spans = [Span(0.0, 60.0, 0, 3, None, AM), Span(60.0, 200.0, 4, 17, 124.0, AM)]
    assert len(timeline.merge_adjacent(spans)) == 2


def test_dominant_is_what_lasts_longest() -> None:
    bpm, key = timeline.dominant([(100.0, 124.0, AM), (90.0, 174.0, DM), (60.0, 175.0, DM), (30.0, None, None)])
    assert key == DM
    assert bpm == pytest.approx(174.0, abs=1.0)
    assert timeline.dominant([]) == (None, None)
