"""What reading a file tells the catalog: its content hashes and what its audio says about itself.

Plain frozen data, produced by the adapters and consumed by the jobs, so the decisions in between stay pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AudioFacts", "Digests"]


@dataclass(frozen=True, slots=True)
class Digests:
    """The content identity of a file: SHA-256 (collision-proof) and XXH3-128 (fast; analysis caches key on it)."""

    sha256: str
    xxh128: str


@dataclass(frozen=True, slots=True)
class AudioFacts:
    """Tags (normalised, only the keys the catalog keeps) and stream properties; None where the file does not say."""

    tags: dict[str, str] = field(default_factory=dict)
    duration: float | None = None
    bitrate: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
