"""Reading a tracklist someone typed or pasted: plain text or JSON, attached to a recording by hand.

Plain text, one track per line::

    # comments and blank lines are ignored
    [00:00] Igor Zanga - Nobody (Matroda Edit)
    02:30 TOBEHONEST - Where Ya At [BLACK BOOK]
    [1:02:03] Artist - Title
    w/ Partner - Mashup Title
    Artist - Track without a time
    03. [12:00] Numbered - Line

A time is ``mm:ss`` (minutes may pass 59) or ``h:mm:ss``, optionally in brackets or parentheses; a leading track
number ("03.", "3)") is ignored; a trailing ``[Label]`` becomes the label; a line starting with ``w/`` is
a mashup partner of the line before; "ID - ID" is kept but flagged unidentified. A line without " - " between
artist and title is reported (with its line number) and skipped. A time earlier than the one before it is reported
too, and that track keeps no time (a cue sheet needs increasing times; inventing one would be worse).

JSON is either a list of tracks or an object with ``tracks`` (the shape ``tracktion tracklist parse --json``
prints); a track's time may be ``start_s`` (seconds) or ``start``/``time`` ("mm:ss" / "h:mm:ss").
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracktion_shared.printable import clean_text
from tracktion_tracklist.domain.models import Track, Tracklist
from tracktion_tracklist.domain.pages import split_track_name
from tracktion_tracklist.errors import ImportFormatError

__all__ = ["ImportProblem", "ImportResult", "parse_manual", "parse_manual_json", "parse_manual_text", "parse_time"]

_TIME = r"(?:\d{1,3}:)?\d{1,4}:\d{2}(?:\.\d{1,3})?"
_LINE = re.compile(
    rf"^(?:\d{{1,3}}[.)]\s+)?"  # optional track number
    rf"(?:[\[(]\s*(?P<bracketed>{_TIME})\s*[\])]|(?P<bare>{_TIME})(?=\s))?\s*"
    rf"(?P<mashup>w/\s*)?"
    rf"(?P<rest>.*)$",
    re.IGNORECASE,
)
_LABEL = re.compile(r"\s*\[(?P<label>[^\[\]]{1,200})\]\s*$")
_BRACKETED_TIME = re.compile(r"\[\s*\d{1,4}:\d")
_COMMENT_PREFIXES = ("#", "//", ";")


@dataclass(frozen=True)
class ImportProblem:
    """A line (1-based; for JSON the track's index, 1-based) that was skipped or changed, and why."""

    line: int
    text: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}: {self.text[:80]!r}"


@dataclass(frozen=True)
class ImportResult:
    """The tracklist that could be read, and everything that could not."""

    tracklist: Tracklist
    problems: tuple[ImportProblem, ...] = ()


def parse_time(value: str) -> float | None:
    """Seconds from "mm:ss", "h:mm:ss" or "ss"; None when it is not a time (seconds must be under 60)."""
    value = value.strip()
    match = re.fullmatch(r"(?:(\d{1,3}):)?(\d{1,4}):(\d{2})(?:\.(\d{1,3}))?|(\d{1,6})(?:\.(\d{1,3}))?", value)
    if not match:
        return None
    if match.group(5) is not None:
        return float(value)
    hours, minutes, seconds, fraction = match.group(1), match.group(2), match.group(3), match.group(4)
    if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        return None
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return total + (float(f"0.{fraction}") if fraction else 0.0)


def parse_manual(text: str, *, title: str | None = None) -> ImportResult:
    """JSON when the text looks like JSON (starts with ``{``, or ``[`` not opening a time), plain text otherwise."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{") or (stripped.startswith("[") and not _BRACKETED_TIME.match(stripped)):
        return parse_manual_json(stripped, title=title)
    return parse_manual_text(text, title=title)


def parse_manual_text(text: str, *, title: str | None = None) -> ImportResult:
    """Parse plain text (see the module docstring); never raises for a bad line, only reports it."""
    tracks: list[Track] = []
    problems: list[ImportProblem] = []
    last_time: float | None = None
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = clean_text(raw)
        if not line or line.startswith(_COMMENT_PREFIXES):
            continue
        match = _LINE.match(line)
        if match is None:  # pragma: no cover - the pattern matches every string
            problems.append(ImportProblem(number, line, "not a track line"))
            continue
        time_text = match.group("bracketed") or match.group("bare")
        rest = match.group("rest").strip()
        label = None
        label_match = _LABEL.search(rest)
        if label_match and " - " in rest[: label_match.start()]:
            label = clean_text(label_match.group("label")) or None
            rest = rest[: label_match.start()]
        artist, track_title = split_track_name(rest)
        if not artist or not track_title:
            problems.append(ImportProblem(number, line, 'expected "Artist - Title"'))
            continue
        start: float | None = None
        if time_text is not None:
            start = parse_time(time_text)
            if start is None:
                problems.append(ImportProblem(number, line, f"{time_text!r} is not a time (mm:ss or h:mm:ss)"))
            elif last_time is not None and start < last_time:
                problems.append(
                    ImportProblem(number, line, f"time {time_text} is earlier than the track before; left untimed")
                )
                start = None
            else:
                last_time = start
        tracks.append(
            _track(len(tracks) + 1, artist, track_title, start=start, label=label, mashup=bool(match.group("mashup")))
        )
    return ImportResult(_tracklist(tracks, title), tuple(problems))


def parse_manual_json(text: str, *, title: str | None = None) -> ImportResult:
    """Parse JSON (see the module docstring). Invalid JSON or a wrong top-level shape is an :class:`ImportFormatError`;
    a bad track is reported and skipped."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ImportFormatError(f"not valid JSON: {exc}") from exc
    meta: Mapping[str, Any] = {}
    if isinstance(data, dict):
        meta = data
        items = data.get("tracks")
    else:
        items = data
    if not isinstance(items, list):
        raise ImportFormatError('JSON must be a list of tracks or an object with a "tracks" list')
    tracks: list[Track] = []
    problems: list[ImportProblem] = []
    last_time: float | None = None
    for index, item in enumerate(items, start=1):
        shown = json.dumps(item, ensure_ascii=False)[:200]
        if not isinstance(item, dict):
            problems.append(ImportProblem(index, shown, "a track must be an object"))
            continue
        artist = clean_text(_str(item.get("artist")))
        track_title = clean_text(_str(item.get("title")))
        if not artist or not track_title:
            problems.append(ImportProblem(index, shown, "a track needs an artist and a title"))
            continue
        start, error = _json_time(item)
        if error:
            problems.append(ImportProblem(index, shown, error))
        elif start is not None and last_time is not None and start < last_time:
            problems.append(ImportProblem(index, shown, "time is earlier than the track before; left untimed"))
            start = None
        elif start is not None:
            last_time = start
        label = clean_text(_str(item.get("label"))) or None
        mashup = bool(item.get("mashup_linked") or item.get("mashup"))
        identified = item.get("identified")
        track = _track(len(tracks) + 1, artist, track_title, start=start, label=label, mashup=mashup)
        if identified is False and track.identified:
            track = dataclasses.replace(track, identified=False)
        tracks.append(track)
    meta_title = clean_text(_str(meta.get("title"))) or None
    tracklist = _tracklist(tracks, title or meta_title)
    djs = meta.get("djs")
    tracklist = Tracklist(
        tracks=tracklist.tracks,
        title=tracklist.title,
        url=clean_text(_str(meta.get("url"))) or None,
        date=clean_text(_str(meta.get("date"))) or None,
        djs=tuple(clean_text(_str(d)) for d in djs if clean_text(_str(d))) if isinstance(djs, list) else (),
        genres=tuple(clean_text(_str(g)) for g in meta.get("genres") or [] if clean_text(_str(g)))
        if isinstance(meta.get("genres"), list)
        else (),
        source=clean_text(_str(meta.get("source"))) or "manual",
    )
    return ImportResult(tracklist, tuple(problems))


def _json_time(item: Mapping[str, Any]) -> tuple[float | None, str | None]:
    """(seconds, None), (None, why it is not a time), or (None, None) when the track has no time."""
    for key in ("start_s", "start_seconds", "start", "time"):
        if item.get(key) is not None:
            return _time_value(key, item[key])
    return None, None


def _time_value(key: str, value: object) -> tuple[float | None, str | None]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0 or not math.isfinite(value):
            return None, f"{key} must be a non-negative number of seconds"
        return float(value), None
    if isinstance(value, str):
        seconds = parse_time(value)
        return (None, f"{key} {value!r} is not a time (mm:ss or h:mm:ss)") if seconds is None else (seconds, None)
    return None, f"{key} must be seconds or mm:ss, not {value!r}"


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _track(position: int, artist: str, title: str, *, start: float | None, label: str | None, mashup: bool) -> Track:
    unidentified = artist.strip().upper() == "ID" and title.strip().upper() == "ID"
    return Track(
        position=position,
        artist=artist,
        title=title,
        start_s=start,
        label=label,
        mashup_linked=mashup,
        identified=not unidentified,
    )


def _tracklist(tracks: list[Track], title: str | None) -> Tracklist:
    return Tracklist(tracks=tuple(tracks), title=title, source="manual")
