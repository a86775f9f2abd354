"""``tracktion ui``: browse the catalog in a web browser (the library, recordings with set timelines, status).

Thin: parse the options, hand them to :mod:`tracktion_web.server`. FastAPI and uvicorn are imported only when the
command runs, so the rest of the CLI starts without them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tracktion.console import err, fail, name

__all__ = ["ui"]


def ui(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; anything but loopback needs TRACKTION_UI_TOKEN.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to serve on.")] = 8477,
) -> None:
    """Serve the web UI and JSON API (/api, schema at /openapi.json) over the catalog until Ctrl-C."""
    from tracktion_web.server import ServeError, serve  # noqa: PLC0415 (heavy: FastAPI, uvicorn)

    try:
        serve(host, port, say=lambda line: err.print(name(line)))  # a path in a line is data, not markup
    except ServeError as error:
        raise fail(str(error)) from error
