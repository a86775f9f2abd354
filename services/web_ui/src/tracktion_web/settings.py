"""The web UI's own settings, read from ``TRACKTION_UI_*`` environment variables (the rest is the shared Settings).

The token is a secret like the server URLs: printing the settings never shows it.
"""

from __future__ import annotations

import ipaddress
import re

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_PORT", "TOKEN_PATTERN", "UiSettings", "is_loopback"]

DEFAULT_PORT = 8477
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~+/=-]{16,}")
LIBRARY_PATTERN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?")


def is_loopback(host: str) -> bool:
    """True when binding ``host`` is reachable from this machine only (127.0.0.0/8, ::1, ``localhost``).

    Anything else, a wildcard (``0.0.0.0``, ``::``) or a name that may resolve elsewhere, is treated as public.
    """
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class UiSettings(BaseSettings):
    """How the UI serves: where it binds (``tracktion ui`` options override these) and the access token."""

    model_config = SettingsConfigDict(env_prefix="TRACKTION_UI_", extra="ignore", frozen=True)

    host: str | None = Field(
        default=None, description="bind address; unset: 127.0.0.1 (`tracktion ui`), 0.0.0.0 (image)"
    )
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    token: SecretStr | None = Field(default=None, description="required for any non-loopback bind")
    page_size: int = Field(default=50, ge=1, le=500, description="library rows per page unless the request says")
    graph_timeout: float = Field(default=10.0, gt=0, description="seconds a graph question may take on a page")
    bus_timeout: float = Field(default=5.0, gt=0, description="seconds the status page waits for RabbitMQ")
    library: str | None = Field(
        default=None,
        description="namespace/name of the MusicLibrary whose status the status page shows (the operator sets it)",
    )
    kube_api_url: str | None = Field(
        default=None,
        description="Kubernetes API URL (e.g. `kubectl proxy`'s); unset: the pod's service account, else kubeconfig",
    )
    cluster_timeout: float = Field(default=5.0, gt=0, description="seconds the status page waits for Kubernetes")

    @field_validator("library")
    @classmethod
    def _namespaced_name(cls, value: str | None) -> str | None:
        if value and not LIBRARY_PATTERN.fullmatch(value):
            raise ValueError("TRACKTION_UI_LIBRARY must be <namespace>/<name>, both lowercase DNS labels")
        return value or None

    @field_validator("token")
    @classmethod
    def _usable_token(cls, value: SecretStr | None) -> SecretStr | None:
        """A token travels in a header, a query string and a cookie: it must be long and need no quoting."""
        if value is not None and value.get_secret_value() and not TOKEN_PATTERN.fullmatch(value.get_secret_value()):
            raise ValueError(
                "TRACKTION_UI_TOKEN must be at least 16 characters of A-Z a-z 0-9 . _ ~ + / = - "
                "(e.g. the output of `openssl rand -hex 24`)"
            )
        return value

    def token_value(self) -> str | None:
        """The token, or None when unset or empty (an empty token would let everyone in)."""
        if self.token is None:
            return None
        return self.token.get_secret_value() or None
