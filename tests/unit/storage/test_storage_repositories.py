"""The repository contract: what callers may rely on, whichever database is behind it.

These tests use only the ``database`` fixture, so the same bodies run here on SQLite and, from
tests/integration/storage/test_storage_repositories_postgres.py, on PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tracktion_shared.storage import Database, NewRecording, Recording, UnitOfWork


def sha256(n: int) -> str:
    return f"{n:064x}"


def xxh128(n: int) -> str:
    return f"{n:032x}"


async def add_recording(db: Database, n: int = 1) -> Recording:
    async def work(uow: UnitOfWork) -> Recording:
        return await uow.recordings.add(
            file_path=f"/music/set-{n}.flac", file_name=f"set-{n}.flac", sha256_hash=sha256(n), xxh128_hash=xxh128(n)
        )

    return await db.run(work)


# --- recordings ---------------------------------------------------------------------------------------------------


async def test_an_added_recording_can_be_found_by_id_hash_and_path(database: Database) -> None:
    added = await add_recording(database, 7)

    async with database.transaction() as uow:
        by_id = await uow.recordings.get(added.id)
        by_sha = await uow.recordings.get_by_sha256(sha256(7))
        by_xxh = await uow.recordings.get_by_xxh128(xxh128(7))
        by_path = await uow.recordings.get_by_path("/music/set-7.flac")

    assert by_id is not None
    assert [found.id if found else None for found in (by_id, by_sha, by_xxh, by_path)] == [added.id] * 4
    assert (by_id.file_path, by_id.file_name) == ("/music/set-7.flac", "set-7.flac")
    assert isinstance(added.id, uuid.UUID)


async def test_created_at_is_set_by_the_database_and_timezone_aware(database: Database) -> None:
    recording = await add_recording(database)
    assert recording.created_at.tzinfo is not None
    assert abs(datetime.now(UTC) - recording.created_at) < timedelta(minutes=5)


async def test_lookups_of_what_is_not_there_return_none(database: Database) -> None:
    async with database.transaction() as uow:
        assert await uow.recordings.get(uuid.uuid4()) is None
        assert await uow.recordings.get_by_sha256(sha256(404)) is None
        assert await uow.recordings.get_by_xxh128(xxh128(404)) is None
        assert await uow.recordings.get_by_path("/nowhere.flac") is None


async def test_hashes_are_optional_and_unhashed_recordings_do_not_collide(database: Database) -> None:
    async with database.transaction() as uow:
        first = await uow.recordings.add(file_path="/a.flac", file_name="a.flac")
        second = await uow.recordings.add(file_path="/b.flac", file_name="b.flac")
    assert first.sha256_hash is None
    assert first.id != second.id


@pytest.mark.parametrize("taken", ["sha256_hash", "xxh128_hash"])
async def test_a_hash_belongs_to_one_recording(database: Database, taken: str) -> None:
    existing = await add_recording(database, 1)
    hashes = {"sha256_hash": sha256(2), "xxh128_hash": xxh128(2), taken: getattr(existing, taken)}
    with pytest.raises(IntegrityError):
        async with database.transaction() as uow:
            await uow.recordings.add(file_path="/copy.flac", file_name="copy.flac", **hashes)


async def test_pages_cover_every_recording_exactly_once(database: Database) -> None:
    added = {(await add_recording(database, n)).id for n in range(7)}

    seen: list[uuid.UUID] = []
    offset = 0
    async with database.transaction() as uow:
        while page := await uow.recordings.list_page(limit=3, offset=offset):
            assert len(page) <= 3
            seen.extend(recording.id for recording in page)
            offset += len(page)

    assert len(seen) == len(added) == 7
    assert set(seen) == added


async def test_pages_by_path_are_sorted_by_path_and_never_overlap(database: Database) -> None:
    # a path may be held twice; no two differ first in punctuation, which a PostgreSQL locale collation may skip
    paths = ["/m/b.flac", "/m/d.flac", "/m/c.flac", "/m/a.flac", "/m/b.flac"]
    async with database.transaction() as uow:
        await uow.recordings.add_many([NewRecording(uuid.uuid4(), path, path.rsplit("/", 1)[1]) for path in paths])

    seen: list[Recording] = []
    async with database.transaction() as uow:
        while page := await uow.recordings.list_page(limit=2, offset=len(seen), by="path"):
            seen.extend(page)

    assert [recording.file_path for recording in seen] == sorted(paths)
    assert len({recording.id for recording in seen}) == len(paths)


async def test_ids_are_found_by_their_first_hex_digits(database: Database) -> None:
    ids = [
        uuid.UUID("abcd0000-0000-4000-8000-000000000000"),
        uuid.UUID("abcdffff-ffff-4fff-bfff-ffffffffffff"),  # the last id "abcd" can start
        uuid.UUID("abce0000-0000-4000-8000-000000000000"),  # the first one it cannot
        uuid.UUID("0bcd0000-0000-4000-8000-000000000000"),
    ]
    async with database.transaction() as uow:
        await uow.recordings.add_many([NewRecording(id_, f"/{id_}.flac", f"{id_}.flac") for id_ in ids])

    async with database.transaction() as uow:
        assert await uow.recordings.ids_with_prefix("abcd", limit=10) == (2, ids[:2])
        assert await uow.recordings.ids_with_prefix("abc", limit=1) == (3, ids[:1])
        assert await uow.recordings.ids_with_prefix("abcdf", limit=10) == (1, [ids[1]])
        assert await uow.recordings.ids_with_prefix(ids[2].hex, limit=10) == (1, [ids[2]])
        assert await uow.recordings.ids_with_prefix("bcd0", limit=10) == (0, [])
        with pytest.raises(ValueError, match="hex"):
            await uow.recordings.ids_with_prefix("ABCD", limit=10)


async def test_update_location_moves_a_recording(database: Database) -> None:
    recording = await add_recording(database)

    async with database.transaction() as uow:
        moved = await uow.recordings.update_location(recording.id, "/archive/2024/set.flac", "set.flac")
        assert moved is not None
        assert moved.file_path == "/archive/2024/set.flac"
        assert await uow.recordings.update_location(uuid.uuid4(), "/x", "x") is None

    async with database.transaction() as uow:
        again = await uow.recordings.get(recording.id)
        assert again is not None
        assert (again.file_path, again.file_name) == ("/archive/2024/set.flac", "set.flac")
        assert again.sha256_hash == recording.sha256_hash
        assert await uow.recordings.get_by_path("/music/set-1.flac") is None


async def test_deleting_a_recording_deletes_its_tracklists_and_metadata(database: Database) -> None:
    recording = await add_recording(database, 1)
    other = await add_recording(database, 2)
    for target in (recording, other):
        async with database.transaction() as uow:
            await uow.metadata.upsert(target.id, {"genre": "techno"})
            await uow.tracklists.replace(target.id, "cue", [{"title": "intro"}])

    async with database.transaction() as uow:
        assert await uow.recordings.delete(recording.id) is True
        assert await uow.recordings.delete(recording.id) is False

    async with database.transaction() as uow:
        assert await uow.recordings.get(recording.id) is None
        assert await uow.metadata.get_all(recording.id) == {}
        assert await uow.tracklists.list_for_recording(recording.id) == []
        assert await uow.metadata.get_all(other.id) == {"genre": "techno"}
        assert len(await uow.tracklists.list_for_recording(other.id)) == 1


# --- metadata -----------------------------------------------------------------------------------------------------


async def test_metadata_upsert_inserts_then_overwrites(database: Database) -> None:
    recording = await add_recording(database)

    async with database.transaction() as uow:
        await uow.metadata.upsert(recording.id, {"bpm": "128", "key": "Am", "artist": "Ø Björk ✓"})
    async with database.transaction() as uow:
        await uow.metadata.upsert(recording.id, {"bpm": "127.5", "label": "Warp"})
        assert await uow.metadata.get_all(recording.id) == {
            "artist": "Ø Björk ✓",
            "bpm": "127.5",
            "key": "Am",
            "label": "Warp",
        }


async def test_repeating_a_metadata_upsert_changes_nothing(database: Database) -> None:
    recording = await add_recording(database)
    values = {"bpm": "128", "key": "Am"}

    for _ in range(3):
        await database.run(lambda uow: uow.metadata.upsert(recording.id, values))

    async with database.transaction() as uow:
        assert await uow.metadata.get_all(recording.id) == values


async def test_metadata_of_one_recording_is_not_another_s(database: Database) -> None:
    first, second = await add_recording(database, 1), await add_recording(database, 2)
    async with database.transaction() as uow:
        await uow.metadata.upsert(first.id, {"bpm": "120"})
        await uow.metadata.upsert(second.id, {"bpm": "140"})
        await uow.metadata.upsert(second.id, {})
        assert await uow.metadata.get_all(first.id) == {"bpm": "120"}
        assert await uow.metadata.get_all(second.id) == {"bpm": "140"}


async def test_metadata_needs_an_existing_recording(database: Database) -> None:
    with pytest.raises(IntegrityError):
        async with database.transaction() as uow:
            await uow.metadata.upsert(uuid.uuid4(), {"bpm": "128"})


# --- tracklists ---------------------------------------------------------------------------------------------------


async def test_a_tracklist_is_kept_per_source_and_replaced_whole(database: Database) -> None:
    recording = await add_recording(database)
    tracks = [
        {"position": 1, "artist": "Aphex Twin", "title": "Xtal", "start": 0.0, "tags": ["ambient"], "label": None},
        {"position": 2, "artist": "Сергей", "title": "日本", "start": 312.25, "tags": [], "extra": {"id": 9}},
    ]

    async with database.transaction() as uow:
        await uow.tracklists.replace(recording.id, "cue", tracks, cue_file_path="/music/set-1.cue")
        await uow.tracklists.replace(recording.id, "1001tracklists", tracks[:1])
    async with database.transaction() as uow:
        await uow.tracklists.replace(recording.id, "cue", tracks[1:], cue_file_path=None)

    async with database.transaction() as uow:
        tracklists = await uow.tracklists.list_for_recording(recording.id)
    by_source = {tracklist.source: tracklist for tracklist in tracklists}
    assert len(tracklists) == 2
    assert by_source["cue"].tracks == tracks[1:]
    assert by_source["cue"].cue_file_path is None
    assert by_source["1001tracklists"].tracks == tracks[:1]


async def test_a_tracklist_needs_an_existing_recording(database: Database) -> None:
    with pytest.raises(IntegrityError):
        async with database.transaction() as uow:
            await uow.tracklists.replace(uuid.uuid4(), "cue", [])


# --- inbox --------------------------------------------------------------------------------------------------------


async def test_a_message_is_claimed_once_per_consumer(database: Database) -> None:
    message_id = uuid.uuid4()

    assert await database.run(lambda uow: uow.inbox.claim("cataloging", message_id)) is True
    assert await database.run(lambda uow: uow.inbox.claim("cataloging", message_id)) is False
    assert await database.run(lambda uow: uow.inbox.claim("analysis", message_id)) is True
    assert await database.run(lambda uow: uow.inbox.claim("cataloging", uuid.uuid4())) is True


async def test_a_claim_rolls_back_with_the_work_it_guarded(database: Database) -> None:
    message_id = uuid.uuid4()

    async def claim_then_fail() -> None:
        async with database.transaction() as uow:
            assert await uow.inbox.claim("cataloging", message_id) is True
            await uow.recordings.add(file_path="/half-done.flac", file_name="half-done.flac")
            raise RuntimeError("work failed")

    with pytest.raises(RuntimeError, match="work failed"):
        await claim_then_fail()

    async with database.transaction() as uow:
        assert await uow.recordings.get_by_path("/half-done.flac") is None
        assert await uow.inbox.claim("cataloging", message_id) is True  # the redelivery does the work


# --- unit of work -------------------------------------------------------------------------------------------------


async def test_a_transaction_commits_everything_or_nothing(database: Database) -> None:
    async with database.transaction() as uow:
        kept = await uow.recordings.add(file_path="/kept.flac", file_name="kept.flac")
        await uow.metadata.upsert(kept.id, {"bpm": "128"})

    async def write_then_fail() -> None:
        async with database.transaction() as uow:
            await uow.metadata.upsert(kept.id, {"bpm": "90"})
            await uow.recordings.add(file_path="/lost.flac", file_name="lost.flac")
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await write_then_fail()

    async with database.transaction() as uow:
        assert await uow.metadata.get_all(kept.id) == {"bpm": "128"}
        assert await uow.recordings.get_by_path("/lost.flac") is None
        assert await uow.recordings.get_by_path("/kept.flac") is not None


async def test_run_returns_what_the_work_returns(database: Database) -> None:
    recording = await add_recording(database)
    found = await database.run(lambda uow: uow.recordings.get(recording.id))
    assert found is not None
    assert found.file_name == "set-1.flac"  # still readable after the transaction ended
