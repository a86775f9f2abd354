"""tracktion_tracklist: find a DJ set's tracklist on 1001tracklists, parse it, import typed ones, write .cue sheets.

The public surface is re-exported here (the modules underneath may move); ``tests/unit/tracklist`` checks the list.
"""

from __future__ import annotations

from tracktion_tracklist.adapters.client import TracklistClient
from tracktion_tracklist.adapters.cuefile import WrittenCue, cue_path_for, write_cue
from tracktion_tracklist.domain.blocks import classify
from tracktion_tracklist.domain.cue import CueSheet, format_index, render_cue
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
    CueWriteError,
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
    "CueSheet",
    "CueWriteError",
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
    "WrittenCue",
    "build_queries",
    "classify",
    "cue_path_for",
    "describe_recording",
    "format_index",
    "main",
    "parse_manual",
    "parse_manual_json",
    "parse_manual_text",
    "parse_search_page",
    "parse_tracklist_page",
    "pick_best",
    "register",
    "render_cue",
    "score",
    "write_cue",
]
