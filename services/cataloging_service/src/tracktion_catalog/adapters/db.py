"""Running the catalog's transactions, with the one database failure the catalog resolves itself.

:meth:`Database.run <tracktion_shared.storage.Database.run>` already repeats a transaction whose connection died.
What it rightly does not repeat is an integrity error -- but for the catalog one has a benign cause: two workers
(replicas, or two handlers of one process) cataloging the same new content or the same new path at once. Both read
"absent", both insert, one loses. Running the loser's transaction again from the start reads what the winner
committed and simply attaches to it. If the conflict persists it is real, and the bus retries the message later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from tracktion_shared.errors import TemporaryError
from tracktion_shared.storage import Database, UnitOfWork

__all__ = ["RACE_ATTEMPTS", "run"]

T = TypeVar("T")

log = logging.getLogger("tracktion.catalog")

#: how often a transaction that lost an insert race is run again before the message goes back to the bus
RACE_ATTEMPTS = 3


async def run(db: Database, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """``db.run(work)``, run again from scratch when it lost a race on a unique key."""
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            return await db.run(work)
        except IntegrityError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            if attempt == RACE_ATTEMPTS:
                raise TemporaryError(f"catalog write kept conflicting: {reason}") from exc
            log.info("catalog write lost a race (%s); running it again", reason)
    raise AssertionError("unreachable")  # pragma: no cover
