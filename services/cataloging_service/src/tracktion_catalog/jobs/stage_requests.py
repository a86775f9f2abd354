"""Asking the later stages for their work, and asking again for what is due: inside the catalog's transactions.

Two moments, both in the transaction that decides them, so the request and the record of it commit together:

* :func:`mark_requested`: new audio was announced (``RecordingCataloged`` in the outbox); its analysis is recorded as
  requested now, by this run (or as skipped, in a ``--no-analysis`` run).
* :func:`request_due_stages`: a scan confirmed unchanged files (or the cluster's periodic repair walks the
  catalog); for their recordings, the stages that are due (:func:`tracktion_catalog.domain.stages.due_stages`: an
  analysis never made, skipped, lost with a killed run or out of date; a tracklist look-up deferred past its retry
  time) are asked for again with one ``RecordingCataloged(content_changed=False, redo=[...])`` per recording, which
  only those stages act on. The request is recorded the same way (a look-up's retry time moves on by
  :data:`~tracktion_catalog.domain.results.REREQUEST_LEASE`), so the next scan does not ask again while the answer
  is on its way, and a request that got lost is asked again after its lease. An analysis asked for
  :data:`~tracktion_catalog.domain.stages.MAX_ANALYSIS_ATTEMPTS` times without an answer is recorded as failed.

The catalog stays the only writer of its database; requests go out like every follow-up, through the outbox. A rescan
costs one query per batch of files for the states, and two more only when something is due.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from datetime import UTC, datetime

from tracktion_catalog.domain.results import ANALYSIS_REQUEST_KEYS, REREQUEST_LEASE, timestamp_text
from tracktion_catalog.domain.stages import (
    MAX_ANALYSIS_ATTEMPTS,
    STAGE_KEYS,
    Stage,
    StagePolicy,
    analysis_given_up,
    analysis_request,
    due_stages,
    identify_request,
)
from tracktion_catalog.domain.tags import TAG_KEYS
from tracktion_catalog.jobs.graph_sync import sync_graph
from tracktion_shared.messages import RecordingCataloged
from tracktion_shared.storage import UnitOfWork

__all__ = ["mark_requested", "request_due_stages"]


async def mark_requested(
    uow: UnitOfWork,
    announcements: Iterable[RecordingCataloged | None],
    policy: StagePolicy,
    *,
    now: datetime | None = None,
) -> None:
    """Record that the analysis (and fingerprint) of each announced new content was asked for now (or skipped)."""
    ids = {announcement.recording_id for announcement in announcements if announcement is not None}
    if not ids:
        return
    when = now or datetime.now(UTC)
    values = analysis_request(policy, when) | identify_request(policy, when)
    await uow.metadata.upsert_many(dict.fromkeys(ids, values))
    for recording_id in ids:
        await uow.metadata.delete_keys(recording_id, [key for key in ANALYSIS_REQUEST_KEYS if key not in values])


async def request_due_stages(
    uow: UnitOfWork, recording_ids: Collection[uuid.UUID], policy: StagePolicy, *, now: datetime | None = None
) -> set[uuid.UUID]:
    """Ask again for every due stage of these recordings (the graph's state too, when it was lost); returns the
    recordings something was asked for."""
    if not recording_ids:
        return set()
    now = now or datetime.now(UTC)
    resent = await sync_graph(uow, recording_ids, policy, when="lost", now=now)
    states = await uow.metadata.get_many(recording_ids, STAGE_KEYS)
    due: dict[uuid.UUID, frozenset[Stage]] = {}
    for recording_id in recording_ids:
        facts = states.get(recording_id, {})
        if analysis_given_up(facts, policy, now):
            await _give_up(uow, recording_id)
        if stages := due_stages(facts, policy, now):
            due[recording_id] = stages
    if not due:
        return resent
    recordings = await uow.recordings.get_many(list(due))
    tags = await uow.metadata.get_many(list(due), ("duration", *TAG_KEYS))
    updates: dict[uuid.UUID, dict[str, str]] = {}
    for recording_id, stages in due.items():
        recording = recordings.get(recording_id)
        if recording is None or recording.sha256_hash is None or recording.xxh128_hash is None:
            continue
        values = tags.get(recording_id, {})
        await uow.outbox.add(
            RecordingCataloged(
                recording_id=recording_id,
                path=recording.file_path,
                sha256=recording.sha256_hash,
                xxh128=recording.xxh128_hash,
                duration_seconds=_number(values.get("duration")),
                content_changed=False,
                tags={key: values[key] for key in TAG_KEYS if key in values},
                redo=sorted(stages),
            )
        )
        update: dict[str, str] = {}
        if "analysis" in stages:
            update |= analysis_request(policy, now, states.get(recording_id, {}))
        if "tracklist" in stages:
            update["tracklist_retry_after"] = timestamp_text(now + REREQUEST_LEASE)
        if "identify" in stages:
            update |= identify_request(policy, now)
        updates[recording_id] = update
    await uow.metadata.upsert_many(updates)
    return set(updates) | resent


async def _give_up(uow: UnitOfWork, recording_id: uuid.UUID) -> None:
    await uow.metadata.upsert(
        recording_id,
        {
            "analysis_status": "failed",
            "analysis_error": f"no analysis result after {MAX_ANALYSIS_ATTEMPTS} requests (lost or dead-lettered)",
        },
    )
    await uow.metadata.delete_keys(recording_id, list(ANALYSIS_REQUEST_KEYS))


def _number(text: str | None) -> float | None:
    try:
        return None if text is None else max(0.0, float(text))
    except ValueError:
        return None
