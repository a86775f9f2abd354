"""The result of analysing one recording, and its JSON form (the CLI's output and the cache's value).

Frozen dataclasses with no behaviour beyond converting to and from plain dicts; the JSON keys are the ones the CLI
documents (``bpm``, ``key``, ``scale``, ``camelot``, ``open_key``, ``mood``, ``duration_s``, ``segments``), so the
cached form and the printed form are the same thing.

The confidences and the alternative tempo (``bpm_confidence``, ``bpm_alternative``, ``key_confidence``) came later:
they are keyword-only with a default of None, so a cached dict from before them still reads back, and they sit next
to the value they qualify in the JSON instead of after the (long) segment list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from tracktion_analysis.domain.mood import Mood

__all__ = ["RESULT_VERSION", "AnalysisResult", "Segment"]

#: bumped when the analysis changes enough that cached results should not be reused (part of the cache key).
#: 2: results carry confidences and an alternative tempo; version-1 entries would say "unknown" for ever.
RESULT_VERSION = 2

Scale = Literal["major", "minor"]


@dataclass(frozen=True)
class Segment:
    """One stretch of the timeline with a steady tempo and key; ``strength`` is the key's strength (0..1).

    ``bpm_confidence`` (0..1) says how sure the window's tempo is; None when the analysis did not say.
    """

    start_s: float
    end_s: float
    bpm: float | None
    bpm_confidence: float | None = field(default=None, kw_only=True)
    key: str | None
    scale: Scale | None
    camelot: str | None
    open_key: str | None
    strength: float | None


@dataclass(frozen=True)
class AnalysisResult:
    """Tempo, key and mood of a recording, with its timeline (one segment for a track, several for a set).

    ``bpm_confidence`` and ``key_confidence`` (0..1) say how sure the tempo and the key are, so a reader can tell a
    clear reading from a guess; ``bpm_alternative`` is a second tempo (half, double, 2/3 ...) whose evidence came
    close to ``bpm``'s, None when nothing did. All three are None when the analysis did not say.
    """

    duration_s: float
    bpm: float | None
    bpm_confidence: float | None = field(default=None, kw_only=True)
    bpm_alternative: float | None = field(default=None, kw_only=True)
    key: str | None
    scale: Scale | None
    camelot: str | None
    open_key: str | None
    key_strength: float | None
    key_confidence: float | None = field(default=None, kw_only=True)
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
        """Inverse of :meth:`to_dict`; ``KeyError``/``TypeError`` on a dict of another shape.

        A dict without the confidence keys (written before they existed) reads back with them None.
        """
        mood = Mood(**data["mood"])
        segments = tuple(Segment(**s) for s in data["segments"])
        fields = {k: v for k, v in data.items() if k not in ("mood", "segments")}
        return cls(mood=mood, segments=segments, **fields)
