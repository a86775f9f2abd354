"""``tracktion tracklist parse|search|fetch|import`` and ``tracktion cue``: tracklists and cue sheets by hand.

Thin: read the arguments, call :mod:`tracktion_tracklist` (and :mod:`tracktion_shared.cue` to write sheets), print.
Results go to stdout (``--json`` for machines), messages to stderr. Exit status 2 is an error, 3 a block page
(captcha, JavaScript challenge, Cloudflare): the site refused to answer, which says nothing about whether the set
has a tracklist -- try again later.

With ``--recording``, ``fetch`` and ``import`` also hand the tracklist to the catalog (a ``TracklistFound`` message,
as the tracklist service sends), so it is stored with the recording; the recording must have been scanned first.
"""

# ruff: noqa: PLC0415 -- the tracklist package (bs4, httpx) loads when one of these commands runs, not at every start-up

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from tracktion.console import err, fail, name, out, run, warn

if TYPE_CHECKING:
    from tracktion_shared.cue import WrittenCue
    from tracktion_tracklist import Blocked, SearchCandidate, Tracklist, TracklistSettings

__all__ = ["BLOCKED_EXIT", "app", "cue", "register"]

#: exit status for "the site showed a block page"
BLOCKED_EXIT = 3

app = typer.Typer(help="Find, parse and import DJ-set tracklists; write .cue sheets.", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
Recording = Annotated[
    Path, typer.Option("--recording", "-r", help="The set's audio file; the .cue goes beside it.", show_default=False)
]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write the .cue here instead.", show_default=False)]


def register(root: typer.Typer) -> None:
    """Add ``tracklist`` (sub-commands) and ``cue`` to the root CLI."""
    root.add_typer(app, name="tracklist")
    root.command("cue")(cue)


def _payload(tracklist: Tracklist) -> dict[str, Any]:
    data = tracklist.to_json()
    return {key: data[key] for key in ("title", "url", "date", "djs", "tracks")}


def _print_tracklist(tracklist: Tracklist, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(_payload(tracklist), ensure_ascii=False, indent=2))
        return
    table = Table(title=name(tracklist.title or "tracklist"), caption=name(tracklist.url) if tracklist.url else None)
    for column in ("#", "time", "artist", "title", "label"):
        table.add_column(column)
    for t in tracklist.tracks:
        time = "" if t.start_s is None else f"{int(t.start_s) // 60}:{int(t.start_s) % 60:02d}"
        mark = "w/" if t.mashup_linked else str(t.position)
        title = name(t.title + ("" if t.identified else " (unidentified)"))
        table.add_row(mark, time, name(t.artist), title, name(t.label or ""))
    out.print(table)


def _blocked(where: str, blocked: Blocked) -> typer.Exit:
    return fail(f"{where}: {blocked.describe()} -- not a missing tracklist; try again later", code=BLOCKED_EXIT)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror or exc}") from exc


def _write(tracklist: Tracklist, recording: Path, output: Path | None) -> WrittenCue:
    from tracktion_shared.cue import write_cue
    from tracktion_tracklist import TracklistSettings

    if not recording.is_file():
        raise fail(f"no such audio file: {recording}")
    settings = TracklistSettings()
    written = write_cue(
        tracklist, recording, cue_dir=settings.cue_dir, library_root=settings.library_root, output=output
    )
    untimed = sum(1 for _, why in written.sheet.omitted if why == "untimed")
    note = f", {untimed} untimed left out" if untimed else ""
    others = len(written.sheet.omitted) - untimed
    note += f", {others} more left out (see its REM lines)" if others else ""
    err.print(Text.assemble("wrote ", name(written.path), f" ({len(written.sheet.written)} tracks{note})"))
    return written


def _store(tracklist: Tracklist, recording: Path, written: WrittenCue) -> None:
    """Give the tracklist to the catalog for ``recording``; one that was never scanned keeps just its .cue."""
    stored = run(_announce(tracklist, str(recording.absolute()), written))
    if stored is None:
        warn(
            f"{recording} is not in the catalog, so only its .cue was written; "
            "`tracktion scan` its folder, then import again to store the tracklist"
        )
    else:
        err.print(f"stored the {tracklist.source} tracklist with recording {stored}")


async def _announce(tracklist: Tracklist, path: str, written: WrittenCue) -> str | None:
    from tracktion.pipeline import Pipeline, Stages
    from tracktion_catalog import queries as catalog_queries
    from tracktion_shared.config import Settings
    from tracktion_shared.messages import TracklistFound
    from tracktion_tracklist.jobs.lookup import to_message_tracks

    async with Pipeline(Settings(), Stages(analysis=False, tracklists=False)) as pipeline:
        view = await catalog_queries.get_recording(pipeline.db, path)
        if view is None:
            return None
        await pipeline.announce(
            TracklistFound(
                recording_id=view.id,
                source=tracklist.source,
                url=tracklist.url,
                title=tracklist.title,
                tracks=to_message_tracks(tracklist.tracks),
                cue_file_path=str(written.path),
            )
        )
        return str(view.id)


def _load_tracklist(path: Path) -> Tracklist:
    """A saved page (.html), or a typed/JSON tracklist (anything else); problems are printed, not fatal."""
    from tracktion_tracklist import Blocked, ImportFormatError, PageFormatError, parse_manual, parse_tracklist_page

    text = _read(path)
    if path.suffix.lower() in (".html", ".htm"):
        try:
            page = parse_tracklist_page(text)
        except PageFormatError as exc:
            raise fail(f"{path}: {exc}") from exc
        if isinstance(page, Blocked):
            raise _blocked(str(path), page)
        return page
    try:
        result = parse_manual(text)
    except ImportFormatError as exc:
        raise fail(f"{path}: {exc}") from exc
    for problem in result.problems:
        warn(f"{path}: {problem}")
    if not result.tracklist.tracks:
        raise fail(f"{path}: no track could be read")
    return result.tracklist


# -- commands ----------------------------------------------------------------------------------------------------


@app.command("parse")
def parse(
    page: Annotated[Path, typer.Argument(help="A saved tracklist page (.html).", show_default=False)],
    as_json: AsJson = False,
) -> None:
    """Parse a saved 1001tracklists page offline. Exits 3 when the page is a block/captcha/challenge page."""
    from tracktion_tracklist import Blocked, PageFormatError, parse_tracklist_page

    try:
        result = parse_tracklist_page(_read(page))
    except PageFormatError as exc:
        raise fail(f"{page}: {exc}") from exc
    if isinstance(result, Blocked):
        raise _blocked(str(page), result)
    _print_tracklist(result, as_json)


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="DJ, event, date -- or a file name.", show_default=False)],
    as_json: AsJson = False,
) -> None:
    """Search the site for tracklists; results are scored against QUERY as if it were the recording's name."""
    from tracktion_tracklist import Blocked, TracklistSettings, describe_recording, score

    settings = TracklistSettings()
    description = describe_recording(query.replace("/", " ") + ".x", {})  # read like a file name
    results = run(_search(settings, query))
    if isinstance(results, Blocked):
        raise _blocked("search", results)
    scored = sorted(((score(description, c), c) for c in results), key=lambda pair: -pair[0])
    if as_json:
        rows = [{"url": c.url, "title": c.title, "date": c.date, "score": s} for s, c in scored]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not scored:
        err.print("no tracklists found")
        return
    table = Table()
    for column in ("score", "date", "title", "url"):
        table.add_column(column)
    for s, c in scored:
        table.add_row(f"{s:.2f}", name(c.date or ""), name(c.title), name(c.url))
    out.print(table)


async def _search(settings: TracklistSettings, query: str) -> list[SearchCandidate] | Blocked:
    from tracktion_shared.cache import create_cache
    from tracktion_shared.config import Settings
    from tracktion_tracklist import TracklistClient
    from tracktion_tracklist.service import CACHE_NAMESPACE

    async with (
        create_cache(Settings(), namespace=CACHE_NAMESPACE) as cache,
        TracklistClient(settings, cache=cache) as client,
    ):
        return await client.search(query)


@app.command("fetch")
def fetch(
    url: Annotated[str, typer.Argument(help="A tracklist URL (or its path on the site).", show_default=False)],
    recording: Annotated[
        Path | None, typer.Option("--recording", "-r", help="Write a .cue for this audio file.", show_default=False)
    ] = None,
    output: Output = None,
    as_json: AsJson = False,
) -> None:
    """Fetch and parse a tracklist page; with --recording, write the set's .cue and store it in the catalog."""
    from tracktion_tracklist import Blocked, TracklistSettings

    result = run(_fetch(TracklistSettings(), url))
    if isinstance(result, Blocked):
        raise _blocked(url, result)
    if recording is not None:
        _store(result, recording, _write(result, recording, output))
    _print_tracklist(result, as_json)


async def _fetch(settings: TracklistSettings, url: str) -> Tracklist | Blocked:
    from tracktion_shared.cache import create_cache
    from tracktion_shared.config import Settings
    from tracktion_tracklist import TracklistClient
    from tracktion_tracklist.service import CACHE_NAMESPACE

    async with (
        create_cache(Settings(), namespace=CACHE_NAMESPACE) as cache,
        TracklistClient(settings, cache=cache) as client,
    ):
        return await client.tracklist(url)  # PageNotFound and SiteUnavailable: one line on stderr, exit 2


@app.command("import")
def import_tracklist(
    file: Annotated[Path, typer.Argument(help="Plain text ([mm:ss] Artist - Title) or JSON.", show_default=False)],
    recording: Recording,
    output: Output = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on any unreadable line.")] = False,
    title: Annotated[str | None, typer.Option("--title", help="The set's title for the .cue.")] = None,
) -> None:
    """Import a tracklist typed by hand: write the recording's .cue and store the tracklist in the catalog.

    Bad lines are reported with their line numbers and skipped (--strict: exit 2 instead).
    """
    from tracktion_tracklist import ImportFormatError, parse_manual

    try:
        result = parse_manual(_read(file), title=title)
    except ImportFormatError as exc:
        raise fail(f"{file}: {exc}") from exc
    for problem in result.problems:
        warn(f"{file}: {problem}")
    if strict and result.problems:
        raise fail(f"{file}: {len(result.problems)} line(s) could not be read (--strict)")
    if not result.tracklist.tracks:
        raise fail(f"{file}: no track could be read")
    _store(result.tracklist, recording, _write(result.tracklist, recording, output))


def cue(
    audio: Annotated[Path, typer.Argument(help="The set's audio file.", show_default=False)],
    tracklist: Annotated[
        Path,
        typer.Option("--tracklist", "-t", help="A saved page (.html), JSON or text tracklist.", show_default=False),
    ],
    output: Output = None,
) -> None:
    """Write AUDIO's .cue sheet from a tracklist file (beside the audio, in TRACKTION_TRACKLIST_CUE_DIR, or -o)."""
    _write(_load_tracklist(tracklist), audio, output)
