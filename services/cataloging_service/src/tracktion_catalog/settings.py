"""The catalog's own settings, from ``TRACKTION_CATALOG_*`` environment variables.

Kept apart from the shared :class:`~tracktion_shared.config.Settings` (database, bus, logging) because only this
service reads them; the embedded CLI builds one directly. The defaults suit the 2-core machines tracktion targets.
"""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["CatalogSettings"]

MIB = 1024 * 1024


def _read_slots() -> int:
    """One more file than cores: while a thread waits for the GIL between chunks, another one is hashing.

    Measured on 2 cores (64 WAVs of 16 MB, warm cache): 2 slots kept 1.64-1.77 cores busy, 3 slots 1.82-1.92.
    """
    return max(1, min(os.cpu_count() or 1, 16)) + 1


class CatalogSettings(BaseSettings):
    """How the catalog reads files. Every field has a default."""

    model_config = SettingsConfigDict(env_prefix="TRACKTION_CATALOG_", extra="ignore", frozen=True)

    hash_chunk_size: int = Field(
        default=MIB,
        ge=64 * 1024,
        le=64 * MIB,
        description="bytes read per step while hashing: large enough that hashing, not Python, dominates; "
        "memory stays at about this much per file being hashed",
    )
    concurrency: int = Field(
        default_factory=_read_slots,
        ge=1,
        le=64,
        description="files read and hashed at once; hashlib and xxhash release the GIL, so cores + 1 keeps all "
        "cores busy (a single spinning disk may prefer 1)",
    )
    skip_batch_size: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description="at most this many unchanged files are confirmed in one transaction during a rescan",
    )
    record_batch_size: int = Field(
        default=200,
        ge=1,
        le=1000,
        description="at most this many files that were read are recorded in one transaction (a first scan groups "
        "what was read while the previous batch was being committed)",
    )
    relay_interval: float = Field(
        default=2.0, gt=0, description="seconds between sweeps of the outbox for messages left by a crash"
    )
    repair_interval: float = Field(
        default=900.0,
        ge=0,
        description="seconds between walks over the catalog that ask again for every stage that is due (a request "
        "lost or dead-lettered, a look-up deferred past its retry time); 0 turns the walk off",
    )
    identify: bool = Field(
        default=False,
        description="an identify service runs (fingerprints, tracks found in sets): ask it for every recording's "
        "fingerprint and report the stage; the operator sets it where it deploys one",
    )
    graph: bool = Field(
        default=True,
        description="a graph writer runs (the cluster's graph service, or the embedded graph): keep the graph's copy "
        "of every recording in step. false: no graph states are sent and no graph stage is reported",
    )
    analysis_version: str | None = Field(
        default=None,
        description="the analysis_version the deployed analysis writes (its results say it); results of another "
        "version are asked for again. Unset: any result counts",
    )
