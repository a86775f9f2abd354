"""The watcher end to end: a real watchdog observer (inotify and polling) on a temporary folder, the in-process bus.

Every wait is bounded (``asyncio.wait_for``), and after each expected message the test listens a little longer to
prove that one change produced exactly one message.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import threading
import time
from collections.abc import AsyncIterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TypeVar

import pytest
from watchdog.observers.api import BaseObserver

from tracktion_shared.bus.inprocess import InProcessBus
from tracktion_shared.config import Settings
from tracktion_shared.errors import ConfigError
from tracktion_shared.messages import (
    FileChanged,
    FileDeleted,
    FileDiscovered,
    FileMoved,
    FilesScanned,
    Message,
    ScanCompleted,
)
from tracktion_watcher import Watcher, WatcherSettings, service

M = TypeVar("M", bound=Message)

SETTLE = 0.3
TIMEOUT = 5.0


class Recorder:
    """Subscribed to every message the watcher sends; tests wait for them one by one."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Message] = asyncio.Queue()

    async def handle(self, message: Message) -> None:
        self.queue.put_nowait(message)

    async def any(self, limit: float = TIMEOUT) -> Message:
        return await asyncio.wait_for(self.queue.get(), limit)

    async def next(self, kind: type[M], limit: float = TIMEOUT) -> M:
        message = await asyncio.wait_for(self.queue.get(), limit)
        assert isinstance(message, kind), f"expected {kind.__name__}, got {message!r}"
        return message

    async def quiet(self, seconds: float = 3 * SETTLE) -> list[Message]:
        """Whatever else arrives within ``seconds`` (a test expects nothing)."""
        await asyncio.sleep(seconds)
        extra = []
        while not self.queue.empty():
            extra.append(self.queue.get_nowait())
        return extra

    async def until_scan_completed(self, limit: float = TIMEOUT) -> tuple[list[FileDiscovered], ScanCompleted]:
        found: list[FileDiscovered] = []
        deadline = time.monotonic() + limit
        while True:
            message = await asyncio.wait_for(self.queue.get(), max(0.01, deadline - time.monotonic()))
            if isinstance(message, ScanCompleted):
                return found, message
            if isinstance(message, FilesScanned):  # a page of the walk: its files, as if each came on its own
                found += [FileDiscovered(**file.model_dump(), scan_id=message.scan_id) for file in message.files]
                continue
            assert isinstance(message, FileDiscovered), f"unexpected during a scan: {message!r}"
            found.append(message)


@pytest.fixture
async def bus() -> AsyncIterator[tuple[InProcessBus, Recorder]]:
    recorder = Recorder()
    bus = InProcessBus()
    kinds = [FilesScanned, FileDiscovered, FileChanged, FileMoved, FileDeleted, ScanCompleted]
    bus.subscribe("watcher-test", kinds, recorder.handle)
    async with bus:
        yield bus, recorder


@pytest.fixture(params=["inotify", "polling"])
def observer_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.asynccontextmanager
async def watching(
    root: Path, bus: InProcessBus, recorder: Recorder, **settings: Any
) -> AsyncIterator[tuple[Watcher, list[FileDiscovered], ScanCompleted]]:
    """Run ``Watcher.watch`` in a task until the block ends; yields it with its initial scan's messages."""
    config = WatcherSettings(**({"settle_seconds": SETTLE, "polling_interval": 0.1, "reconcile_seconds": 0} | settings))
    watcher = Watcher(root, bus, config)
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.watch(stop))
    try:
        found, completed = await recorder.until_scan_completed()
        yield watcher, found, completed
    finally:
        stop.set()
        await asyncio.wait_for(task, TIMEOUT)


def write_old(path: Path, data: bytes = b"audio") -> Path:
    """A file written long ago: settled the moment a scan sees it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    past = time.time() - 3600
    os.utime(path, (past, past))
    return path


def observers_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if isinstance(t, BaseObserver) and t.is_alive()]


async def test_initial_scan_publishes_exactly_the_audio_files_then_scan_completed(
    tmp_path: Path, bus: tuple[InProcessBus, Recorder], observer_kind: str
) -> None:
    audio = [write_old(tmp_path / p) for p in ("a.mp3", "Artist/Album/01.flac", "Artist/Album/02.WAV", "set.m4a")]
    for p in ("cover.jpg", "notes.txt", ".hidden.mp3", "dl.mp3.part", ".Trash-0/x.mp3"):
        write_old(tmp_path / p)
    async with watching(tmp_path, *bus, polling=observer_kind == "polling") as (_, found, completed):
        assert sorted(m.path for m in found) == sorted(str(p) for p in audio)
        assert {m.scan_id for m in found} == {completed.scan_id}
        assert all(m.size == 5 and m.mtime == os.stat(m.path).st_mtime for m in found)
        assert (completed.files_seen, completed.root) == (4, str(tmp_path))
        assert await bus[1].quiet(SETTLE) == []
    assert observers_alive() == []


async def test_slow_write_gives_one_discovery_with_the_final_size(
    tmp_path: Path, bus: tuple[InProcessBus, Recorder], observer_kind: str
) -> None:
    recorder = bus[1]
    async with watching(tmp_path, *bus, polling=observer_kind == "polling", settle_seconds=0.5):
        target = tmp_path / "incoming" / "long set.flac"
        target.parent.mkdir()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT)
        try:
            for _ in range(12):  # 1.2 s of writing, more than twice the settle time
                os.write(fd, b"x" * 1000)
                await asyncio.sleep(0.1)
        finally:
            os.close(fd)
        assert recorder.queue.empty(), "reported while still being written"
        message = await recorder.next(FileDiscovered)
        assert (message.path, message.size, message.scan_id) == (str(target), 12_000, None)
        assert await recorder.quiet() == []


async def test_modify_gives_one_change(tmp_path: Path, bus: tuple[InProcessBus, Recorder], observer_kind: str) -> None:
    recorder = bus[1]
    track = write_old(tmp_path / "track.mp3", b"before")
    async with watching(tmp_path, *bus, polling=observer_kind == "polling"):
        with track.open("ab") as f:
            for _ in range(5):
                f.write(b" and after")
                f.flush()
        message = await recorder.next(FileChanged)
        assert (message.path, message.size) == (str(track), 6 + 5 * 10)
        assert message.mtime == os.stat(track).st_mtime
        assert await recorder.quiet() == []


async def test_rename_gives_a_move(tmp_path: Path, bus: tuple[InProcessBus, Recorder], observer_kind: str) -> None:
    recorder = bus[1]
    old = write_old(tmp_path / "untitled.mp3", b"12345")
    async with watching(tmp_path, *bus, polling=observer_kind == "polling"):
        new = tmp_path / "Artist - Title.mp3"
        old.rename(new)
        message = await recorder.next(FileMoved)
        assert (message.old_path, message.path, message.size) == (str(old), str(new), 5)
        assert await recorder.quiet() == []


async def test_moving_a_directory_moves_every_file_in_it(
    tmp_path: Path, bus: tuple[InProcessBus, Recorder], observer_kind: str
) -> None:
    recorder = bus[1]
    write_old(tmp_path / "Unsorted" / "Album" / "01.mp3")
    write_old(tmp_path / "Unsorted" / "Album" / "cd2" / "02.mp3")
    write_old(tmp_path / "Unsorted" / "Album" / "cover.jpg")
    (tmp_path / "Sorted").mkdir()
    async with watching(tmp_path, *bus, polling=observer_kind == "polling"):
        (tmp_path / "Unsorted" / "Album").rename(tmp_path / "Sorted" / "Album")
        moves = {(m.old_path, m.path) for m in [await recorder.next(FileMoved), await recorder.next(FileMoved)]}
        assert moves == {
            (str(tmp_path / "Unsorted/Album/01.mp3"), str(tmp_path / "Sorted/Album/01.mp3")),
            (str(tmp_path / "Unsorted/Album/cd2/02.mp3"), str(tmp_path / "Sorted/Album/cd2/02.mp3")),
        }
        assert await recorder.quiet() == []


# watchdog 7.1 warns from its reader thread when the move lands in a directory whose creation it has not processed
# yet; pytest's warnings-as-errors would kill that thread, which production code never runs under.
@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")
async def test_moving_a_directory_into_a_brand_new_one_still_reports_the_new_paths(
    tmp_path: Path, bus: tuple[InProcessBus, Recorder]
) -> None:
    """``mkdir Sorted && mv Unsorted/Album Sorted/``: inotify may see the new paths only as created.

    watchdog then reports the files as created under ``Sorted`` and only the old directory as deleted, so the
    watcher reports discoveries (or moves, when it did see the move); the old paths are left to the next sweep.
    """
    recorder = bus[1]
    write_old(tmp_path / "Unsorted" / "Album" / "01.mp3")
    write_old(tmp_path / "Unsorted" / "Album" / "02.mp3")
    async with watching(tmp_path, *bus):
        (tmp_path / "Sorted").mkdir()
        (tmp_path / "Unsorted" / "Album").rename(tmp_path / "Sorted" / "Album")
        first, second = await recorder.any(), await recorder.any()
        assert isinstance(first, FileMoved | FileDiscovered)
        assert isinstance(second, FileMoved | FileDiscovered)
        assert {first.path, second.path} == {
            str(tmp_path / "Sorted/Album/01.mp3"),
            str(tmp_path / "Sorted/Album/02.mp3"),
        }
        assert await recorder.quiet() == []


async def test_delete_gives_a_deletion(tmp_path: Path, bus: tuple[InProcessBus, Recorder], observer_kind: str) -> None:
    recorder = bus[1]
    track = write_old(tmp_path / "gone.mp3")
    write_old(tmp_path / "gone.txt")
    async with watching(tmp_path, *bus, polling=observer_kind == "polling"):
        (tmp_path / "gone.txt").unlink()
        track.unlink()
        message = await recorder.next(FileDeleted)
        assert message.path == str(track)
        assert await recorder.quiet() == []


async def test_finished_download_renamed_from_part_is_a_discovery(
    tmp_path: Path, bus: tuple[InProcessBus, Recorder], observer_kind: str
) -> None:
    recorder = bus[1]
    async with watching(tmp_path, *bus, polling=observer_kind == "polling"):
        partial = tmp_path / "track.mp3.part"
        partial.write_bytes(b"a" * 300)
        await asyncio.sleep(2 * SETTLE)
        assert recorder.queue.empty(), "a partial download was reported"
        partial.rename(tmp_path / "track.mp3")
        message = await recorder.next(FileDiscovered)
        assert (message.path, message.size) == (str(tmp_path / "track.mp3"), 300)
        assert await recorder.quiet() == []


async def test_reconciliation_sweep_rescans_with_a_new_scan_id(
    tmp_path: Path, bus: tuple[InProcessBus, Recorder]
) -> None:
    recorder = bus[1]
    write_old(tmp_path / "a.mp3")
    async with watching(tmp_path, *bus, reconcile_seconds=0.3) as (_, _, first):
        found, second = await recorder.until_scan_completed()
        assert [m.path for m in found] == [str(tmp_path / "a.mp3")]
        assert second.scan_id != first.scan_id
        assert {m.scan_id for m in found} == {second.scan_id}


async def test_folder_that_goes_away_and_comes_back_is_watched_again(
    tmp_path: Path, bus: tuple[InProcessBus, Recorder], observer_kind: str
) -> None:
    recorder = bus[1]
    root = tmp_path / "share"
    write_old(root / "a.mp3")
    polling = observer_kind == "polling"
    async with watching(root, *bus, polling=polling, observer_check_seconds=0.2):
        shutil.rmtree(root)  # the share is unmounted...
        await asyncio.sleep(0.5)
        gone = await recorder.quiet(0)  # inotify reports a.mp3 deleted; polling only sees its folder vanish
        assert [m.path for m in gone if isinstance(m, FileDeleted)] in ([str(root / "a.mp3")], [])
        write_old(root / "b.mp3")  # ...and comes back with other contents
        found, _ = await recorder.until_scan_completed()
        assert [m.path for m in found] == [str(root / "b.mp3")]
        (root / "c.mp3").write_bytes(b"new")  # and live events flow again
        assert (await recorder.next(FileDiscovered)).path == str(root / "c.mp3")


async def test_cancelling_watch_stops_the_observer(tmp_path: Path, bus: tuple[InProcessBus, Recorder]) -> None:
    watcher = Watcher(tmp_path, bus[0], WatcherSettings(settle_seconds=SETTLE, reconcile_seconds=0))
    task = asyncio.create_task(watcher.watch())
    await bus[1].next(ScanCompleted)
    assert observers_alive() != []
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=5)
    assert done
    assert task.cancelled()
    assert observers_alive() == []


async def test_service_main_watches_the_configured_folder_until_cancelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKTION_WATCH_ROOT", str(tmp_path))
    monkeypatch.delenv("TRACKTION_AMQP_URL", raising=False)
    task = asyncio.create_task(service.main(Settings()))
    for _ in range(100):  # until the observer runs
        if observers_alive():
            break
        await asyncio.sleep(0.02)
    assert observers_alive() != []
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=5)
    assert done
    assert task.cancelled()
    assert observers_alive() == []


async def test_service_main_without_a_folder_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKTION_WATCH_ROOT", raising=False)
    with pytest.raises(ConfigError, match="TRACKTION_WATCH_ROOT"):
        await service.main(Settings())


def test_service_is_registered_for_tracktion_service() -> None:
    [entry] = [e for e in entry_points(group="tracktion.services") if e.name == "watcher"]
    assert entry.load() is service.main


async def test_service_main_watches_the_folder_named_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKTION_WATCH_ROOT", raising=False)
    monkeypatch.delenv("TRACKTION_AMQP_URL", raising=False)
    task = asyncio.ensure_future(service.main_for([str(tmp_path)])(Settings()))
    for _ in range(100):
        if observers_alive() or task.done():
            break
        await asyncio.sleep(0.02)
    assert observers_alive() != []
    task.cancel()
    await asyncio.wait([task], timeout=5)
    assert task.cancelled()
