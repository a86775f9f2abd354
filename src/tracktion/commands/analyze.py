"""``tracktion analyze FILE``: tempo, key, mood and timeline of one audio file, standalone (no database, no bus).

Thin: read the settings, call :func:`tracktion_analysis.analyse_file` in this process, print. ``--json`` prints the
whole result on stdout (``bpm``, ``key``, ``scale``, ``camelot``, ``open_key``, ``mood``, ``duration_s``,
``segments``, ...); without it, a short table. A file that cannot be analysed (missing, corrupt, silent, too short)
or a bad ``TRACKTION_MOOD_MODEL`` prints one line on stderr and exits with status 2.
"""

# ruff: noqa: PLC0415 -- the analysis (numpy, essentia) loads when this command runs, not at every start-up

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tracktion.console import fail
from tracktion_shared.errors import TracktionError

if TYPE_CHECKING:
    from tracktion_analysis import AnalysisResult

__all__ = ["analyze"]


def analyze(
    file: Annotated[Path, typer.Argument(help="Audio file (mp3, flac, wav, ogg, m4a, ...).", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON on stdout.")] = False,
) -> None:
    """Analyse one audio file: BPM, key (Camelot, Open Key), mood, and a timeline for long sets."""
    from pydantic import ValidationError

    from tracktion_analysis import AnalysisSettings, analyse_file

    try:
        options = AnalysisSettings().options()
    except ValidationError as exc:
        raise fail(escape(" ".join(str(exc).split()))) from exc
    try:
        result = analyse_file(file, options)
    except TracktionError as exc:
        raise fail(escape(str(exc))) from exc
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
    else:
        _print_table(file, result)


def _fmt(value: object, suffix: str = "") -> str:
    return "-" if value is None else f"{value}{suffix}"


def _print_table(file: Path, result: AnalysisResult) -> None:
    out = Console(highlight=False)
    summary = Table(title=escape(file.name), show_header=False, title_justify="left")
    summary.add_column(style="bold")
    summary.add_column()
    key = f"{result.key} {result.scale}" if result.key else "-"
    summary.add_row("BPM", _fmt(result.bpm))
    summary.add_row("Key", f"{key}  ({_fmt(result.camelot)} / {_fmt(result.open_key)})")
    summary.add_row("Mood", f"{result.mood.label} ({result.mood.method})")
    summary.add_row("Energy", f"{result.mood.energy:.2f}")
    summary.add_row("Danceability", f"{result.mood.danceability:.2f}")
    summary.add_row("Duration", f"{result.duration_s / 60:.1f} min")
    out.print(summary)
    if len(result.segments) > 1:
        timeline = Table(title="Timeline", title_justify="left")
        for column in ("start", "end", "BPM", "key", "Camelot"):
            timeline.add_column(column)
        for s in result.segments:
            timeline.add_row(
                _clock(s.start_s), _clock(s.end_s), _fmt(s.bpm), f"{s.key} {s.scale}" if s.key else "-", _fmt(s.camelot)
            )
        out.print(timeline)


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return (
        f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
        if whole >= 3600
        else f"{whole // 60}:{whole % 60:02d}"
    )
