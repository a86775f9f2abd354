"""The identify service's own settings, from ``TRACKTION_IDENTIFY_*`` environment variables.

``index_url``: where the fingerprint index lives. Unset, it follows the catalog: beside a PostgreSQL catalog
(``TRACKTION_DATABASE_URL=postgresql://...``) the index is tables in that database, shared by every replica; beside
the embedded SQLite catalog it is ``fingerprints.db`` in the data dir, a file of its own.
``set_seconds``: recordings at least this long are sets: identified against the library's tracks when cataloged,
and searched for every track fingerprinted later. Shorter ones are tracks. 15 minutes: longer than nearly every
single track (extended mixes run 6-12 minutes), shorter than any set a DJ records.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracktion_shared.config import Settings
from tracktion_shared.storage.urls import backend_of

__all__ = ["IdentifySettings", "index_location"]


class IdentifySettings(BaseSettings):
    """Whether and how recordings are fingerprinted and identified."""

    model_config = SettingsConfigDict(env_prefix="TRACKTION_IDENTIFY_", extra="ignore", frozen=True)

    enabled: bool = Field(default=True, description="fingerprint and identify at all (false: the consumer only acks)")
    index_url: SecretStr | None = Field(default=None, description="postgresql://... or sqlite:///path; see above")
    set_seconds: float = Field(default=900.0, ge=0, description="recordings this long or longer are sets")


def index_location(identify: IdentifySettings, shared: Settings) -> str | Path:
    """The index's PostgreSQL URL, or the SQLite file's path (module docstring)."""
    url = identify.index_url.get_secret_value() if identify.index_url is not None else None
    if url is None and shared.database_url is not None:
        catalog = shared.database_url_value()
        if backend_of(catalog) == "postgresql":
            return catalog
    if url is None:
        return shared.data_dir / "fingerprints.db"
    if backend_of(url) == "postgresql":
        return url
    return Path(url.split(":///", 1)[1]) if ":///" in url else Path(url)
