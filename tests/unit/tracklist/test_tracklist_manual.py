"""The manual importer: typed/pasted text and JSON, bad lines reported by number, times never invented."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracktion_tracklist import ImportFormatError, Track, parse_manual, parse_manual_json, parse_manual_text
from tracktion_tracklist.domain.manual import parse_time

TEXT = """\
# Test DJ @ Fabric, 2024-03-09
[00:00] Opening Artist - First Track (Original Mix)
02:30 Second Artist - Second Track [DRUMCODE]

[1:02:03] Third Artist - Third Track
w/ Partner - Acapella
04. [75:30] Fourth Artist \u2013 Fourth Track
ID - ID
Untimed Artist - Untimed Track
this line has no separator
[12:00] Too Early - Backwards
[99:99] Bad Time - Track
"""


def test_text_import_tracks() -> None:
    result = parse_manual_text(TEXT)
    got = [(t.artist, t.title, t.start_s, t.label, t.mashup_linked, t.identified) for t in result.tracklist.tracks]
    assert got == [
        ("Opening Artist", "First Track (Original Mix)", 0.0, None, False, True),
        ("Second Artist", "Second Track", 150.0, "DRUMCODE", False, True),
        ("Third Artist", "Third Track", 3723.0, None, False, True),
        ("Partner", "Acapella", None, None, True, True),
        ("Fourth Artist", "Fourth Track", 4530.0, None, False, True),
        ("ID", "ID", None, None, False, False),
        ("Untimed Artist", "Untimed Track", None, None, False, True),
        ("Too Early", "Backwards", None, None, False, True),
        ("Bad Time", "Track", None, None, False, True),
    ]
    assert [t.position for t in result.tracklist.tracks] == list(range(1, 10))
    assert result.tracklist.source == "manual"


def test_text_import_reports_bad_lines_with_their_numbers() -> None:
    problems = parse_manual_text(TEXT).problems
    assert [p.line for p in problems] == [10, 11, 12]
    assert "Artist - Title" in problems[0].message
    assert "earlier" in problems[1].message
    assert "not a time" in problems[2].message
    assert str(problems[0]).startswith("line 10:")


def test_text_without_times() -> None:
    result = parse_manual_text("A - One\nB - Two\n\n\nC - Three")
    assert [t.start_s for t in result.tracklist.tracks] == [None, None, None]
    assert result.problems == ()


def test_equal_times_are_allowed() -> None:
    result = parse_manual_text("[01:00] A - One\n[01:00] B - Two")
    assert [t.start_s for t in result.tracklist.tracks] == [60.0, 60.0]
    assert result.problems == ()


def test_bom_crlf_and_comments() -> None:
    result = parse_manual("\ufeff// header\r\n; note\r\n[00:10] A - B\r\n")
    assert [(t.artist, t.start_s) for t in result.tracklist.tracks] == [("A", 10.0)]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00", 0.0), ("2:30", 150.0), ("75:30", 4530.0), ("1:02:03", 3723.0), ("10:00:00", 36000.0), ("90", 90.0)],
)
def test_parse_time(text: str, seconds: float) -> None:
    assert parse_time(text) == seconds


@pytest.mark.parametrize("text", ["1:60", "1:61:00", "abc", "", "-1:00", "1:2"])
def test_parse_time_rejects(text: str) -> None:
    assert parse_time(text) is None


def test_json_round_trips_the_parse_output_shape() -> None:
    data = {
        "title": "Test Set",
        "url": "https://www.1001tracklists.com/tracklist/abc/x.html",
        "date": "2024-03-09",
        "djs": ["Test DJ"],
        "genres": ["Techno"],
        "source": "1001tracklists",
        "tracks": [
            {"position": 1, "artist": "A", "title": "One", "label": "L", "start_s": 0, "mashup_linked": False},
            {"artist": "B", "title": "Two", "start": "02:30"},
            {"artist": "C", "title": "Three", "time": "1:00:00", "mashup_linked": True},
            {"artist": "ID", "title": "ID", "identified": False},
            {"artist": "D", "title": "Four", "start_s": None},
        ],
    }
    result = parse_manual(json.dumps(data))
    assert result.problems == ()
    tl = result.tracklist
    assert (tl.title, tl.url, tl.date, tl.djs, tl.genres, tl.source) == (
        "Test Set",
        "https://www.1001tracklists.com/tracklist/abc/x.html",
        "2024-03-09",
        ("Test DJ",),
        ("Techno",),
        "1001tracklists",
    )
    assert tl.tracks == (
        Track(1, "A", "One", 0.0, "L"),
        Track(2, "B", "Two", 150.0),
        Track(3, "C", "Three", 3600.0, mashup_linked=True),
        Track(4, "ID", "ID", None, identified=False),
        Track(5, "D", "Four", None),
    )
    assert parse_manual(json.dumps(tl.to_json())).tracklist == tl


def test_json_list_and_bad_items() -> None:
    result = parse_manual_json(
        json.dumps(
            [
                {"artist": "A", "title": "One", "start_s": 30},
                "not an object",
                {"artist": "", "title": "No artist"},
                {"artist": "B", "title": "Two", "start_s": -4},
                {"artist": "C", "title": "Three", "start_s": 10},
                {"artist": "D", "title": "Four", "start_s": True},
            ]
        )
    )
    assert [t.artist for t in result.tracklist.tracks] == ["A", "B", "C", "D"]
    assert [t.start_s for t in result.tracklist.tracks] == [30.0, None, None, None]
    assert [p.line for p in result.problems] == [2, 3, 4, 5, 6]
    assert result.tracklist.source == "manual"


@pytest.mark.parametrize("text", ["{not json", '{"tracks": 3}', "[1, 2", '"just a string"'])
def test_json_that_cannot_be_read(text: str) -> None:
    with pytest.raises(ImportFormatError):
        parse_manual_json(text)


_TIME = st.builds(
    lambda h, m, s, style: (f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}") if style else f"{h * 60 + m}:{s:02d}",
    st.integers(0, 4),
    st.integers(0, 59),
    st.integers(0, 59),
    st.booleans(),
)
_NAME = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), min_size=1, max_size=25)
_LINE = st.one_of(
    st.builds(lambda t, a, b: f"[{t}] {a} - {b}", _TIME, _NAME, _NAME),
    st.builds(lambda t, a, b: f"{t} {a} - {b}", _TIME, _NAME, _NAME),
    st.builds(lambda a, b: f"{a} - {b}", _NAME, _NAME),
    st.builds(lambda a, b: f"w/ {a} - {b}", _NAME, _NAME),
    _NAME,
    st.just(""),
    st.just("# comment"),
    st.text(max_size=40),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, max_size=40))
def test_property_text_import_never_crashes_and_times_only_increase(lines: list[str]) -> None:
    text = "\n".join(lines)
    result = parse_manual_text(text)
    tracks = result.tracklist.tracks
    assert [t.position for t in tracks] == list(range(1, len(tracks) + 1))
    times = [t.start_s for t in tracks if t.start_s is not None]
    assert times == sorted(times), "times must be monotonic; the importer drops (and reports) the ones that are not"
    assert all(t >= 0 for t in times)
    assert all(t.artist.strip() and t.title.strip() for t in tracks)
    line_count = len(text.splitlines())
    assert all(1 <= p.line <= line_count for p in result.problems)
    assert len(tracks) <= line_count
    assert len({p.line for p in result.problems}) == len(result.problems), "one report per line at most"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_property_any_text_is_either_imported_or_a_format_error(text: str) -> None:
    try:
        result = parse_manual(text)
    except ImportFormatError:
        return
    assert all(t.start_s is None or t.start_s >= 0 for t in result.tracklist.tracks)
