"""tracktion's analysis service: tempo (BPM), key (with Camelot and Open Key), mood, and timelines of long sets.

:func:`analyse_file` analyses one file in-process (the CLI and benchmarks use it); the service
(:func:`tracktion_analysis.service.main`, or :func:`~tracktion_analysis.service.register` on an existing bus)
consumes ``RecordingCataloged`` and publishes ``AnalysisCompleted`` / ``AnalysisFailed``, analysing in worker
processes and caching results by content hash.
"""

from __future__ import annotations

from tracktion_analysis.analysis import AnalysisOptions, analyse_file
from tracktion_analysis.domain.mood import Mood
from tracktion_analysis.domain.result import AnalysisResult, Segment
from tracktion_analysis.errors import (
    AnalysisWorkerError,
    AudioNotFound,
    MoodModelError,
    SilentAudio,
    TooShortAudio,
    UnanalysableAudio,
    UnreadableAudio,
)
from tracktion_analysis.settings import AnalysisSettings

__all__ = [
    "AnalysisOptions",
    "AnalysisResult",
    "AnalysisSettings",
    "AnalysisWorkerError",
    "AudioNotFound",
    "Mood",
    "MoodModelError",
    "Segment",
    "SilentAudio",
    "TooShortAudio",
    "UnanalysableAudio",
    "UnreadableAudio",
    "analyse_file",
]
