"""The later stages' results reach the catalog as messages and end up with their recording (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from catalog_harness import Catalog, write_wav

from tracktion_shared.messages import (
    AnalysisCompleted,
    AnalysisFailed,
    TimelineSegment,
    TracklistFound,
    TracklistNotFound,
    TracklistTrack,
)
from tracktion_shared.storage import Database


async def cataloged(catalog: Catalog, music: Path) -> uuid.UUID:
    path = write_wav(music / "set.wav")
    await catalog.discover(path)
    return (await catalog.recording(path)).id


def completed(recording_id: uuid.UUID, **fields: object) -> AnalysisCompleted:
    values: dict[str, object] = {
        "recording_id": recording_id,
        "xxh128": "0" * 32,
        "bpm": 174.0,
        "key": "F#",
        "scale": "minor",
        "camelot": "11A",
        "open_key": "4m",
        "mood": "energetic",
        "mood_method": "heuristic",
        "energy": 0.8,
        "danceability": 1.4,
        "timeline": [TimelineSegment(start_seconds=0, end_seconds=60, bpm=174.0, key="F#", scale="minor")],
    }
    return AnalysisCompleted(**(values | fields))  # type: ignore[arg-type]


async def test_analysis_results_become_metadata(catalog: Catalog, music: Path) -> None:
    recording_id = await cataloged(catalog, music)
    await catalog.send(completed(recording_id))

    metadata = (await catalog.recording(recording_id)).metadata
    assert metadata["analysis_status"] == "analysed"
    assert (metadata["bpm"], metadata["key"], metadata["scale"], metadata["camelot"]) == ("174", "F#", "minor", "11A")
    assert (metadata["mood"], metadata["energy"]) == ("energetic", "0.8")
    assert json.loads(metadata["timeline"]) == [
        {"start_seconds": 0.0, "end_seconds": 60.0, "bpm": 174.0, "key": "F#", "scale": "minor"}
    ]
    assert "duration" in metadata, "the tags stay"


async def test_a_new_result_replaces_the_old_one_whole(catalog: Catalog, music: Path) -> None:
    recording_id = await cataloged(catalog, music)
    await catalog.send(completed(recording_id))
    await catalog.send(completed(recording_id, mood=None, timeline=[], bpm=128.0))
    metadata = (await catalog.recording(recording_id)).metadata
    assert metadata["bpm"] == "128"
    assert "mood" not in metadata
    assert "timeline" not in metadata

    await catalog.send(AnalysisFailed(recording_id=recording_id, reason="silent: no onsets"))
    metadata = (await catalog.recording(recording_id)).metadata
    assert (metadata["analysis_status"], metadata["analysis_error"]) == ("failed", "silent: no onsets")


async def test_confidences_and_the_alternative_tempo_are_stored_and_go_with_a_result_without_them(
    catalog: Catalog, music: Path
) -> None:
    recording_id = await cataloged(catalog, music)
    segment = TimelineSegment(start_seconds=0, end_seconds=60, bpm=174.0, bpm_confidence=0.4)
    await catalog.send(
        completed(recording_id, bpm_confidence=0.32, bpm_alternative=87.0, key_confidence=0.915, timeline=[segment])
    )
    metadata = (await catalog.recording(recording_id)).metadata
    assert (metadata["bpm_confidence"], metadata["bpm_alternative"], metadata["key_confidence"]) == (
        "0.32",
        "87",
        "0.915",
    )
    assert json.loads(metadata["timeline"]) == [
        {"start_seconds": 0.0, "end_seconds": 60.0, "bpm": 174.0, "bpm_confidence": 0.4}
    ]

    await catalog.send(completed(recording_id, bpm=128.0))  # a later analysis that did not say how sure it is
    metadata = (await catalog.recording(recording_id)).metadata
    assert metadata["bpm"] == "128"
    assert not {"bpm_confidence", "bpm_alternative", "key_confidence"} & set(metadata), "stale confidences stay"


async def test_the_same_result_twice_changes_nothing(catalog: Catalog, music: Path, database: Database) -> None:
    recording_id = await cataloged(catalog, music)
    message = completed(recording_id)
    await catalog.send(message)
    await catalog.send(completed(recording_id, bpm=90.0))
    await catalog.send(message)  # a redelivery of the first: already recorded, must not win over the second
    assert (await catalog.recording(recording_id)).metadata["bpm"] == "90"


async def test_a_tracklist_is_stored_and_replaced(catalog: Catalog, music: Path, database: Database) -> None:
    recording_id = await cataloged(catalog, music)
    tracks = [
        TracklistTrack(position=1, artist="A", title="First", start_seconds=0),
        TracklistTrack(position=2, artist="ID", title="ID", start_seconds=None, unidentified=True),
    ]
    found = TracklistFound(
        recording_id=recording_id,
        source="1001tracklists",
        url="https://example.invalid/t/1",
        tracks=tracks,
        cue_file_path=str(music / "set.cue"),
    )
    await catalog.send(found)
    await catalog.send(TracklistFound(recording_id=recording_id, source="1001tracklists", tracks=tracks[:1]))

    stored = await database.run(lambda uow: uow.tracklists.list_for_recording(recording_id))
    assert len(stored) == 1
    assert [track["title"] for track in stored[0].tracks] == ["First"]
    metadata = (await catalog.recording(recording_id)).metadata
    assert (metadata["tracklist_status"], metadata["tracklist_source"]) == ("found", "1001tracklists")
    assert "tracklist_url" not in metadata

    await catalog.send(TracklistNotFound(recording_id=recording_id, reason="captcha page", blocked=True))
    metadata = (await catalog.recording(recording_id)).metadata
    assert (metadata["tracklist_status"], metadata["tracklist_reason"]) == ("blocked", "captcha page")


async def test_a_result_for_an_unknown_recording_is_dead_lettered_and_the_catalog_goes_on(
    database: Database, music: Path
) -> None:
    catalog = Catalog(database, music)  # not the fixture: that one insists on an empty dead-letter queue
    async with catalog.bus:
        stranger = uuid.uuid4()
        await catalog.send(completed(stranger))
        recording_id = await cataloged(catalog, music)
        await catalog.send(completed(recording_id))

        dead = await catalog.dead_letters()
        assert len(dead) == 1
        assert str(stranger) in dead[0]
        assert (await catalog.recording(recording_id)).metadata["analysis_status"] == "analysed"
