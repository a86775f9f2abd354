"""Parsing saved or fetched 1001tracklists pages: a set's tracklist, and the site's search results.

What the real pages hold and where (see ``../shared/fixtures/1001tracklists``):

* every track row is a ``div.tlpItem``; a row that also has the class ``con`` is a "w/" row, played together with
  the row before it (a mashup partner);
* the artist and title come from the row's microdata (``meta[itemprop=name]`` = "Artist - Title",
  ``meta[itemprop=byArtist]``) and **not** from the visible text: pages can show decoy names that differ from the
  microdata. A row without microdata is an unidentified ("ID - ID") row;
* start times live only in inline scripts, as ``cueValuesEntry.seconds = N; cueValuesEntry.ids[0] =
  'tlpK_content'``; one entry lists several ids when a mashup partner shares the cue. Each row also has a hidden
  ``*_cue_seconds`` input, but it reads 0 both for "at 0:00" and for "no time", so it is ignored: a row that no cue
  entry names has ``start_s=None``;
* set-level data (name, date, genres, DJs) is the ``MusicPlaylist`` microdata; the canonical URL is
  ``link[rel=canonical]``.

Both parsers classify the page first (:mod:`~tracktion_tracklist.domain.blocks`) and return a
:class:`~tracktion_tracklist.domain.models.Blocked` for a block page. Anything that is neither a block nor a page of
the expected kind raises :class:`~tracktion_tracklist.errors.PageFormatError`; no other exception escapes, whatever
the input (the fuzz tests hold them to that).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from bs4.element import Tag

from tracktion_shared.printable import clean_text
from tracktion_tracklist.domain._html import load_html, prop_values, scope_props
from tracktion_tracklist.domain.blocks import classify_soup
from tracktion_tracklist.domain.models import Blocked, SearchCandidate, Track, Tracklist
from tracktion_tracklist.errors import PageFormatError

__all__ = ["NO_LABEL", "cue_times", "parse_search_page", "parse_tracklist_page", "split_track_name"]

#: label values that mean "no label"; kept out of the data so they do not become a giant fake label in the graph.
NO_LABEL = frozenset({"not on label", "n/a", "none", "unknown", "-"})

_CUE_TOKENS = re.compile(
    r"cueValuesEntry\s*=\s*\{\s*\}"
    r"|cueValuesEntry\.seconds\s*=\s*['\"]?\s*(?P<seconds>-?\d{1,7}(?:\.\d{1,6})?)\s*['\"]?\s*;"
    r"|cueValuesEntry\.ids\s*\[\s*\d{1,4}\s*\]\s*=\s*['\"](?P<id>[^'\"\s]{1,100})['\"]"
)
_ISO_DATE = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")
_WINDOW_OPEN = re.compile(r"window\.open\(\s*['\"]([^'\"]+)['\"]")
_UNIDENTIFIED = "ID"


# -- tracklist page ----------------------------------------------------------------------------------------------


def parse_tracklist_page(html: str | bytes, *, url: str | None = None) -> Tracklist | Blocked:
    """The tracklist on ``html``, or the block it is. ``url`` is used only when the page names no canonical URL."""
    soup = load_html(html)
    blocked = classify_soup(soup)
    if blocked is not None:
        return blocked
    rows = [r for r in soup.select("div.tlpItem") if isinstance(r, Tag)]
    playlist = _playlist_scope(soup)
    if not rows and playlist is None:
        raise PageFormatError("no tracklist rows and no playlist microdata: not a tracklist page")
    times = cue_times(soup)
    tracks = tuple(_track(row, position, times) for position, row in enumerate(rows, start=1))
    title = _first(prop_values(playlist, "name") if playlist else [], _heading(soup), _meta(soup, "og:title"))
    if not title and soup.title is not None:
        title = clean_text(soup.title.get_text())
    date = _date(prop_values(playlist, "datePublished") if playlist else [], title)
    djs = _dedupe(prop_values(playlist, "author") if playlist else []) or _heading_djs(soup)
    genres = _dedupe(prop_values(playlist, "genre") if playlist else [])
    return Tracklist(
        tracks=tracks,
        title=title or None,
        url=_canonical(soup) or url,
        date=date,
        djs=tuple(djs),
        genres=tuple(genres),
        source="1001tracklists",
    )


def cue_times(soup: BeautifulSoup) -> dict[str, float]:
    """Row content id (``tlpK_content``) -> start in seconds, from the inline cue scripts.

    The scripts build one ``cueValuesEntry`` after another; every id listed under an entry gets that entry's seconds
    (mashup partners share one). An entry without seconds (or with a negative one) gives its ids no time at all.
    """
    times: dict[str, float] = {}
    for script in soup.find_all("script"):
        text = script.get_text()
        if "cueValuesEntry" not in text:
            continue
        current: float | None = None
        for match in _CUE_TOKENS.finditer(text):
            if match.group("seconds") is not None:
                value = float(match.group("seconds"))
                current = value if value >= 0 else None
            elif match.group("id") is not None:
                if current is not None:
                    times.setdefault(match.group("id"), current)
            else:  # a new, empty entry
                current = None
    return times


def split_track_name(name: str, by_artist: str | None = None) -> tuple[str, str]:
    """ "Artist - Title" -> (artist, title); the separator is looked for after the ``byArtist`` prefix when the name
    starts with it, so an artist with " - " in it stays whole. No separator: the whole name is the title."""
    name = clean_text(name)
    start = 0
    if by_artist:
        by_artist = clean_text(by_artist)
        if by_artist and name.startswith(by_artist):
            start = len(by_artist)
    for sep in (" - ", " – ", " — "):  # noqa: RUF001 - en and em dashes are real separators in typed names
        idx = name.find(sep, start)
        if idx >= 0:
            return clean_text(name[:idx]), clean_text(name[idx + len(sep) :])
    return (clean_text(by_artist) if by_artist else ""), name


def _track(row: Tag, position: int, times: dict[str, float]) -> Track:
    content = row.select_one('[id$="_content"]')
    scope = content if isinstance(content, Tag) else row
    content_id = str(content.get("id")) if isinstance(content, Tag) else ""
    mashup = "con" in row.get_attribute_list("class")
    names = prop_values(scope, "name")
    by_artist = prop_values(scope, "byArtist")
    if names:
        artist, title = split_track_name(names[0], by_artist[0] if by_artist else None)
        identified = not (_is_id(artist) and _is_id(title))
    else:  # no microdata: the site's "ID - ID" row
        artist, title = _visible_name(scope)
        identified = False
    return Track(
        position=position,
        artist=artist or _UNIDENTIFIED,
        title=title or _UNIDENTIFIED,
        start_s=times.get(content_id) if content_id else None,
        label=_label(scope),
        mashup_linked=mashup,
        identified=identified,
    )


def _is_id(value: str) -> bool:
    return value.strip().upper() in ("ID", "")


def _visible_name(scope: Tag) -> tuple[str, str]:
    value = scope.select_one(".trackValue")
    text = clean_text(value.get_text(" ") if isinstance(value, Tag) else "")
    text = text.replace("( ", "(").replace(" )", ")")
    if not text:
        return _UNIDENTIFIED, _UNIDENTIFIED
    artist, title = split_track_name(text)
    return artist or _UNIDENTIFIED, title or _UNIDENTIFIED


def _label(scope: Tag) -> str | None:
    label = ""
    for el in scope_props(scope, "publisher"):
        raw = el.get("content")  # the microdata value is itself escaped HTML
        label = clean_text((el if raw is None else load_html(str(raw))).get_text(" "))
        if label:
            break
    if not label:
        shown = scope.select_one(".trackLabel")
        label = clean_text(shown.get_text(" ") if isinstance(shown, Tag) else "")
    if not label or label.lower() in NO_LABEL:
        return None
    return label


# -- set-level data ----------------------------------------------------------------------------------------------


def _playlist_scope(soup: BeautifulSoup) -> Tag | None:
    for el in soup.find_all(True, attrs={"itemscope": True}):
        if isinstance(el, Tag) and "musicplaylist" in str(el.get("itemtype") or "").lower():
            return el
    return None


def _heading(soup: BeautifulSoup) -> str:
    h1 = soup.select_one("#pageTitle h1") or soup.find("h1")
    return clean_text(h1.get_text(" ") if isinstance(h1, Tag) else "").replace(" ,", ",")


def _heading_djs(soup: BeautifulSoup) -> list[str]:
    return _dedupe(clean_text(a.get_text(" ")) for a in soup.select('#pageTitle a[href*="/dj/"]') if isinstance(a, Tag))


def _meta(soup: BeautifulSoup, prop: str) -> str:
    el = soup.find("meta", attrs={"property": prop}) or soup.find("meta", attrs={"name": prop})
    return clean_text(str(el.get("content") or "")) if isinstance(el, Tag) else ""


def _canonical(soup: BeautifulSoup) -> str | None:
    for link in soup.find_all("link"):
        rels = [str(r) for r in link.get_attribute_list("rel") if r]
        href = clean_text(str(link.get("href") or ""))
        if "canonical" in [r.lower() for r in rels] and href:
            return href
    return _meta(soup, "og:url") or None


def _date(candidates: list[str], title: str) -> str | None:
    for value in [*candidates, title]:
        match = _ISO_DATE.search(value or "")
        if match:
            return match.group(0)
    return None


def _first(*options: list[str] | str) -> str:
    for option in options:
        if isinstance(option, list):
            if option:
                return option[0]
        elif option:
            return option
    return ""


def _dedupe(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


# -- search results ----------------------------------------------------------------------------------------------


def parse_search_page(html: str | bytes, *, base_url: str) -> list[SearchCandidate] | Blocked:
    """The tracklists a search result page lists (possibly none), or the block it is.

    A result row's link is taken from its ``onclick`` (``window.open('/tracklist/...')``), falling back to the title
    link; only ``/tracklist/`` URLs on the site's own host are kept, so an odd page cannot send the client elsewhere.
    """
    soup = load_html(html)
    blocked = classify_soup(soup)
    if blocked is not None:
        return blocked
    site = urlsplit(base_url)
    candidates: list[SearchCandidate] = []
    rows = [r for r in soup.select("div.bItm") if isinstance(r, Tag) and "tlpItem" not in (r.get("class") or [])]
    for row in rows:
        href = ""
        match = _WINDOW_OPEN.search(str(row.get("onclick") or ""))
        title_link = row.select_one(".bTitle a")
        if match:
            href = match.group(1)
        elif isinstance(title_link, Tag):
            href = str(title_link.get("href") or "")
        if not href:
            continue
        absolute = urljoin(base_url.rstrip("/") + "/", href)
        parts = urlsplit(absolute)
        if parts.netloc != site.netloc or not parts.path.startswith("/tracklist/"):
            continue
        title = clean_text(title_link.get_text(" ") if isinstance(title_link, Tag) else "").replace(" ,", ",")
        date_el = row.select_one('[title="tracklist date"]')
        date_match = _ISO_DATE.search(clean_text(date_el.get_text(" ")) if isinstance(date_el, Tag) else "")
        if absolute not in [c.url for c in candidates]:
            candidates.append(SearchCandidate(absolute, title, date_match.group(0) if date_match else None))
    if not candidates and not _is_search_page(soup):
        raise PageFormatError("neither search results nor a search page")
    return candidates


def _is_search_page(soup: BeautifulSoup) -> bool:
    if soup.find("form", id="searchForm") is not None:
        return True
    return soup.find(True, attrs={"name": "main_search"}) is not None
