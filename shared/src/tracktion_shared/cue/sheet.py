"""Rendering a tracklist as a CUE sheet: pure text, no file system (:mod:`tracktion_shared.cue.files` writes it).

The tracklist is anything shaped like :class:`CueTracklist` and its tracks like :class:`CueTrack`: read-only
protocols, so every source's own frozen dataclasses (the tracklist service's ``Tracklist``/``Track``, an identify
result) are rendered as they are, without a conversion and without this package knowing them.

What the sheet looks like, and the choices behind it::

    REM GENRE "House, Tech House"
    REM DATE 2023
    REM COMMENT "source: 1001tracklists"
    REM COMMENT "url: https://www.1001tracklists.com/tracklist/..."
    REM COMMENT "date: 2023-08-05"
    REM COMMENT "untimed, not in this sheet: 29. Artist - Title"
    PERFORMER "Matroda"
    TITLE "Matroda @ Club Space Miami, United States 2023-08-05"
    FILE "set.mp3" MP3
      TRACK 01 AUDIO
        TITLE "Nobody (Matroda Edit)"
        PERFORMER "Igor Zanga"
        INDEX 01 00:00:00

* ``FILE`` type is ``MP3`` for ``.mp3`` and ``WAVE`` for everything else (the convention players follow for FLAC,
  WAV, AIFF, ...).
* ``INDEX 01 mm:ss:ff``: 75 frames per second, seconds rounded to the nearest frame (half up); minutes are not
  capped at 99 (a three-hour set has minute 180), which common players accept.
* ``TITLE``/``PERFORMER`` (and REM values, and FILE) are double-quoted. The CUE format has no escape for a quote
  inside one, and readers disagree: most end the value at the next ``"`` (mp3cue, many players), cuetools and libcue
  take ``\\"`` as part of the value but keep the backslash. So a ``"`` in a value is written as ``'``
  (``Partner "Q"`` -> ``Partner 'Q'``), which every reader shows as it is. Backslashes are written as they are
  (escaping them would show doubled in every reader); those at the very end of a value are dropped: with the
  closing quote after one, libcue-style readers would run on to the next line's ``"``. Control characters and line
  breaks become spaces (a newline in a title would break the sheet). An audio file whose name holds ``"`` cannot be
  named in a sheet that readers parse alike; its FILE line gets the same ``'``.
* The 80-character field limit (CD-Text) is applied to the text between the quotes, counted in UTF-8 bytes so it
  holds for byte- and character-counting readers alike. Longer values are cut at a character boundary (never inside
  a UTF-8 sequence), at a word boundary when one is near, and end with "…".
* REM keys are the ones common readers know (GENRE, DATE as a year, COMMENT), so strict parsers accept the sheet;
  source, URL and full date are COMMENTs.
* A track without a time is left out, with a ``REM COMMENT`` naming it: a cue index is never invented.
* A track whose time is not after the previous written track's: a "w/" mashup partner (or any track at the very same
  frame) is folded into that track's TITLE as "... w/ Artist - Title"; an earlier time (a data error) is left out
  with a REM note. So indexes always strictly increase.
* A CUE sheet holds at most 99 tracks. The first 99 timed tracks are written; every later one is named in a
  ``REM COMMENT`` line ("over 99 tracks, not in this sheet: ..."). Splitting into several sheets was rejected:
  players open one sheet per audio file.
* Lines end with CRLF (what CD tools write; every reader accepts it), the last one too: a reader that splits on
  line ends may drop a last line without one. The caller writes UTF-8 without a BOM.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Protocol

from tracktion_shared.printable import clean_text

__all__ = [
    "FIELD_LIMIT",
    "FRAMES_PER_SECOND",
    "MAX_TRACKS",
    "CueSheet",
    "CueTrack",
    "CueTracklist",
    "escape",
    "file_type",
    "format_index",
    "quote",
    "render_cue",
    "to_frames",
]

FRAMES_PER_SECOND = 75
MAX_TRACKS = 99
#: bytes of (escaped) UTF-8 allowed between a field's quotes
FIELD_LIMIT = 80
_ELLIPSIS = "…"
_NEWLINE = "\r\n"
_MAX_REM_VALUE = 1000


class CueTrack(Protocol):
    """What the sheet reads of one track.

    ``position`` is the track's place in its tracklist (1-based, unique; named in REM notes about left-out tracks);
    ``start_s`` is None when the source gives no time (the track is then left out, never put at 0); ``mashup_linked``
    marks a "w/" track played together with the one before it.
    """

    @property
    def position(self) -> int: ...
    @property
    def artist(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def start_s(self) -> float | None: ...
    @property
    def mashup_linked(self) -> bool: ...


class CueTracklist(Protocol):
    """What the sheet reads of a tracklist: its tracks in order, and the header's values.

    ``date`` is ISO ``yyyy-mm-dd`` when known (its year becomes ``REM DATE``); ``source`` names where the tracklist
    came from ("1001tracklists", "manual", an audio fingerprint match) in a ``REM COMMENT``.
    """

    @property
    def tracks(self) -> Sequence[CueTrack]: ...
    @property
    def title(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def date(self) -> str | None: ...
    @property
    def djs(self) -> Sequence[str]: ...
    @property
    def genres(self) -> Sequence[str]: ...
    @property
    def source(self) -> str: ...


@dataclass(frozen=True)
class CueSheet:
    """The sheet's text, and which tracks went in (as cue track numbers) and which were left out (and why)."""

    text: str
    written: tuple[tuple[int, CueTrack], ...]
    omitted: tuple[tuple[CueTrack, str], ...]


def escape(value: str) -> str:
    """``value`` as it can stand between a field's quotes: control characters cleaned, ``"`` written as ``'``, a
    trailing backslash dropped (see the module docstring for why)."""
    return _unquoted(clean_text(value))


def _unquoted(text: str) -> str:
    return text.replace('"', "'").rstrip("\\ ")


def quote(value: str, limit: int | None = FIELD_LIMIT) -> str:
    """``value`` escaped, cut to ``limit`` UTF-8 bytes (None: no limit) and double-quoted."""
    text = escape(value)
    if limit is None or len(text.encode("utf-8")) <= limit:
        return f'"{text}"'
    budget = limit - len(_ELLIPSIS.encode("utf-8"))
    kept: list[str] = []
    used = 0
    for character in text:
        size = len(character.encode("utf-8"))
        if used + size > budget:
            break
        kept.append(character)
        used += size
    cut = "".join(kept)
    space = cut.rfind(" ")
    if space >= len(cut) - 20 and space > 0:
        cut = cut[:space]
    return f'"{cut.rstrip()}{_ELLIPSIS}"'


def format_index(seconds: float) -> str:
    """``mm:ss:ff`` at 75 frames per second, rounded to the nearest frame; minutes may exceed 99."""
    return _format_frames(to_frames(seconds))


def to_frames(seconds: float) -> int:
    """Seconds -> frames, rounded half up (``round`` would round 37.5 frames down to even)."""
    return math.floor(max(0.0, seconds) * FRAMES_PER_SECOND + 0.5)


def _format_frames(frames: int) -> str:
    minutes, rest = divmod(frames, 60 * FRAMES_PER_SECOND)
    secs, frame = divmod(rest, FRAMES_PER_SECOND)
    return f"{minutes:02d}:{secs:02d}:{frame:02d}"


def file_type(audio_name: str) -> str:
    """The FILE line's type: MP3 for .mp3, WAVE for everything else."""
    return "MP3" if PurePath(audio_name).suffix.lower() == ".mp3" else "WAVE"


@dataclass
class _Entry:
    frames: int
    track: CueTrack
    title: str


def render_cue(tracklist: CueTracklist, audio_name: str) -> CueSheet:
    """The CUE sheet for ``tracklist`` played from ``audio_name`` (the FILE value, relative to the sheet)."""
    entries, omitted = _select(tracklist.tracks)
    lines = _header(tracklist, omitted)
    lines.append(f"FILE {quote(audio_name, None)} {file_type(audio_name)}")
    written: list[tuple[int, CueTrack]] = []
    for number, entry in enumerate(entries, start=1):
        written.append((number, entry.track))
        lines.append(f"  TRACK {number:02d} AUDIO")
        lines.append(f"    TITLE {quote(entry.title)}")
        lines.append(f"    PERFORMER {quote(entry.track.artist)}")
        lines.append(f"    INDEX 01 {_format_frames(entry.frames)}")
    return CueSheet(_NEWLINE.join(lines) + _NEWLINE, tuple(written), tuple(omitted))


def _select(tracks: Sequence[CueTrack]) -> tuple[list[_Entry], list[tuple[CueTrack, str]]]:
    """Which tracks become cue tracks (strictly increasing frames, at most 99), and why the others do not."""
    entries: list[_Entry] = []
    omitted: list[tuple[CueTrack, str]] = []
    for track in tracks:
        if track.start_s is None:
            omitted.append((track, "untimed"))
            continue
        frames = to_frames(track.start_s)
        if entries and frames <= entries[-1].frames:
            if track.mashup_linked or frames == entries[-1].frames:
                entries[-1].title = f"{entries[-1].title} w/ {_name(track)}"
            else:
                omitted.append((track, "earlier than the track before"))
            continue
        if len(entries) >= MAX_TRACKS:
            omitted.append((track, f"over {MAX_TRACKS} tracks"))
            continue
        entries.append(_Entry(frames, track, clean_text(track.title)))
    return entries, omitted


def _header(tracklist: CueTracklist, omitted: list[tuple[CueTrack, str]]) -> list[str]:
    lines: list[str] = []
    if tracklist.genres:
        lines.append(f"REM GENRE {quote(', '.join(tracklist.genres))}")
    if tracklist.date and tracklist.date[:4].isdigit():
        lines.append(f"REM DATE {tracklist.date[:4]}")
    lines.append(f"REM COMMENT {quote('source: ' + tracklist.source, None)}")
    if tracklist.url:
        lines.append(f"REM COMMENT {quote('url: ' + tracklist.url[:_MAX_REM_VALUE], None)}")
    if tracklist.date:
        lines.append(f"REM COMMENT {quote('date: ' + tracklist.date[:_MAX_REM_VALUE], None)}")
    for track, why in omitted:
        lines.append(f"REM COMMENT {quote(f'{why}, not in this sheet: {track.position}. {_name(track)}')}")
    if tracklist.djs:
        lines.append(f"PERFORMER {quote(' & '.join(tracklist.djs))}")
    if tracklist.title:
        lines.append(f"TITLE {quote(tracklist.title)}")
    return lines


def _name(track: CueTrack) -> str:
    return f"{clean_text(track.artist)} - {clean_text(track.title)}"
