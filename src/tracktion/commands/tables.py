"""How the catalog looks to a person: ``list``, ``show`` and a scan's summary as rich renderables.

Kept apart from the commands so what a table shows can be read (and tested) without a database. Every name, path,
tag and reason in them is a :func:`tracktion.console.name`, never markup (see :mod:`tracktion.console`); the numbers
and labels written here are the only plain strings. ``--json`` never comes through here: it is data already.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tracktion.console import name

if TYPE_CHECKING:
    from tracktion.pipeline import ScanSummary
    from tracktion_catalog.domain.stages import StageCounts

__all__ = ["SHORT_ID", "SHOWN", "recording_table", "recordings_table", "scan_summary"]

#: hex digits of a recording id that ``list`` shows; ``show`` takes any unique prefix of at least 4
SHORT_ID = 8
#: the human summary lists at most this many failed and duplicate paths each; --json has them all.
SHOWN = 20


def recordings_table(rows: Iterable[Mapping[str, Any]]) -> Table:
    """``list``: one line per recording (the rows of ``RecordingView.as_json()``), in the order given."""
    table = Table("file", "artist", "title", "BPM", "key", "length", "status", "id")
    table.columns[0].overflow = "fold"  # a path is never cut short, only folded onto more lines
    for column in table.columns[3:6]:
        column.justify = "right"
    for row in rows:
        metadata: Mapping[str, str] = row["metadata"]
        table.add_row(
            name(row["file_path"]),
            name(metadata.get("artist", "")),
            name(metadata.get("title", "")),
            _number(metadata.get("bpm"), "{:.1f}"),
            name(_key(metadata)),
            _length(metadata.get("duration")),
            row["status"],
            row["id"][:SHORT_ID],
        )
    return table


def recording_table(data: Mapping[str, Any]) -> Table:
    """``show``: one recording (``RecordingView.as_json()`` plus its tracklists), a line per field."""
    table = Table(show_header=False, title=name(data["file_name"]), title_justify="left")
    table.add_column(overflow="fold")
    table.add_column(overflow="fold")
    for key, value in data.items():
        if key not in ("metadata", "tracklists", "files", "duplicates"):
            table.add_row(key, name(value))
    for duplicate in data["duplicates"]:
        table.add_row("duplicate", name(duplicate))
    for tracklist in data["tracklists"]:
        tracks = f": {len(tracklist['tracks'])} tracks"
        table.add_row("tracklist", Text.assemble(name(tracklist["source"]), tracks))
    for key, value in sorted(data["metadata"].items()):
        table.add_row(Text.assemble("  ", name(key)), name(value))
    return table


def scan_summary(summary: ScanSummary) -> RenderableType:
    """The end of ``scan``: counts, then failed files with their reasons and duplicate paths (some of each)."""
    parts: list[RenderableType] = [
        Text.assemble(
            (str(summary.files_seen), "bold"),
            " audio files in ",
            name(summary.root),
            ": ",
            (f"{summary.recordings} recordings", "green"),
            f", {len(summary.duplicates)} duplicate paths, {len(summary.missing)} missing, ",
            (f"{len(summary.failed)} failed", "red"),
            f" ({summary.duration_seconds:.1f} s)",
        )
    ]
    parts.extend(line for stage, counts in summary.stages.items() if (line := _stage_line(stage, counts)))
    if summary.failed:
        table = Table("failed file", "reason", title="Files that could not be cataloged", title_justify="left")
        table.columns[0].overflow = "fold"
        for failed in summary.failed[:SHOWN]:
            table.add_row(name(failed.path), name(failed.error))
        parts.append(table)
    analysis_failures = sorted(summary.stages["analysis"].failed.items()) if "analysis" in summary.stages else []
    if analysis_failures:
        table = Table("recording", "reason", title="Recordings that could not be analysed", title_justify="left")
        table.columns[0].overflow = "fold"
        for path, reason in analysis_failures[:SHOWN]:
            table.add_row(name(path), name(reason))
        parts.append(table)
    parts.extend(Text.assemble(("duplicate:", "yellow"), " ", name(path)) for path in summary.duplicates[:SHOWN])
    hidden = sum(max(0, len(items) - SHOWN) for items in (summary.failed, analysis_failures, summary.duplicates))
    if hidden:
        parts.append(Text(f"... and {hidden} more; `tracktion scan --json` lists them all"))
    return Group(*parts)


#: how each state of a stage reads in the summary, and its colour (None: plain)
_STATES = (
    ("done", "done", "green"),
    ("failed", "failed", "red"),
    ("deferred", "deferred (asked again on a later scan)", "yellow"),
    ("due", "still due (asked again on the next scan)", "yellow"),
    ("in_progress", "queued in the cluster", None),
    ("skipped", "skipped (--no-analysis)", None),
)


def _stage_line(stage: str, counts: StageCounts) -> Text | None:
    """``analysis: 5 done, 1 failed``: the states a stage has recordings in; None when it has none."""
    numbers = counts.as_json()
    pieces = [(f"{numbers[key]} {label}", style) for key, label, style in _STATES if numbers[key]]
    if not pieces:
        return None
    text = Text.assemble(f"{'look-ups' if stage == 'tracklist' else stage}: ")
    for index, (piece, style) in enumerate(pieces):
        text.append(", " if index else "")
        text.append(piece, style=style or "")
    return text


def _number(value: str | None, form: str) -> Text:
    """A stored number (metadata holds text) formatted; anything unparsable shown as it is, never dropped."""
    if value is None:
        return Text()
    try:
        return Text(form.format(float(value)))
    except ValueError:
        return name(value)


def _key(metadata: Mapping[str, str]) -> str:
    """``11A F#m``: the Camelot code DJs mix by, then the key in the short form DJ software prints."""
    key = metadata.get("key", "")
    short = f"{key}m" if key and metadata.get("scale") == "minor" else key
    return " ".join(part for part in (metadata.get("camelot", ""), short) if part)


def _length(value: str | None) -> Text:
    """``m:ss``, or ``h:mm:ss`` for a set of an hour or more."""
    try:
        seconds = round(float(value)) if value is not None else None
    except (ValueError, OverflowError):  # not a number, NaN or infinite
        return name(value)
    if seconds is None:
        return Text()
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return Text(f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}")
