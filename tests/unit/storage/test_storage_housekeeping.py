"""Old inbox entries are forgotten; recent ones, which a redelivery may still need, are kept (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from tracktion_shared.housekeeping import INBOX_RETENTION, prune_inbox
from tracktion_shared.storage import Database, ProcessedMessage


async def test_prune_forgets_only_entries_older_than_the_retention(database: Database) -> None:
    old, recent = uuid.uuid4(), uuid.uuid4()

    async def claim_both(uow):  # type: ignore[no-untyped-def]
        assert await uow.inbox.claim("catalog", old)
        assert await uow.inbox.claim("catalog", recent)
        await uow.session.execute(
            update(ProcessedMessage)
            .where(ProcessedMessage.message_id == old)
            .values(processed_at=datetime.now(UTC) - INBOX_RETENTION - timedelta(hours=1))
        )

    await database.run(claim_both)
    assert await prune_inbox(database) == 1
    assert await prune_inbox(database) == 0
    assert await database.run(lambda uow: uow.inbox.claim("catalog", recent)) is False, "a recent entry is kept"
    assert await database.run(lambda uow: uow.inbox.claim("catalog", old)) is True, "an old one was forgotten"
