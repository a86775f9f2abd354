"""The result of analysing one recording, and its JSON form (the CLI's output and the cache's value).

Frozen dataclasses with no behaviour beyond converting to and from plain dicts; the JSON keys are the ones the CLI
documents (``bpm``, ``key``, ``scale``, ``camelot``, ``open_key``, ``mood``, ``duration_s``, ``segments``), so the
cached form and the printed form are the same thing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from tracktion_analysis.domain.mood import Mood

__all__ = ["RESULT_VERSION", "AnalysisResult", "Segment"]

#: bumped when the analysis changes enough that cached results should not be reused (part of the cache key).
RESULT_VERSION = 1

Scale = Literal["major", "minor"]


@dataclass(frozen=True)
class Segment:
    """One stretch of the timeline with a steady tempo and key; ``strength`` is the key's strength (0..1)."""

    start_s: float
    end_s: float
    bpm: float | None
    key: str | None
    scale: Scale | None
    camelot: str | None
    open_key: str | None
    strength: float | None


@dataclass(frozen=True)
class AnalysisResult:
    """Tempo, key and mood of a recording, with its timeline (one segment for a track, several for a set)."""

    duration_s: float
    bpm: float | None
    key: str | None
    scale: Scale | None
    camelot: str | None
    open_key: str | None
    key_strength: float | None
    tuning_cents: float | None
    mood: Mood
    segments: tuple[Segment, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (``segments`` a list, ``mood`` a dict)."""
        data = asdict(self)
        data["segments"] = [asdict(s) for s in self.segments]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysisResult:
        """Inverse of :meth:`to_dict`; ``KeyError``/``TypeError`` on a dict of another shape."""
        mood = Mood(**data["mood"])
        segments = tuple(Segment(**s) for s in data["segments"])
        fields = {k: v for k, v in data.items() if k not in ("mood", "segments")}
        return cls(mood=mood, segments=segments, **fields)
