"""The tracklist service's errors, each saying whether trying again can help.

    TracktionError
    ├── PermanentError
    │   └── TracklistError
    │       ├── PageFormatError        a page that is neither a tracklist/search page nor a known block page
    │       ├── PageNotFound           the site answered 404/410 for a tracklist URL
    │       └── ImportFormatError      a manual tracklist that cannot be read at all (carries the problems)
    └── TemporaryError(delay)
        ├── SiteUnavailable            connection errors, timeouts, 429/5xx that outlived the client's retries
        │   └── SiteDeferred           not even asked: the host's circuit breaker is open after such a failure
        └── TracklistBlocked           the site showed a captcha/challenge page; retried later with growing delays

A block or an unreachable site is never a "no tracklist" answer: it says nothing about whether the set has a
tracklist, so the look-up is recorded as deferred (blocked or unreachable, with a time to try again) and the catalog
asks for it again on a later scan. Foreign errors (httpx, OS) are translated into these at the
edge that meets them (``adapters/``), so callers handle one tree. A .cue that cannot be written where it must go
raises :class:`tracktion_shared.cue.CueWriteError` (also a PermanentError): the sheets are written by the shared
package, for every source of a tracklist alike.
"""

from __future__ import annotations

from tracktion_shared.errors import PermanentError, TemporaryError

__all__ = [
    "ImportFormatError",
    "PageFormatError",
    "PageNotFound",
    "SiteDeferred",
    "SiteUnavailable",
    "TracklistBlocked",
    "TracklistError",
]


class TracklistError(PermanentError):
    """Base of the service's permanent errors."""


class PageFormatError(TracklistError):
    """The HTML is not a page this parser understands (the site changed its layout, or it is not HTML at all)."""


class PageNotFound(TracklistError):
    """The site says the page does not exist (404/410)."""


class ImportFormatError(TracklistError):
    """A manual tracklist that yields no usable track; ``problems`` lists what was wrong, by line."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class SiteUnavailable(TemporaryError):
    """The site did not answer usefully after the client's own retries; try the message again later."""


class SiteDeferred(SiteUnavailable):
    """The host's circuit breaker is open: no request was made; ``delay`` is the rest of its cool-down."""


class TracklistBlocked(TemporaryError):
    """The site answered with a block page (``kind``: captcha, js-challenge, cloudflare, forbidden)."""

    def __init__(self, message: str, *, kind: str, delay: float | None = None) -> None:
        super().__init__(message, delay=delay)
        self.kind = kind
