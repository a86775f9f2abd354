"""A file's life in the catalog: found, found again, renamed, copied, edited, deleted, back again."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import xxhash
from catalog_harness import Catalog, without_graph_bookkeeping, write_wav

from tracktion_catalog import FileView, list_recordings, summary
from tracktion_shared.messages import FileDeleted, FileMoved

TAGS = {"artist": "Ärtist", "title": "First Light", "album": "Dawn", "genre": "Ambient", "date": "2021"}


async def test_a_new_file_becomes_one_recording_with_hashes_and_metadata(catalog: Catalog, music: Path) -> None:
    path = write_wav(music / "first.wav", seconds=1.0, tags=TAGS)
    await catalog.discover(path)

    data = path.read_bytes()
    recording = await catalog.recording(path)
    assert (recording.file_path, recording.file_name) == (str(path), "first.wav")
    assert recording.sha256_hash == hashlib.sha256(data).hexdigest()
    assert recording.xxh128_hash == xxhash.xxh3_128_hexdigest(data)
    requested_at = datetime.fromisoformat(recording.metadata.pop("analysis_requested_at"))
    assert abs((datetime.now(UTC) - requested_at).total_seconds()) < 60
    assert recording.metadata["graph_synced"] == recording.metadata["graph_sent"], "the graph confirmed its state"
    (state,) = catalog.graph_states
    assert (state.recording_id, state.path, state.metadata) == (recording.id, str(path), TAGS)
    assert without_graph_bookkeeping(recording.metadata) == {
        **TAGS,
        "duration": "1",
        "bitrate": str(22050 * 16),
        "sample_rate": "22050",
        "channels": "1",
        # the announcement's request is state: a scan asks again if no answer comes (stage_requests)
        "analysis_status": "requested",
        "analysis_attempts": "1",
    }
    assert (recording.status, recording.duplicates) == ("present", [])
    (announced,) = catalog.announced
    assert (announced.recording_id, announced.path, announced.sha256) == (
        recording.id,
        str(path),
        recording.sha256_hash,
    )
    assert (announced.duration_seconds, announced.content_changed, announced.tags) == (1.0, True, TAGS)


async def test_the_same_message_twice_changes_nothing(catalog: Catalog, music: Path) -> None:
    path = write_wav(music / "twice.wav")
    message = catalog.event(path, scan_id=uuid.uuid4())
    await catalog.send(message)
    before = await catalog.recording(path)
    await catalog.send(message)
    assert await catalog.recording(path) == before
    assert len(await list_recordings(catalog.db)) == 1
    assert len(catalog.reads) == 1
    assert len(catalog.announced) == 1


async def test_a_rename_keeps_the_recording_and_is_no_duplicate(catalog: Catalog, music: Path) -> None:
    old = write_wav(music / "old name.wav")
    await catalog.discover(old)
    before = await catalog.recording(old)
    new = music / "sub" / "new name.wav"
    new.parent.mkdir()
    old.rename(new)
    await catalog.send(FileMoved(old_path=str(old), path=str(new), size=new.stat().st_size, mtime=new.stat().st_mtime))

    after = await catalog.recording(new)
    assert after.id == before.id
    assert (after.file_path, after.file_name, after.duplicates) == (str(new), "new name.wav", [])
    assert [file.path for file in after.files] == [str(new)]
    assert len(catalog.reads) == 1  # not read again
    assert len(catalog.announced) == 1
    assert (await summary(catalog.db, str(music))).duplicates == []


async def test_a_copy_is_the_same_recording_listed_as_duplicate(catalog: Catalog, music: Path) -> None:
    original = write_wav(music / "a.wav")
    copy = music / "b.wav"
    shutil.copy(original, copy)
    await catalog.discover(original)
    await catalog.discover(copy)

    recording = await catalog.recording(original)
    assert (await catalog.recording(copy)).id == recording.id
    assert recording.file_path == str(original)
    assert recording.duplicates == [str(copy)]
    assert len(await list_recordings(catalog.db)) == 1
    assert len(catalog.announced) == 1  # the copy is not news
    state = await summary(catalog.db, str(music))
    assert (state.recordings, state.duplicates) == (1, [str(copy)])


async def test_copies_found_at_the_same_time_are_one_recording(catalog: Catalog, music: Path) -> None:
    """Handlers race to create the same content: the losers' transactions run again and attach to the winner."""
    first = write_wav(music / "one.wav")
    copies = [first] + [music / f"copy{n}.wav" for n in range(5)]
    for copy in copies[1:]:
        shutil.copy(first, copy)
    await catalog.discover(*copies)

    recording = await catalog.recording(first)
    assert recording.file_path == str(first)  # the oldest: whichever copy was committed first
    assert sorted(recording.duplicates) == sorted(map(str, copies[1:]))
    assert len(await list_recordings(catalog.db)) == 1
    assert len(catalog.announced) == 1


async def test_modified_content_keeps_the_recording_id_with_new_hashes(catalog: Catalog, music: Path) -> None:
    path = write_wav(music / "mix.wav", frequency=440, tags={"title": "Take 1", "album": "Demo"})
    await catalog.discover(path)
    before = await catalog.recording(path)
    write_wav(path, frequency=550, tags={"title": "Take 2"})
    os.utime(path, (1_700_000_000, 1_700_000_000))  # a different mtime even on coarse clocks
    await catalog.change(path)

    after = await catalog.recording(path)
    assert after.id == before.id
    assert after.sha256_hash == hashlib.sha256(path.read_bytes()).hexdigest() != before.sha256_hash
    assert after.metadata["title"] == "Take 2"
    assert "album" not in after.metadata  # the new content has no album tag
    assert [(m.recording_id, m.content_changed) for m in catalog.announced] == [(before.id, True), (before.id, True)]
    assert catalog.announced[1].sha256 == after.sha256_hash


async def test_modifying_one_of_two_copies_gives_it_a_new_recording(catalog: Catalog, music: Path) -> None:
    first = write_wav(music / "first.wav")
    second = music / "second.wav"
    shutil.copy(first, second)
    await catalog.discover(first)
    await catalog.discover(second)
    shared = await catalog.recording(first)
    write_wav(first, frequency=880)
    os.utime(first, (1_700_000_000, 1_700_000_000))
    await catalog.change(first)

    assert (await catalog.recording(first)).id != shared.id
    kept = await catalog.recording(shared.id)
    assert (kept.file_path, kept.sha256_hash, kept.duplicates) == (str(second), shared.sha256_hash, [])
    assert len(catalog.announced) == 2


async def test_a_deleted_file_is_missing_and_keeps_its_recording(catalog: Catalog, music: Path) -> None:
    path = write_wav(music / "gone.wav", tags={"artist": "Kept"})
    await catalog.discover(path)
    before = await catalog.recording(path)
    path.unlink()
    await catalog.send(FileDeleted(path=str(path)))

    after = await catalog.recording(path)
    assert after.id == before.id
    assert after.status == "missing"
    assert without_graph_bookkeeping(after.metadata) == without_graph_bookkeeping(before.metadata)
    assert [state.path for state in catalog.graph_states] == [str(path), None], "the deletion reached the graph"
    assert after.metadata["graph_synced"] == catalog.graph_states[-1].digest
    assert (await catalog.file(path)).status == "missing"
    state = await summary(catalog.db, str(music))
    assert (state.recordings, state.missing) == (0, [str(path)])


async def test_a_deleted_primary_hands_over_to_a_copy(catalog: Catalog, music: Path) -> None:
    first = write_wav(music / "a.wav")
    second = music / "b.wav"
    shutil.copy(first, second)
    await catalog.discover(first)
    await catalog.discover(second)
    first.unlink()
    await catalog.send(FileDeleted(path=str(first)))

    recording = await catalog.recording(second)
    assert (recording.file_path, recording.duplicates, recording.status) == (str(second), [], "present")


async def test_a_file_that_comes_back_elsewhere_is_matched_to_its_recording(catalog: Catalog, music: Path) -> None:
    path = write_wav(music / "lost.wav")
    await catalog.discover(path)
    before = await catalog.recording(path)
    elsewhere = music / "found" / "again.wav"
    elsewhere.parent.mkdir()
    path.rename(elsewhere)
    await catalog.send(FileDeleted(path=str(path)))
    await catalog.discover(elsewhere)

    after = await catalog.recording(elsewhere)
    assert after.id == before.id
    assert (after.file_path, after.status, after.duplicates) == (str(elsewhere), "present", [])
    # the old path is where the file used to be, not a lost copy: it is forgotten (a move seen as delete + create)
    assert {(f.path, f.status) for f in after.files} == {(str(elsewhere), "present")}
    assert len(catalog.announced) == 1  # known audio: nothing new to analyse


async def test_deleting_one_of_two_copies_forgets_that_path(catalog: Catalog, music: Path) -> None:
    original = write_wav(music / "one.wav")
    copy = music / "copy.wav"
    copy.write_bytes(original.read_bytes())
    await catalog.discover(original)
    await catalog.discover(copy)
    copy.unlink()
    await catalog.send(FileDeleted(path=str(copy)))

    recording = await catalog.recording(original)
    assert {(f.path, f.status) for f in recording.files} == {(str(original), "present")}
    assert recording.status == "present"


async def test_a_stale_delete_of_a_path_that_exists_again_is_ignored(catalog: Catalog, music: Path) -> None:
    path = write_wav(music / "back.wav")
    await catalog.discover(path)
    await catalog.send(FileDeleted(path=str(path)))  # arrived late: the file is there
    assert (await catalog.file(path)).status == "present"


async def test_a_move_over_another_file_replaces_it(catalog: Catalog, music: Path) -> None:
    mover = write_wav(music / "mover.wav", frequency=300)
    victim = write_wav(music / "victim.wav", frequency=600)
    await catalog.discover(mover, victim)
    mover_id = (await catalog.recording(mover)).id
    victim_id = (await catalog.recording(victim)).id
    mover.replace(victim)
    await catalog.send(FileMoved(old_path=str(mover), path=str(victim)))

    assert (await catalog.recording(victim)).id == mover_id
    assert (await catalog.recording(victim_id)).status == "missing"
    assert await catalog.file(victim) == FileView(
        path=str(victim),
        status="present",
        error=None,
        size=victim.stat().st_size,
        mtime=victim.stat().st_mtime,
        recording_id=mover_id,
    )


async def test_a_move_from_an_unknown_path_is_a_discovery(catalog: Catalog, music: Path) -> None:
    path = write_wav(music / "arrived.wav")
    await catalog.send(FileMoved(old_path=str(music.parent / "outside.wav"), path=str(path)))
    assert (await catalog.recording(path)).status == "present"
    assert len(catalog.announced) == 1


async def test_a_move_that_changed_size_is_read_again(catalog: Catalog, music: Path) -> None:
    old = write_wav(music / "draft.wav", frequency=200)
    await catalog.discover(old)
    before = await catalog.recording(old)
    new = music / "final.wav"
    old.rename(new)
    write_wav(new, seconds=0.7, frequency=250)
    await catalog.send(FileMoved(old_path=str(old), path=str(new), size=new.stat().st_size, mtime=new.stat().st_mtime))

    after = await catalog.recording(new)
    assert (after.id, after.file_path) == (before.id, str(new))
    assert after.sha256_hash != before.sha256_hash
    assert len(catalog.reads) == 2
    assert await get_missing(catalog, music) == []


async def get_missing(catalog: Catalog, music: Path) -> list[str]:
    return (await summary(catalog.db, str(music))).missing
