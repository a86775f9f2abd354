"""The cluster's repair walk: every so often, ask again for every stage of every recording that is due.

A scan asks again for the due stages of the files it confirms (:mod:`~tracktion_catalog.jobs.stage_requests`).
In the cluster nobody may scan for days, while a message can still be lost: an analysis dead-lettered after its
retries, a queue purged by hand, a look-up deferred while the site was down. So the catalog service walks the
catalog on a schedule, one page of recordings per transaction (keyset by id, so the walk is bounded in memory and
never holds a long lock), with the same rules a scan uses, and publishes what it asked for before the next page.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from tracktion_catalog.adapters.db import run
from tracktion_catalog.jobs.context import CatalogContext
from tracktion_catalog.jobs.stage_requests import request_due_stages
from tracktion_shared.storage import UnitOfWork

__all__ = ["repair_forever", "repair_once"]

log = logging.getLogger("tracktion.catalog")

#: recordings looked at per transaction of the walk
PAGE = 500


async def repair_once(ctx: CatalogContext, *, page: int = PAGE, now: datetime | None = None) -> int:
    """One walk over every recording with a present file; returns how many recordings something was asked for.

    ``now``: the moment the due rules judge by (tests step past a lease)."""
    after: uuid.UUID | None = None
    asked = 0
    while True:
        ids = await ctx.db.run(functools.partial(_page, after=after, limit=page))
        if not ids:
            return asked
        asked += len(
            await run(ctx.db, functools.partial(request_due_stages, recording_ids=ids, policy=ctx.stages, now=now))
        )
        await ctx.announce()
        after = ids[-1]


async def _page(uow: UnitOfWork, *, after: uuid.UUID | None, limit: int) -> Sequence[uuid.UUID]:
    return await uow.files.present_recordings_after(after, limit)


async def repair_forever(ctx: CatalogContext, interval: float) -> None:
    """:func:`repair_once` every ``interval`` seconds until cancelled; a failed walk is logged and tried again."""
    while True:
        await asyncio.sleep(interval)
        try:
            asked = await repair_once(ctx)
        except Exception as exc:  # the next walk tries again; the service must keep consuming
            log.warning("repair walk failed: %s", " ".join(str(exc).split()) or type(exc).__name__)
            continue
        if asked:
            log.info("repair walk: asked again for the due stages of %d recordings", asked)
