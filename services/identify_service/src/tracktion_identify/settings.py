"""The identify service's own settings, from ``TRACKTION_IDENTIFY_*`` environment variables.

``index_url``: where the fingerprint index lives. Unset, it follows the catalog: beside a PostgreSQL catalog
(``TRACKTION_DATABASE_URL=postgresql://...``) the index is tables in that database, shared by every replica; beside
the embedded SQLite catalog it is ``fingerprints.db`` in the data dir, a file of its own.
``set_seconds``: recordings at least this long are sets: identified against the library's tracks when cataloged,
and searched for every track fingerprinted later. Shorter ones are tracks. 15 minutes: longer than nearly every
single track (extended mixes run 6-12 minutes), shorter than any set a DJ records.
``cue_dir`` / ``library_root``: where an identified set's .cue sheet goes, as for the tracklist service's sheets:
beside the set by default; under ``cue_dir``, mirroring the library below ``library_root``, when the music is
mounted read-only.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracktion_shared.config import Settings
from tracktion_shared.storage.urls import backend_of

__all__ = ["IdentifySettings", "index_location"]


class IdentifySettings(BaseSettings):
    """Whether and how recordings are fingerprinted and identified."""

    model_config = SettingsConfigDict(
        env_prefix="TRACKTION_IDENTIFY_", extra="ignore", frozen=True, populate_by_name=True
    )

    enabled: bool = Field(default=True, description="fingerprint and identify at all (false: the consumer only acks)")
    index_url: SecretStr | None = Field(default=None, description="postgresql://... or sqlite:///path; see above")
    set_seconds: float = Field(default=900.0, ge=0, description="recordings this long or longer are sets")
    cue_dir: Path | None = Field(default=None, description="write cue sheets here instead of beside the audio")
    library_root: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("TRACKTION_IDENTIFY_LIBRARY_ROOT", "TRACKTION_WATCH_ROOT", "library_root"),
        description="the music folder that cue_dir mirrors (defaults to TRACKTION_WATCH_ROOT)",
    )

    @field_validator("cue_dir", "library_root", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """``TRACKTION_IDENTIFY_CUE_DIR=`` means "not set", not the current directory."""
        return None if isinstance(value, str) and not value.strip() else value


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
