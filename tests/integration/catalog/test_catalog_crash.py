"""A handler killed in the middle of its transaction leaves nothing behind; the redelivery catalogs the file once.

The kill is real cancellation of the running handler by the bus (``BusHarness.crash``: close with no grace), at a
point chosen by the database: :class:`StallBeforeCommit` lets the transaction do all its work and then waits before
COMMIT, as a process would that dies right there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from catalog_harness import FAST_RETRY, Catalog, write_wav
from sqlalchemy import func, select

from tracktion_catalog import get_file, list_recordings
from tracktion_shared.bus.testing import BusHarness
from tracktion_shared.storage import Database, Recording, UnitOfWork


class StallBeforeCommit(Database):
    """A real database whose first transaction that sees a recording (its own, uncommitted) hangs before COMMIT."""

    def __init__(self, url: str) -> None:
        super().__init__(url, retry=FAST_RETRY)
        self.armed = False
        self.stalled = asyncio.Event()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with super().transaction() as uow:
            yield uow
            if self.armed and await uow.session.scalar(select(func.count()).select_from(Recording)):
                self.armed = False
                self.stalled.set()
                await asyncio.Event().wait()  # until the handler is cancelled


async def test_a_handler_killed_before_commit_is_redelivered_without_duplicates(
    database: Database, database_url: str, music: Path
) -> None:
    db = StallBeforeCommit(database_url)
    harness = BusHarness("inprocess")
    catalog = Catalog(db, music)
    path = write_wav(music / "interrupted.wav")
    try:
        db.armed = True
        await catalog.bus.start()
        await catalog.bus.publish(catalog.event(path))
        await asyncio.wait_for(db.stalled.wait(), 10)

        await harness.crash(catalog.bus)  # the handler is cancelled mid-transaction: everything rolls back
        assert await list_recordings(db) == []
        assert await get_file(db, str(path)) is None
        assert catalog.announced == []

        bus = harness.reopen(catalog.bus)  # the consumer comes back; the message was never acknowledged
        await bus.start()
        await asyncio.wait_for(catalog.bus.wait_idle(), 10)
        (recording,) = await list_recordings(db)
        assert recording.file_path == str(path)
        assert [file.path for file in recording.files] == [str(path)]
        assert [message.recording_id for message in catalog.announced] == [recording.id]
        assert len(catalog.reads) == 2  # read once per delivery; written once
        assert await catalog.dead_letters() == []
    finally:
        await harness.cleanup()
        await db.dispose()
