"""How the later stages' results become catalog facts: metadata keys and values, and tracklist rows.

The catalog is the only writer of the catalog database (services talk only through messages), so the analysis and
tracklist services announce results and the catalog records them. Values are plain text, numbers as decimals,
the timeline as compact JSON, so any client can read them without knowing the message schemas.
"""

from __future__ import annotations

import json
from typing import Any

from tracktion_catalog.domain.tags import decimal_text
from tracktion_shared.messages import AnalysisCompleted, AnalysisFailed, TracklistFound, TracklistNotFound

__all__ = ["ANALYSIS_KEYS", "TRACKLIST_KEYS", "analysis_values", "failure_values", "lookup_values", "track_rows"]

#: every metadata key an analysis writes; a new result replaces all of them (stale keys are removed)
ANALYSIS_KEYS = (
    "analysis_status",
    "analysis_error",
    "bpm",
    "bpm_confidence",
    "bpm_alternative",
    "key",
    "scale",
    "camelot",
    "open_key",
    "key_confidence",
    "mood",
    "mood_method",
    "energy",
    "danceability",
    "timeline",
)
#: every metadata key a tracklist look-up writes
TRACKLIST_KEYS = ("tracklist_status", "tracklist_source", "tracklist_url", "tracklist_reason")


def analysis_values(message: AnalysisCompleted) -> dict[str, str]:
    values: dict[str, str] = {"analysis_status": "analysed"}
    for key in ("key", "scale", "camelot", "open_key", "mood", "mood_method"):
        value = getattr(message, key)
        if value is not None:
            values[key] = value
    for key in ("bpm", "bpm_confidence", "bpm_alternative", "key_confidence", "energy", "danceability"):
        number = getattr(message, key)
        if number is not None:
            values[key] = decimal_text(number)
    if message.timeline:
        segments = [segment.model_dump(mode="json", exclude_none=True) for segment in message.timeline]
        values["timeline"] = json.dumps(segments, separators=(",", ":"))
    return values


def failure_values(message: AnalysisFailed) -> dict[str, str]:
    return {"analysis_status": "failed" if message.permanent else "retrying", "analysis_error": message.reason}


def lookup_values(message: TracklistFound | TracklistNotFound) -> dict[str, str]:
    match message:
        case TracklistFound():
            values = {"tracklist_status": "found", "tracklist_source": message.source}
            if message.url:
                values["tracklist_url"] = message.url
            return values
        case TracklistNotFound():
            return {
                "tracklist_status": "blocked" if message.blocked else "not_found",
                "tracklist_reason": message.reason,
            }


def track_rows(message: TracklistFound) -> list[dict[str, Any]]:
    return [track.model_dump(mode="json") for track in message.tracks]
