"""The library read model follows every write of the tables it is derived from, in the same transaction.

Also a contract: tests/integration/storage/test_storage_library_postgres.py runs these bodies on PostgreSQL.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from tracktion_shared.storage import Database, LibraryEntry, UnitOfWork, downgrade, upgrade


async def _entry(database: Database, recording_id: uuid.UUID) -> LibraryEntry | None:
    return await database.run(lambda uow: uow.session.get(LibraryEntry, recording_id))


async def _catalog(uow: UnitOfWork, path: str, digest: str, tags: dict[str, str]) -> uuid.UUID:
    recording = await uow.recordings.add(
        file_path=path, file_name=path.rsplit("/", 1)[-1], sha256_hash=digest * 64, xxh128_hash=digest * 32
    )
    await uow.files.save(path, status="present", recording_id=recording.id, size=10, mtime=1.0)
    await uow.metadata.upsert(recording.id, tags)
    return recording.id


async def test_a_cataloged_recording_gets_a_typed_row(database: Database) -> None:
    tags = {"artist": "Matroda", "title": "Where Ya At", "genre": "Tech House", "duration": "185.5"}
    recording_id = await database.run(lambda uow: _catalog(uow, "/music/Where Ya At.flac", "a", tags))

    entry = await _entry(database, recording_id)

    assert entry is not None
    assert (entry.artist, entry.title, entry.genre, entry.duration) == ("Matroda", "Where Ya At", "Tech House", 185.5)
    assert entry.status == "cataloged"
    assert entry.bpm is None
    assert entry.file_name == "Where Ya At.flac"
    assert entry.search_text == "matroda where ya at  tech house where ya at.flac"


async def test_analysis_results_become_numbers_and_the_status_follows(database: Database) -> None:
    recording_id = await database.run(lambda uow: _catalog(uow, "/music/a.wav", "b", {"artist": "A"}))
    analysis = {"analysis_status": "analysed", "bpm": "174.02", "camelot": "7A", "key": "D", "scale": "minor"}
    await database.run(lambda uow: uow.metadata.upsert(recording_id, analysis))

    entry = await _entry(database, recording_id)
    assert entry is not None
    assert (entry.status, entry.bpm, entry.camelot, entry.key, entry.scale) == ("analysed", 174.02, "7A", "D", "minor")

    await database.run(lambda uow: uow.metadata.upsert(recording_id, {"analysis_status": "failed"}))
    await database.run(lambda uow: uow.metadata.delete_keys(recording_id, ["bpm"]))
    entry = await _entry(database, recording_id)
    assert entry is not None
    assert (entry.status, entry.bpm) == ("failed", None)


async def test_a_file_that_goes_missing_and_moves_is_followed(database: Database) -> None:
    recording_id = await database.run(lambda uow: _catalog(uow, "/music/old.mp3", "c", {}))

    async def lose(uow: UnitOfWork) -> None:
        entry = await uow.files.get_by_path("/music/old.mp3")
        assert entry is not None
        await uow.files.mark_missing([entry.id], "gone")

    await database.run(lose)
    entry = await _entry(database, recording_id)
    assert entry is not None
    assert entry.status == "missing"

    async def come_back_elsewhere(uow: UnitOfWork) -> None:
        await uow.files.delete_by_path("/music/old.mp3")
        await uow.files.save("/music/new name.mp3", status="present", recording_id=recording_id, size=10, mtime=2.0)
        await uow.recordings.update_location(recording_id, "/music/new name.mp3", "new name.mp3")

    await database.run(come_back_elsewhere)
    entry = await _entry(database, recording_id)
    assert entry is not None
    assert (entry.status, entry.file_path, entry.file_name) == ("cataloged", "/music/new name.mp3", "new name.mp3")


async def test_a_rolled_back_transaction_leaves_no_row(database: Database) -> None:
    created: list[uuid.UUID] = []

    async def fail_after_writing(uow: UnitOfWork) -> None:
        created.append(await _catalog(uow, "/music/x.wav", "d", {"artist": "X"}))
        raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError):
        async with database.transaction() as uow:
            await fail_after_writing(uow)

    assert await _entry(database, created[0]) is None


async def test_deleting_a_recording_deletes_its_row(database: Database) -> None:
    recording_id = await database.run(lambda uow: _catalog(uow, "/music/y.wav", "e", {}))
    await database.run(lambda uow: uow.recordings.delete(recording_id))
    assert await _entry(database, recording_id) is None


async def test_the_migration_fills_the_table_like_a_rebuild(database_url: str) -> None:
    """Rows cataloged before 0005 existed are filled in by the migration with exactly what a refresh computes."""
    await upgrade(database_url, "0004")
    async with Database(database_url) as db:
        recording_id = await db.run(_seed_without_library)
    await upgrade(database_url)
    async with Database(database_url) as db:
        migrated = await _entry(db, recording_id)
        assert migrated is not None
        before = _comparable(migrated)
        await db.run(lambda uow: uow.library.rebuild())
        rebuilt = await _entry(db, recording_id)
        assert rebuilt is not None
    assert before == _comparable(rebuilt)
    assert before["status"] == "analysed"
    assert before["bpm"] == 128.0
    await downgrade(database_url, "0004")


async def _seed_without_library(uow: UnitOfWork) -> uuid.UUID:
    """Insert as a 0004 database would hold them: plain SQL, since the models already know the library table."""
    # SQLAlchemy's Uuid is CHAR(32) hex on SQLite and a native uuid on PostgreSQL
    as_sql = (lambda u: u.hex) if uow.session.get_bind().dialect.name == "sqlite" else str
    recording_id = uuid.uuid4()
    rid = as_sql(recording_id)
    await uow.session.execute(
        text("INSERT INTO recordings (id, file_path, file_name) VALUES (:id, '/m/set.flac', 'set.flac')"), {"id": rid}
    )
    for key, value in {"artist": "DJ", "bpm": "128", "analysis_status": "analysed", "mood": "dark"}.items():
        await uow.session.execute(
            text("INSERT INTO metadata (id, recording_id, key, value) VALUES (:mid, :id, :key, :value)"),
            {"mid": as_sql(uuid.uuid4()), "id": rid, "key": key, "value": value},
        )
    await uow.session.execute(
        text("INSERT INTO files (id, path, recording_id, status) VALUES (:fid, '/m/set.flac', :id, 'present')"),
        {"fid": as_sql(uuid.uuid4()), "id": rid},
    )
    return recording_id


def _comparable(entry: LibraryEntry) -> dict[str, object]:
    return {
        column.name: getattr(entry, column.name)
        for column in LibraryEntry.__table__.columns
        if column.name != "updated_at"
    }


def test_the_columns_the_browser_filters_and_sorts_on_are_indexed() -> None:
    indexed = {next(iter(index.columns)).name for index in LibraryEntry.__table__.indexes}
    assert {"bpm", "camelot", "mood", "status", "artist", "title", "duration", "created_at"} <= indexed
