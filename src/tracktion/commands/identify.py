"""``tracktion identify RECORDING``: which library tracks play inside any audio file, from the audio alone.

Fingerprints the file in this process (nothing is stored) and looks it up in the current fingerprint index, the
one ``tracktion scan`` fills (``TRACKTION_IDENTIFY_INDEX_URL``, else beside the catalog). ``--json`` prints
``{"tracks": [{"start_s", "end_s", "tempo_ratio", "semitones", "confidence", "recording_id", "path", "artist",
"title"}], "unknown": [{"start_s", "end_s"}]}``; without it, a table of the tracks with their times and how sure
each is. A file that cannot be read prints one line on stderr and exits with status 2; an empty index says so on
stderr (everything is unknown then).
"""

# ruff: noqa: PLC0415 -- the fingerprinter (numpy, PyAV) loads when this command runs, not at every start-up

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tracktion.console import fail, name
from tracktion_shared.errors import TracktionError

__all__ = ["identify"]


def _clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes}:{rest:02d}"


def identify(
    recording: Annotated[Path, typer.Argument(help="Any audio file: a recorded set, a mix.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the tracks and unknown stretches as JSON.")] = False,
) -> None:
    """Find the library's tracks inside RECORDING: when each plays, how fast, how transposed, how sure."""
    from tracktion_identify import fingerprint, open_index
    from tracktion_identify import identify as identify_recording
    from tracktion_shared.config import Settings

    try:
        index = open_index(Settings())
        try:
            if index.stats().recordings == 0:
                typer.echo("the fingerprint index is empty: `tracktion scan FOLDER` fingerprints the library", err=True)
            result = identify_recording(index, fingerprint(recording))
            names = index.recordings_by_id({t.recording_id for t in result.tracks})
        finally:
            index.close()
    except TracktionError as exc:
        raise fail(str(exc)) from exc
    tracks: list[dict[str, Any]] = []
    for found in result.tracks:
        known = names.get(found.recording_id)
        tracks.append(
            {
                "start_s": found.start_s,
                "end_s": found.end_s,
                "tempo_ratio": found.tempo_ratio,
                "semitones": found.semitones,
                "confidence": found.confidence,
                "recording_id": str(found.recording_id),
                "path": known.path if known else None,
                "artist": (known.artist or None) if known else None,
                "title": (known.title or None) if known else None,
            }
        )
    unknown = [{"start_s": span.start_s, "end_s": span.end_s} for span in result.unknown]
    if as_json:
        typer.echo(json.dumps({"tracks": tracks, "unknown": unknown}, ensure_ascii=False))
        return
    table = Table(title=name(recording.name), title_justify="left")
    for column in ("start", "end", "track", "tempo", "semitones", "confidence"):
        table.add_column(column)
    rows = [(t["start_s"], t) for t in tracks] + [(u["start_s"], None) for u in unknown]
    spans = {u["start_s"]: u for u in unknown}
    for start, track in sorted(rows, key=lambda row: row[0]):
        if track is None:
            table.add_row(_clock(start), _clock(spans[start]["end_s"]), "(unknown)", "", "", "")
            continue
        label = " - ".join(part for part in (track["artist"], track["title"]) if part)
        label = label or (Path(track["path"]).name if track["path"] else str(track["recording_id"]))
        table.add_row(
            _clock(start),
            _clock(track["end_s"]),
            name(label),
            f"{(track['tempo_ratio'] - 1) * 100:+.1f} %",
            f"{track['semitones']:+.1f}",
            f"{track['confidence']:.2f}",
        )
    Console(highlight=False).print(table)
