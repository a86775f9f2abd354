"""Turning untrusted bytes into a soup without ever raising anything but :class:`PageFormatError`.

Pages come from a site that defends itself against scrapers and from files people saved; either can be truncated,
mis-encoded or deliberately odd. lxml is fast but refuses some strings (NUL bytes, lone surrogates), so those are
cleaned first and Python's own parser is the fallback.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import Tag

from tracktion_shared.printable import clean_text
from tracktion_tracklist.errors import PageFormatError

__all__ = ["MAX_PAGE_CHARS", "load_html", "prop_values", "scope_props"]

#: real tracklist pages are ~300 KB; anything beyond this is not a page we want to spend CPU on.
MAX_PAGE_CHARS = 8_000_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def load_html(html: str | bytes) -> BeautifulSoup:
    """Parse ``html`` leniently; :class:`PageFormatError` only when nothing at all can be made of it."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    text = html[:MAX_PAGE_CHARS]
    # lone surrogates (from a bad decode) and C0 control characters make lxml refuse the whole document
    text = _CONTROL.sub(" ", text.encode("utf-8", errors="replace").decode("utf-8", errors="replace"))
    for features in ("lxml", "html.parser"):
        try:
            return BeautifulSoup(text, features)
        except Exception:  # noqa: S112 - a parser refusing the input is expected here; the next one gets a try
            continue
    raise PageFormatError("the page could not be parsed as HTML")


def scope_props(scope: Tag, prop: str) -> list[Tag]:
    """Elements carrying ``itemprop=prop`` that belong to ``scope`` itself, not to an item nested inside it.

    A playlist's ``genre`` must not pick up every track's ``genre``, and a track's ``name`` must not be its label's.
    """
    found: list[Tag] = []
    for el in scope.find_all(True, attrs={"itemprop": True}):
        props = str(el.get("itemprop") or "").split()
        if prop not in props:
            continue
        owner = el.find_parent(attrs={"itemscope": True})
        if owner is scope:
            found.append(el)
    return found


def prop_values(scope: Tag, prop: str) -> list[str]:
    """The non-empty values (``content``, else text) of ``scope``'s own ``prop`` elements, in page order."""
    values: list[str] = []
    for el in scope_props(scope, prop):
        raw = el.get("content")
        value = clean_text(str(raw) if raw is not None else el.get_text(" "))
        if value:
            values.append(value)
    return values
