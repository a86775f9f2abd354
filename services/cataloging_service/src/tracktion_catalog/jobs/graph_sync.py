"""Keeping the graph in step with the catalog: inside the catalog's transactions, and when the graph confirms.

* :func:`sync_graph`: the states (:mod:`tracktion_catalog.domain.graph_state`) of some recordings are computed
  from their facts as they stand in this transaction, and each one the graph has not confirmed goes in the outbox as
  a :class:`RecordingGraphState` (the bookkeeping of the sending beside it). Every catalog transaction calls it for
  the recordings it touched (:func:`with_graph`), so a move, a rename, a deletion, a tag change or a new result
  reaches the graph without any job having to remember it; a scan and the repair walk call it (rule "lost") for
  the recordings they confirm, so a state that was lost is sent again.
* :class:`Confirmations`: the graph's :class:`GraphSynced` is written down, many per transaction. If the recording
  changed again meanwhile (states crossed on the way, or arrived out of order), the current state is sent at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
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
from tracktion_shared.group_commit import GroupCommit
from tracktion_shared.messages import GraphSynced
from tracktion_shared.storage import UnitOfWork

__all__ = ["Confirmations", "sync_graph", "with_graph"]

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
    paths = await uow.recordings.paths(ids)
    present = await uow.files.with_present_file(ids)
    facts = await uow.metadata.get_many(ids, GRAPH_FACT_KEYS)
    tracklists = await uow.tracklists.for_recordings(ids)
    sent: dict[uuid.UUID, dict[str, str]] = {}
    for recording_id, primary in paths.items():
        known = facts.get(recording_id, {})
        path = primary if recording_id in present else None
        state = graph_state(recording_id, path, known, tracklists.get(recording_id, []))
        if send_due(state, known, policy, now, when=when):
            await uow.outbox.add(state)
            sent[recording_id] = graph_sent(state, policy, now)
    await uow.metadata.upsert_many(sent, touch=False)
    return set(sent)


def with_graph(work: Callable[[UnitOfWork], Awaitable[T]], policy: StagePolicy) -> Callable[[UnitOfWork], Awaitable[T]]:
    """``work``, then the graph states of the recordings it touched sent in the same transaction. Every catalog job
    that writes runs its transaction through this."""

    async def work_and_sync(uow: UnitOfWork) -> T:
        result = await work(uow)
        await sync_graph(uow, set(uow.touched), policy)
        return result

    return work_and_sync


class Confirmations:
    """``await record(message)``: write down what the graph confirmed, many confirmations per transaction.

    The graph confirms every state it applied, so an initial scan brings one confirmation per recording; one
    transaction (and one outbox flush) each made them cost more than the cataloging itself. They are grouped like
    unchanged files (:mod:`~tracktion_shared.group_commit`): whatever arrives while a batch commits goes into
    the next one. In each, the confirmed digest is stored, and the current state of every recording whose
    confirmation was of another state is sent again (rule "stale"); a recording the catalog does not know is nothing
    to do.
    """

    def __init__(self, ctx: CatalogContext, *, max_batch: int = 500) -> None:
        self._ctx = ctx
        self._batches: GroupCommit[GraphSynced, bool] = GroupCommit(self._record_batch, max_batch=max_batch)

    async def record(self, message: GraphSynced) -> None:
        if await self._batches.submit(message):
            await self._ctx.announce()  # publish the states sent again

    async def _record_batch(self, messages: Sequence[GraphSynced]) -> Sequence[bool | Exception]:
        resent = await run(self._ctx.db, lambda uow: self._record(uow, messages))
        return [message.recording_id in resent for message in messages]

    async def _record(self, uow: UnitOfWork, messages: Sequence[GraphSynced]) -> set[uuid.UUID]:
        known = await uow.recordings.paths({message.recording_id for message in messages})
        confirmed = {m.recording_id: {GRAPH_SYNCED: m.digest} for m in messages if m.recording_id in known}
        await uow.metadata.upsert_many(confirmed, touch=False)  # the last confirmation of a recording wins
        return await sync_graph(uow, confirmed, self._ctx.stages, when="stale")
