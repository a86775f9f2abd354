"""The read side the CLI uses: look-ups by id or path, pages of recordings, JSON output."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

from catalog_harness import Catalog, write_wav

from tracktion_catalog import get_file, get_recording, list_recordings, scan_progress, summary


async def test_a_recording_is_found_by_id_by_its_text_and_by_any_of_its_paths(catalog: Catalog, music: Path) -> None:
    path = write_wav(music / "a.wav")
    copy = music / "b.wav"
    shutil.copy(path, copy)
    await catalog.discover(path)
    await catalog.discover(copy)
    recording = await catalog.recording(path)

    assert await get_recording(catalog.db, recording.id) == recording
    assert await get_recording(catalog.db, str(recording.id)) == recording
    assert await get_recording(catalog.db, str(copy)) == recording
    assert await get_recording(catalog.db, str(music / "unknown.wav")) is None
    assert await get_recording(catalog.db, uuid.uuid4()) is None
    assert await get_file(catalog.db, str(music / "unknown.wav")) is None


async def test_pages_of_recordings_never_overlap(catalog: Catalog, music: Path) -> None:
    paths = [write_wav(music / f"{n}.wav", frequency=200 + 40 * n) for n in range(5)]
    for path in paths:
        await catalog.discover(path)
    pages = [await list_recordings(catalog.db, limit=2, offset=offset) for offset in (0, 2, 4, 6)]
    assert [len(page) for page in pages] == [2, 2, 1, 0]
    assert sorted(view.file_path for page in pages for view in page) == sorted(map(str, paths))


async def test_views_are_json_friendly(catalog: Catalog, music: Path) -> None:
    path = write_wav(music / "j.wav", tags={"artist": "Jay"})
    bad = music / "bad.wav"
    bad.write_bytes(b"RIFF????WAVEjunk")
    scan = uuid.uuid4()
    await catalog.discover(path, bad, scan_id=scan)
    (view,) = await list_recordings(catalog.db)
    document = json.loads(json.dumps(view.as_json()))
    assert document["id"] == str(view.id)
    assert document["metadata"]["artist"] == "Jay"
    assert document["files"][0]["status"] == "present"
    assert json.loads(json.dumps((await summary(catalog.db, str(music))).as_json()))["failed"][0]["path"] == str(bad)
    assert await scan_progress(catalog.db, scan) == 2
