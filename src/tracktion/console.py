"""What every CLI command shares: the two consoles, the one way a name is printed, and how errors are reported.

Names are data. A file name, a path, a tag or an error message that quotes one is user data, never markup: rich
would read ``Track [vip].aiff`` as a style tag (and drop it), crash on ``[/`` (a closing tag with nothing open), turn
``:fire:`` into an emoji, and pass an ANSI escape straight to the terminal, which obeys it. So every name reaches rich
as a :class:`rich.text.Text` made by :func:`name` (a ``Text`` is never parsed for markup or emoji codes), never
interpolated into a markup string; ``rich.markup.escape`` would still let control characters through.

How a control character is shown: as the escape Python's ``repr`` writes for it (``\\x1b``, ``\\n``, ``\\t``,
``\\u202e``, ``\\udcff``), in reverse video on a terminal so it stands out from the name around it (as ``less``
shows control characters), plain text when piped. Escaped are exactly the characters that would make the terminal
do something other than show them, or that cannot be written at all:

- C0 and C1 controls and DEL (Unicode category Cc): ESC starts ANSI sequences, U+009B is a one-byte CSI to some
  terminals, CR and BS overwrite what was printed, LF and TAB break a table's layout;
- the line and paragraph separators U+2028/U+2029;
- the bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9), which reorder the rest of the line, so a name
  could display as a different name ("Trojan Source");
- lone surrogates: how Python holds the bytes of a file name that is not valid UTF-8 (``\\udcff`` is byte 0xff).
  Printed raw they raise ``UnicodeEncodeError``.

Everything else, any letter, emoji (with its zero-width joiners), CJK, a backslash or a bracket, prints exactly as it
is. A name that literally contains the four characters ``\\x1b`` therefore looks like one holding ESC, except for the
reverse video; ``--json`` output is exact for anyone who must tell them apart (it is data already, and never passes
through here).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from tracktion_shared.errors import TracktionError
from tracktion_shared.printable import UNSAFE, escaped, visible

__all__ = ["ESCAPE_STYLE", "CurrentStderr", "err", "fail", "name", "out", "run", "settings_problem", "visible", "warn"]

T = TypeVar("T")

#: progress, summaries and errors go to stderr, so stdout carries only results (``--json``).
err = Console(stderr=True, highlight=False, soft_wrap=True)
#: results a human asked for (``list``, ``show``): stdout, so they can be piped and paged like any other output.
out = Console(highlight=False)


class CurrentStderr:
    """A stream that writes to whatever ``sys.stderr`` is at the moment of writing.

    A log handler keeps the stream it was given; a live rich display replaces ``sys.stderr`` with its redirect only
    while it runs. Handing the handler this instead lets a warning land above the display, not through it.
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


#: how an escaped control character stands out from the name around it
ESCAPE_STYLE = "reverse"


def name(value: object) -> Text:
    """``value`` (a name, path, tag, message) as rich text that prints verbatim and can never drive the terminal.

    Pass the result to ``print``, a table cell or ``Text.assemble``; its escapes carry :data:`ESCAPE_STYLE`.
    """
    text = str(value)
    result = Text()
    position = 0
    for match in UNSAFE.finditer(text):
        result.append(text[position : match.start()])
        result.append(escaped(match.group()), style=ESCAPE_STYLE)
        position = match.end()
    result.append(text[position:])
    return result


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr; returns the Exit to raise (``raise fail(...)``).

    ``message`` is plain text, never markup: errors quote paths and exception text, which are names (see above).
    """
    from tracktion_shared.config import redact_url  # noqa: PLC0415 -- pydantic is not needed to print --help

    err.print(Text.assemble(("error:", "red"), " ", name(redact_url(message))))
    return typer.Exit(code)


def warn(message: str) -> None:
    """Print ``warning: message`` on stderr; ``message`` is plain text, like :func:`fail`'s."""
    err.print(Text.assemble(("warning:", "yellow"), " ", name(message)))


def settings_problem(exc: BaseException) -> str | None:
    """One line for settings that refused the environment (a pydantic ``ValidationError`` of a settings class),
    naming each variable; None for any other exception.

    Settings are read wherever a command first needs them, so the CLI's entry point asks this of whatever escapes
    a command. The rejected value is never shown: it may be a token or a URL with a password.
    """
    from pydantic import ValidationError  # noqa: PLC0415 -- only when something failed; --help must not load pydantic

    if not isinstance(exc, ValidationError):
        return None
    model = _settings_class(exc.title)
    if model is None:
        return None
    prefix = str(model.model_config.get("env_prefix", ""))
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        variable = (prefix + "_".join(str(part) for part in error["loc"])).upper()
        message = error["msg"].removeprefix("Value error, ")
        problems.append(message if variable in message else f"{variable}: {message}")
    return "; ".join(problems)


def _settings_class(title: str) -> Any:
    """The settings class (a ``BaseSettings`` subclass, any service's) whose name a ValidationError carries."""
    from pydantic_settings import BaseSettings  # noqa: PLC0415

    pending: list[type] = [BaseSettings]
    while pending:
        cls = pending.pop()
        if cls is not BaseSettings and cls.__name__ == title:
            return cls
        pending.extend(cls.__subclasses__())
    return None


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``; tracktion's own errors become one line on stderr and exit status 2, not a traceback."""
    try:
        return asyncio.run(work)
    except TracktionError as exc:
        raise fail(str(exc)) from exc
