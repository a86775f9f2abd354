"""The tracklist service's own settings, from ``TRACKTION_TRACKLIST_*`` environment variables.

Kept apart from the shared :class:`~tracktion_shared.config.Settings` (bus, cache, logging) because only this service
reads them. Every default is polite to the site: one request per host every 3 seconds, a week of caching, a few
retries with growing waits.

When the site is unreachable (no network, DNS failure, connection refused, timed out) the look-ups are deferred,
not retried into the ground: a per-host circuit breaker fails further look-ups at once for
``TRACKTION_TRACKLIST_BREAKER_COOLDOWN`` seconds (default 300), doubling per failed trial up to
``TRACKTION_TRACKLIST_BREAKER_COOLDOWN_MAX`` (default 3600); a block page opens it for ``block_delay`` (900)
doubling to ``block_delay_max`` (6 h). The catalog re-requests deferred look-ups on a later scan.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_USER_AGENT", "TracklistSettings"]

DEFAULT_BASE_URL = "https://www.1001tracklists.com"
#: a current desktop browser's; the site serves scripted clients differently and we want the page people see.
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


class TracklistSettings(BaseSettings):
    """How the service finds tracklists and where it writes cue sheets."""

    model_config = SettingsConfigDict(
        env_prefix="TRACKTION_TRACKLIST_", extra="ignore", frozen=True, populate_by_name=True
    )

    enabled: bool = Field(default=True, description="look tracklists up at all (false: the consumer only acks)")
    base_url: str = Field(default=DEFAULT_BASE_URL, description="the site; tests point it at a local server")
    min_duration: float = Field(
        default=1200.0, ge=0, description="only recordings longer than this many seconds are looked up (sets)"
    )
    request_interval: float = Field(default=3.0, ge=0, description="at least this many seconds between requests")
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, le=10, description="tries per request for transient errors")
    backoff_initial: float = Field(default=2.0, ge=0, description="first retry wait (seconds); doubles, jittered")
    backoff_max: float = Field(default=60.0, ge=0, description="longest wait between two tries")
    retry_after_max: float = Field(
        default=120.0, ge=0, description="a Retry-After longer than this ends the tries (the message is retried later)"
    )
    max_bytes: int = Field(default=5_000_000, ge=1024, description="responses are cut off after this many bytes")
    cache_ttl: float = Field(default=7 * 24 * 3600.0, gt=0, description="seconds a fetched page is reused")
    user_agent: str = DEFAULT_USER_AGENT
    match_threshold: float = Field(default=0.7, ge=0, le=1, description="lowest score a search result may have")
    block_delay: float = Field(default=900.0, gt=0, description="first wait after a block page; doubles per block")
    breaker_cooldown: float = Field(
        default=300.0, gt=0, description="seconds look-ups are deferred after the site was unreachable; doubles"
    )
    breaker_cooldown_max: float = Field(default=3600.0, gt=0, description="longest cool-down when unreachable")
    block_delay_max: float = Field(default=6 * 3600.0, gt=0)
    cue_dir: Path | None = Field(
        default=None, description="write cue sheets here, mirroring the library, instead of beside the audio"
    )
    library_root: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("TRACKTION_TRACKLIST_LIBRARY_ROOT", "TRACKTION_WATCH_ROOT", "library_root"),
        description="the music folder that cue_dir mirrors (defaults to TRACKTION_WATCH_ROOT)",
    )

    @field_validator("cue_dir", "library_root", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """``TRACKTION_TRACKLIST_CUE_DIR=`` means "not set", not the current directory."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value
