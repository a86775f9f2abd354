"""Keeping the graph in step with the catalog: inside the catalog's transactions, and when the graph confirms.

* :func:`sync_graph`: the states (:mod:`tracktion_catalog.domain.graph_state`) of some recordings are computed
  from their facts as they stand in this transaction, and each one the graph has not confirmed goes in the outbox as
  a :class:`RecordingGraphState` (the bookkeeping of the sending beside it). Every catalog transaction calls it for
  the recordings it touched (:func:`with_graph`), so a move, a rename, a deletion, a tag change or a new result
  reaches the graph without any job having to remember it; a scan and the repair walk call it (rule "lost") for
  the recordings they confirm, so a state that was lost is sent again.
* :func:`record_synced`: the graph's :class:`GraphSynced` is written down. If the recording changed again meanwhile
  (states crossed on the way, or arrived out of order), the current state is sent at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime
from typing import TypeVar

from tracktion_catalog.adapters.db import run
from tracktion_catalog.domain.graph_state import (
    GRAPH_FACT_KEYS,
    GRAPH_SYNCED,
    SendRule,
    graph_sent,
    graph_state,
    send_due,
)
from tracktion_catalog.domain.stages import StagePolicy
from tracktion_catalog.jobs.context import CatalogContext
from tracktion_shared.messages import GraphSynced
from tracktion_shared.storage import UnitOfWork

__all__ = ["record_synced", "sync_graph", "with_graph"]

T = TypeVar("T")


async def sync_graph(
    uow: UnitOfWork,
    recording_ids: Collection[uuid.UUID],
    policy: StagePolicy,
    *,
    when: SendRule = "changed",
    now: datetime | None = None,
) -> set[uuid.UUID]:
    """Send the graph state of each of these recordings that is due by the rule ``when``
    (:func:`~tracktion_catalog.domain.graph_state.send_due`); returns the recordings whose state was sent. Four queries,
    however many recordings."""
    ids = set(recording_ids)
    if not ids or not policy.graph:
        return set()
    now = now or datetime.now(UTC)
    recordings = await uow.recordings.get_many(ids)
    present = {file.recording_id for file in await uow.files.for_recordings(list(ids)) if file.status == "present"}
    facts = await uow.metadata.get_many(ids, GRAPH_FACT_KEYS)
    tracklists = await uow.tracklists.for_recordings(ids)
    sent: dict[uuid.UUID, dict[str, str]] = {}
    for recording_id, recording in recordings.items():
        known = facts.get(recording_id, {})
        path = recording.file_path if recording_id in present else None
        state = graph_state(recording_id, path, known, tracklists.get(recording_id, []))
        if send_due(state, known, policy, now, when=when):
            await uow.outbox.add(state)
            sent[recording_id] = graph_sent(state, policy, now)
    await uow.metadata.upsert_many(sent)
    return set(sent)


def with_graph(work: Callable[[UnitOfWork], Awaitable[T]], policy: StagePolicy) -> Callable[[UnitOfWork], Awaitable[T]]:
    """``work``, then the graph states of the recordings it touched sent in the same transaction. Every catalog job
    that writes runs its transaction through this."""

    async def work_and_sync(uow: UnitOfWork) -> T:
        result = await work(uow)
        await sync_graph(uow, set(uow.touched), policy)
        return result

    return work_and_sync


async def record_synced(ctx: CatalogContext, message: GraphSynced) -> None:
    """Write down what the graph confirmed, and send the current state again if that was another one (rule
    "stale"); a recording the catalog does not know is nothing to do."""

    async def record(uow: UnitOfWork) -> None:
        if await uow.recordings.get(message.recording_id) is None:
            return
        await uow.metadata.upsert(message.recording_id, {GRAPH_SYNCED: message.digest})
        await sync_graph(uow, [message.recording_id], ctx.stages, when="stale")

    await run(ctx.db, record)
    await ctx.announce()
