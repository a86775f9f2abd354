"""``tracktion scan``, ``watch``, ``show`` and ``list``: the main job and a look at its result."""

# ruff: noqa: PLC0415 -- the pipeline, the catalog and the database load when a command runs, not at every start-up

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.text import Text

from tracktion.commands import tables
from tracktion.console import CurrentStderr, err, fail, name, out, run
from tracktion_shared.errors import TracktionError

if TYPE_CHECKING:
    from tracktion.pipeline import ScanSummary, Stages
    from tracktion_shared.config import Settings
    from tracktion_shared.storage import Database

__all__ = ["list_recordings", "scan", "show", "watch"]

T = TypeVar("T")

Folder = Annotated[Path, typer.Argument(help="Folder of recordings.", show_default=False)]
NoAnalysis = Annotated[bool, typer.Option("--no-analysis", help="Skip BPM/key/mood analysis.")]
NoTracklists = Annotated[bool, typer.Option("--no-tracklists", help="Skip tracklist look-ups.")]
NoIdentify = Annotated[
    bool, typer.Option("--no-identify", help="Skip fingerprinting (finding the library's tracks inside sets).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


def _setup(settings: Settings) -> None:
    from tracktion_shared.logs import configure_logging

    # Only warnings go to stderr, as readable text, through whatever sys.stderr is when they are written: while the
    # progress display runs, that is rich's redirect, which prints them above the display instead of through it.
    level = "WARNING" if settings.log_level == "INFO" else settings.log_level
    configure_logging("tracktion", level, "console", stream=CurrentStderr())
    _trace()


def _trace() -> None:
    """Record spans only when they are exported: a CLI run has no other use for them, and recording two spans per
    file made a no-change rescan of 10,000 files spend 0.5-0.9 s more CPU (a service still records them, for the
    trace ids in its JSON logs)."""
    from tracktion_shared.tracing import configure_tracing, exporting

    if exporting():
        configure_tracing("tracktion")


def scan(
    folder: Folder,
    no_analysis: NoAnalysis = False,
    no_tracklists: NoTracklists = False,
    no_identify: NoIdentify = False,
    as_json: AsJson = False,
) -> None:
    """Catalog every audio file under FOLDER once, wait until all work is done, print a summary.

    The summary counts, per stage, what is done, failed (with why), deferred, still due or skipped by choice. Exit
    status: 0 when everything due is done; 1 when a file could not be cataloged, a stage failed, or work is deferred
    or still due (a rescan asks for it again); 2 on a usage or setup error.
    """
    from tracktion.pipeline import Stages
    from tracktion_shared.config import Settings

    settings = Settings()
    _setup(settings)
    stages = Stages(analysis=not no_analysis, tracklists=not no_tracklists, identify=not no_identify)
    summary = run(_scan(settings, folder.expanduser(), stages, as_json))
    if as_json:
        typer.echo(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
    else:
        err.print(tables.scan_summary(summary))
    if not summary.complete:
        raise typer.Exit(1)


async def _scan(settings: Settings, folder: Path, stages: Stages, quiet: bool) -> ScanSummary:
    from tracktion.commands.progress import ScanProgress
    from tracktion.pipeline import Pipeline

    with ScanProgress(err, live=err.is_terminal and not quiet) as progress:
        async with Pipeline(settings, stages) as pipeline:
            return await pipeline.scan(
                folder, on_found=progress.found, on_cataloged=progress.cataloged, on_stages=progress.stages
            )


def watch(
    folder: Folder,
    no_analysis: NoAnalysis = False,
    no_tracklists: NoTracklists = False,
    no_identify: NoIdentify = False,
) -> None:
    """Scan FOLDER, then keep the catalog in step with every change until Ctrl-C."""
    from tracktion.pipeline import Stages
    from tracktion_shared.config import Settings
    from tracktion_shared.logs import configure_logging

    settings = Settings()
    configure_logging("tracktion", settings.log_level, "console")
    _trace()
    stages = Stages(analysis=not no_analysis, tracklists=not no_tracklists, identify=not no_identify)
    err.print(Text.assemble("watching ", name(folder), " (Ctrl-C to stop)"))
    try:
        run(_watch(settings, folder.expanduser(), stages))
    except KeyboardInterrupt:
        err.print("stopped")


async def _watch(settings: Settings, folder: Path, stages: Stages) -> None:
    from tracktion.pipeline import Pipeline

    async with Pipeline(settings, stages) as pipeline:
        await pipeline.watch(folder)


def show(
    recording: Annotated[
        str, typer.Argument(help="A recording's file path, id or a unique prefix of its id.", show_default=False)
    ],
    as_json: AsJson = False,
) -> None:
    """Show one recording: its hashes, where its copies are, and what is known about it.

    RECORDING is a path, an id, or the start of an id (at least 4 hex digits, as ``list`` shows 8 of them); a prefix
    that several ids start with is an error (exit status 2), not a guess.
    """
    data = run(_read(lambda db: _recording_json(db, recording)))
    if data is None:
        raise fail(f"no recording at {recording}", code=1)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    out.print(tables.recording_table(data))


def list_recordings(
    as_json: AsJson = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 1000,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many first.")] = 0,
) -> None:
    """List the catalog's recordings, sorted by path."""
    from tracktion_catalog import queries as catalog_queries

    views = run(_read(lambda db: catalog_queries.list_recordings(db, limit=limit, offset=offset, by="path")))
    rows = [view.as_json() for view in views]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    out.print(tables.recordings_table(rows))


async def _recording_json(db: Database, text: str) -> dict[str, Any] | None:
    from tracktion_catalog import queries as catalog_queries

    view = await catalog_queries.get_recording(db, _as_lookup(text))
    if view is None and _is_id_prefix(text):
        count, ids = await catalog_queries.ids_with_prefix(db, text, limit=1)
        if count > 1:
            raise AmbiguousId(f"{count} recordings have an id starting with {text}; give more of it")
        if count == 1:
            view = await catalog_queries.get_recording(db, ids[0])
    if view is None:
        return None
    tracklists = await catalog_queries.get_tracklists(db, view.id)
    return view.as_json() | {"tracklists": [tracklist.as_json() for tracklist in tracklists]}


def _as_lookup(text: str) -> str:
    """A path is looked up absolute (as the watcher stores it); anything else is taken as an id."""
    path = Path(text).expanduser()
    return str(path.absolute()) if (path.exists() or "/" in text) else text


def _is_id_prefix(text: str) -> bool:
    """The start of an id: 4 to 32 hex digits (as ``git`` takes a short hash), dashes where the id has them or not."""
    return re.fullmatch(r"[0-9a-fA-F-]+", text) is not None and 4 <= len(text.replace("-", "")) <= 32


class AmbiguousId(TracktionError):
    """Several recordings' ids start with what was given: ``show`` names none rather than guess."""


async def _read(query: Callable[[Database], Awaitable[T]]) -> T:
    from tracktion_shared.config import Settings
    from tracktion_shared.storage import Database, upgrade

    settings = Settings()
    url = settings.database_url_value()
    if settings.amqp_url is None:
        await upgrade(url)
    async with Database(url) as db:
        return await query(db)
