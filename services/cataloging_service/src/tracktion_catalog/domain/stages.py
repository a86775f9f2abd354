"""The later stages as state the catalog keeps per recording: what is due, requested, done, failed or skipped.

Analysis and tracklist look-ups are asked for with a message, and a message can be lost: an embedded scan killed
while its in-process bus held it, a consumer that dead-lettered it, a ``--no-analysis`` scan that never asked. So the
catalog does not trust that a request it sent will be answered; it writes down, in the same transaction as the
request, that it asked (``analysis_status`` "requested", when, by which run, the how-manieth time), and every scan
that confirms the recording's file asks again for what is due. The rules, pure:

* **analysis** is due when it was never asked for, was skipped by choice (``--no-analysis``: "skipped"), was asked
  for by an embedded run that has ended (its in-process bus died with it), or was asked for so long ago that the
  answer is not coming (a lease that doubles with each attempt, from an hour to a day); and when the result was made
  by another analysis version or other options than the ones this deployment runs. A permanent failure (undecodable
  audio) is not due: the same bytes fail the same way. After :data:`MAX_ANALYSIS_ATTEMPTS` requests without an
  answer, the analysis is recorded as failed rather than asked for forever.
* **tracklist** look-ups that could not be made (site offline or blocking) are due from their retry time
  (:func:`tracktion_catalog.domain.results.lookup_due`).

:func:`summarise` turns the states of a folder's recordings into the per-stage counts a scan reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from tracktion_catalog.domain.graph_state import GRAPH_SEND_KEYS, GRAPH_SYNCED, graph_stage
from tracktion_catalog.domain.results import (
    ANALYSIS_REQUEST_KEYS,
    DEFERRED_LOOKUPS,
    IDENTIFY_KEYS,
    lookup_due,
    timestamp_text,
)

__all__ = [
    "ANALYSIS_REQUEST_KEYS",
    "MAX_ANALYSIS_ATTEMPTS",
    "STAGE_KEYS",
    "ReportedStage",
    "Stage",
    "StageCounts",
    "StagePolicy",
    "analysis_due",
    "analysis_given_up",
    "analysis_request",
    "analysis_state",
    "due_stages",
    "identify_due",
    "identify_request",
    "identify_state",
    "request_lease",
    "summarise",
]

Stage = Literal["analysis", "tracklist", "identify"]
#: the stages a scan reports: the ones asked for with ``RecordingCataloged.redo``, and the graph copy
ReportedStage = Literal["analysis", "tracklist", "identify", "graph"]

#: every metadata key the stage rules read
STAGE_KEYS = (
    "analysis_status",
    "analysis_error",
    "analysis_version",
    *ANALYSIS_REQUEST_KEYS,
    "tracklist_status",
    "tracklist_reason",
    "tracklist_retry_after",
    *IDENTIFY_KEYS,
    *GRAPH_SEND_KEYS,
    GRAPH_SYNCED,
)
#: requests of one analysis before it counts as failed: a file that kills its worker every time is not asked forever
MAX_ANALYSIS_ATTEMPTS = 5
_FIRST_LEASE = timedelta(hours=1)
_LONGEST_LEASE = timedelta(days=1)


@dataclass(frozen=True)
class StagePolicy:
    """What this deployment runs after cataloging, which the due rules depend on.

    ``analysis``: False in an embedded ``--no-analysis`` run: new content is marked "skipped", nothing is requested.
    ``analysis_version``: the version and options tag the running analysis writes (``AnalysisCompleted``'s
    ``analysis_version``); a result with another one is due again. None: any result counts (a cluster catalog, which
    cannot know which analysis image is deployed).
    ``identify``: whether an identify stage runs (fingerprints, tracks found in sets); without one nothing is asked
    of it and it is not reported. ``identify_version``: the fingerprint version it writes; a recording
    fingerprinted by another is due again (None: any counts).
    ``graph``: whether a graph writer runs; without one, no graph states are sent and the graph stage is not
    reported (a cluster deployed without Neo4j).
    ``run_id``: set by an embedded run. Its requests travel on an in-process bus that dies with the process, so a
    request stamped by any other run is treated as lost. A cluster catalog leaves it None: RabbitMQ keeps messages,
    and only the lease says when a request is overdue.
    """

    analysis: bool = True
    analysis_version: str | None = None
    run_id: str | None = None
    graph: bool = True
    identify: bool = False
    identify_version: str | None = None


def request_lease(attempts: int) -> timedelta:
    """How long the ``attempts``-th request of an analysis is waited for: an hour, doubling, at most a day."""
    doublings = min(max(0, attempts - 1), 8)  # 2**8 hours is past the longest lease already
    return min(_LONGEST_LEASE, _FIRST_LEASE * (1 << doublings))


def _attempts(facts: Mapping[str, str]) -> int:
    try:
        return max(0, int(facts.get("analysis_attempts", "0")))
    except ValueError:
        return 0


def _when(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def analysis_due(facts: Mapping[str, str], policy: StagePolicy, now: datetime) -> bool:
    """Whether an analysis of the recording with these metadata ``facts`` should be asked for now (module docstring)."""
    status = facts.get("analysis_status")
    if not policy.analysis or status == "failed":  # off in this run; a permanent failure fails again
        return False
    if status is None or status == "skipped":
        return True
    if status == "analysed":
        return policy.analysis_version is not None and facts.get("analysis_version") != policy.analysis_version
    return _attempts(facts) < MAX_ANALYSIS_ATTEMPTS and _request_over(facts, policy, now)


def _request_over(facts: Mapping[str, str], policy: StagePolicy, now: datetime) -> bool:
    """Whether a pending request's answer is no longer coming: its run has ended, or its lease is over."""
    if policy.run_id is not None and facts.get("analysis_requested_by") != policy.run_id:
        return True
    asked = _when(facts.get("analysis_requested_at"))
    return asked is None or asked + request_lease(_attempts(facts)) <= now


def analysis_given_up(facts: Mapping[str, str], policy: StagePolicy, now: datetime) -> bool:
    """A request that was made :data:`MAX_ANALYSIS_ATTEMPTS` times and whose last lease is over: record a failure."""
    pending = facts.get("analysis_status") in ("requested", "retrying")
    return pending and _attempts(facts) >= MAX_ANALYSIS_ATTEMPTS and _request_over(facts, policy, now)


def analysis_request(policy: StagePolicy, now: datetime, facts: Mapping[str, str] | None = None) -> dict[str, str]:
    """The metadata that says an analysis was asked for now (or skipped by choice); the attempts count on from an
    earlier request that got no answer (``facts``: the recording's state; None for new content). Written in place of
    every key of :data:`ANALYSIS_REQUEST_KEYS`."""
    if not policy.analysis:
        return {"analysis_status": "skipped"}
    pending = facts is not None and facts.get("analysis_status") in ("requested", "retrying")
    values = {
        "analysis_status": "requested",
        "analysis_requested_at": timestamp_text(now),
        "analysis_attempts": str(_attempts(facts) + 1 if facts is not None and pending else 1),
    }
    if policy.run_id is not None:
        values["analysis_requested_by"] = policy.run_id
    return values


def identify_due(facts: Mapping[str, str], policy: StagePolicy, now: datetime) -> bool:
    """Whether the recording's fingerprint should be asked for now.

    Never asked, or a temporary failure, or asked by a run that has ended (embedded) or over an hour ago (a lost
    message): due. Fingerprinted by another version than the running one: due. A permanent failure is not, nor a
    recording too short or quiet to hold a fingerprint (skipped).
    """
    status = facts.get("identify_status")
    if not policy.identify or status in ("failed", "skipped"):
        return False
    if status is None or status == "retrying":
        return True
    if status == "indexed":
        return policy.identify_version is not None and facts.get("identify_version") != policy.identify_version
    if policy.run_id is not None and facts.get("identify_requested_by") != policy.run_id:
        return True
    asked = _when(facts.get("identify_requested_at"))
    return asked is None or asked + _FIRST_LEASE <= now


def identify_request(policy: StagePolicy, now: datetime) -> dict[str, str]:
    """The metadata that says a fingerprint was asked for now (nothing when no identify stage runs)."""
    if not policy.identify:
        return {}
    values = {"identify_status": "requested", "identify_requested_at": timestamp_text(now)}
    if policy.run_id is not None:
        values["identify_requested_by"] = policy.run_id
    return values


def identify_state(facts: Mapping[str, str], policy: StagePolicy, now: datetime) -> str:
    """The recording's identify stage as a scan reports it: done, failed, skipped, due or in_progress."""
    status = facts.get("identify_status")
    if status in ("failed", "skipped"):
        return status
    if status == "indexed" and not identify_due(facts, policy, now):
        return "done"
    return "due" if identify_due(facts, policy, now) else "in_progress"


def due_stages(facts: Mapping[str, str], policy: StagePolicy, now: datetime) -> frozenset[Stage]:
    """Every stage of the recording that should be asked for again now."""
    due: set[Stage] = set()
    if analysis_due(facts, policy, now):
        due.add("analysis")
    if lookup_due(facts.get("tracklist_status"), facts.get("tracklist_retry_after"), now):
        due.add("tracklist")
    if identify_due(facts, policy, now):
        due.add("identify")
    return frozenset(due)


@dataclass
class StageCounts:
    """One stage's recordings by state, and why the failed ones failed (path -> reason)."""

    done: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    deferred: int = 0
    due: int = 0
    skipped: int = 0
    in_progress: int = 0

    def count(self, state: str) -> None:
        """One more recording in ``state`` (done, deferred, due, skipped or in_progress; failures carry a reason and
        go in :attr:`failed`)."""
        if state not in ("done", "deferred", "due", "skipped", "in_progress"):
            raise ValueError(f"not a countable stage state: {state!r}")
        setattr(self, state, getattr(self, state) + 1)

    def as_json(self) -> dict[str, object]:
        return {
            "done": self.done,
            "failed": len(self.failed),
            "deferred": self.deferred,
            "due": self.due,
            "skipped": self.skipped,
            "in_progress": self.in_progress,
            "failures": [{"path": path, "error": error} for path, error in sorted(self.failed.items())],
        }


def analysis_state(facts: Mapping[str, str], policy: StagePolicy, now: datetime) -> str:
    """The recording's analysis as a scan reports it: done, failed, skipped, due or in_progress.

    A permanent failure, or a request given up on, failed; a result of the running version done; with analysis off
    (``--no-analysis``) anything else skipped; what is due now due; a request still within its lease (a cluster's
    queue) in progress.
    """
    status = facts.get("analysis_status")
    if status == "failed" or analysis_given_up(facts, policy, now):
        return "failed"
    if status == "analysed" and not analysis_due(facts, policy, now):
        return "done"
    if not policy.analysis:
        return "skipped"
    return "due" if analysis_due(facts, policy, now) else "in_progress"


def summarise(
    states: Iterable[tuple[str, Mapping[str, str]]], policy: StagePolicy, now: datetime
) -> dict[ReportedStage, StageCounts]:
    """Per stage, how many of these recordings (primary path, metadata facts) are in which state.

    Analysis: see :func:`analysis_state`. Tracklist: only recordings a look-up was made for count (the tracklist
    stage decides what is a set); found and not found are done, a look-up that could not be made is deferred. Graph:
    see :func:`~tracktion_catalog.domain.graph_state.graph_stage`.
    """
    analysis, tracklist, identify, graph = StageCounts(), StageCounts(), StageCounts(), StageCounts()
    for path, facts in states:
        state = analysis_state(facts, policy, now)
        if state == "failed":
            analysis.failed[path] = facts.get("analysis_error") or "no answer after repeated requests"
        else:
            analysis.count(state)
        look_up = facts.get("tracklist_status")
        if look_up in ("found", "not_found"):
            tracklist.done += 1
        elif look_up in DEFERRED_LOOKUPS:
            tracklist.deferred += 1
        if policy.identify:
            fingerprint = identify_state(facts, policy, now)
            if fingerprint == "failed":
                identify.failed[path] = facts.get("identify_error") or "could not be fingerprinted"
            else:
                identify.count(fingerprint)
        if policy.graph:
            graph.count(graph_stage(facts, policy, now))
    counts: dict[ReportedStage, StageCounts] = {"analysis": analysis, "tracklist": tracklist}
    if policy.identify:  # no identify stage: nothing to report
        counts["identify"] = identify
    if policy.graph:  # no graph writer: no graph stage to report
        counts["graph"] = graph
    return counts
