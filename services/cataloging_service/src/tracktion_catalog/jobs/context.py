"""What every job needs: the database, the outbox relay, the file reader and the limits around it.

Built once by :func:`tracktion_catalog.service.register` and shared by the job modules, so that the per-path locks,
the read slots and the batching of unchanged files are common to every message the consumer handles.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tracktion_catalog.adapters.files import Inspection, Inspector
from tracktion_catalog.domain.stages import StagePolicy
from tracktion_catalog.jobs.locks import PathLocks
from tracktion_catalog.settings import CatalogSettings
from tracktion_shared.outbox import OutboxRelay
from tracktion_shared.storage import Database

__all__ = ["CONSUMER", "CatalogContext"]

#: the catalog's consumer name: its queue, and its key in the inbox
CONSUMER = "catalog"


@dataclass
class CatalogContext:
    db: Database
    settings: CatalogSettings
    inspector: Inspector
    relay: OutboxRelay | None = None
    #: what runs after cataloging, for the stage requests (tracktion_catalog.jobs.stage_requests)
    stages: StagePolicy = field(default_factory=StagePolicy)
    locks: PathLocks = field(default_factory=PathLocks)
    _read_slots: asyncio.Semaphore | None = field(default=None, init=False, repr=False)

    async def read(self, path: str) -> Inspection:
        """Read the file in a worker thread, at most ``settings.concurrency`` at once (each holds one chunk)."""
        if self._read_slots is None:
            self._read_slots = asyncio.Semaphore(self.settings.concurrency)
        async with self._read_slots:
            return await asyncio.to_thread(self.inspector, path, self.settings.hash_chunk_size)

    async def announce(self) -> None:
        """Publish what the last transaction put in the outbox, before the message that caused it is acknowledged.

        This keeps the in-process bus busy until the follow-ups are queued, so ``wait_idle`` covers the whole
        cascade. Without a relay the messages wait for whichever relay sweeps the outbox.
        """
        if self.relay is not None:
            await self.relay.flush()
