"""Settings, read from ``TRACKTION_*`` environment variables only.

An unset server URL means "use the embedded stand-in", so a new user needs no servers at all. URLs are written the
way people type them (``postgresql://``, ``amqp://``, ``redis://``, ``neo4j://``); the adapters pick drivers. URLs
are kept as secrets because they usually carry a password: printing the settings never shows it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "default_data_dir", "redact_url"]

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<password>[^@/\s]*)@")


def default_data_dir() -> Path:
    """Where the embedded default keeps its files: ``$XDG_DATA_HOME/tracktion`` (``~/.local/share/tracktion``)."""
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "tracktion"


def redact_url(text: str) -> str:
    """Replace the password of every ``scheme://user:password@`` in ``text`` with ``***``."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)


class Settings(BaseSettings):
    """Everything a tracktion process can be told; one instance is built at start-up and passed down."""

    model_config = SettingsConfigDict(env_prefix="TRACKTION_", extra="ignore", frozen=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: SecretStr | None = None
    amqp_url: SecretStr | None = None
    redis_url: SecretStr | None = None
    neo4j_url: SecretStr | None = None
    neo4j_user: str | None = None
    neo4j_password: SecretStr | None = None

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    bus_prefix: str = Field(default="tracktion", pattern=r"^[A-Za-z0-9_.-]+$")
    bus_max_retries: int = Field(default=3, ge=0, le=20)
    bus_retry_delay: float = Field(default=5.0, gt=0, description="first retry delay in seconds; doubles each time")
    bus_prefetch: int = Field(default=8, ge=1, le=1000)
    bus_shutdown_grace: float = Field(
        default=20.0,
        gt=0,
        le=3600,
        description="seconds handlers still running at SIGTERM may take to finish before they are cancelled (their "
        "messages are redelivered); below Kubernetes' default 30 s terminationGracePeriodSeconds, so a pod closes "
        "its connections itself before it is killed",
    )

    metrics_port: int | None = Field(
        default=None, ge=0, le=65535, description="serve Prometheus /metrics here (the cluster: 9464); unset: off"
    )

    def database_url_value(self) -> str:
        """The database URL to connect to; the embedded SQLite file when none is set."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'tracktion.db'}"

    @staticmethod
    def secret(value: SecretStr | None) -> str | None:
        return None if value is None else value.get_secret_value()
