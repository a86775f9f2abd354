"""Scans: a rescan of an unchanged library reads nothing, and a completed scan marks only vanished files missing."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from catalog_harness import Catalog, write_wav
from prometheus_client import REGISTRY
from sqlalchemy import insert

from tracktion_catalog import scan_progress, summary
from tracktion_catalog.domain.graph_state import graph_state
from tracktion_catalog.jobs.pages import sort_page
from tracktion_shared.messages import FileDiscovered, ScanCompleted
from tracktion_shared.storage import Database, FileEntry, MetadataEntry, Recording


async def test_an_unchanged_rescan_reads_no_file(catalog: Catalog, music: Path) -> None:
    paths = [write_wav(music / f"t{n}.wav", frequency=200 + 50 * n) for n in range(6)]
    first, second = uuid.uuid4(), uuid.uuid4()
    await catalog.discover(*paths, scan_id=first)
    assert len(catalog.reads) == 6
    before = [await catalog.recording(path) for path in paths]

    await catalog.discover(*paths, scan_id=second)
    assert len(catalog.reads) == 6, "an unchanged file was read again"
    assert [await catalog.recording(path) for path in paths] == before
    assert (await scan_progress(catalog.db, second), await scan_progress(catalog.db, first)) == (6, 0)
    assert len(catalog.announced) == 6


async def test_a_rescan_reads_only_what_changed(catalog: Catalog, music: Path) -> None:
    same = write_wav(music / "same.wav", frequency=300)
    edited = write_wav(music / "edited.wav", frequency=400)
    await catalog.discover(same, edited, scan_id=uuid.uuid4())
    write_wav(edited, seconds=0.75, frequency=410)
    await catalog.discover(same, edited, scan_id=uuid.uuid4())
    assert sorted(catalog.reads) == sorted([str(same), str(edited), str(edited)])


async def test_scan_completed_marks_missing_only_what_is_gone(catalog: Catalog, music: Path) -> None:
    kept = write_wav(music / "kept.wav", frequency=300)
    deleted = write_wav(music / "deleted.wav", frequency=400)
    late = write_wav(music / "late.wav", frequency=500)  # exists, but its discovery is still queued
    elsewhere = write_wav(music.parent / "elsewhere.wav", frequency=600)  # outside the scanned root
    sibling = music.parent / (music.name + "2")  # /music2 is not under /music
    sibling.mkdir()
    neighbour = write_wav(sibling / "neighbour.wav", frequency=700)
    await catalog.discover(kept, deleted, late, elsewhere, neighbour, scan_id=uuid.uuid4())

    scan = uuid.uuid4()
    deleted.unlink()
    elsewhere.unlink()
    neighbour.unlink()
    await catalog.discover(kept, scan_id=scan)
    await catalog.send(ScanCompleted(root=str(music), scan_id=scan, files_seen=2))

    statuses = {path.name: (await catalog.file(path)).status for path in (kept, deleted, late, elsewhere, neighbour)}
    assert statuses == {
        "kept.wav": "present",
        "deleted.wav": "missing",
        "late.wav": "present",
        "elsewhere.wav": "present",
        "neighbour.wav": "present",
    }
    assert (await summary(catalog.db, str(music))).missing == [str(deleted)]
    assert (await catalog.recording(deleted)).status == "missing"


async def test_scan_completed_twice_changes_nothing_more(catalog: Catalog, music: Path) -> None:
    path = write_wav(music / "x.wav")
    await catalog.discover(path, scan_id=uuid.uuid4())
    done = ScanCompleted(root=str(music), scan_id=uuid.uuid4(), files_seen=0)
    path.unlink()
    await catalog.send(done)
    write_wav(path, frequency=999)  # something new appears at the same place before the redelivery
    await catalog.send(done)
    assert (await catalog.file(path)).status == "missing"


async def test_summary_of_a_folder(catalog: Catalog, music: Path) -> None:
    good = write_wav(music / "good.wav", frequency=300)
    copy = music / "copy.wav"
    copy.write_bytes(good.read_bytes())
    bad = music / "bad.wav"
    bad.write_text("not a wav")
    await catalog.discover(good)
    await catalog.discover(copy, bad)

    state = await summary(catalog.db, str(music))
    assert state.as_json() == {
        "root": str(music),
        "recordings": 1,
        "failed": [{"path": str(bad), "error": state.failed[0][1]}],
        "duplicates": [str(copy)],
        "missing": [],
        "stages": {  # the one recording's analysis was asked for (no answer yet); no look-up was made
            "analysis": {**NOTHING, "in_progress": 1},
            "tracklist": NOTHING,
            "graph": {**NOTHING, "done": 1},  # the graph confirmed the recording's state
        },
    }
    assert state.failed[0][1].startswith("not ")


NOTHING = {"done": 0, "failed": 0, "deferred": 0, "due": 0, "skipped": 0, "in_progress": 0, "failures": []}


async def _seed(db: Database, paths: list[str]) -> None:
    """A cataloged library, written in bulk (cataloging 10,000 real files would be the slow part of the test)."""
    recordings = [
        {"id": uuid.uuid4(), "file_path": p, "file_name": os.path.basename(p), "sha256_hash": f"{n:064x}"}
        for n, p in enumerate(paths)
    ]
    files = [
        {"id": uuid.uuid4(), "path": r["file_path"], "recording_id": r["id"], "size": 1000 + n, "mtime": 1.7e9 + n}
        for n, r in enumerate(recordings)
    ]

    in_step = [  # and the graph holds every one of them
        {"id": uuid.uuid4(), "recording_id": r["id"], "key": key, "value": digest}
        for r in recordings
        for digest in [graph_state(r["id"], r["file_path"], {}, []).digest]
        for key in ("graph_sent", "graph_synced")
    ]

    async def write(uow: object) -> None:
        session = uow.session  # type: ignore[attr-defined]
        await session.execute(insert(Recording), recordings)
        await session.execute(insert(FileEntry), [{**row, "status": "present"} for row in files])
        await session.execute(insert(MetadataEntry), in_step)

    await db.run(write)


async def test_rescanning_unchanged_files_reads_nothing_and_confirms_in_batches(
    database: Database, music: Path
) -> None:
    """The fast path end to end: FileDiscovered through the bus for known, unchanged files; no file is read.

    Unchanged files are confirmed in batched transactions (a batch holds what is in flight, so up to ``prefetch``);
    how fast that is, is measured in benchmarks/catalog, not here.
    """
    prefetch = 64
    paths = [str(music / f"{n:05d}.mp3") for n in range(2_000)]
    await _seed(database, paths)
    harness = Catalog(database, music, prefetch=prefetch)
    scan = uuid.uuid4()
    async with harness.bus:
        for n, path in enumerate(paths):
            await harness.bus.publish(FileDiscovered(path=path, size=1000 + n, mtime=1.7e9 + n, scan_id=scan))
        await harness.bus.wait_idle()
        assert await harness.dead_letters() == []
    assert harness.reads == []
    assert await scan_progress(database, scan) == len(paths)
    assert harness.consumer.unchanged.transactions <= len(paths) / (prefetch / 2)


async def test_a_page_of_unchanged_files_is_marked_seen_without_a_read(catalog: Catalog, music: Path) -> None:
    paths = [write_wav(music / f"p{n}.wav", frequency=220 + 40 * n) for n in range(5)]
    await catalog.send(catalog.page(*paths, scan_id=uuid.uuid4()))
    assert sorted(catalog.reads) == sorted(map(str, paths)), "new files of a page are read, each once"
    announced = len(catalog.announced)

    rescan = uuid.uuid4()
    await catalog.send(catalog.page(*paths, scan_id=rescan))
    assert len(catalog.reads) == 5, "an unchanged file of a page was read again"
    assert await scan_progress(catalog.db, rescan) == 5
    assert len(catalog.announced) == announced


async def test_a_page_sends_only_its_new_and_changed_files_to_be_read(catalog: Catalog, music: Path) -> None:
    same = write_wav(music / "same.wav", frequency=300)
    edited = write_wav(music / "edited.wav", frequency=400)
    await catalog.discover(same, edited, scan_id=uuid.uuid4())
    write_wav(edited, seconds=0.75, frequency=410)
    new = write_wav(music / "new.wav", frequency=500)
    page = catalog.page(same, edited, new, scan_id=uuid.uuid4())
    await catalog.send(page)
    assert sorted(catalog.reads) == sorted(map(str, [same, edited, edited, new]))
    assert await scan_progress(catalog.db, page.scan_id) == 3
    # each file read for the page goes on with the correlation id the watcher gave it
    by_path = {file.path: file.correlation_id for file in page.files}
    journeys = {m.path: m.correlation_id for m in catalog.announced if m.path in (str(edited), str(new))}
    assert journeys == {str(edited): by_path[str(edited)], str(new): by_path[str(new)]}


async def test_a_redelivered_page_changes_nothing(catalog: Catalog, music: Path) -> None:
    paths = [write_wav(music / f"r{n}.wav", frequency=610 + 30 * n) for n in range(3)]
    page = catalog.page(*paths, scan_id=uuid.uuid4())
    before = _discoveries_handled()
    await catalog.send(page)
    assert _discoveries_handled() - before == 3
    await catalog.send(page)  # the same message again, as after a lost acknowledgement
    assert _discoveries_handled() - before == 3, "the redelivered page sent its files again"
    assert len(catalog.reads) == 3
    assert len(catalog.announced) == 3


async def test_a_page_delivered_twice_before_its_files_are_read_queues_them_once(catalog: Catalog, music: Path) -> None:
    paths = [write_wav(music / f"q{n}.wav", frequency=710 + 30 * n) for n in range(3)]
    page = catalog.page(*paths, scan_id=uuid.uuid4())
    for _ in range(2):  # the transaction alone, so nothing reads the queued discoveries in between
        await catalog.db.run(lambda uow: sort_page(uow, page))
    async with catalog.db.transaction() as uow:
        assert await uow.outbox.count() == 3


def _discoveries_handled() -> float:
    labels = {"consumer": "catalog", "type": "file.discovered"}
    return REGISTRY.get_sample_value("tracktion_messages_handled_total", labels) or 0.0
