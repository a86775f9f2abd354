"""``tracktion analyze FILE``: tempo, key, mood and timeline of one audio file, standalone (no database, no bus).

Thin: read the settings, call :func:`tracktion_analysis.analyse_file` in this process, print. ``--json`` prints the
whole result on stdout (``bpm``, ``bpm_confidence``, ``bpm_alternative``, ``key``, ``scale``, ``camelot``,
``open_key``, ``key_confidence``, ``mood``, ``duration_s``, ``segments``, ...); without it, a short table that says
how sure the tempo and key are, since a DJ should know a guess from a reading. A file that cannot be analysed
(missing, corrupt, silent, too short) or a bad ``TRACKTION_MOOD_MODEL`` prints one line on stderr and exits with
status 2.
"""

# ruff: noqa: PLC0415 -- the analysis (numpy, essentia) loads when this command runs, not at every start-up

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from tracktion.console import fail, name
from tracktion_shared.errors import TracktionError

if TYPE_CHECKING:
    from tracktion_analysis import AnalysisResult

__all__ = ["analyze", "bpm_text", "key_text"]


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
        raise fail(" ".join(str(exc).split())) from exc
    try:
        result = analyse_file(file, options)
    except TracktionError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
    else:
        _print_table(file, result)


def _fmt(value: object, suffix: str = "") -> str:
    return "-" if value is None else f"{value}{suffix}"


def bpm_text(bpm: float | None, confidence: float | None, alternative: float | None) -> str:
    """``128.0 (confidence 0.91; or 64.0)``: the tempo with how sure it is and the reading that came close."""
    if bpm is None:
        return "-"
    notes = [] if confidence is None else [f"confidence {confidence:.2f}"]
    notes += [] if alternative is None else [f"or {alternative:.1f}"]
    return f"{bpm:.1f} ({'; '.join(notes)})" if notes else f"{bpm:.1f}"


def key_text(result: AnalysisResult) -> str:
    """``A minor  (8A / 1m; confidence 0.80)``."""
    if not result.key:
        return "-"
    names = f"{_fmt(result.camelot)} / {_fmt(result.open_key)}"
    confidence = "" if result.key_confidence is None else f"; confidence {result.key_confidence:.2f}"
    return f"{result.key} {result.scale}  ({names}{confidence})"


def _print_table(file: Path, result: AnalysisResult) -> None:
    out = Console(highlight=False)
    summary = Table(title=name(file.name), show_header=False, title_justify="left")
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row("BPM", bpm_text(result.bpm, result.bpm_confidence, result.bpm_alternative))
    summary.add_row("Key", key_text(result))
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
                _clock(s.start_s),
                _clock(s.end_s),
                bpm_text(s.bpm, s.bpm_confidence, None),
                f"{s.key} {s.scale}" if s.key else "-",
                _fmt(s.camelot),
            )
        out.print(timeline)


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return (
        f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
        if whole >= 3600
        else f"{whole // 60}:{whole % 60:02d}"
    )
