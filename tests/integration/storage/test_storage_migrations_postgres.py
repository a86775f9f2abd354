"""The migration contract (tests/unit/storage/test_storage_migrations.py) on PostgreSQL, and what only it has."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from storage_contracts import contract_tests

from tracktion_shared.storage import Database, current_revision, head_revision, upgrade

pytestmark = pytest.mark.postgres

globals().update(contract_tests("test_storage_migrations"))


async def test_replicas_starting_together_migrate_once(database_url: str) -> None:
    """Without the advisory lock, the second CREATE TABLE recordings would fail."""
    await asyncio.gather(*(upgrade(database_url) for _ in range(4)))
    assert await current_revision(database_url) == head_revision()


async def test_postgresql_gets_its_native_types(database: Database) -> None:
    async with database.transaction() as uow:
        result = await uow.session.execute(
            text(
                "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND column_name IN ('id', 'tracks', 'created_at', 'message_id')"
            )
        )
        types = {column: data_type for column, data_type in result}
    expected = {
        "recordings.id": "uuid",
        "recordings.created_at": "timestamp with time zone",
        "tracklists.id": "uuid",
        "tracklists.tracks": "jsonb",
        "metadata.id": "uuid",
        "processed_messages.message_id": "uuid",
    }
    assert {column: types.get(column) for column in expected} == expected
