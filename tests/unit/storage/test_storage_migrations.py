"""The migrations must build exactly the schema the models describe, and must undo it, on every backend.

These tests use only the ``database_url`` fixture (an empty database), so the same bodies run here on SQLite and,
from tests/integration/storage/test_storage_migrations_postgres.py, on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from tracktion_shared.storage import (
    Base,
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    upgrade,
)
from tracktion_shared.storage.migrate import script_heads

SEED_TABLES = {"recordings", "tracklists", "metadata"}
APP_TABLES = set(Base.metadata.tables)


async def tables(url: str) -> set[str]:
    """The application's tables present in the database (Alembic's own bookkeeping table left out)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
    return names - {"alembic_version"}


async def differences(url: str) -> list[Any]:
    """What ``alembic revision --autogenerate`` would put into a new migration: nothing, if the two agree."""

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        return list(compare_metadata(context, Base.metadata))

    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


async def test_revisions_form_one_numbered_chain() -> None:
    chain = revisions()
    assert chain == [f"{n:04d}" for n in range(1, len(chain) + 1)]
    assert chain[-1] == head_revision()
    for revision in ScriptDirectory.from_config(alembic_config()).walk_revisions():
        assert isinstance(revision.down_revision, str | None), f"{revision.revision} merges branches"


async def test_seed_revision_builds_exactly_the_seed_tables(database_url: str) -> None:
    await upgrade(database_url, "0001")
    assert await tables(database_url) == SEED_TABLES


async def test_migrations_go_up_down_and_up_again(database_url: str) -> None:
    assert await current_revision(database_url) is None
    tables_at: dict[str, set[str]] = {}
    for revision in revisions():
        await upgrade(database_url, revision)
        assert await current_revision(database_url) == revision
        tables_at[revision] = await tables(database_url)
    assert tables_at[head_revision() or ""] == APP_TABLES

    for revision in reversed(revisions()[:-1]):
        await downgrade(database_url, revision)
        assert await current_revision(database_url) == revision
        assert await tables(database_url) == tables_at[revision]

    await downgrade(database_url, "base")
    assert await current_revision(database_url) is None
    assert await tables(database_url) == set()

    await upgrade(database_url, "head")
    assert await current_revision(database_url) == head_revision()
    assert await tables(database_url) == APP_TABLES


async def test_upgrading_an_up_to_date_database_does_nothing(database_url: str) -> None:
    await upgrade(database_url)
    await upgrade(database_url)
    assert await current_revision(database_url) == head_revision()


def test_the_heads_read_from_the_scripts_without_alembic_are_alembics() -> None:
    """``upgrade`` trusts this reading to skip Alembic on a current schema; it must never disagree."""
    assert script_heads() == {head_revision()}


async def test_a_schema_one_revision_behind_is_still_migrated(database_url: str) -> None:
    await upgrade(database_url, revisions()[-2])
    await upgrade(database_url)
    assert await current_revision(database_url) == head_revision()
    assert await tables(database_url) == APP_TABLES


async def test_autogenerate_finds_no_difference_between_migrations_and_models(database_url: str) -> None:
    await upgrade(database_url)
    assert await differences(database_url) == []


async def test_autogenerate_check_does_notice_a_missing_migration(database_url: str) -> None:
    """Guards the test above: the comparison must be able to fail."""
    await upgrade(database_url, "0001")
    found = await differences(database_url)
    assert {diff[1].name for diff in found if diff[0] == "add_table"} == APP_TABLES - SEED_TABLES


async def test_metadata_indexes_and_constraints_have_their_agreed_names(database_url: str) -> None:
    await upgrade(database_url)
    engine = make_engine(url=database_url)
    try:
        async with engine.connect() as connection:
            indexes, uniques, foreign_keys = await connection.run_sync(
                lambda sync: (
                    inspect(sync).get_indexes("metadata"),
                    inspect(sync).get_unique_constraints("metadata"),
                    inspect(sync).get_foreign_keys("metadata"),
                )
            )
    finally:
        await engine.dispose()

    # PostgreSQL also lists the index behind the unique constraint; that one is the constraint's, not ours
    own_indexes = [index for index in indexes if "duplicates_constraint" not in index]
    assert {index["name"]: index["column_names"] for index in own_indexes} == {
        "idx_metadata_recording_id": ["recording_id"],
        "idx_metadata_key": ["key"],
    }
    assert [(unique["name"], unique["column_names"]) for unique in uniques] == [
        ("uq_metadata_recording_id_key", ["recording_id", "key"])
    ]
    assert [(fk["referred_table"], fk["options"].get("ondelete")) for fk in foreign_keys] == [("recordings", "CASCADE")]
