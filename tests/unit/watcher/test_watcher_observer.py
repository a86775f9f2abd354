"""The watchdog bridge: event translation, and falling back to polling when inotify runs out of watches."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from watchdog.events import (
    DirDeletedEvent,
    DirModifiedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from tracktion_watcher.adapters import observer as observer_module
from tracktion_watcher.adapters.observer import EventSource, translate
from tracktion_watcher.domain.changes import FsEvent


def test_translate() -> None:
    assert translate(FileCreatedEvent("/m/a.mp3")) == FsEvent("created", "/m/a.mp3")
    assert translate(FileMovedEvent("/m/a.mp3", "/m/b.mp3", is_synthetic=True)) == FsEvent(
        "moved", "/m/a.mp3", "/m/b.mp3"
    )
    assert translate(DirDeletedEvent("/m/d")) == FsEvent("deleted", "/m/d", is_dir=True)
    assert translate(FileCreatedEvent(b"/m/bad\xff.mp3")) == FsEvent("created", "/m/bad\udcff.mp3")
    assert translate(DirModifiedEvent("/m/d")) == FsEvent("modified", "/m/d", is_dir=True)
    assert translate(FileOpenedEvent("/m/a.mp3")) is None  # the catalog reading a file is no change
    assert translate(FileClosedNoWriteEvent("/m/a.mp3")) is None
    assert translate(FileMovedEvent("/m/a.mp3", "")) is None


class _OutOfWatches(PollingObserver):
    """An observer whose start fails the way inotify does at ``fs.inotify.max_user_watches``."""

    def start(self) -> None:
        raise OSError(errno.ENOSPC, "inotify watch limit reached")


async def test_out_of_inotify_watches_falls_back_to_polling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def make(polling: bool, interval: float) -> BaseObserver:
        return PollingObserver(timeout=interval) if polling else _OutOfWatches()

    monkeypatch.setattr(observer_module, "make_observer", make)
    with caplog.at_level("WARNING", logger="tracktion.watcher"):
        async with EventSource(str(tmp_path), polling_interval=0.1) as source:
            observer = source.observer
            assert type(observer) is PollingObserver
            assert source.healthy
    assert not observer.is_alive()  # stopped and joined on the way out
    assert "max_user_watches" in caplog.text


async def test_other_start_errors_are_raised(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="No such file"):
        async with EventSource(str(tmp_path / "missing")):
            pass
