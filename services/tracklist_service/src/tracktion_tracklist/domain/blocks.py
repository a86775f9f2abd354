"""Telling a block page apart from a page with content, before anything is parsed.

1001tracklists answers an over-eager client with HTTP 200 pages that have no tracklist rows: an IP-block page with a
captcha form posting to ``/info/unblock_ip.html``, a JavaScript interstitial that embeds a token for the browser to
post back, or a Cloudflare (Turnstile) challenge shell. Parsed naively, each would be "a tracklist with no tracks"
and the recording would be recorded as having none. So every page goes through :func:`classify` first, and a block
is a :class:`~tracktion_tracklist.domain.models.Blocked` result -- never an empty tracklist.

This module only recognises challenges; it never answers them (no token is posted back, no captcha solved): a block
means "come back later", and the caller backs off.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from tracktion_shared.printable import clean_text
from tracktion_tracklist.domain._html import load_html
from tracktion_tracklist.domain.models import Blocked

__all__ = ["classify", "classify_soup", "has_content_rows"]

_TOKEN_NAME = re.compile(r"token|challenge|jschl|verif|pass|hash|nonce", re.I)
_SCRIPT_SUBMITS = re.compile(
    r"\.submit\s*\(|location\.(?:reload|replace|assign)\s*\(|location\.href\s*=|\bfetch\s*\(|XMLHttpRequest|\$\.post\s*\(",
)
_CLOUDFLARE_MARKERS = re.compile(
    r"challenges\.cloudflare\.com|cf-turnstile|_cf_chl_opt|cf-browser-verification|cf_chl_|cdn-cgi/challenge-platform",
    re.I,
)
_CLOUDFLARE_TITLES = ("just a moment", "attention required", "checking your browser", "one more step")
_LIMITED = re.compile(r"limited due to overuse|unblock your ip|too many requests", re.I)


def classify(html: str | bytes) -> Blocked | None:
    """The block this page is, or None when it is not a block page (it may still be an unknown page)."""
    return classify_soup(load_html(html))


def has_content_rows(soup: BeautifulSoup) -> bool:
    """Whether the page shows tracklist rows or search results: a block shell has neither."""
    return soup.select_one("div.tlpItem, div.bItm[onclick]") is not None


def classify_soup(soup: BeautifulSoup) -> Blocked | None:
    """:func:`classify` on an already parsed page (the parsers parse once and call this first)."""
    return _captcha(soup) or (None if has_content_rows(soup) else (_cloudflare(soup) or _js_challenge(soup)))


def _captcha(soup: BeautifulSoup) -> Blocked | None:
    unblock_form = None
    for form in soup.find_all("form"):
        if "unblock_ip" in str(form.get("action") or ""):
            unblock_form = form
            break
    captcha_input = soup.find("input", attrs={"name": re.compile(r"^captcha$", re.I)})
    if unblock_form is None and captcha_input is None:
        return None
    return Blocked("captcha", _headline(soup, "the site asks for a captcha to unblock this IP"))


def _cloudflare(soup: BeautifulSoup) -> Blocked | None:
    title = clean_text(soup.title.get_text() if soup.title else "").lower()
    marked = any(t in title for t in _CLOUDFLARE_TITLES)
    if not marked:
        for el in soup.find_all(["script", "iframe", "div", "form", "input"]):
            attrs = " ".join(
                f"{k}={' '.join(v) if isinstance(v, list) else v}" for k, v in el.attrs.items() if v is not None
            )
            if _CLOUDFLARE_MARKERS.search(attrs) or (el.name == "script" and _CLOUDFLARE_MARKERS.search(el.get_text())):
                marked = True
                break
    if not marked:
        return None
    return Blocked("cloudflare", "a Cloudflare challenge page with no tracklist rows")


def _js_challenge(soup: BeautifulSoup) -> Blocked | None:
    token_form = False
    for form in soup.find_all("form"):
        if str(form.get("method") or "get").lower() != "post":
            continue
        for field in form.find_all("input"):
            name = str(field.get("name") or field.get("id") or "")
            if str(field.get("type") or "").lower() == "hidden" and field.get("value") and _TOKEN_NAME.search(name):
                token_form = True
    scripts = " ".join(s.get_text() for s in soup.find_all("script"))
    script_posts = bool(_SCRIPT_SUBMITS.search(scripts))
    token_in_script = bool(re.search(r"token|challenge", scripts, re.I))
    if not ((token_form and script_posts) or (token_in_script and script_posts and not _has_body_text(soup))):
        return None
    return Blocked("js-challenge", "a JavaScript interstitial that wants a token posted back (not answered)")


def _has_body_text(soup: BeautifulSoup) -> bool:
    body = soup.body
    if body is None:
        return False
    text = " ".join(
        s for s in body.find_all(string=True) if s.parent is not None and s.parent.name not in ("script", "style")
    )
    return len(clean_text(text)) > 400


def _headline(soup: BeautifulSoup, default: str) -> str:
    """The first heading that explains the block, shortened to its first sentence (no IP addresses in logs)."""
    for h in soup.find_all(["h1", "h2"]):
        text = clean_text(h.get_text(" "))
        if _LIMITED.search(text):
            first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
            return first[:200]
    return default
