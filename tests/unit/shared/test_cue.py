"""CUE sheets (:mod:`tracktion_shared.cue`): the rendering rules, a round trip through a real cue parser (cuetools),
properties, and writing. The inputs are mostly the tracklist service's own ``Tracklist``/``Track``, passed as they are,
as the service does; one test renders a tracklist from elsewhere.

cuetools (a maintained, typed cue parser) reads back what we write. It does not know the MP3 file type (it only
accepts WAVE with .flac/.ape/.wav), so the round trips use .flac names; the MP3 line is checked as text. It returns
the raw text between a value's quotes, so what it reads is exactly what every reader shows.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import cuetools
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracktion_shared.cue import (
    FIELD_LIMIT,
    MAX_TRACKS,
    CueTrack,
    CueTracklist,
    CueWriteError,
    cue_path_for,
    escape,
    file_type,
    format_index,
    quote,
    render_cue,
    write_cue,
    write_cue_text,
)
from tracktion_shared.errors import PermanentError
from tracktion_tracklist import Track, Tracklist
from tracktion_tracklist.domain.pages import parse_tracklist_page

#: the tracklist service's saved pages (tests/unit/tracklist/fixtures)
FIXTURES = Path(__file__).parents[1] / "tracklist" / "fixtures"


def small_tracklist() -> Tracklist:
    result = parse_tracklist_page((FIXTURES / "tracklist-small.html").read_text(encoding="utf-8"))
    assert isinstance(result, Tracklist)
    return result


def track(position: int, start: float | None, artist: str = "Artist", title: str = "Title", **kw: object) -> Track:
    return Track(position, artist, title, start, **kw)  # type: ignore[arg-type]


# -- formatting rules --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "index"),
    [
        (0, "00:00:00"),
        (150, "02:30:00"),
        (1.5, "00:01:38"),  # 37.5 frames rounds to 38
        (59.99, "00:59:74"),
        (59.995, "01:00:00"),
        (3600, "60:00:00"),
        (6000, "100:00:00"),
        (3 * 3600 + 59.5, "180:59:38"),
    ],
)
def test_format_index(seconds: float, index: str) -> None:
    assert format_index(seconds) == index


def test_file_type_by_extension() -> None:
    assert file_type("set.mp3") == "MP3"
    assert file_type("SET.MP3") == "MP3"
    assert file_type("set.flac") == "WAVE"
    assert file_type("set.wav") == "WAVE"
    assert file_type("set.m4a") == "WAVE"


def test_double_quotes_become_apostrophes_and_backslashes_stay() -> None:
    assert escape('Say "Hi" \\ Bye') == "Say 'Hi' \\ Bye"
    assert quote('"XY"') == "\"'XY'\""
    assert quote("line\nbreak\x00ctl") == '"line break ctl"'


def test_a_backslash_never_stands_before_the_closing_quote() -> None:
    """libcue-style readers take a backslash and quote as part of the value and would run on to the next line."""
    assert quote("Dir\\Name \\ \\") == '"Dir\\Name"'
    assert quote("\\" * 200).count("\\") <= FIELD_LIMIT


def test_titles_with_quotes_and_backslashes_read_back_as_written() -> None:
    tracks = (track(1, 0, 'DJ "Q"', 'Say "Hi" \\ Bye \\'), track(2, 60, "B", '"'))
    sheet = render_cue(Tracklist(tracks=tracks, title='The "Set"'), "a.flac")
    parsed = cuetools.loads(sheet.text)
    assert parsed.title == "The 'Set'"
    assert [(t.performer, t.title) for t in parsed.tracks] == [("DJ 'Q'", "Say 'Hi' \\ Bye"), ("B", "'")]


def test_long_fields_are_cut_cleanly_within_80_bytes() -> None:
    long_ascii = "Word " * 40
    assert len(quote(long_ascii)[1:-1].encode()) <= FIELD_LIMIT
    assert quote(long_ascii).endswith('Word…"')  # at a word boundary, marked
    multibyte = "日本語のタイトル" * 10  # 3 bytes a character
    cut = quote(multibyte)[1:-1]
    assert len(cut.encode()) <= FIELD_LIMIT
    assert cut.encode().decode("utf-8") == cut  # whole characters only
    cut = quote('"' * 100)[1:-1]
    assert len(cut.encode()) <= FIELD_LIMIT
    assert re.fullmatch(r"'+…", cut)


# -- whole sheets ------------------------------------------------------------------------------------------------


def test_small_tracklist_sheet() -> None:
    sheet = render_cue(small_tracklist(), "Test DJ - Fabric.mp3")
    lines = sheet.text.split("\r\n")
    assert lines[-1] == ""
    assert lines[:9] == [
        'REM GENRE "Techno, Tech House"',
        "REM DATE 2024",
        'REM COMMENT "source: 1001tracklists"',
        'REM COMMENT "url: https://www.1001tracklists.com/tracklist/abc123/test-dj-other-dj-fabric-london-2024-03-09.html"',
        'REM COMMENT "date: 2024-03-09"',
        'REM COMMENT "untimed, not in this sheet: 6. Late Artist - Untimed Track"',
        'REM COMMENT "untimed, not in this sheet: 7. Closing Artist - Last Track"',
        'PERFORMER "Test DJ & Other DJ"',
        'TITLE "Test DJ & Other DJ @ Fabric London, United Kingdom 2024-03-09"',
    ]
    assert lines[9] == 'FILE "Test DJ - Fabric.mp3" MP3'
    assert lines[10:14] == [
        "  TRACK 01 AUDIO",
        '    TITLE "First Track (Original Mix)"',
        '    PERFORMER "Opening Artist"',
        "    INDEX 01 00:00:00",
    ]
    # the w/ row shares the cue of its partner: folded into that track's title, never a zero-length track
    assert "    TITLE \"Base Track w/ Partner 'Q' - Acapella\"" in lines
    assert [line for line in lines if "INDEX" in line] == [
        "    INDEX 01 00:00:00",
        "    INDEX 01 02:30:00",
        "    INDEX 01 06:30:00",
        "    INDEX 01 10:00:00",
    ]
    assert [n for n, _ in sheet.written] == [1, 2, 3, 4]
    assert [(t.position, why) for t, why in sheet.omitted] == [(6, "untimed"), (7, "untimed")]


def test_round_trip_through_cuetools() -> None:
    tracklist = small_tracklist()
    parsed = cuetools.loads(render_cue(tracklist, "Test DJ - Fabric.flac").text)
    assert parsed.performer == "Test DJ & Other DJ"
    assert parsed.title == tracklist.title
    assert parsed.rem.date == 2024
    assert parsed.rem.genre == "Techno, Tech House"
    got = [(t.track, t.performer, t.title, t.index01.seconds) for t in parsed.tracks]
    assert got == [
        (1, "Opening Artist", "First Track (Original Mix)", 0.0),
        (2, "Second - Artist ft. Guest", "Title - With Dash", 150.0),
        (3, "Mash Artist", "Base Track w/ Partner 'Q' - Acapella", 390.0),
        (4, "ID", "ID", 600.0),
    ]
    assert {str(t.file) for t in parsed.tracks} == {"Test DJ - Fabric.flac"}


def test_round_trip_of_the_real_page(shared_fixtures_dir: Path) -> None:
    html = (shared_fixtures_dir / "1001tracklists" / "tracklist-matroda.html").read_text(encoding="utf-8")
    tracklist = parse_tracklist_page(html)
    assert isinstance(tracklist, Tracklist)
    parsed = cuetools.loads(render_cue(tracklist, "matroda.flac").text)
    assert len(parsed.tracks) == 27  # 28 rows, the w/ row folded into its partner
    assert parsed.tracks[24].performer == "'XY'"
    assert parsed.tracks[1].index01.string == "02:30:00"
    assert parsed.tracks[-1].index01.string == "87:00:00"


def test_untimed_only_tracklist_has_no_tracks_and_says_why() -> None:
    sheet = render_cue(Tracklist(tracks=(track(1, None), track(2, None)), source="manual"), "a.flac")
    assert "TRACK" not in sheet.text
    assert sheet.text.count("untimed, not in this sheet") == 2
    assert cuetools.loads(sheet.text).tracks == []


def test_out_of_order_time_is_left_out() -> None:
    sheet = render_cue(Tracklist(tracks=(track(1, 100), track(2, 50), track(3, 200))), "a.flac")
    assert [t.position for _, t in sheet.written] == [1, 3]
    assert [(t.position, why) for t, why in sheet.omitted] == [(2, "earlier than the track before")]


def test_more_than_99_tracks_keeps_the_first_99_and_names_the_rest() -> None:
    tracks = tuple(track(i, (i - 1) * 60.0, title=f"T{i}") for i in range(1, 121))
    sheet = render_cue(Tracklist(tracks=tracks), "long.flac")
    parsed = cuetools.loads(sheet.text)
    assert len(parsed.tracks) == MAX_TRACKS
    assert parsed.tracks[-1].track == 99
    assert parsed.tracks[-1].title == "T99"
    assert [t.position for t, _ in sheet.omitted] == list(range(100, 121))
    assert 'REM COMMENT "over 99 tracks, not in this sheet: 100. Artist - T100"' in sheet.text


def test_long_set_minutes_past_99_round_trip() -> None:
    tracks = (track(1, 0), track(2, 99 * 60 + 59), track(3, 100 * 60), track(4, 4 * 3600 + 0.5))
    parsed = cuetools.loads(render_cue(Tracklist(tracks=tracks), "long.wav").text)
    assert [t.index01.string for t in parsed.tracks] == ["00:00:00", "99:59:00", "100:00:00", "240:00:38"]


def test_sheet_is_utf8_without_bom() -> None:
    text = render_cue(Tracklist(tracks=(track(1, 0, "Dennis Cruz", "El Sueño"),)), "a.flac").text
    data = text.encode("utf-8")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert "El Sueño".encode() in data


# -- properties --------------------------------------------------------------------------------------------------

_FIELD = st.text(min_size=1, max_size=150)
_TRACK = st.builds(
    lambda artist, title, start, mashup: (artist, title, start, mashup),
    _FIELD,
    _FIELD,
    st.one_of(st.none(), st.floats(min_value=0, max_value=6 * 3600, allow_nan=False)),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_TRACK, max_size=130), st.one_of(st.none(), _FIELD))
def test_property_any_tracklist_gives_a_valid_sheet(
    rows: list[tuple[str, str, float | None, bool]], title: str | None
) -> None:
    tracks = tuple(
        Track(i, artist, track_title, start, mashup_linked=mashup)
        for i, (artist, track_title, start, mashup) in enumerate(rows, start=1)
    )
    sheet = render_cue(Tracklist(tracks=tracks, title=title, djs=("DJ",)), "set.flac")
    sheet.text.encode("utf-8").decode("utf-8")
    assert sheet.text.endswith("\r\n")
    lines = sheet.text.split("\r\n")[:-1]
    frames: list[int] = []
    numbers: list[int] = []
    for line in lines:
        assert "\n" not in line
        assert "\r" not in line
        field = re.fullmatch(r'\s*(TITLE|PERFORMER) "(.*)"', line)
        if field:
            assert '"' not in field.group(2)
            assert not field.group(2).endswith("\\")
            assert len(field.group(2).encode("utf-8")) <= FIELD_LIMIT
            assert len(field.group(2)) <= FIELD_LIMIT
        index = re.fullmatch(r"    INDEX 01 (\d{2,}):(\d{2}):(\d{2})", line)
        if index:
            minutes, seconds, frame = (int(g) for g in index.groups())
            assert seconds < 60
            assert frame < 75
            frames.append((minutes * 60 + seconds) * 75 + frame)
        number = re.fullmatch(r"  TRACK (\d{2,}) AUDIO", line)
        if number:
            numbers.append(int(number.group(1)))
    assert frames == sorted(set(frames)), "indexes strictly increase"
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) == len(frames) == len(sheet.written) <= MAX_TRACKS
    untimed = [t.position for t in tracks if t.start_s is None]
    assert [t.position for t, why in sheet.omitted if why == "untimed"] == untimed
    parsed = cuetools.loads(sheet.text)
    assert [t.index01.frames for t in parsed.tracks] == frames


# -- writing -----------------------------------------------------------------------------------------------------


def make_audio(folder: Path, name: str = "Test DJ - Fabric.mp3") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    audio = folder / name
    audio.write_bytes(b"ID3")
    return audio


def test_write_beside_the_audio(tmp_path: Path) -> None:
    audio = make_audio(tmp_path / "sets")
    written = write_cue(small_tracklist(), audio)
    assert written.path == tmp_path / "sets" / "Test DJ - Fabric.cue"
    data = written.path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    assert b'FILE "Test DJ - Fabric.mp3" MP3' in data
    assert sorted(p.name for p in (tmp_path / "sets").iterdir()) == ["Test DJ - Fabric.cue", "Test DJ - Fabric.mp3"]
    assert oct(written.path.stat().st_mode & 0o777) != oct(0o600)  # readable like any file, not mkstemp's 0600


def test_a_sheet_file_always_ends_with_a_line_break(tmp_path: Path) -> None:
    write_cue_text('REM COMMENT "no line end"', tmp_path / "a.cue", base=tmp_path)
    write_cue_text('REM COMMENT "one"\r\n', tmp_path / "b.cue", base=tmp_path)
    assert (tmp_path / "a.cue").read_bytes() == b'REM COMMENT "no line end"\r\n'
    assert (tmp_path / "b.cue").read_bytes() == b'REM COMMENT "one"\r\n'


def test_rewrite_replaces_the_sheet(tmp_path: Path) -> None:
    audio = make_audio(tmp_path)
    (tmp_path / "Test DJ - Fabric.cue").write_text("old")
    write_cue(small_tracklist(), audio)
    assert (tmp_path / "Test DJ - Fabric.cue").read_text(encoding="utf-8").startswith("REM GENRE")


def test_titles_never_choose_the_path(tmp_path: Path) -> None:
    audio = make_audio(tmp_path / "music")
    evil = Tracklist(tracks=(track(1, 0, "../../x", "../../../etc/passwd"),), title="../../../escape")
    written = write_cue(evil, audio)
    assert written.path.parent == tmp_path / "music"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["Test DJ - Fabric.cue", "Test DJ - Fabric.mp3", "music"]


def test_cue_dir_mirrors_the_library(tmp_path: Path) -> None:
    library = tmp_path / "library"
    audio = make_audio(library / "2024" / "march", "set.flac")
    cues = tmp_path / "cues"
    expected = cues / "2024" / "march" / "set.cue"
    assert cue_path_for(audio, cue_dir=cues, library_root=library) == expected
    written = write_cue(small_tracklist(), audio, cue_dir=cues, library_root=library)
    assert written.path == expected
    file_line = next(line for line in expected.read_text(encoding="utf-8").splitlines() if line.startswith("FILE"))
    assert file_line == 'FILE "../../../library/2024/march/set.flac" WAVE'
    assert (expected.parent / "../../../library/2024/march/set.flac").resolve() == audio.resolve()


def test_audio_outside_the_library_goes_to_the_cue_dir_itself(tmp_path: Path) -> None:
    audio = make_audio(tmp_path / "elsewhere", "set.flac")
    assert (
        cue_path_for(audio, cue_dir=tmp_path / "cues", library_root=tmp_path / "library")
        == tmp_path / "cues" / "set.cue"
    )


def test_cue_dir_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    library = tmp_path / "library"
    audio = make_audio(library / "sub", "set.flac")
    cues = tmp_path / "cues"
    cues.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, cues / "sub")
    with pytest.raises(CueWriteError, match="outside"):
        write_cue(small_tracklist(), audio, cue_dir=cues, library_root=library)
    assert list(outside.iterdir()) == []


def test_existing_symlink_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    audio = make_audio(tmp_path / "music", "set.flac")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    os.symlink(victim, tmp_path / "music" / "set.cue")
    write_cue(small_tracklist(), audio)
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "music" / "set.cue").is_symlink()


def test_unwritable_targets_raise_cue_write_error_and_leave_nothing(tmp_path: Path) -> None:
    audio = tmp_path / "missing-folder" / "set.flac"
    with pytest.raises(CueWriteError):
        write_cue(small_tracklist(), audio)
    folder = tmp_path / "music"
    audio = make_audio(folder, "set.flac")
    (folder / "set.cue").mkdir()
    with pytest.raises(CueWriteError, match="directory"):
        write_cue(small_tracklist(), audio)
    assert sorted(p.name for p in folder.iterdir()) == ["set.cue", "set.flac"]


def test_explicit_output_path(tmp_path: Path) -> None:
    audio = make_audio(tmp_path / "music", "set.flac")
    out = tmp_path / "elsewhere.cue"
    written = write_cue(small_tracklist(), audio, output=out)
    assert written.path == out
    assert 'FILE "music/set.flac" WAVE' in out.read_text(encoding="utf-8")


# -- any source's tracklist ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A track as another source (say, an audio fingerprint match) might hold it: its own class, extra fields."""

    position: int
    artist: str
    title: str
    start_s: float | None
    mashup_linked: bool = False
    confidence: float = 1.0


@dataclass(frozen=True)
class Matches:
    tracks: tuple[Match, ...]
    title: str | None = None
    url: str | None = None
    date: str | None = None
    djs: tuple[str, ...] = ()
    genres: tuple[str, ...] = ()
    source: str = "fingerprint"


def test_any_read_only_tracklist_renders_as_it_is(tmp_path: Path) -> None:
    matches = Matches(tracks=(Match(1, "A", "One", 0.0), Match(2, "B", "Two", None), Match(3, "C", "Three", 61.0)))
    as_protocol: CueTracklist = matches  # mypy accepts it: frozen dataclasses satisfy the read-only protocols
    first: CueTrack = matches.tracks[0]
    service: CueTracklist = Tracklist(tracks=(Track(1, "A", "One", 0.0),))  # the tracklist service's, unconverted
    assert service.tracks[0].title == first.title
    written = write_cue(as_protocol, make_audio(tmp_path, "set.flac"))
    assert [(number, track.title) for number, track in written.sheet.written] == [(1, "One"), (2, "Three")]
    assert written.sheet.omitted == ((matches.tracks[1], "untimed"),)
    text = written.path.read_text(encoding="utf-8")
    assert 'REM COMMENT "source: fingerprint"' in text
    assert [line for line in text.splitlines() if "INDEX" in line] == ["    INDEX 01 00:00:00", "    INDEX 01 01:01:00"]


def test_write_errors_are_permanent() -> None:
    assert issubclass(CueWriteError, PermanentError)
