"""The service's data: plain frozen dataclasses, no behaviour beyond small derived values.

``start_s`` is ``None`` whenever the source gives no time. Nothing here ever defaults a time to 0: a 0 means "the
first second of the recording", and a cue sheet built on an invented 0 would put tracks in the wrong place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["BlockKind", "Blocked", "SearchCandidate", "Track", "Tracklist"]

#: why the site would not show the page: a captcha/IP-block form, a JavaScript interstitial that wants a token posted
#: back, a Cloudflare (Turnstile) challenge shell, or a bare 403.
BlockKind = Literal["captcha", "js-challenge", "cloudflare", "forbidden"]


@dataclass(frozen=True)
class Blocked:
    """The site refused to show the page; ``reason`` is a short human-readable explanation."""

    kind: BlockKind
    reason: str

    def describe(self) -> str:
        return f"blocked by the site ({self.kind}): {self.reason}"


@dataclass(frozen=True)
class Track:
    """One row of a tracklist.

    ``position`` is the row's place in the list (1-based, every row counted, "w/" rows included, so it is unique);
    ``mashup_linked`` marks a "w/" row played together with the row before it; ``identified`` is False for rows the
    site lists as "ID - ID" (kept, because they still occupy a slot in the set).
    """

    position: int
    artist: str
    title: str
    start_s: float | None = None
    label: str | None = None
    mashup_linked: bool = False
    identified: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "artist": self.artist,
            "title": self.title,
            "label": self.label,
            "start_s": self.start_s,
            "mashup_linked": self.mashup_linked,
            "identified": self.identified,
        }


@dataclass(frozen=True)
class Tracklist:
    """A set's tracklist, from the site (``source="1001tracklists"``) or imported by hand (``source="manual"``)."""

    tracks: tuple[Track, ...]
    title: str | None = None
    url: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd when known
    djs: tuple[str, ...] = ()
    genres: tuple[str, ...] = ()
    source: str = "1001tracklists"

    def to_json(self) -> dict[str, Any]:
        """The shape ``tracktion tracklist parse --json`` prints and the JSON importer reads back."""
        return {
            "title": self.title,
            "url": self.url,
            "date": self.date,
            "djs": list(self.djs),
            "genres": list(self.genres),
            "source": self.source,
            "tracks": [t.to_json() for t in self.tracks],
        }


@dataclass(frozen=True)
class SearchCandidate:
    """One search result: the tracklist's absolute URL, its title as listed, and its date when the row shows one."""

    url: str
    title: str
    date: str | None = None
