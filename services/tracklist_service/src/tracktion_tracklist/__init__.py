"""tracktion_tracklist: find a DJ set's tracklist on 1001tracklists, parse it, import typed ones, write .cue sheets.

The public surface is re-exported here (the modules underneath may move); ``tests/unit/tracklist`` checks the list.
The .cue sheets themselves are rendered and written by :mod:`tracktion_shared.cue` (every source of a tracklist
writes the same sheet); this package's ``Tracklist`` and ``Track`` are passed to it as they are.
"""

from __future__ import annotations

from tracktion_tracklist.adapters.client import TracklistClient
from tracktion_tracklist.domain.blocks import classify
from tracktion_tracklist.domain.manual import (
    ImportProblem,
    ImportResult,
    parse_manual,
    parse_manual_json,
    parse_manual_text,
)
from tracktion_tracklist.domain.matching import SetDescription, build_queries, describe_recording, pick_best, score
from tracktion_tracklist.domain.models import Blocked, SearchCandidate, Track, Tracklist
from tracktion_tracklist.domain.pages import parse_search_page, parse_tracklist_page
from tracktion_tracklist.errors import (
    ImportFormatError,
    PageFormatError,
    PageNotFound,
    SiteDeferred,
    SiteUnavailable,
    TracklistBlocked,
    TracklistError,
)
from tracktion_tracklist.service import main, register
from tracktion_tracklist.settings import TracklistSettings

__all__ = [
    "Blocked",
    "ImportFormatError",
    "ImportProblem",
    "ImportResult",
    "PageFormatError",
    "PageNotFound",
    "SearchCandidate",
    "SetDescription",
    "SiteDeferred",
    "SiteUnavailable",
    "Track",
    "Tracklist",
    "TracklistBlocked",
    "TracklistClient",
    "TracklistError",
    "TracklistSettings",
    "build_queries",
    "classify",
    "describe_recording",
    "main",
    "parse_manual",
    "parse_manual_json",
    "parse_manual_text",
    "parse_search_page",
    "parse_tracklist_page",
    "pick_best",
    "register",
    "score",
]
