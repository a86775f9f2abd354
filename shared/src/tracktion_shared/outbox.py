"""Publishes what handlers stored in the outbox, so a committed result is announced at least once.

A handler stores its follow-up messages with ``uow.outbox.add`` inside its transaction and calls :meth:`flush`
after the commit, before its own message is acknowledged: in the normal case the follow-ups are on the bus before
the handler returns (which also keeps the in-process bus busy until the cascade is done). If the process dies
between commit and flush, :meth:`run` — a background loop in every service that writes to an outbox — publishes the
leftovers. A message can so be published twice, never zero times; consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import logging

from tracktion_shared import metrics
from tracktion_shared.bus.base import Bus
from tracktion_shared.storage.database import Database
from tracktion_shared.storage.unit_of_work import UnitOfWork

__all__ = ["OutboxRelay"]

log = logging.getLogger("tracktion.outbox")


class OutboxRelay:
    """Moves messages from the outbox table to the bus, oldest first, in batches."""

    def __init__(self, db: Database, bus: Bus, *, batch_size: int = 100, interval: float = 2.0) -> None:
        self.db = db
        self.bus = bus
        self.batch_size = batch_size
        self.interval = interval
        # One flush at a time per process: without SKIP LOCKED (SQLite) two would publish the same rows.
        self._lock = asyncio.Lock()

    async def flush(self) -> int:
        """Publish everything in the outbox now; returns how many messages were published."""
        published = 0
        async with self._lock:
            while batch := await self.db.run(self._publish_batch):
                published += batch
        return published

    async def _publish_batch(self, uow: UnitOfWork) -> int:
        # The rows stay locked (PostgreSQL) until they are published and deleted in this same transaction; if a
        # publish fails, the transaction rolls back and the rows are published again by the next flush.
        rows = await uow.outbox.take(self.batch_size)
        for row in rows:
            await self.bus.publish_raw(row.routing_key, row.body, row.headers)
        if rows:
            await uow.outbox.remove([row.id for row in rows])
        return len(rows)

    async def run(self) -> None:
        """Flush every ``interval`` seconds until cancelled; a failed flush is logged and tried again."""
        while True:
            try:
                count = await self.flush()
                if count:
                    metrics.OUTBOX_RELAYED.inc(count)
                    log.info("published %d message(s) left in the outbox", count)
            except Exception:
                log.exception("outbox flush failed; retrying in %.1fs", self.interval)
            await self._measure_backlog()
            await asyncio.sleep(self.interval)

    async def _measure_backlog(self) -> None:
        """What still waits after the flush: a bus refusing publishes shows as a growing backlog."""
        try:
            backlog = await self.db.run(lambda uow: uow.outbox.count())
        except Exception:  # the database is down: the flush above has logged that already
            return
        metrics.OUTBOX_BACKLOG.set(backlog)
