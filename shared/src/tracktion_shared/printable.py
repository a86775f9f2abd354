"""Names as text that cannot drive a terminal, and one-line fields that cannot break the sheet they are written to.

File names, tags and messages quoting them are user data. Printed raw, an ESC starts an ANSI sequence the terminal
obeys, CR and BS overwrite what was printed, a bidirectional control reorders the line (so a name can display as a
different name), and a lone surrogate (an undecodable byte of a file name) makes the writer raise. Both the CLI
(:mod:`tracktion.console`, which also styles the escapes) and the console log format use the one rule here: each
such character is written as the escape Python's ``repr`` gives it (``\\x1b``, ``\\n``, ``\\u202e``, ``\\udcff``);
everything else (any letter, emoji, CJK, brackets, backslashes) stays exactly as it is.

:func:`clean_text` is the other rule, for the one-line fields of cue sheets and tracklists (titles, artists, labels,
dates): C0 control characters and DEL become spaces, every run of whitespace (line breaks included) one space, and
the ends are stripped, so a value never spans lines. Nothing is shown as an escape: these values are data, written
into files and messages, not text about data.
"""

from __future__ import annotations

import re

__all__ = ["UNSAFE", "clean_text", "escaped", "visible"]

#: C0 and C1 controls and DEL, the line and paragraph separators, the bidirectional controls, lone surrogates
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


def escaped(character: str) -> str:
    """The escape one unsafe character is written as."""
    return repr(character)[1:-1]


def visible(text: str) -> str:
    """``text`` with each unsafe character replaced by its escape; the rest unchanged."""
    return UNSAFE.sub(lambda match: escaped(match.group()), text)


def clean_text(text: str | None) -> str:
    """Whitespace collapsed to single spaces, stripped; control characters gone (they break cue sheets and logs)."""
    if not text:
        return ""
    return _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()
