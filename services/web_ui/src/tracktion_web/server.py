"""Serving the app: refuse an unsafe bind, check the catalog is there, say how to get in, run uvicorn.

Shared by ``tracktion ui`` (binds 127.0.0.1 unless told otherwise) and ``python -m tracktion_web`` (the image,
binds 0.0.0.0). uvicorn's access log is off: a person's first request carries ``?token=`` in its URL, and an access
log would write the token down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import uvicorn
from sqlalchemy.engine import make_url

from tracktion_shared.config import Settings, redact_url
from tracktion_shared.storage import backend_of, current_revision, head_revision
from tracktion_web.app import create_app
from tracktion_web.auth import LOOPBACK_HOSTS
from tracktion_web.settings import UiSettings, is_loopback

__all__ = ["ServeError", "check_bind", "check_catalog", "serve", "startup_lines"]

log = logging.getLogger("tracktion.web")


class ServeError(Exception):
    """The UI cannot start as asked; the message says what to do instead."""


def check_bind(host: str, token: str | None) -> None:
    """A bind reachable from other machines needs a token: the catalog lists where every file of a collection is."""
    if token is None and not is_loopback(host):
        raise ServeError(
            f"refusing to serve the catalog on {host}, which other machines can reach, without a token: set "
            "TRACKTION_UI_TOKEN (e.g. `export TRACKTION_UI_TOKEN=$(openssl rand -hex 24)`), or bind 127.0.0.1"
        )


async def check_catalog(url: str) -> None:
    """The catalog must exist and be at this tracktion's schema; the UI reads it and never migrates it."""
    if backend_of(url) == "sqlite":
        path = make_url(url).database or ""
        if not path or path == ":memory:" or not await asyncio.to_thread(Path(path).exists):
            raise ServeError(f"there is no catalog at {path} yet: run `tracktion scan FOLDER` first")
    try:
        current = await current_revision(url)
    except Exception as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ServeError(f"cannot read the catalog database {redact_url(url)}: {redact_url(reason)}") from error
    head = head_revision()
    if current != head:
        raise ServeError(
            f"the catalog database {redact_url(url)} is at schema revision {current or 'none'}, this tracktion reads "
            f"{head}: run `tracktion db upgrade` (or a scan, which upgrades the embedded catalog)"
        )


def startup_lines(host: str, port: int, token: str | None, database_url: str) -> list[str]:
    """What the person starting the UI is told: where it is, which catalog, and how to get in."""
    shown = f"[{host}]" if ":" in host else host
    where = "127.0.0.1" if host in ("0.0.0.0", "::") else shown  # noqa: S104 (a wildcard is not an address to open)
    lines = [f"tracktion UI on http://{where}:{port}/ (catalog {redact_url(database_url)}); Ctrl-C stops it"]
    if token is None:
        lines.append("no token: only this machine can connect")
    else:
        lines.append(
            "every request needs the token (TRACKTION_UI_TOKEN): open "
            f"http://{where}:{port}/?token=<token> once in the browser (it sets a cookie), "
            "or send 'Authorization: Bearer <token>'"
        )
    return lines


def serve(
    host: str,
    port: int,
    settings: Settings | None = None,
    ui: UiSettings | None = None,
    *,
    say: Callable[[str], None] = print,
) -> None:
    """Check, announce and serve until Ctrl-C/SIGTERM; raises :class:`ServeError` when it must not start."""
    settings = settings or Settings()
    ui = ui or UiSettings()
    token = ui.token_value()
    check_bind(host, token)
    url = settings.database_url_value()
    asyncio.run(check_catalog(url))
    trusted = LOOPBACK_HOSTS if token is None else None
    app = create_app(settings, ui, trusted_hosts=trusted)
    for line in startup_lines(host, port, token, url):
        say(line)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, server_header=False)
