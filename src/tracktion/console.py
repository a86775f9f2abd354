"""What every CLI command shares: the stderr console and the way a command runs async work and reports errors."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console

from tracktion_shared.errors import TracktionError

__all__ = ["err", "fail", "run"]

T = TypeVar("T")

#: progress, summaries and errors go to stderr, so stdout carries only results (``--json``).
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr; returns the Exit to raise (``raise fail(...)``)."""
    from tracktion_shared.config import redact_url  # noqa: PLC0415 -- pydantic is not needed to print --help

    err.print(f"[red]error:[/] {redact_url(message)}")
    return typer.Exit(code)


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``; tracktion's own errors become one line on stderr and exit status 2, not a traceback."""
    try:
        return asyncio.run(work)
    except TracktionError as exc:
        raise fail(str(exc)) from exc
