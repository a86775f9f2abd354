"""The package's public surface and its settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

import tracktion_tracklist
from tracktion_shared.errors import PermanentError, TemporaryError
from tracktion_tracklist import TracklistSettings


def test_exported_members_exist_and_are_sorted() -> None:
    exported = tracktion_tracklist.__all__
    assert exported == sorted(exported, key=lambda n: (n[0].islower(), n))
    for name in exported:
        assert getattr(tracktion_tracklist, name) is not None, name
    assert {"register", "main", "parse_tracklist_page", "parse_manual", "Track", "Tracklist"} <= set(exported)
    # the .cue sheets are tracktion_shared.cue's now: not re-exported, so there is one name for each
    assert not {"render_cue", "write_cue", "CueSheet", "CueWriteError", "WrittenCue"} & set(exported)


def test_errors_decide_retries() -> None:
    assert issubclass(tracktion_tracklist.PageFormatError, PermanentError)
    assert issubclass(tracktion_tracklist.SiteUnavailable, TemporaryError)
    blocked = tracktion_tracklist.TracklistBlocked("blocked", kind="captcha", delay=30)
    assert isinstance(blocked, TemporaryError)
    assert (blocked.kind, blocked.delay) == ("captcha", 30)


def test_defaults_are_polite(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BASE_URL", "REQUEST_INTERVAL", "MIN_DURATION", "CUE_DIR", "LIBRARY_ROOT", "ENABLED"):
        monkeypatch.delenv(f"TRACKTION_TRACKLIST_{name}", raising=False)
    monkeypatch.delenv("TRACKTION_WATCH_ROOT", raising=False)
    settings = TracklistSettings()
    assert settings.base_url == "https://www.1001tracklists.com"
    assert settings.request_interval == 3.0
    assert settings.min_duration == 1200.0
    assert settings.enabled
    assert settings.cue_dir is None
    assert settings.user_agent.startswith("Mozilla/5.0")


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRACKTION_TRACKLIST_BASE_URL", "http://127.0.0.1:8080/")
    monkeypatch.setenv("TRACKTION_TRACKLIST_MIN_DURATION", "600")
    monkeypatch.setenv("TRACKTION_TRACKLIST_ENABLED", "false")
    monkeypatch.setenv("TRACKTION_TRACKLIST_CUE_DIR", str(tmp_path))
    monkeypatch.setenv("TRACKTION_WATCH_ROOT", "/music")
    monkeypatch.delenv("TRACKTION_TRACKLIST_LIBRARY_ROOT", raising=False)
    settings = TracklistSettings()
    assert settings.base_url == "http://127.0.0.1:8080"
    assert settings.min_duration == 600
    assert not settings.enabled
    assert settings.cue_dir == tmp_path
    assert settings.library_root == Path("/music")  # the watcher's folder, unless set for this service
    monkeypatch.setenv("TRACKTION_TRACKLIST_LIBRARY_ROOT", "/library")
    assert TracklistSettings().library_root == Path("/library")


def test_empty_cue_dir_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKTION_TRACKLIST_CUE_DIR", "")
    assert TracklistSettings().cue_dir is None


def test_base_url_must_be_http() -> None:
    with pytest.raises(ValidationError):
        TracklistSettings(base_url="ftp://example.org")
