"""Bad input is recorded with its reason and never stops the rest: every good file next to it is cataloged."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

from catalog_harness import Catalog, permission_denied_path, write_mp3, write_wav

from tracktion_catalog import list_recordings, summary


async def test_each_bad_file_fails_with_its_reason_and_the_good_ones_are_cataloged(
    catalog: Catalog, music: Path
) -> None:
    good = [write_wav(music / f"good{n}.wav", frequency=300 + 100 * n) for n in range(3)]
    empty = music / "empty.wav"
    empty.write_bytes(b"")
    text = music / "notes.mp3"
    text.write_text("tracklist ideas, not audio\n" * 50)
    whole = write_mp3(music.parent / "whole.mp3")
    truncated = music / "truncated.mp3"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    locked = permission_denied_path(music)
    await catalog.discover(*good, empty, text, truncated, locked, scan_id=uuid.uuid4())

    state = await summary(catalog.db, str(music))
    errors = dict(state.failed)
    assert set(errors) == {str(empty), str(text), str(truncated), str(locked)}
    assert errors[str(empty)] == "empty file (0 bytes)"
    assert errors[str(text)] == "not readable as audio: can't sync to MPEG frame"
    assert re.fullmatch(r"truncated: \d+\.\d s of 4\.\d s present", errors[str(truncated)])
    assert errors[str(locked)] == "cannot open: Permission denied"
    assert state.recordings == 3
    assert sorted(r.file_path for r in await list_recordings(catalog.db)) == sorted(map(str, good))
    assert len(catalog.announced) == 3
    for path in (empty, text, truncated, locked):
        assert (await catalog.file(path)).recording_id is None


async def test_a_truncated_copy_fails_the_same_way_in_every_format_and_a_whole_one_is_cataloged(
    catalog: Catalog, music: Path
) -> None:
    """20 s clips cut at 60 %: each format rejected with its seconds present; the intact copies untouched."""
    whole, cut = [], []
    for extension in ("wav", "flac", "mp3", "ogg"):
        source = write_mp3(music / f"whole.{extension}", seconds=20.0)
        data = source.read_bytes()
        (music / f"cut.{extension}").write_bytes(data[: len(data) * 6 // 10])
        whole.append(source)
        cut.append(music / f"cut.{extension}")
    await catalog.discover(*whole, *cut, scan_id=uuid.uuid4())

    errors = dict((await summary(catalog.db, str(music))).failed)
    assert set(errors) == set(map(str, cut))
    for path in cut:
        shape = r"of 20\.\d s present" if path.suffix != ".ogg" else r"present, the stream stops before its end"
        assert re.fullmatch(rf"truncated: 1[0-3]\.\d s {shape}", errors[str(path)]), errors[str(path)]
        assert (await catalog.file(path)).recording_id is None
    for path in whole:
        assert (await catalog.file(path)).status == "present"
        assert (await catalog.recording(path)).status == "present"


async def test_an_unchanged_failed_file_is_not_read_again_a_changed_one_is(catalog: Catalog, music: Path) -> None:
    bad = music / "later.wav"
    bad.write_text("still uploading")
    await catalog.discover(bad, scan_id=uuid.uuid4())
    await catalog.discover(bad, scan_id=uuid.uuid4())
    assert catalog.reads == [str(bad)]
    assert (await catalog.file(bad)).status == "failed"

    write_wav(bad)  # the real file arrives: new size and mtime
    await catalog.discover(bad, scan_id=uuid.uuid4())
    assert catalog.reads == [str(bad), str(bad)]
    file = await catalog.file(bad)
    assert (file.status, file.error) == ("present", None)
    assert (await catalog.recording(bad)).status == "present"


async def test_a_file_that_could_not_be_opened_is_tried_on_every_scan(catalog: Catalog, music: Path) -> None:
    locked = permission_denied_path(music)
    await catalog.discover(locked, scan_id=uuid.uuid4())
    await catalog.discover(locked, scan_id=uuid.uuid4())  # permissions may have been fixed: cheap to try again
    assert catalog.reads == [str(locked), str(locked)]
    file = await catalog.file(locked)
    assert (file.status, file.size, file.mtime) == ("failed", None, None)


async def test_a_file_gone_before_it_is_read_is_missing(catalog: Catalog, music: Path) -> None:
    path = write_wav(music / "fleeting.wav")
    message = catalog.event(path, scan_id=uuid.uuid4())
    path.unlink()
    await catalog.send(message)
    file = await catalog.file(path)
    assert (file.status, file.error, file.recording_id) == ("missing", "deleted before it could be read", None)
    assert await list_recordings(catalog.db) == []


async def test_a_cataloged_file_that_turns_bad_loses_its_recording_link(catalog: Catalog, music: Path) -> None:
    path = write_wav(music / "damaged.wav")
    copy = music / "copy.wav"
    shutil.copy(path, copy)
    await catalog.discover(path)
    await catalog.discover(copy)
    recording = await catalog.recording(path)
    path.write_bytes(b"")
    await catalog.change(path)

    assert (await catalog.file(path)).status == "failed"
    after = await catalog.recording(recording.id)
    assert (after.file_path, after.status) == (str(copy), "present")
