"""The watcher's own settings, from ``TRACKTION_WATCH_*`` environment variables.

Kept apart from the shared :class:`~tracktion_shared.config.Settings` (bus URL, logging, ...) because only this
service cares about them; the CLI builds one directly to pass its own folder and timings.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracktion_shared.errors import ConfigError

__all__ = ["WatcherSettings"]


class WatcherSettings(BaseSettings):
    """How the watcher watches. Every field has a default that suits a local disk."""

    model_config = SettingsConfigDict(env_prefix="TRACKTION_WATCH_", extra="ignore", frozen=True)

    root: Path | None = Field(
        default=None, description="the music folder (the service needs it; the CLI passes its own)"
    )
    settle_seconds: float = Field(
        default=2.0, ge=0, description="a file is reported once its size and mtime stayed the same this long"
    )
    polling: bool = Field(default=False, description="poll instead of inotify (network shares miss inotify events)")
    polling_interval: float = Field(default=5.0, gt=0, description="seconds between polls when polling")
    reconcile_seconds: float = Field(
        default=900.0, ge=0, description="seconds between full reconciliation sweeps while watching; 0 disables them"
    )
    max_settle_wait: float = Field(
        default=300.0,
        gt=0,
        description="how long a scan waits for files still being written before completing without them",
    )
    observer_check_seconds: float = Field(
        default=10.0, gt=0, description="how often to check that the observer still runs (restarted, then rescanned)"
    )
    publish_concurrency: int = Field(default=32, ge=1, le=1000, description="publishes in flight during a scan")
    scan_batch_size: int = Field(default=500, ge=1, le=100_000, description="files per batch handed out by the walk")

    def require_root(self) -> Path:
        """The folder to watch, absolute; :class:`ConfigError` when ``TRACKTION_WATCH_ROOT`` is not set."""
        if self.root is None:
            raise ConfigError("set TRACKTION_WATCH_ROOT to the music folder the watcher should watch")
        return Path(os.path.abspath(os.path.expanduser(self.root)))

    @property
    def poll_seconds(self) -> float:
        """How often files still settling are stat'ed again: a fraction of the settle time."""
        return min(max(self.settle_seconds / 4, 0.02), 1.0)
