"""Files that were read are recorded many per transaction, with the outcome of recording them one at a time.

The batch path (:mod:`tracktion_catalog.jobs.recorder`, :func:`tracktion_catalog.jobs.content_batch.record_batch`)
must keep every guarantee of the one-file path: one recording per content (copies inside one batch included),
metadata and primaries as if the files had come one after another, the inbox per message, and a message that cannot
be recorded failing alone while the rest of its batch commits. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import psycopg
from catalog_harness import FAST_RETRY, Catalog, write_wav
from sqlalchemy import select

from tracktion_catalog import CatalogSettings, get_file
from tracktion_catalog.adapters.files import Inspection, Readable, Vanished, inspect_file
from tracktion_catalog.domain.facts import Digests
from tracktion_catalog.domain.stages import StagePolicy
from tracktion_catalog.jobs.content import record_inspection
from tracktion_catalog.jobs.content_batch import ReadFile, record_batch
from tracktion_catalog.jobs.context import CatalogContext
from tracktion_catalog.jobs.graph_sync import with_graph
from tracktion_catalog.jobs.recorder import Recorder
from tracktion_catalog.jobs.unchanged import Confirmation, UnchangedFiles
from tracktion_shared.messages import FileDiscovered, FileEvent, RecordingGraphState, decode
from tracktion_shared.storage import Database, FileEntry, LibraryEntry, MetadataEntry, OutboxMessage, Recording, upgrade

POLICY = StagePolicy()


def discovered(path: Path, scan_id: uuid.UUID | None = None) -> FileDiscovered:
    stat = path.stat()
    return FileDiscovered(path=str(path), size=stat.st_size, mtime=stat.st_mtime, scan_id=scan_id)


def read(path: Path, message: FileEvent | None = None) -> ReadFile:
    message = message or discovered(path)
    return ReadFile(message, inspect_file(str(path), 65536))


def aged(path: Path, mtime: float) -> Path:
    os.utime(path, (mtime, mtime))
    return path


async def snapshot(db: Database) -> dict[str, Any]:
    """The catalog with recordings named by content, so two databases that agree compare equal."""
    async with db.transaction() as uow:
        session = uow.session
        recordings = {r.id: r for r in await session.scalars(select(Recording))}

        def sha(recording_id: uuid.UUID | None) -> str | None:
            return None if recording_id is None else recordings[recording_id].sha256_hash

        files = {
            f.path: (f.status, sha(f.recording_id), f.size, f.mtime, f.error, f.last_scan_id)
            for f in await session.scalars(select(FileEntry))
        }
        metadata = {  # when an analysis or graph state was asked for / sent is a clock reading, not an outcome
            (sha(m.recording_id), m.key): m.value
            if m.key not in ("analysis_requested_at", "graph_sent_at")
            else "<time>"
            for m in await session.scalars(select(MetadataEntry))
        }
        library = {
            sha(row.recording_id): (row.file_path, row.file_name, row.status, row.artist, row.title, row.duration)
            for row in await session.scalars(select(LibraryEntry))
        }
        outbox, graph_states = [], []
        for row in await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
            message: Any = decode(row.body)
            if isinstance(message, RecordingGraphState):
                graph_states.append((message.path, sha(message.recording_id)))
                continue
            outbox.append((message.path, message.sha256, recordings[message.recording_id].sha256_hash))
    return {
        "recordings": sorted((r.sha256_hash, r.xxh128_hash, r.file_path, r.file_name) for r in recordings.values()),
        "files": files,
        "metadata": metadata,
        "library": library,
        "outbox": sorted(outbox),
        "graph_states": sorted(graph_states, key=str),
    }


def drop_everything(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


async def fresh_database(url: str) -> Database:
    """An empty, migrated database at ``url`` (what was there before is dropped)."""
    drop_everything(url)
    await upgrade(url)
    return Database(url, retry=FAST_RETRY)


async def test_a_batch_ends_as_its_files_recorded_one_by_one(database_url: str, music: Path) -> None:
    """Every case in one batch: new content, copies of it, content already cataloged (and one that is missing),
    an unreadable file, a vanished one, and a known path whose content changed (recorded by the per-file rules)."""
    scan = uuid.uuid4()
    known = aged(write_wav(music / "known.wav", frequency=300, tags={"artist": "Old"}), 2_000_000)
    gone = aged(write_wav(music / "gone.wav", frequency=310), 2_000_000)
    before = [read(known), read(gone)]

    copy_of_known = aged(shutil.copy(known, music / "copy-of-known.wav"), 1_000_000)  # older: becomes the primary
    back = shutil.copy(gone, music / "back.wav")
    new_a = aged(write_wav(music / "new-a.wav", frequency=400, tags={"artist": "First", "title": "A"}), 3_000_000)
    new_a_copy = aged(shutil.copy(new_a, music / "new-a-copy.wav"), 2_500_000)
    new_b = write_wav(music / "new-b.wav", frequency=500)
    text = music / "not-audio.mp3"
    text.write_text("this is not audio")
    vanished = FileDiscovered(path=str(music / "vanished.wav"), size=10, mtime=1.0, scan_id=scan)
    write_wav(known, frequency=333)  # the known path now holds other content
    batch = [
        read(copy_of_known, discovered(copy_of_known, scan)),
        read(new_a, discovered(new_a, scan)),
        read(known, discovered(known, scan)),
        read(new_a_copy, discovered(new_a_copy, scan)),
        read(back),
        ReadFile(vanished, Vanished("deleted before it was read")),
        read(text, discovered(text, scan)),
        read(new_b, discovered(new_b, scan)),
    ]
    batch.append(batch[1])  # a message twice in one batch counts once

    async def prepare(db: Database) -> None:
        for file in before:
            await db.run(lambda uow, f=file: record_inspection(uow, f.message, f.inspection))
        async with db.transaction() as uow:
            row = await uow.files.get_by_path(str(gone))
            assert row is not None
            await uow.files.mark_missing([row.id])  # as a scan that no longer finds it does
        async with db.transaction() as uow:
            await uow.outbox.remove([row.id for row in await uow.outbox.take(100)])

    one_by_one = await fresh_database(database_url)
    try:
        await prepare(one_by_one)
        for file in batch:
            await one_by_one.run(lambda uow, f=file: record_inspection(uow, f.message, f.inspection))
        expected = await snapshot(one_by_one)
    finally:
        await one_by_one.dispose()

    batched = await fresh_database(database_url)
    try:
        await prepare(batched)
        announcements = await batched.run(lambda uow: record_batch(uow, batch))
        assert await snapshot(batched) == expected
        again = await batched.run(lambda uow: record_batch(uow, batch))
        assert again == [None] * len(batch)  # redelivered: the inbox has every message
        assert await snapshot(batched) == expected
    finally:
        await batched.dispose()

    assert [a is not None for a in announcements] == [False, True, True, False, False, False, False, True, False]
    paths = {entry[2] for entry in expected["recordings"]}
    assert str(copy_of_known) in paths  # the older copy names the recording
    assert str(new_a_copy) in paths  # and within the batch too
    assert str(gone) not in expected["files"]  # its content is back elsewhere: the missing path is forgotten
    assert expected["files"][str(text)][0] == "failed"
    assert expected["files"][str(vanished.path)][0] == "missing"
    assert expected["metadata"][(announcements[1].sha256, "artist")] == "First"  # type: ignore[union-attr]


async def test_files_read_together_are_recorded_in_few_transactions(database: Database, music: Path) -> None:
    paths = [write_wav(music / f"{n:02d}.wav", frequency=300 + 10 * (n % 8)) for n in range(24)]
    recorder = Recorder(CatalogContext(database, CatalogSettings(), inspect_file), max_batch=100)
    reads = [read(path) for path in paths]

    announced = await asyncio.gather(*(recorder.record(r.message, r.inspection) for r in reads))

    # the first batch is whoever came first; everything that queued meanwhile goes into the second
    assert recorder.transactions <= 2
    assert sum(a is not None for a in announced) == 8
    catalog = await snapshot(database)
    assert len(catalog["recordings"]) == 8
    assert len(catalog["outbox"]) == 8
    assert len(catalog["graph_states"]) == 8, "each new recording's graph state is sent in the same transaction"
    assert {status for status, *_ in catalog["files"].values()} == {"present"}
    assert len(catalog["library"]) == 8


async def test_a_message_that_cannot_be_stored_fails_alone(database: Database, music: Path) -> None:
    good = [write_wav(music / f"good-{n}.wav", frequency=600 + 10 * n) for n in range(5)]
    bad_name = os.path.join(os.fsencode(music), b"bad-\xff.wav")  # not UTF-8: no database can store this path
    shutil.copy(write_wav(music / "source.wav", frequency=900), bad_name)
    bad = Path(os.fsdecode(bad_name))
    recorder = Recorder(CatalogContext(database, CatalogSettings(), inspect_file), max_batch=100)
    reads = [read(path) for path in good[:2]] + [read(bad)] + [read(path) for path in good[2:]]

    outcomes = await asyncio.gather(*(recorder.record(r.message, r.inspection) for r in reads), return_exceptions=True)

    assert [isinstance(outcome, Exception) for outcome in outcomes] == [False, False, True, False, False, False]
    catalog = await snapshot(database)
    assert set(catalog["files"]) == {str(path) for path in good}
    assert len(catalog["recordings"]) == 5


class PoisonedCatalog(Catalog):
    """Reads ``poison.wav`` as new content whose XXH3-128 is that of ``ok-0.wav``: a file no database will take."""

    def _read(self, path: str, chunk_size: int) -> Inspection:
        inspection = super()._read(path, chunk_size)
        if not path.endswith("poison.wav") or not isinstance(inspection, Readable):
            return inspection
        victim = inspect_file(str(self.music / "ok-0.wav"), chunk_size)
        assert isinstance(victim, Readable)
        return dataclasses.replace(inspection, digests=Digests("f" * 64, victim.digests.xxh128))


async def test_a_message_that_fails_in_a_batch_takes_the_normal_error_path(database: Database, music: Path) -> None:
    harness = PoisonedCatalog(database, music, prefetch=16)
    await harness.bus.start()
    try:
        good = [write_wav(music / f"ok-{n}.wav", frequency=700 + 10 * n) for n in range(6)]
        poison = write_wav(music / "poison.wav", frequency=990)
        await harness.discover(*good[:3], poison, *good[3:])
        for path in good:
            assert (await harness.file(path)).status == "present"
        assert len(harness.announced) == 6
        letters = await harness.dead_letters()
        assert len(letters) == 1
        assert "retries exhausted" in letters[0]
        assert await get_file(database, str(poison)) is None
    finally:
        await harness.bus.close()


async def test_a_bad_message_among_unchanged_files_fails_alone(database: Database, music: Path) -> None:
    paths = [write_wav(music / f"same-{n}.wav", frequency=800 + 10 * n) for n in range(4)]
    for file in [read(path) for path in paths]:  # as the consumer records them: their graph states sent
        await database.run(with_graph(lambda uow, f=file: record_inspection(uow, f.message, f.inspection), POLICY))
    rescan = uuid.uuid4()
    bad = FileDiscovered(path=os.fsdecode(os.path.join(os.fsencode(music), b"odd-\xff.wav")), size=1, mtime=1.0)
    messages = [discovered(path, rescan) for path in paths[:2]] + [bad] + [discovered(p, rescan) for p in paths[2:]]
    unchanged = UnchangedFiles(database)

    answers = await asyncio.gather(*(unchanged.confirm(m) for m in messages), return_exceptions=True)

    seen = Confirmation.SEEN
    assert [answer if isinstance(answer, Confirmation) else "error" for answer in answers] == [
        seen,
        seen,
        "error",
        seen,
        seen,
    ]
    catalog = await snapshot(database)
    assert {path: row[5] for path, row in catalog["files"].items()} == {str(path): rescan for path in paths}
