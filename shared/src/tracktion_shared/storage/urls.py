"""Database URLs as people write them, turned into the URLs SQLAlchemy needs.

Users (and ``TRACKTION_DATABASE_URL``) say ``postgresql://``, ``postgres://`` or ``sqlite:///path``; they should not
have to know that tracktion talks to PostgreSQL through psycopg 3 and to SQLite through aiosqlite. The driver is
chosen here, once, so every other module can take the user's URL as it is. A scheme tracktion has no driver for is a
:class:`~tracktion_shared.errors.ConfigError` at start-up rather than an ``ImportError`` deep inside SQLAlchemy.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from tracktion_shared.config import redact_url
from tracktion_shared.errors import ConfigError

__all__ = ["Backend", "async_url", "backend_of", "ensure_sqlite_directory", "sync_url"]

Backend = Literal["postgresql", "sqlite"]

# scheme as written -> backend; anything else is refused
_SCHEMES: dict[str, Backend] = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "postgresql+psycopg": "postgresql",
    "sqlite": "sqlite",
    "sqlite+aiosqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
}
_ASYNC_DRIVERS: dict[Backend, str] = {"postgresql": "postgresql+psycopg", "sqlite": "sqlite+aiosqlite"}
_SYNC_DRIVERS: dict[Backend, str] = {"postgresql": "postgresql+psycopg", "sqlite": "sqlite+pysqlite"}


def _parse(url: str) -> tuple[URL, Backend]:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"not a database URL: {redact_url(url)!r}") from exc
    backend = _SCHEMES.get(parsed.drivername)
    if backend is None:
        supported = ", ".join(f"{scheme}://" for scheme in _SCHEMES)
        raise ConfigError(f"unsupported database URL scheme {parsed.drivername + '://'!r}; use one of {supported}")
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ConfigError(
            "an in-memory SQLite database vanishes with its connection; give a file, e.g. sqlite:///path/to/tracktion.db"
        )
    return parsed, backend


def backend_of(url: str) -> Backend:
    """Which database ``url`` points at; raises :class:`ConfigError` for a URL tracktion cannot use."""
    return _parse(url)[1]


def async_url(url: str) -> URL:
    """``url`` with the asyncio driver tracktion uses for its backend (psycopg 3 or aiosqlite)."""
    parsed, backend = _parse(url)
    return parsed.set(drivername=_ASYNC_DRIVERS[backend])


def sync_url(url: str) -> URL:
    """``url`` with a blocking driver, for tools that cannot run on asyncio (e.g. the ``alembic`` command line)."""
    parsed, backend = _parse(url)
    return parsed.set(drivername=_SYNC_DRIVERS[backend])


def ensure_sqlite_directory(url: URL) -> None:
    """Create the directory a SQLite file will live in (SQLite creates the file, not its parents).

    A directory that cannot be created (a parent is a regular file, permission denied) or written (SQLite's WAL
    needs to create files beside the database, even to read it) is a :class:`ConfigError` naming the setting to
    change, not an ``OSError`` traceback (or SQLite's "unable to open database file", which names nothing).
    """
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    folder = Path(url.database).parent
    advice = "set TRACKTION_DATA_DIR (or TRACKTION_DATABASE_URL) to a directory you can write"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {folder} for the catalog database ({exc.strerror or exc}): {advice}") from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"{folder}, where the catalog database lives, is not writable: {advice}")
