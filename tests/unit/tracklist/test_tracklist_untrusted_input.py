"""Tracklist pages, manual imports and cue sheets are untrusted input: no path escapes, no unbounded growth.

The parsers' crash fuzzing lives beside each parser (test_tracklist_pages.py, test_tracklist_manual.py); this file
holds what an attacker who controls a page or a pasted tracklist would try: names that climb out of the library,
and inputs large enough to exhaust memory or produce an unbounded sheet.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracktion_shared.cue import FIELD_LIMIT, MAX_TRACKS, CueWriteError, render_cue, write_cue
from tracktion_tracklist import Track, Tracklist, parse_manual

#: pieces an attacker would put in a title or file name to move the sheet elsewhere
_HOSTILE = st.sampled_from(["..", "../", "/", "\\", "\x00", "\n", "\r", "~", "%2e%2e%2f", "/etc/passwd", ".cue", " "])
_NAME_PART = st.one_of(_HOSTILE, st.text(min_size=1, max_size=12))
_FIELD = st.lists(_NAME_PART, max_size=8).map("".join)


def _files(folder: Path) -> set[Path]:
    return {Path(root) / name for root, _, names in os.walk(folder) for name in names}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stem=st.lists(st.text(st.characters(blacklist_characters="/\x00"), min_size=1, max_size=10), min_size=1, max_size=3)
    .map("".join)
    .filter(lambda s: s not in (".", "..")),
    subfolders=st.lists(st.sampled_from(["2023", "sets", "a b", "ü"]), max_size=3),
    title=_FIELD,
    artist=_FIELD,
    use_cue_dir=st.booleans(),
)
def test_hostile_names_never_write_outside_the_allowed_folder(
    tmp_path_factory: pytest.TempPathFactory,
    stem: str,
    subfolders: list[str],
    title: str,
    artist: str,
    use_cue_dir: bool,
) -> None:
    top = tmp_path_factory.mktemp("cue")
    library, cue_dir, outside = top / "library", top / "cues", top / "outside"
    for folder in (library, cue_dir, outside):
        folder.mkdir()
    audio = library.joinpath(*subfolders, f"{stem}.mp3")
    try:
        audio.parent.mkdir(parents=True, exist_ok=True)
        audio.write_bytes(b"ID3")
    except (OSError, ValueError):
        return  # the file system refuses the name itself: no audio file can carry it
    tracklist = Tracklist(tracks=(Track(1, artist or "A", title or "T", 0.0),), title=title or None)
    before = _files(top)
    try:
        written = write_cue(
            tracklist, audio, cue_dir=cue_dir if use_cue_dir else None, library_root=library if use_cue_dir else None
        )
    except CueWriteError:
        assert _files(top) == before, "a refused write left something behind"
        return
    allowed = cue_dir if use_cue_dir else audio.parent
    real = Path(os.path.realpath(written.path))
    assert real.is_relative_to(os.path.realpath(allowed))
    assert written.path.name == f"{audio.stem}.cue", "the title chose the file name"
    assert _files(top) - before == {written.path}
    assert not _files(outside)


def test_a_library_symlink_out_of_the_cue_dir_is_refused(tmp_path: Path) -> None:
    """A folder inside the mirrored library that is a symlink to elsewhere must not carry the sheet out."""
    library, cue_dir, outside = tmp_path / "library", tmp_path / "cues", tmp_path / "outside"
    for folder in (library / "sets", cue_dir, outside):
        folder.mkdir(parents=True)
    (cue_dir / "sets").symlink_to(outside, target_is_directory=True)
    audio = library / "sets" / "live.mp3"
    audio.write_bytes(b"ID3")
    with pytest.raises(CueWriteError, match="outside"):
        write_cue(Tracklist(tracks=(Track(1, "A", "T", 0.0),)), audio, cue_dir=cue_dir, library_root=library)
    assert not list(outside.iterdir())


def test_the_sheet_grows_with_the_track_count_never_with_the_names() -> None:
    """2,000 tracks with 2,000-character names (what a 5 MB page could hold): every line is cut to the field limit.

    Tracks past the 99th are named in one ``REM COMMENT`` each, so the sheet grows with the track count, but each
    line is bounded, so no name can make it large.
    """
    huge = "x" * 2_000
    tracks = tuple(Track(n, huge, huge, float(n)) for n in range(1, 2_001))
    sheet = render_cue(Tracklist(tracks=tracks, title=huge, djs=(huge,), genres=(huge,)), "set.mp3")
    lines = sheet.text.split("\r\n")
    assert max(len(line.encode()) for line in lines) <= FIELD_LIMIT + len("REM COMMENT ") + 3 * 2
    assert len(lines) <= 10 + 4 * MAX_TRACKS + (len(tracks) - MAX_TRACKS)
    assert len(sheet.written) == MAX_TRACKS


#: run in a child process: build the input, reset the peak-RSS mark, parse, print the input size and the growth
_MEASURE = """
import sys
from pathlib import Path
{build}
from tracktion_tracklist import parse_manual  # imported before the mark: they are not the parse's memory
from tracktion_tracklist.domain.pages import parse_tracklist_page
parse_tracklist_page("<div class='tlpItem'><meta itemprop='name' content='A - B'></div>")  # lxml's first-use setup
status = Path("/proc/self/status")
def hwm():
    return next(int(l.split()[1]) for l in status.read_text().splitlines() if l.startswith("VmHWM:"))
Path("/proc/self/clear_refs").write_text("5")  # the peak mark restarts at the current size
before = hwm()
{parse}
print(len(data), (hwm() - before) * 1024)
"""


def _peak_growth(build: str, parse: str) -> tuple[int, int]:
    """(input size, peak RSS growth in bytes) of parsing in a fresh interpreter, where nothing else moves the mark."""
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux /proc to measure peak memory")
    code = _MEASURE.format(build=build, parse=parse)
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120)
    size, growth = done.stdout.split()
    return int(size), int(growth)


def test_a_huge_pasted_tracklist_uses_memory_in_proportion() -> None:
    """4 MB of pasted text (90k lines): parsed within a small multiple of its size."""
    size, growth = _peak_growth(
        'data = "\\n".join(f"[{n // 60}:{n % 60:02d}] Artist {n} - Title {n}" for n in range(90_000))',
        "from tracktion_tracklist import parse_manual\nassert len(parse_manual(data).tracklist.tracks) == 90_000",
    )
    assert size > 3_000_000
    assert growth < 40 * size, f"{growth / 2**20:.0f} MiB for {size / 2**20:.1f} MB of text"


def test_one_endless_line_is_reported_with_a_bounded_excerpt() -> None:
    """A 5 MB line with no separator is a problem line, and the report quotes only a short excerpt of it."""
    result = parse_manual("A" * 5_000_000)
    assert result.tracklist.tracks == ()
    [problem] = result.problems
    assert len(str(problem)) < 200


def test_a_huge_page_parses_within_bounded_memory() -> None:
    """A 2 MB page of 12,000 rows and their cue scripts (real pages hold ~100): parsed, memory in proportion.

    The client cuts responses off at ``max_bytes`` (5 MB by default) and the parser at 8 M characters, so this is
    the order of the worst input it can get; parsing is linear, about 0.2 ms per row.
    """
    size, growth = _peak_growth(
        'rows = \'\'.join(f\'<div class="tlpItem" id="tlp{n}_content"><meta itemprop="name" '
        'content="A{n} - T{n}"></div>\' for n in range(12_000))\n'
        "script = ''.join(f\"cueValuesEntry.seconds = {n}; cueValuesEntry.ids[0] = 'tlp{n}_content';\" "
        "for n in range(12_000))\n"
        "data = f'<html><body>{rows}<script>{script}</script></body></html>'",
        "assert len(parse_tracklist_page(data).tracks) == 12_000",
    )
    assert size > 2_000_000
    assert growth < 40 * size, f"{growth / 2**20:.0f} MiB for {size / 2**20:.1f} MB of HTML"
