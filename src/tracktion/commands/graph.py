"""``tracktion graph sets-with|next-after|compatible``: the questions DJs ask of their collection's graph.

Thin: read the settings, open the configured graph (Neo4j or the embedded file) for reading, ask, print. Results go to
stdout (``--json`` for machines: a JSON list), messages to stderr; an unknown recording, no graph yet (nothing
scanned) or an unreachable graph is one line on stderr and exit status 2. No match is not an error: an empty table
(or ``[]``) and status 0.

The embedded file is read beside a running ``tracktion watch`` or scan: the writer lets go of it between bursts and at
least every two seconds (:mod:`tracktion_shared.graph.embedded`), and the question waits for its turn up to
:data:`~tracktion_shared.graph.factory.READER_LOCK_TIMEOUT` seconds, then says the graph is busy.
"""

# ruff: noqa: PLC0415 -- the graph backend's driver loads when a graph command runs, not at every start-up

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeVar

import typer
from rich.table import Table

from tracktion.console import err, name, out, run

if TYPE_CHECKING:
    from tracktion_shared.graph import Compatible, GraphRepository, NextTrack, SetHit

__all__ = ["app", "register"]

app = typer.Typer(help="Ask the graph: which sets played a track, what follows it, what mixes into a recording.")

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
Limit = Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="At most this many answers.")]
TrackQuery = Annotated[str, typer.Argument(help='The track, e.g. "Artist - Title" or a few words of it.')]


T = TypeVar("T")


class _Row(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=_Row)


def register(root: typer.Typer) -> None:
    """Add ``graph`` (sub-commands) to the root CLI."""
    root.add_typer(app, name="graph")


@app.command("sets-with")
def sets_with(track: TrackQuery, as_json: AsJson = False, limit: Limit = 20) -> None:
    """Sets (recordings with a tracklist) that played TRACK; fuzzy on artist and title."""
    hits = run(_ask(lambda graph: graph.sets_with(track, limit)))
    _print(hits, as_json, ("recording", "source", "#", "at", "track", "match"), _set_row)


@app.command("next-after")
def next_after(track: TrackQuery, as_json: AsJson = False, limit: Limit = 10) -> None:
    """Tracks most often played right after TRACK, across every known tracklist."""
    found = run(_ask(lambda graph: graph.next_after(track, limit)))
    _print(found, as_json, ("track", "plays"), _next_row)


@app.command("compatible")
def compatible(
    recording: Annotated[str, typer.Argument(help="The recording's id or its path.", show_default=False)],
    as_json: AsJson = False,
    limit: Limit = 20,
    tolerance: Annotated[
        float, typer.Option("--bpm-tolerance", min=0.0, max=0.5, help="Tempo tolerance, a fraction (0.06 = ±6%).")
    ] = 0.06,
) -> None:
    """Recordings that mix into RECORDING: same/adjacent/relative Camelot key, tempo within the tolerance."""

    absolute = str(Path(recording).expanduser().resolve())

    async def ask(graph: GraphRepository) -> list[Compatible]:
        recording_id = await _resolve(graph, recording, absolute)
        return await graph.compatible(recording_id, bpm_tolerance=tolerance, limit=limit)

    found = run(_ask(ask))
    _print(found, as_json, ("recording", "key", "BPM", "relation", "Δ BPM"), _compatible_row)


async def _ask(question: Callable[[GraphRepository], Awaitable[T]]) -> T:
    # the graph backend's driver only when a graph command runs
    from tracktion_shared.config import Settings
    from tracktion_shared.graph.factory import create_graph_reader

    async with create_graph_reader(Settings()) as graph:
        return await question(graph)


async def _resolve(graph: GraphRepository, recording: str, absolute: str) -> uuid.UUID:
    from tracktion_shared.graph import UnknownRecording

    try:
        return uuid.UUID(recording)
    except ValueError:
        pass
    for candidate in dict.fromkeys((recording, absolute)):
        found = await graph.recording_for_path(candidate)
        if found is not None:
            return found
    raise UnknownRecording(f"no recording with id or path {recording!r} in the graph")


def _set_row(hit: SetHit) -> tuple[str, ...]:
    at = "-" if hit.start_time is None else f"{int(hit.start_time) // 60}:{int(hit.start_time) % 60:02d}"
    name = hit.tracklist_title or hit.path or hit.recording_id
    return (name, hit.source, str(hit.position), at, f"{hit.artist} - {hit.title}", f"{hit.score:.2f}")


def _next_row(n: NextTrack) -> tuple[str, ...]:
    return (f"{n.artist} - {n.title}", str(n.plays))


def _compatible_row(c: Compatible) -> tuple[str, ...]:
    return (c.path or c.recording_id, c.camelot, f"{c.bpm:g}", c.relation, f"{c.bpm_distance * 100:.1f}%")


def _print(rows: Sequence[R], as_json: bool, columns: Sequence[str], cells: Callable[[R], tuple[str, ...]]) -> None:
    if as_json:
        typer.echo(json.dumps([row.to_dict() for row in rows]))
        return
    if not rows:
        err.print("no match in the graph")
        return
    table = Table()
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(name(cell) for cell in cells(row)))
    out.print(table)
