"""``Watcher.scan`` against a recording bus: what a scan publishes, in which order, and what it refuses to claim."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from tracktion_shared.bus.base import Bus, DeadLetter
from tracktion_shared.errors import TemporaryError
from tracktion_shared.messages import MAX_PAGE_FILES, FileDiscovered, FilesScanned, Message, ScanCompleted, decode
from tracktion_watcher import ScanReport, Watcher, WatcherSettings, WatchFolderError


class RecordingBus(Bus):
    """Keeps what is published; ``fail`` makes chosen messages fail to publish."""

    def __init__(self, fail: Callable[[Message], bool] = lambda m: False) -> None:
        super().__init__()
        self.messages: list[Message] = []
        self.fail = fail

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def publish_raw(self, key: str, body: bytes, headers: Mapping[str, Any] | None = None) -> None:
        message = decode(body)
        await asyncio.sleep(0)
        if self.fail(message):
            raise TemporaryError("broker unavailable")
        self.messages.append(message)

    async def dead_letters(self, consumer: str, limit: int = 100) -> list[DeadLetter]:
        return []


def old_file(path: Path, data: bytes = b"audio") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    past = time.time() - 3600
    os.utime(path, (past, past))
    return path


def write_raw(path: bytes, data: bytes = b"x") -> None:
    with open(path, "wb") as f:
        f.write(data)


SETTINGS = WatcherSettings(settle_seconds=0.3, reconcile_seconds=0, max_settle_wait=5)


async def test_scan_publishes_every_audio_file_then_scan_completed(tmp_path: Path) -> None:
    for i in range(30):
        old_file(tmp_path / f"album{i % 4}" / f"{i:02}.mp3")
    old_file(tmp_path / "cover.jpg")
    bus = RecordingBus()
    seen: list[int] = []
    reports: list[ScanReport] = []
    watcher = Watcher(
        tmp_path,
        bus,
        SETTINGS.model_copy(update={"scan_batch_size": 7}),
        progress=seen.append,
        on_report=reports.append,
    )
    report = await watcher.scan()
    *pages, completed = bus.messages
    assert isinstance(completed, ScanCompleted)
    assert all(isinstance(m, FilesScanned) and m.scan_id == report.scan_id for m in pages)
    files = [file for page in pages if isinstance(page, FilesScanned) for file in page.files]
    assert [len(page.files) for page in pages if isinstance(page, FilesScanned)] == [7, 7, 7, 7, 2]  # a page a batch
    assert len({file.path for file in files}) == 30
    assert (completed.scan_id, completed.files_seen, completed.root) == (report.scan_id, 30, str(tmp_path))
    assert len({file.correlation_id for file in files}) == 30  # every file its own journey
    assert seen == [7, 14, 21, 28, 30]
    assert reports == [report]
    assert watcher.last_report is report
    assert report.skipped == ()


async def test_fresh_file_is_reported_once_it_settles_within_the_scan(tmp_path: Path) -> None:
    old_file(tmp_path / "old.mp3")
    fresh = tmp_path / "fresh.mp3"
    fresh.write_bytes(b"12")
    bus = RecordingBus()
    started = time.monotonic()
    report = await Watcher(tmp_path, bus, SETTINGS).scan()
    assert time.monotonic() - started >= 0.3  # waited for the fresh file
    # the old file in the walk's page, the fresh one on its own once it settled
    assert [type(m).__name__ for m in bus.messages] == ["FilesScanned", "FileDiscovered", "ScanCompleted"]
    assert bus.messages[1] == FileDiscovered.model_validate(
        bus.messages[1].model_dump() | {"path": str(fresh), "size": 2, "scan_id": report.scan_id}
    )
    assert report.files_seen == 2


async def test_file_still_growing_is_left_out_after_max_settle_wait(tmp_path: Path) -> None:
    growing = tmp_path / "recording.wav"
    growing.write_bytes(b"")
    settings = SETTINGS.model_copy(update={"settle_seconds": 0.2, "max_settle_wait": 0.6})
    watcher = Watcher(tmp_path, RecordingBus(), settings)

    async def keep_writing() -> None:
        with growing.open("ab") as f:
            while True:
                f.write(b"x" * 100)
                f.flush()
                await asyncio.sleep(0.05)

    writer = asyncio.create_task(keep_writing())
    try:
        report = await asyncio.wait_for(watcher.scan(), timeout=5)
    finally:
        writer.cancel()
    assert report.files_seen == 0
    assert [s.path for s in report.skipped] == [str(growing)]
    assert "still being written" in report.skipped[0].reason
    assert watcher.pending_count == 0


async def test_a_file_still_being_written_is_named_while_the_scan_waits(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old_file(tmp_path / "old.mp3")
    growing = tmp_path / "Set [live] \x1b[31m.wav"
    growing.write_bytes(b"")
    settings = SETTINGS.model_copy(update={"settle_seconds": 0.2, "max_settle_wait": 3})
    named = asyncio.Event()

    async def write_until_named() -> None:
        with growing.open("ab") as f:
            while not named.is_set():
                f.write(b"x" * 100)
                f.flush()
                named.set() if "waiting for" in caplog.text else None
                await asyncio.sleep(0.05)

    writer = asyncio.create_task(write_until_named())
    with caplog.at_level("WARNING", logger="tracktion.watcher"):
        report = await asyncio.wait_for(Watcher(tmp_path, RecordingBus(), settings).scan(), timeout=10)
    await writer
    waiting = [r.getMessage() for r in caplog.records if r.getMessage().startswith("waiting for")]
    assert len(waiting) == 1, "named once, not at every poll"
    assert f"waiting for {growing}: still being written" in waiting[0]
    assert report.files_seen == 2, "it settled once the writing stopped, and was part of the scan"


async def test_missing_root_raises_and_claims_nothing(tmp_path: Path) -> None:
    bus = RecordingBus()
    with pytest.raises(WatchFolderError, match="cannot watch"):
        await Watcher(tmp_path / "not-mounted", bus, SETTINGS).scan()
    assert bus.messages == []
    with pytest.raises(WatchFolderError, match="does not exist"):
        await Watcher(tmp_path / "not-mounted", bus, SETTINGS).watch()


async def test_a_scan_that_cannot_publish_fails_without_scan_completed(tmp_path: Path) -> None:
    for i in range(5):
        old_file(tmp_path / f"{i}.mp3")
    bus = RecordingBus(fail=lambda m: isinstance(m, FilesScanned))
    with pytest.raises(TemporaryError):
        await Watcher(tmp_path, bus, SETTINGS).scan()
    assert not any(isinstance(m, ScanCompleted) for m in bus.messages)


async def test_a_batch_larger_than_a_page_goes_out_in_full_pages(tmp_path: Path) -> None:
    for i in range(MAX_PAGE_FILES + 3):
        old_file(tmp_path / f"{i:04}.mp3")
    bus = RecordingBus()
    report = await Watcher(tmp_path, bus, SETTINGS.model_copy(update={"scan_batch_size": 5000})).scan()
    pages = [m for m in bus.messages if isinstance(m, FilesScanned)]
    assert [len(page.files) for page in pages] == [MAX_PAGE_FILES, 3]
    assert report.files_seen == MAX_PAGE_FILES + 3


async def test_skips_are_reported_and_logged_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    old_file(tmp_path / "ok.mp3")
    write_raw(os.fsencode(tmp_path) + b"/bad\xff.mp3")
    watcher = Watcher(tmp_path, RecordingBus(), SETTINGS)
    with caplog.at_level("WARNING", logger="tracktion.watcher"):
        first = await watcher.scan()
        second = await watcher.scan()
    assert first.files_seen == second.files_seen == 1
    assert [s.display_path for s in first.skipped] == [str(tmp_path) + "/bad\\xff.mp3"]
    assert second.skipped == first.skipped  # every scan reports its own skips...
    assert len([r for r in caplog.records if "bad\\xff.mp3" in r.getMessage()]) == 1  # ...the log says it once
    assert watcher.skipped == list(first.skipped)


async def test_relative_root_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old_file(tmp_path / "music" / "a.mp3")
    monkeypatch.chdir(tmp_path)
    bus = RecordingBus()
    await Watcher("music", bus, SETTINGS).scan()
    page = bus.messages[0]
    assert isinstance(page, FilesScanned)
    assert [file.path for file in page.files] == [str(tmp_path / "music" / "a.mp3")]
