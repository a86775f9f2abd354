"""A small real catalog for the web UI's tests: generated music scanned by the embedded pipeline, plus a long set.

The tracks are synthesised at known tempos and keys, tagged with ffmpeg, and cataloged and analysed by a real
``tracktion scan`` (so the library rows, metadata and the embedded graph are what the product writes). An hour-long
set cannot be analysed in a test's time, so its recording, timeline, tracklist and .cue sheet are written directly
through the storage layer and the graph, the way the catalog and the graph writer would record them.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tracktion_analysis.synth import Section, write_sections
from tracktion_shared.config import Settings
from tracktion_shared.graph import LadybugGraph, embedded_graph_path
from tracktion_shared.messages import TracklistTrack
from tracktion_shared.storage import Database, UnitOfWork

__all__ = ["SET_BPM_CONFIDENCE", "SET_TRACKS", "TRACKS", "WebCatalog", "build_web_catalog", "tracktion_env"]

#: file name -> (artist, title, bpm, tonic, scale, style)
TRACKS: dict[str, tuple[str, str, float, str, str, str]] = {
    "Kraak - Nightdrive.flac": ("Kraak", "Nightdrive", 124, "A", "minor", "four_on_the_floor"),
    "Vela - Oxide.flac": ("Vela", "Oxide", 128, "E", "minor", "four_on_the_floor"),
    "Breakline - Pressure.flac": ("Breakline", "Pressure", 174, "F", "minor", "drum_and_bass"),
    "Breakline - Slow Pressure.flac": ("Breakline", "Slow Pressure", 87, "F", "minor", "hip_hop"),
}
SET_FILE = "Breakline live at Fabric.flac"
#: the set's tempo is a low-confidence reading (87 came close), so the pages mark it
SET_BPM_CONFIDENCE = 0.32
SET_DURATION = 3600.0
#: (artist, title, start) of the set's tracklist; "Kraak - Nightdrive" is one of the library's tracks
SET_TRACKS = [
    ("Breakline", "Intro", 0.0),
    ("Vela", "Shards", 420.0),
    ("Kraak", "Nightdrive", 840.0),
    ("ID", "ID", 1260.0),
    ("Other Artist", "Rollers", 1680.0),
    ("Breakline", "Pressure", 2100.0),
    ("Closing Act", "Outro", 3000.0),
]


@dataclass
class WebCatalog:
    root: Path
    music: Path
    data_dir: Path
    ids: dict[str, uuid.UUID] = field(default_factory=dict)
    set_id: uuid.UUID = field(default_factory=uuid.uuid4)
    set_tracklist_id: uuid.UUID | None = None
    cue_path: Path | None = None
    bad_files: list[Path] = field(default_factory=list)
    duplicate: Path | None = None

    @property
    def settings(self) -> Settings:
        return Settings(data_dir=self.data_dir, database_url=None, amqp_url=None, neo4j_url=None)

    @property
    def database_url(self) -> str:
        return self.settings.database_url_value()


def tracktion_env(data_dir: Path) -> dict[str, str]:
    """The environment of a new user: no TRACKTION_* but the data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKTION_")}
    return env | {"TRACKTION_DATA_DIR": str(data_dir)}


def _write_track(path: Path, artist: str, title: str, bpm: float, tonic: str, scale: str, style: str) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is needed to tag the generated tracks (apt-get install ffmpeg; CI installs it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    source = path.with_suffix(".src.wav")
    write_sections(source, [Section(seconds=12, bpm=bpm, tonic=tonic, scale=scale, style=style)], seed=int(bpm))  # type: ignore[arg-type]
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-i", str(source), "-metadata", f"artist={artist}", "-metadata", f"title={title}",
         "-metadata", "genre=Electronic", str(path)],
        check=True,
        timeout=60,
    )  # fmt: skip
    source.unlink()


def _cue_text(performer: str, title: str, audio: str) -> str:
    lines = [f'PERFORMER "{performer}"', f'TITLE "{title}"', f'FILE "{audio}" WAVE']
    for number, (artist, track, start) in enumerate(SET_TRACKS, 1):
        minutes, seconds = divmod(int(start), 60)
        lines += [f"  TRACK {number:02d} AUDIO", f'    PERFORMER "{artist}"', f'    TITLE "{track}"']
        lines.append(f"    INDEX 01 {minutes:02d}:{seconds:02d}:00")
    return "\n".join(lines) + "\n"


def _timeline() -> str:
    """An hour in 60 windows: 172-176 BPM drifting, the key moving 4A -> 5A -> 4A."""
    segments = []
    for i in range(60):
        camelot = "5A" if 20 <= i < 40 else "4A"
        segments.append(
            {
                "start_seconds": i * 60.0,
                "end_seconds": (i + 1) * 60.0,
                "bpm": 172.0 + 4.0 * (i % 10) / 9,
                "key": "C" if camelot == "5A" else "F",
                "scale": "minor",
                "camelot": camelot,
                "key_strength": 0.7,
                "bpm_confidence": 0.4 if i % 10 == 9 else 0.8,
            }
        )
    return json.dumps(segments, separators=(",", ":"))


async def _insert_set(catalog: WebCatalog) -> None:
    audio = catalog.music / "Sets" / SET_FILE
    audio.parent.mkdir(parents=True, exist_ok=True)
    audio.write_bytes(b"not really an hour of audio")
    cue = audio.with_suffix(".cue")
    cue.write_text(_cue_text("Breakline", "Live at Fabric", audio.name), encoding="utf-8")
    catalog.cue_path = cue
    tracks = [
        TracklistTrack(position=n, artist=a, title=t, start_seconds=s, unidentified=(a, t) == ("ID", "ID"))
        for n, (a, t, s) in enumerate(SET_TRACKS, 1)
    ]

    async def write(uow: UnitOfWork) -> uuid.UUID:
        recording = await uow.recordings.add(
            file_path=str(audio), file_name=audio.name, sha256_hash="ab" * 32, xxh128_hash="cd" * 16
        )
        await uow.files.save(str(audio), status="present", recording_id=recording.id, size=27, mtime=1.0)
        await uow.metadata.upsert(
            recording.id,
            {
                "artist": "Breakline",
                "title": "Live at Fabric 2026",
                "genre": "Drum & Bass",
                "duration": str(SET_DURATION),
                "analysis_status": "analysed",
                "bpm": "174",
                "bpm_confidence": str(SET_BPM_CONFIDENCE),
                "bpm_alternative": "87",
                "key": "F",
                "key_confidence": "0.8",
                "scale": "minor",
                "camelot": "4A",
                "open_key": "9m",
                "mood": "aggressive",
                "energy": "0.8",
                "timeline": _timeline(),
                "tracklist_status": "found",
                "tracklist_source": "manual",
            },
        )
        stored = await uow.tracklists.replace(
            recording.id, "manual", [t.model_dump(mode="json") for t in tracks], cue_file_path=str(cue)
        )
        catalog.set_tracklist_id = stored.id
        return recording.id

    async with Database(catalog.database_url) as db:
        catalog.set_id = await db.run(write)
    graph = LadybugGraph(embedded_graph_path(catalog.settings))
    try:
        await graph.upsert_recording(catalog.set_id, str(audio), {"bpm": "174", "camelot": "4A"})
        await graph.upsert_tracklist(catalog.set_id, "manual", tracks, title="Breakline live at Fabric")
    finally:
        await graph.close()


async def _ids(catalog: WebCatalog) -> dict[str, uuid.UUID]:
    async with Database(catalog.database_url) as db:

        async def read(uow: UnitOfWork) -> dict[str, uuid.UUID]:
            found = {}
            for name in TRACKS:
                recording = await uow.recordings.get_by_path(str(catalog.music / name))
                assert recording is not None, name
                found[name] = recording.id
            return found

        return await db.run(read)


def build_web_catalog(root: Path) -> WebCatalog:
    """Generate, tag and scan the music under ``root``, then add the long set; takes about ten seconds."""
    catalog = WebCatalog(root=root, music=root / "Music", data_dir=root / "data")
    for name, (artist, title, bpm, tonic, scale, style) in TRACKS.items():
        _write_track(catalog.music / name, artist, title, bpm, tonic, scale, style)
    catalog.duplicate = catalog.music / "Copies" / "Kraak - Nightdrive (copy).flac"
    catalog.duplicate.parent.mkdir()
    shutil.copy(catalog.music / "Kraak - Nightdrive.flac", catalog.duplicate)
    bad = catalog.music / "Bad" / "broken.mp3"
    bad.parent.mkdir()
    bad.write_text("this is not an mp3\n" * 40)
    catalog.bad_files = [bad]
    scan = subprocess.run(
        [sys.executable, "-m", "tracktion", "scan", str(catalog.music), "--json", "--no-tracklists"],
        env=tracktion_env(catalog.data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert scan.returncode == 1, scan.stderr[-3000:]  # the broken file was not cataloged: the exit status says so
    assert [failed["path"] for failed in json.loads(scan.stdout)["failed"]] == [str(bad)]
    catalog.ids = asyncio.run(_ids(catalog))
    asyncio.run(_insert_set(catalog))
    return catalog
