"""The catalog under test and the real files it reads: shared by the integration tests of the catalog.

:class:`Catalog` wires the consumer exactly as the CLI does (``register`` with the outbox relay, on a started
in-process bus) and adds what the tests observe: how often a file was read, and every ``RecordingCataloged`` that
reached a subscriber. A module with a unique name (not conftest), so test files can import it whatever else pytest
has put on sys.path.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tracktion_catalog import CatalogSettings, FileView, RecordingView, get_file, get_recording, register
from tracktion_catalog.adapters.files import Inspection, inspect_file
from tracktion_catalog.consumer import CatalogConsumer
from tracktion_shared.bus import InProcessBus, RetryPolicy
from tracktion_shared.graph import GraphRepository
from tracktion_shared.graph import register as register_graph
from tracktion_shared.messages import (
    FileChanged,
    FileDiscovered,
    FileEvent,
    FilesScanned,
    Message,
    RecordingCataloged,
    RecordingGraphState,
    ScannedFile,
)
from tracktion_shared.outbox import OutboxRelay
from tracktion_shared.storage import Database
from tracktion_shared.storage import RetryPolicy as DbRetry

FAST_RETRY = DbRetry(attempts=4, initial_delay=0.01, max_delay=0.05, deadline=10.0)
SAMPLE_RATE = 22050


# -- audio --------------------------------------------------------------------------------------------------------


def write_wav(
    path: Path, *, seconds: float = 0.5, frequency: float = 440.0, tags: dict[str, str] | None = None
) -> Path:
    """A real WAV (distinct content per frequency), tags as RIFF INFO; fast enough to make dozens per test."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    with soundfile.SoundFile(path, "w", samplerate=SAMPLE_RATE, channels=1, format="WAV", subtype="PCM_16") as out:
        for key, value in (tags or {}).items():
            setattr(out, key, value)
        out.write((0.2 * np.sin(2 * np.pi * frequency * t)).astype("float32"))
    return path


def write_mp3(path: Path, *, seconds: float = 4.0) -> Path:
    """An MP3 (or whatever format the extension names: FLAC, OGG ...) of a 330 Hz sine, by ffmpeg."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed (CI installs it; apt-get install ffmpeg)")
    source = f"sine=frequency=330:duration={seconds}:sample_rate={SAMPLE_RATE}"
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source, str(path)]
    subprocess.run(command, check=True, timeout=60)
    return path


def permission_denied_path(folder: Path) -> Path:
    """A path open() refuses with EACCES even for root (tests/unit/catalog/conftest.py says why sysfs)."""
    path = folder / "locked.wav"
    if os.geteuid() != 0:
        write_wav(path)
        path.chmod(0)
        return path
    for target in ("/sys/bus/pci/rescan", "/sys/bus/pci/drivers_probe"):
        try:
            with open(target, "rb"):
                continue
        except PermissionError:
            path.symlink_to(target)
            return path
        except OSError:
            continue
    pytest.skip("running as root and no write-only sysfs file to stand in for an unreadable file")


# -- the catalog under test ---------------------------------------------------------------------------------------


class Catalog:
    """The consumer on a started in-process bus, plus the tests' view of it."""

    def __init__(self, db: Database, music: Path, *, prefetch: int = 8, graph: GraphRepository | None = None) -> None:
        """``graph``: the graph writer runs on it, confirming the catalog's graph states (None: no graph stage)."""
        self.db = db
        self.music = music
        self.bus = InProcessBus(RetryPolicy(max_retries=2, base_delay=0.05), prefetch=prefetch, close_timeout=5)
        self.relay = OutboxRelay(db, self.bus)
        self.reads: list[str] = []
        self.deliveries: list[RecordingCataloged] = []
        self.consumer: CatalogConsumer = register(
            self.bus, db, relay=self.relay, settings=CatalogSettings(hash_chunk_size=65536), inspector=self._read
        )
        self.bus.subscribe("listener", [RecordingCataloged], self._listen)
        self.graph_states: list[RecordingGraphState] = []
        self.bus.subscribe("graph-listener", [RecordingGraphState], self._listen_graph)
        if graph is not None:
            register_graph(self.bus, graph)

    def _read(self, path: str, chunk_size: int) -> Inspection:
        self.reads.append(path)
        return inspect_file(path, chunk_size)

    async def _listen(self, message: Message) -> None:
        assert isinstance(message, RecordingCataloged)
        self.deliveries.append(message)

    async def _listen_graph(self, message: Message) -> None:
        assert isinstance(message, RecordingGraphState)
        self.graph_states.append(message)

    @property
    def announced(self) -> list[RecordingCataloged]:
        """Every distinct announcement that reached the listener, in order.

        The outbox promises at least once (a relay that dies between publishing and deleting publishes again), so
        the tests count announcements by message id; test_catalog_outbox.py checks deliveries themselves.
        """
        distinct: dict[uuid.UUID, RecordingCataloged] = {}
        for message in self.deliveries:
            distinct.setdefault(message.message_id, message)
        return list(distinct.values())

    def event(
        self, path: Path, *, scan_id: uuid.UUID | None = None, kind: type[FileEvent] = FileDiscovered
    ) -> FileEvent:
        """The message the watcher would send for ``path`` as it is on disk now."""
        size, mtime = (path.stat().st_size, path.stat().st_mtime) if path.exists() else (None, None)
        return kind(path=str(path), size=size, mtime=mtime, scan_id=scan_id)

    async def send(self, *messages: Message) -> None:
        for message in messages:
            await self.bus.publish(message)
        await asyncio.wait_for(self.bus.wait_idle(), 30)

    async def discover(self, *paths: Path, scan_id: uuid.UUID | None = None) -> None:
        await self.send(*(self.event(path, scan_id=scan_id) for path in paths))

    def page(self, *paths: Path, scan_id: uuid.UUID) -> FilesScanned:
        """The page a scan's walk would send for ``paths`` as they are on disk now."""
        files = tuple(ScannedFile(path=str(p), size=p.stat().st_size, mtime=p.stat().st_mtime) for p in paths)
        return FilesScanned(scan_id=scan_id, files=files)

    async def change(self, path: Path) -> None:
        await self.send(self.event(path, kind=FileChanged))

    async def recording(self, path_or_id: Path | str | uuid.UUID) -> RecordingView:
        found = await get_recording(self.db, str(path_or_id) if isinstance(path_or_id, Path) else path_or_id)
        assert found is not None, f"no recording for {path_or_id}"
        return found

    async def file(self, path: Path) -> FileView:
        found = await get_file(self.db, str(path))
        assert found is not None, f"the catalog does not know {path}"
        return found

    async def dead_letters(self) -> list[str]:
        return [letter.reason for letter in await self.bus.dead_letters("catalog")]


#: the graph stage's bookkeeping in a recording's metadata (tracktion_catalog.domain.graph_state)
GRAPH_BOOKKEEPING = ("graph_sent", "graph_sent_at", "graph_sent_by", "graph_synced")


def without_graph_bookkeeping(metadata: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in metadata.items() if key not in GRAPH_BOOKKEEPING}
