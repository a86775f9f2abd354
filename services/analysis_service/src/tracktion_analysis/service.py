"""The analysis service: consumer ``analysis`` on ``recording.cataloged``.

:func:`register` subscribes the consumer on a bus someone else owns (the embedded all-in-one CLI, tests); the
worker pool it creates starts on the first file and is shut down when the process exits. :func:`main` is the
long-running service (``python -m tracktion_analysis``, ``tracktion service analysis``): it builds the bus and the
cache from the settings, registers, and runs until cancelled, then lets the bus drain, stops the workers and closes
the cache.

A configured mood model is checked here, before anything is subscribed, so a bad ``TRACKTION_MOOD_MODEL`` stops
the service at start-up with a one-line :class:`~tracktion_analysis.errors.MoodModelError` instead of failing
every message.
"""

from __future__ import annotations

import asyncio

from tracktion_analysis.adapters.workers import Analyser, ProcessPoolAnalyser
from tracktion_analysis.jobs.analyse import CONSUMER, AnalyseRecording, analysis_version
from tracktion_analysis.settings import AnalysisSettings
from tracktion_shared.bus import Bus, create_bus
from tracktion_shared.cache import Cache, create_cache
from tracktion_shared.config import Settings
from tracktion_shared.messages import RecordingCataloged

__all__ = ["CACHE_NAMESPACE", "main", "register", "result_version"]

CACHE_NAMESPACE = "analysis"


def _check(analysis_settings: AnalysisSettings) -> None:
    if analysis_settings.mood_model is not None:
        from tracktion_analysis.adapters.mood_model import check_mood_model  # noqa: PLC0415 - only with a model

        check_mood_model(analysis_settings.mood_model)


def result_version(analysis_settings: AnalysisSettings | None = None) -> str:
    """The ``analysis_version`` this build writes with these settings (``TRACKTION_ANALYSIS_*`` by default): an
    embedded run hands it to the catalog, which asks again for results of any other version."""
    return analysis_version((analysis_settings or AnalysisSettings()).options().cache_tag())


def register(
    bus: Bus,
    cache: Cache | None,
    settings: Settings,
    *,
    analysis_settings: AnalysisSettings | None = None,
    analyser: Analyser | None = None,
) -> None:
    """Subscribe the ``analysis`` consumer to ``bus`` (before the bus starts).

    ``settings`` are the shared ones (kept for symmetry with the other services); the service's own come from
    ``TRACKTION_ANALYSIS_*`` / ``TRACKTION_MOOD_MODEL`` unless ``analysis_settings`` is given. ``analyser``
    replaces the process pool (tests pass a fake one).
    """
    del settings  # bus and cache come built; nothing else in the shared settings concerns analysis
    own = analysis_settings or AnalysisSettings()
    _check(own)
    if analyser is None:
        analyser = ProcessPoolAnalyser(
            own.options(), workers=own.analysis_workers, max_tasks_per_worker=own.analysis_max_tasks_per_worker
        )
    job = AnalyseRecording(bus, cache, analyser, own.options(), failure_ttl=own.analysis_cache_failures_seconds)
    bus.subscribe(CONSUMER, [RecordingCataloged], job.handle)


async def main(settings: Settings) -> None:
    """Run the service until cancelled."""
    own = AnalysisSettings()
    _check(own)
    analyser = ProcessPoolAnalyser(
        own.options(), workers=own.analysis_workers, max_tasks_per_worker=own.analysis_max_tasks_per_worker
    )
    bus = create_bus(settings)
    try:
        async with create_cache(settings, namespace=CACHE_NAMESPACE) as cache:
            register(bus, cache, settings, analysis_settings=own, analyser=analyser)
            async with bus:
                await asyncio.Event().wait()
    finally:
        await analyser.close()
