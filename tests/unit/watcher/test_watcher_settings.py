"""Settings come from ``TRACKTION_WATCH_*``; the public API is what the CLI and the service use."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

import tracktion_watcher
from tracktion_shared.errors import ConfigError
from tracktion_watcher import WatcherSettings, service


def test_defaults() -> None:
    settings = WatcherSettings()
    assert (settings.settle_seconds, settings.polling, settings.reconcile_seconds) == (2.0, False, 900.0)
    assert settings.poll_seconds == 0.5


def test_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRACKTION_WATCH_ROOT", str(tmp_path))
    monkeypatch.setenv("TRACKTION_WATCH_SETTLE_SECONDS", "0.5")
    monkeypatch.setenv("TRACKTION_WATCH_POLLING", "true")
    monkeypatch.setenv("TRACKTION_WATCH_POLLING_INTERVAL", "30")
    monkeypatch.setenv("TRACKTION_WATCH_RECONCILE_SECONDS", "0")
    settings = WatcherSettings()
    assert settings.require_root() == tmp_path
    assert (settings.settle_seconds, settings.polling, settings.polling_interval) == (0.5, True, 30.0)
    assert settings.reconcile_seconds == 0


def test_root_is_required_by_the_service_and_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKTION_WATCH_ROOT", raising=False)
    with pytest.raises(ConfigError, match="TRACKTION_WATCH_ROOT"):
        WatcherSettings().require_root()
    assert WatcherSettings(root=Path("~/Music")).require_root() == Path.home() / "Music"


def test_nonsense_is_refused() -> None:
    with pytest.raises(ValidationError):
        WatcherSettings(settle_seconds=-1)
    with pytest.raises(ValidationError):
        WatcherSettings(polling_interval=0)


def test_public_api() -> None:
    assert sorted(tracktion_watcher.__all__) == [
        "ProgressCallback",
        "ReportCallback",
        "ScanReport",
        "SkippedPath",
        "WatchFolderError",
        "Watcher",
        "WatcherSettings",
    ]
    for name in tracktion_watcher.__all__:
        assert getattr(tracktion_watcher, name) is not None


def test_command_line_names_at_most_one_folder() -> None:
    assert service.main_for([]) is service.main
    assert service.main_for(["/music"]) is not service.main
    for bad in (["a", "b"], ["--help"]):
        with pytest.raises(SystemExit, match="usage"):
            service.main_for(bad)
