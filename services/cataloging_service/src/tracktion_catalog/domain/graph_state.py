"""What the graph should hold for a recording, derived from the catalog's facts, and its digest.

The graph is a copy of part of the catalog (path, tags, the analysis values the harmonic search reads, tracklists).
The catalog does not trust that a copy it sent arrived: it keeps two digests per recording, the one of the state it
last sent (``graph_sent``) and the one the graph confirmed (``graph_synced``), and recomputes the state's digest
from the facts whenever it looks at a recording. A recording is **in step** when the graph confirmed the digest of
its facts now; otherwise its state is sent (again). Recomputing, rather than trusting a stored "dirty" flag, means
a change that some code path forgot to announce is still found by the next scan.

A recording with no file left in the library has the state "absent" (path None): the graph removes it. Its other
facts do not count then, so a tag change of a missing file sends nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from tracktion_catalog.domain.results import timestamp_text
from tracktion_catalog.domain.tags import TAG_KEYS
from tracktion_shared.graph.cypher import SCHEMA_VERSION
from tracktion_shared.messages import GraphTracklist, RecordingGraphState, TracklistTrack

if TYPE_CHECKING:  # stages reads this module's keys for its summary; the policy is only passed through here
    from tracktion_catalog.domain.stages import StagePolicy

__all__ = [
    "GRAPH_FACT_KEYS",
    "GRAPH_METADATA_KEYS",
    "GRAPH_SEND_KEYS",
    "GRAPH_SYNCED",
    "SendRule",
    "graph_sent",
    "graph_stage",
    "graph_state",
    "in_step",
    "send_due",
]

#: the analysis values the graph keeps (the harmonic search reads bpm and camelot; people ask for the rest)
_ANALYSIS_KEYS = ("bpm", "key", "scale", "camelot", "open_key", "mood", "energy", "danceability")
#: the metadata keys a recording's graph state carries
GRAPH_METADATA_KEYS = (*TAG_KEYS, *_ANALYSIS_KEYS)
#: the state last sent: its digest, when, by which run (an embedded run's bus dies with it, as for analysis)
GRAPH_SEND_KEYS = ("graph_sent", "graph_sent_at", "graph_sent_by")
#: the digest of the state the graph confirmed
GRAPH_SYNCED = "graph_synced"
#: every metadata key the state and its bookkeeping read (the tracklist's title and address come with the look-up)
GRAPH_FACT_KEYS = (
    *GRAPH_METADATA_KEYS,
    "tracklist_source",
    "tracklist_url",
    "tracklist_title",
    *GRAPH_SEND_KEYS,
    GRAPH_SYNCED,
)
SendRule = Literal["changed", "lost", "stale"]
#: a state sent but not confirmed for this long is sent again by a scan or the repair walk
_LEASE = timedelta(hours=1)


def graph_state(
    recording_id: uuid.UUID,
    path: str | None,
    facts: Mapping[str, str],
    tracklists: Sequence[tuple[str, Sequence[Mapping[str, Any]]]],
) -> RecordingGraphState:
    """The state of the recording at ``path`` (None: no present file) with these metadata ``facts`` and tracklists
    (source, stored track rows), its digest included."""
    if path is None:
        return RecordingGraphState(recording_id=recording_id, path=None, digest=_digest({"path": None}))
    metadata = {key: facts[key] for key in GRAPH_METADATA_KEYS if key in facts}
    lists = [
        GraphTracklist(
            source=source,
            url=facts.get("tracklist_url") if source == facts.get("tracklist_source") else None,
            title=facts.get("tracklist_title") if source == facts.get("tracklist_source") else None,
            tracks=_tracks(rows),
        )
        for source, rows in sorted(tracklists, key=lambda item: item[0])
    ]
    # the graph's schema version is part of the digest: a graph that learns to keep more of a state (the PLAYED
    # edges of schema 2) is sent every state again by the next scan, instead of keeping what it made of the old ones
    content = {
        "graph_schema": SCHEMA_VERSION,
        "path": path,
        "metadata": metadata,
        "tracklists": [tl.model_dump(mode="json") for tl in lists],
    }
    return RecordingGraphState(
        recording_id=recording_id, path=path, metadata=metadata, tracklists=lists, digest=_digest(content)
    )


def in_step(state: RecordingGraphState, facts: Mapping[str, str]) -> bool:
    """Whether the graph confirmed exactly this state."""
    return facts.get(GRAPH_SYNCED) == state.digest


def send_due(
    state: RecordingGraphState, facts: Mapping[str, str], policy: StagePolicy, now: datetime, *, when: SendRule
) -> bool:
    """Whether ``state`` should be sent now. Never when the graph confirmed it; otherwise by ``when``:

    * "changed" (any transaction that touched the recording): when this state was not sent yet;
    * "lost" (a scan or the repair walk): also when its sending was lost, by an embedded run that has ended or
      because the confirmation is overdue;
    * "stale" (the graph just confirmed another state): always. The graph may have applied an older state after
      this one (messages overtake each other); sending the current one again after that confirmation puts it back,
      at the cost of one repeated write when the older confirmation was merely late.
    """
    if in_step(state, facts):
        return False
    if when == "stale" or facts.get("graph_sent") != state.digest:
        return True
    return when == "lost" and _sending_over(facts, policy, now)


def graph_sent(state: RecordingGraphState, policy: StagePolicy, now: datetime) -> dict[str, str]:
    """The bookkeeping that says ``state`` was sent now, by this run."""
    values = {"graph_sent": state.digest, "graph_sent_at": timestamp_text(now)}
    if policy.run_id is not None:
        values["graph_sent_by"] = policy.run_id
    return values


def graph_stage(facts: Mapping[str, str], policy: StagePolicy, now: datetime) -> str:
    """The graph stage as a scan reports it, from the bookkeeping alone: done (the last state sent is confirmed),
    due (never sent, or lost) or in_progress (on its way)."""
    if facts.get("graph_sent") is not None and facts.get("graph_sent") == facts.get(GRAPH_SYNCED):
        return "done"
    return "due" if _sending_over(facts, policy, now) else "in_progress"


def _sending_over(facts: Mapping[str, str], policy: StagePolicy, now: datetime) -> bool:
    if policy.run_id is not None and facts.get("graph_sent_by") != policy.run_id:
        return True
    try:
        sent = datetime.fromisoformat(facts.get("graph_sent_at", ""))
    except ValueError:
        return True
    return sent + _LEASE <= now


def _tracks(rows: Sequence[Mapping[str, Any]]) -> list[TracklistTrack]:
    """The stored rows as tracks; a row an older version stored in another shape is left out, not fatal."""
    tracks = []
    for row in rows:
        try:
            tracks.append(TracklistTrack.model_validate(row))
        except ValidationError:
            continue
    return tracks


def _digest(content: Mapping[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
