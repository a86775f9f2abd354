"""Background chores every long-running consumer process does: today, forgetting old inbox entries.

The inbox (``processed_messages``) makes redelivered messages harmless, but only redeliveries need it, and those come
within the bus' retry window (minutes to hours). Without pruning it would grow by one row per file per rescan.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from tracktion_shared.storage import Database

__all__ = ["INBOX_RETENTION", "prune_inbox", "prune_inbox_forever"]

log = logging.getLogger("tracktion.housekeeping")

#: far longer than any redelivery can take (bounded retries, the longest delay queue): safe to forget after this
INBOX_RETENTION = timedelta(days=7)


async def prune_inbox(db: Database, retention: timedelta = INBOX_RETENTION) -> int:
    """Forget inbox entries older than ``retention``; returns how many went."""
    cutoff = datetime.now(UTC) - retention
    removed = await db.run(lambda uow: uow.inbox.forget_before(cutoff))
    if removed:
        log.info("forgot %d inbox entries older than %s", removed, retention)
    return removed


async def prune_inbox_forever(db: Database, *, every: float = 3600.0, retention: timedelta = INBOX_RETENTION) -> None:
    """Prune now and then every ``every`` seconds until cancelled; a failed round is logged and tried again."""
    while True:
        try:
            await prune_inbox(db, retention)
        except Exception:
            log.exception("pruning the inbox failed; trying again in %.0f s", every)
        await asyncio.sleep(every)
