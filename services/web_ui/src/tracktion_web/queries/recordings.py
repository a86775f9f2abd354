"""One recording: its tags, analysis, files, tracklists and timeline, read from the catalog's own tables.

Values written by other stages are read leniently (a timeline segment or track row that does not parse is left
out, not a server error): the catalog stores them as text and JSON, and a page must show what it can.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tracktion_shared.storage import Database, LibraryEntry, Tracklist, UnitOfWork
from tracktion_web.cue import cue_problem
from tracktion_web.models import (
    AnalysisView,
    FileView,
    RecordingDetail,
    Timeline,
    TimelineSegmentView,
    TrackBoundary,
    TracklistView,
    TrackView,
)
from tracktion_web.numbers import number
from tracktion_web.timefmt import clock

__all__ = ["CueLocation", "cue_location", "recording_detail", "timeline", "track_query"]

TAG_KEYS = ("artist", "title", "album", "genre", "date")
PROPERTY_KEYS = ("duration", "bitrate", "sample_rate", "channels")


@dataclass(frozen=True, slots=True)
class CueLocation:
    recording_id: uuid.UUID
    cue_file_path: str | None


def track_query(tags: Mapping[str, str]) -> str | None:
    """What to ask the graph for "sets that played this track": ``"Artist - Title"`` from the tags, if both exist."""
    artist, title = tags.get("artist", "").strip(), tags.get("title", "").strip()
    return f"{artist} - {title}" if artist and title else None


def _float(value: Any) -> float | None:
    return None if value is None else number(str(value))


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return None if value is None else uuid.UUID(str(value))
    except ValueError:
        return None


def _tracks(raw: Any) -> list[TrackView]:
    tracks = []
    for row in raw if isinstance(raw, list) else []:
        if not isinstance(row, dict):
            continue
        try:
            position = int(row["position"])
            start = row.get("start_seconds")
            start_seconds = number(str(start)) if start is not None else None
            tracks.append(
                TrackView(
                    position=position,
                    artist=str(row.get("artist") or ""),
                    title=str(row.get("title") or ""),
                    start_seconds=start_seconds,
                    cue_time=clock(start_seconds),
                    label=None if row.get("label") is None else str(row["label"]),
                    unidentified=bool(row.get("unidentified", False)),
                    recording_id=_uuid(row.get("recording_id")),
                    end_seconds=_float(row.get("end_seconds")),
                    tempo_ratio=_float(row.get("tempo_ratio")),
                    semitones=_float(row.get("semitones")),
                    confidence=_float(row.get("confidence")),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    tracks.sort(key=lambda t: t.position)
    return tracks


def _tracklist_view(tracklist: Tracklist) -> TracklistView:
    problem = cue_problem(tracklist.cue_file_path)
    return TracklistView(
        id=tracklist.id,
        source=tracklist.source,
        cue_file_name=None if not tracklist.cue_file_path else tracklist.cue_file_path.rsplit("/", 1)[-1],
        cue_url=None if problem else f"/api/tracklists/{tracklist.id}/cue",
        cue_problem=problem,
        tracks=_tracks(tracklist.tracks),
    )


def _segments(raw: str | None) -> list[TimelineSegmentView]:
    try:
        data = json.loads(raw) if raw else []
    except ValueError:
        return []
    segments = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict):
            continue
        start, end = number(str(item.get("start_seconds"))), number(str(item.get("end_seconds")))
        if start is None or end is None:
            continue
        bpm = number(str(item["bpm"])) if item.get("bpm") is not None else None
        confidence = number(str(item["bpm_confidence"])) if item.get("bpm_confidence") is not None else None
        segments.append(
            TimelineSegmentView(
                start_seconds=start,
                end_seconds=end,
                bpm=bpm,
                bpm_confidence=confidence,
                camelot=None if item.get("camelot") is None else str(item["camelot"]),
                key=None if item.get("key") is None else str(item["key"]),
                scale=None if item.get("scale") is None else str(item["scale"]),
            )
        )
    segments.sort(key=lambda s: s.start_seconds)
    return segments


def _boundaries(tracklists: Sequence[TracklistView]) -> list[TrackBoundary]:
    """Track starts of the first tracklist that has times (one source's boundaries; two would be noise)."""
    for tracklist in tracklists:
        timed = [track for track in tracklist.tracks if track.start_seconds is not None]
        if timed:
            return [
                TrackBoundary(
                    position=track.position,
                    start_seconds=track.start_seconds or 0.0,
                    label=f"{track.position}. {track.artist} - {track.title}".strip(),
                )
                for track in timed
            ]
    return []


async def _tracklists(uow: UnitOfWork, recording_id: uuid.UUID) -> list[TracklistView]:
    return [_tracklist_view(t) for t in await uow.tracklists.list_for_recording(recording_id)]


async def recording_detail(db: Database, recording_id: uuid.UUID) -> RecordingDetail | None:
    """Everything the recording page shows except the graph answers; None when there is no such recording."""

    async def read(uow: UnitOfWork) -> RecordingDetail | None:
        recording = await uow.recordings.get(recording_id)
        if recording is None:
            return None
        metadata = await uow.metadata.get_all(recording_id)
        files = await uow.files.for_recording(recording_id)
        status = await uow.session.scalar(select(LibraryEntry.status).where(LibraryEntry.recording_id == recording_id))
        present = [f.path for f in files if f.status == "present"]
        return RecordingDetail(
            id=recording.id,
            file_path=recording.file_path,
            file_name=recording.file_name,
            sha256_hash=recording.sha256_hash,
            xxh128_hash=recording.xxh128_hash,
            created_at=recording.created_at,
            status=status or ("cataloged" if present else "missing"),
            tags={key: metadata[key] for key in TAG_KEYS if metadata.get(key)},
            properties={key: metadata[key] for key in PROPERTY_KEYS if metadata.get(key)},
            duration=number(metadata.get("duration")),
            analysis=_analysis(metadata),
            tracklist_status=metadata.get("tracklist_status"),
            tracklist_reason=metadata.get("tracklist_reason"),
            files=[FileView(path=f.path, status=f.status, error=f.error, size=f.size) for f in files],
            duplicates=[path for path in present if path != recording.file_path],
            tracklists=await _tracklists(uow, recording_id),
            has_timeline=bool(_segments(metadata.get("timeline"))),
        )

    return await db.run(read)


def _analysis(metadata: Mapping[str, str]) -> AnalysisView:
    return AnalysisView(
        status=metadata.get("analysis_status"),
        error=metadata.get("analysis_error"),
        bpm=number(metadata.get("bpm")),
        bpm_confidence=number(metadata.get("bpm_confidence")),
        bpm_alternative=number(metadata.get("bpm_alternative")),
        key=metadata.get("key"),
        scale=metadata.get("scale"),
        camelot=metadata.get("camelot"),
        open_key=metadata.get("open_key"),
        key_confidence=number(metadata.get("key_confidence")),
        mood=metadata.get("mood"),
        mood_method=metadata.get("mood_method"),
        energy=number(metadata.get("energy")),
        danceability=number(metadata.get("danceability")),
    )


async def timeline(db: Database, recording_id: uuid.UUID) -> Timeline | None:
    """The recording's tempo/key timeline with its tracklist's track starts; None when there is no such recording."""

    async def read(uow: UnitOfWork) -> Timeline | None:
        if await uow.recordings.get(recording_id) is None:
            return None
        metadata = await uow.metadata.get_all(recording_id)
        return Timeline(
            recording_id=recording_id,
            duration=number(metadata.get("duration")),
            segments=_segments(metadata.get("timeline")),
            boundaries=_boundaries(await _tracklists(uow, recording_id)),
        )

    return await db.run(read)


async def cue_location(db: Database, tracklist_id: uuid.UUID) -> CueLocation | None:
    """Where the catalog says the tracklist's .cue was written; None when there is no such tracklist."""

    async def read(uow: UnitOfWork) -> CueLocation | None:
        row = (
            await uow.session.execute(
                select(Tracklist.recording_id, Tracklist.cue_file_path).where(Tracklist.id == tracklist_id)
            )
        ).first()
        return None if row is None else CueLocation(row.recording_id, row.cue_file_path)

    return await db.run(read)
