"""The analysis service's own settings, from ``TRACKTION_*`` environment variables.

Kept apart from the shared :class:`~tracktion_shared.config.Settings` (bus, cache, logging) because only analysis
cares: ``TRACKTION_ANALYSIS_WORKERS`` (processes per service process; N service processes or pods share the one
queue, so the cluster scales by adding pods, each with a few workers), ``TRACKTION_MOOD_MODEL`` (an optional
essentia TensorFlow model; unset means the heuristic mood) and the windowing of long recordings.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracktion_analysis.analysis import AnalysisOptions

__all__ = ["AnalysisSettings"]


class AnalysisSettings(BaseSettings):
    """How recordings are analysed. Every field has a default that suits a laptop."""

    model_config = SettingsConfigDict(env_prefix="TRACKTION_", extra="ignore", frozen=True)

    analysis_workers: int = Field(default=1, ge=1, le=64, description="analysis processes per service process")
    analysis_max_tasks_per_worker: int = Field(
        default=50, ge=1, description="a worker process is replaced after this many files (bounds native leaks)"
    )
    mood_model: Path | None = Field(default=None, description="essentia TensorFlow mood model (.pb); needs the extra")
    analysis_window_seconds: float = Field(default=30.0, ge=10.0, le=600.0, description="timeline window length")
    analysis_hop_seconds: float = Field(default=10.0, ge=5.0, le=600.0, description="timeline window step")
    analysis_min_seconds: float = Field(default=5.0, ge=1.0, description="shorter recordings are not analysed")
    analysis_cache_failures_seconds: float = Field(
        default=7 * 24 * 3600.0, ge=0, description="how long a permanent failure is remembered per content hash"
    )

    def options(self) -> AnalysisOptions:
        """The per-file options handed to worker processes (picklable, no environment reads there)."""
        return AnalysisOptions(
            window_s=self.analysis_window_seconds,
            hop_s=min(self.analysis_hop_seconds, self.analysis_window_seconds),
            min_duration_s=self.analysis_min_seconds,
            mood_model=self.mood_model,
        )
