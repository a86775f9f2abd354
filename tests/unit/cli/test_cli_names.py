"""Names are data: whatever a file name or tag holds prints verbatim, never as markup, never as terminal control.

Checked on what a terminal would really receive: rich renders to a string, once plain (a pipe) and once as a colour
terminal, where the only escape sequences left must be rich's own styling.
"""

from __future__ import annotations

import io
import re
import unicodedata
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console, RenderableType

from tracktion.commands import tables
from tracktion.console import fail, name, visible, warn
from tracktion.pipeline import FailedFile, ScanSummary

BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: any character at all (lone surrogates too: undecodable bytes of a file name), with the troublesome pieces often
names = st.lists(
    st.one_of(
        st.characters(categories=("L", "M", "N", "P", "S", "Z", "C")),
        st.sampled_from(["[", "]", "[/", "[/]", "[bold]", ":fire:", "\\", "\x1b", "\x1b[31m", "\x9b", "\r", "\n"]),
        st.sampled_from(sorted(BIDI_CONTROLS | {"\udcff", "\u2028", "\u200d", "\x00", "\x7f"})),
    ),
    max_size=30,
).map("".join)

#: SGR ("colour") sequences: the only escape sequences rich itself writes for a styled table
SGR = re.compile(r"\x1b\[[0-9;]*m")


def unsafe(character: str) -> bool:
    return unicodedata.category(character) in ("Cc", "Cs", "Zl", "Zp") or character in BIDI_CONTROLS


def render(renderable: RenderableType, *, terminal: bool = False) -> str:
    console = Console(
        file=io.StringIO(),
        width=1000,
        force_terminal=terminal,
        color_system="truecolor" if terminal else None,
        highlight=False,
        soft_wrap=True,
    )
    console.print(renderable)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(output, str)
    return output


@given(names)
def test_a_name_prints_as_its_visible_form_and_nothing_else(text: str) -> None:
    shown = visible(text)
    assert not any(unsafe(character) for character in shown)
    assert name(text).plain == shown
    assert render(name(text)) == shown + "\n"
    shown.encode("utf-8")  # a lone surrogate, printed raw, would raise here


@given(names)
def test_a_colour_terminal_receives_no_control_character_but_rich_own_styling(text: str) -> None:
    output = SGR.sub("", render(tables.recordings_table([_row(path=text, artist=text)]), terminal=True))
    assert not any(unsafe(character) for character in output.replace("\n", ""))


@given(names.filter(lambda text: not any(unsafe(character) for character in text)))
def test_everything_else_is_left_exactly_as_it_is(text: str) -> None:
    assert visible(text) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Track [vip].aiff", "Track [vip].aiff"),
        ("a[/b.wav", "a[/b.wav"),
        ("[bold]x[/bold] :fire:", "[bold]x[/bold] :fire:"),
        ("red\x1b[31mname.wav", "red\\x1b[31mname.wav"),
        ("tab\there\r\n", "tab\\there\\r\\n"),
        ("csi\x9b2J", "csi\\x9b2J"),
        ("evil\u202ev4m.wav", "evil\\u202ev4m.wav"),
        ("bytes\udcff.wav", "bytes\\udcff.wav"),
        ("ÄÖÜ — Set • live ✓ 👩‍👩‍👧 日本", "ÄÖÜ — Set • live ✓ 👩‍👩‍👧 日本"),
        ("back\\slash", "back\\slash"),
    ],
)
def test_names_that_markup_or_a_terminal_would_eat(text: str, shown: str) -> None:
    assert render(name(text)) == shown + "\n"


def test_an_escape_stands_out_in_reverse_video_on_a_terminal() -> None:
    output = render(name("a\x1bb"), terminal=True)
    assert "\x1b[7m\\x1b\x1b[0m" in output
    assert output == "a\x1b[7m\\x1b\x1b[0mb\n"


def test_errors_and_warnings_quote_names_as_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    exit_ = fail("no recording at /music/a[/b [vip] \x1b[2J.wav", code=1)
    warn("/music/[/x]: odd")
    assert exit_.exit_code == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: no recording at /music/a[/b [vip] \\x1b[2J.wav",
        "warning: /music/[/x]: odd",
    ]


def _row(*, path: str = "/m/a.wav", artist: str = "", **metadata: str) -> dict[str, object]:
    return {"id": str(uuid4()), "file_path": path, "status": "present", "metadata": {"artist": artist, **metadata}}


def test_the_list_shows_tags_bpm_key_and_length() -> None:
    row = _row(
        path="/m/Track [vip].wav",
        artist="DJ [/] \x1b[31m",
        title="Live :fire:",
        bpm="174.0312",
        key="F#",
        scale="minor",
        camelot="11A",
        duration="3725.4",
    )
    (line,) = [line for line in render(tables.recordings_table([row])).splitlines() if "Track" in line]
    cells = [cell.strip() for cell in line.strip("│").split("│")]
    assert cells == [
        "/m/Track [vip].wav",
        "DJ [/] \\x1b[31m",
        "Live :fire:",
        "174.0",
        "11A F#m",
        "1:02:05",
        "present",
        str(row["id"])[: tables.SHORT_ID],
    ]


def test_numbers_that_are_not_numbers_are_shown_not_dropped() -> None:
    output = render(tables.recordings_table([_row(bpm="fast [x]", duration="nan")]))
    assert "fast [x]" in output
    assert "nan" in output


def test_show_prints_every_field_and_tag_verbatim() -> None:
    data = {
        "id": str(uuid4()),
        "file_path": "/m/a[/b [vip].wav",
        "file_name": "b [vip].wav",
        "duplicates": ["/m/copy [/x].wav"],
        "metadata": {"artist": "[red]A[/red]", "comment": "line\nbreak"},
        "tracklists": [{"source": "manual", "tracks": [{}, {}]}],
        "files": [],
    }
    output = render(tables.recording_table(data))
    for text in ("/m/a[/b [vip].wav", "b [vip].wav", "/m/copy [/x].wav", "[red]A[/red]", "line\\nbreak"):
        assert text in output
    assert "manual: 2 tracks" in output


def test_the_scan_summary_prints_failed_and_duplicate_paths_verbatim() -> None:
    summary = ScanSummary(
        root="/m/[/root]",
        scan_id=uuid4(),
        files_seen=3,
        recordings=1,
        failed=[FailedFile("/m/[/root]/bad [vip]\x1b[0m.mp3", "not audio: [/]")],
        duplicates=["/m/[/root]/a [vip] copy.wav"],
        duration_seconds=1.25,
    )
    output = render(tables.scan_summary(summary))
    assert output.splitlines()[0] == (
        "3 audio files in /m/[/root]: 1 recordings, 1 duplicate paths, 0 missing, 1 failed (1.2 s)"
    )
    assert "/m/[/root]/bad [vip]\\x1b[0m.mp3" in output
    assert "not audio: [/]" in output
    assert "duplicate: /m/[/root]/a [vip] copy.wav" in output


def test_recordings_table_keeps_the_order_it_is_given() -> None:
    rows = [_row(path=path) for path in ("/m/b.wav", "/m/a.wav")]
    output = render(tables.recordings_table(rows))
    assert output.index("/m/b.wav") < output.index("/m/a.wav")  # sorting by path is the query's


def test_the_ui_start_up_lines_print_verbatim(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lines ``tracktion ui`` prints when it starts name the data directory, which may hold brackets."""
    import tracktion_web.server  # noqa: PLC0415 - what the command calls
    from tracktion.commands.ui import ui  # noqa: PLC0415

    line = "catalog: sqlite:////home/dj/Music [vip]/[/tracktion.db"
    monkeypatch.setattr(tracktion_web.server, "serve", lambda host, port, *, say: say(line))
    ui(host="127.0.0.1", port=8477)
    assert line in capsys.readouterr().err
