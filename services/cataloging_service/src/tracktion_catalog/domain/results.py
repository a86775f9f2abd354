"""How the later stages' results become catalog facts: metadata keys and values, and tracklist rows.

The catalog is the only writer of the catalog database (services talk only through messages), so the analysis and
tracklist services announce results and the catalog records them. Values are plain text, numbers as decimals,
the timeline as compact JSON, so any client can read them without knowing the message schemas.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tracktion_catalog.domain.tags import decimal_text
from tracktion_shared.messages import (
    AnalysisCompleted,
    AnalysisFailed,
    FingerprintFailed,
    RecordingFingerprinted,
    TracklistFound,
    TracklistNotFound,
)

__all__ = [
    "ANALYSIS_KEYS",
    "ANALYSIS_REQUEST_KEYS",
    "DEFERRED_LOOKUPS",
    "FINGERPRINT_SOURCE",
    "IDENTIFY_KEYS",
    "IDENTIFY_REQUEST_KEYS",
    "REREQUEST_LEASE",
    "TRACKLIST_KEYS",
    "analysis_values",
    "failure_values",
    "identify_values",
    "lookup_due",
    "lookup_values",
    "timestamp_text",
    "track_rows",
]

#: what the catalog writes when it asks for an analysis (tracktion_catalog.domain.stages); the answer clears them
ANALYSIS_REQUEST_KEYS = ("analysis_requested_at", "analysis_requested_by", "analysis_attempts")
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
    "analysis_version",
    *ANALYSIS_REQUEST_KEYS,
)
#: every metadata key a tracklist look-up writes
TRACKLIST_KEYS = (
    "tracklist_status",
    "tracklist_source",
    "tracklist_url",
    "tracklist_title",
    "tracklist_reason",
    "tracklist_retry_after",
)
#: the tracklist source of tracks found in the audio by the identify stage; it has its own state keys (below), so a
#: fingerprint tracklist never overwrites what 1001tracklists or a manual import said
FINGERPRINT_SOURCE = "fingerprint"
#: what the catalog writes when it asks for a fingerprint; the answer clears them
IDENTIFY_REQUEST_KEYS = ("identify_requested_at", "identify_requested_by")
#: every metadata key the identify stage's state writes
IDENTIFY_KEYS = ("identify_status", "identify_error", "identify_version", *IDENTIFY_REQUEST_KEYS)
#: ``tracklist_status`` values of a look-up that could not be made (the site blocked us / could not be reached): not
#: an answer, so the look-up is due again from ``tracklist_retry_after`` (absent: at once) and a later scan asks again
DEFERRED_LOOKUPS = ("blocked", "deferred")
#: after asking again, the look-up is not asked for again for this long: a second scan while the answer is on its way
#: does not ask twice, and a request that got lost (the tracklist stage not running) is asked again after it
REREQUEST_LEASE = timedelta(hours=1)


def analysis_values(message: AnalysisCompleted) -> dict[str, str]:
    values: dict[str, str] = {"analysis_status": "analysed"}
    for key in ("key", "scale", "camelot", "open_key", "mood", "mood_method", "analysis_version"):
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


def failure_values(message: AnalysisFailed) -> tuple[dict[str, str], tuple[str, ...]]:
    """The failure's metadata, and the keys it replaces: a permanent failure ends the request (its bookkeeping goes),
    a passing one keeps it, so the request's lease and attempt count go on."""
    values = {"analysis_status": "failed" if message.permanent else "retrying", "analysis_error": message.reason}
    if message.permanent:
        return values, ("analysis_status", "analysis_error", *ANALYSIS_REQUEST_KEYS)
    return values, ("analysis_status", "analysis_error")


def lookup_values(message: TracklistFound | TracklistNotFound) -> dict[str, str]:
    match message:
        case TracklistFound():
            values = {"tracklist_status": "found", "tracklist_source": message.source}
            if message.url:
                values["tracklist_url"] = message.url
            if message.title:
                values["tracklist_title"] = message.title
            return values
        case TracklistNotFound():
            status = "blocked" if message.blocked else "deferred" if message.unreachable else "not_found"
            values = {"tracklist_status": status, "tracklist_reason": message.reason}
            if status in DEFERRED_LOOKUPS and message.retry_after is not None:
                values["tracklist_retry_after"] = timestamp_text(message.retry_after)
            return values


def identify_values(message: RecordingFingerprinted | FingerprintFailed) -> dict[str, str]:
    """The identify stage's state after its answer: fingerprinted (and for a set, how many tracks), or failed."""
    match message:
        case RecordingFingerprinted() if message.skipped is not None:
            return {"identify_status": "skipped", "identify_error": message.skipped}
        case RecordingFingerprinted():
            # how many tracks a set holds is its fingerprint tracklist's to say (later tracks are merged into it)
            return {"identify_status": "indexed", "identify_version": message.fingerprint_version}
        case FingerprintFailed():
            return {"identify_status": "failed" if message.permanent else "retrying", "identify_error": message.reason}


def timestamp_text(when: datetime) -> str:
    """A moment as ISO-8601 UTC text, to the second: ``2026-03-09T21:30:00+00:00``."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def lookup_due(status: str | None, retry_after: str | None, now: datetime) -> bool:
    """Whether a deferred look-up should be asked for again at ``now`` (an unreadable time counts as passed)."""
    if status not in DEFERRED_LOOKUPS:
        return False
    if not retry_after:
        return True
    try:
        when = datetime.fromisoformat(retry_after)
    except ValueError:
        return True
    return (when if when.tzinfo is not None else when.replace(tzinfo=UTC)) <= now


def track_rows(message: TracklistFound) -> list[dict[str, Any]]:
    return [track.model_dump(mode="json") for track in message.tracks]
