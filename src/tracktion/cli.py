"""The ``tracktion`` command: parse arguments, wire the parts together, call them. No logic of its own.

Every command imports what it uses when it runs, not here: ``tracktion --help`` or a catalog-only ``scan`` must not
pay for the database migrations tool, the analysis (numpy) or the server drivers of a cluster it does not talk to.
``tests/e2e/test_cli_imports.py`` checks which modules a start-up loads.
"""

# ruff: noqa: PLC0415 -- commands import what they use when they run (see above)

from __future__ import annotations

import sys
from importlib.metadata import version
from typing import Annotated

import typer

from tracktion.commands import analyze as analyze_command
from tracktion.commands import graph as graph_commands
from tracktion.commands import identify as identify_command
from tracktion.commands import library
from tracktion.commands import tracklist as tracklist_commands
from tracktion.commands import ui as ui_command
from tracktion.console import err, fail, name, run, settings_problem

__all__ = ["app", "main"]

# Locals in tracebacks would print connection URLs with their passwords.
app = typer.Typer(
    help="Catalog and analyse a DJ/music collection.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"tracktion {version('tracktion')}")
        raise typer.Exit


@app.callback()
def _root(
    _version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """tracktion: point it at a folder of recordings; it catalogs, analyses and cross-references them."""


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply schema migrations to TRACKTION_DATABASE_URL (default: the embedded SQLite file)."""
    from tracktion_shared import storage
    from tracktion_shared.config import Settings, redact_url

    url = Settings().database_url_value()
    run(storage.upgrade(url, revision))
    err.print(name(f"database {redact_url(url)} is at revision {run(storage.current_revision(url))}"))


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. base or 0001.")]) -> None:
    """Undo schema migrations down to REVISION."""
    from tracktion_shared import storage
    from tracktion_shared.config import Settings, redact_url

    url = Settings().database_url_value()
    run(storage.downgrade(url, revision))
    err.print(name(f"database {redact_url(url)} is at revision {run(storage.current_revision(url))}"))


@db_app.command("current")
def db_current() -> None:
    """Print the database's current schema revision."""
    from tracktion_shared import storage
    from tracktion_shared.config import Settings

    typer.echo(run(storage.current_revision(Settings().database_url_value())) or "none")


@app.command("service")
def service(name: Annotated[str, typer.Argument(help="Service to run, e.g. catalog or watcher.")]) -> None:
    """Run one service in the foreground until SIGTERM/Ctrl-C (how the cluster images run)."""
    from tracktion import services
    from tracktion_shared.runtime import run_service

    try:
        main_fn = services.load_service(name)
    except LookupError as exc:
        raise fail(str(exc)) from exc
    run_service(name, main_fn)


# -- command groups that live in tracktion.commands.<module> are registered here, one line each ---------------
app.command("scan")(library.scan)
app.command("watch")(library.watch)
app.command("show")(library.show)
app.command("list")(library.list_recordings)
tracklist_commands.register(app)  # tracklist parse|search|fetch|import, and cue
app.command("analyze")(analyze_command.analyze)
app.command("identify")(identify_command.identify)
graph_commands.register(app)  # graph sets-with|next-after|compatible
app.command("ui")(ui_command.ui)  # the web UI and JSON API (imports FastAPI only when it runs)


def main() -> None:
    """The ``tracktion`` command; settings the environment got wrong end it with one line and status 2."""
    try:
        app()
    except Exception as exc:
        problem = settings_problem(exc)
        if problem is None:
            raise
        sys.exit(fail(problem).exit_code)
