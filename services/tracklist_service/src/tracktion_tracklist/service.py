"""The tracklist service: consumer ``tracklist`` on ``recording.cataloged``.

:func:`register` subscribes the consumer on a bus someone else owns (the embedded all-in-one CLI, tests);
:func:`main` is the long-running service (``python -m tracktion_tracklist``, ``tracktion service tracklist``): it
builds the bus and cache from the settings, registers, and runs until cancelled, when the bus drains in-flight
look-ups and the cache is closed.
"""

from __future__ import annotations

import asyncio

import httpx

from tracktion_shared.bus import Bus, create_bus
from tracktion_shared.cache import Cache, create_cache
from tracktion_shared.config import Settings
from tracktion_shared.messages import RecordingCataloged
from tracktion_tracklist.jobs.lookup import CONSUMER, TracklistLookup
from tracktion_tracklist.settings import TracklistSettings

__all__ = ["CACHE_NAMESPACE", "main", "register"]

CACHE_NAMESPACE = "tracklist"


def register(
    bus: Bus,
    cache: Cache | None,
    settings: Settings,
    *,
    tracklist_settings: TracklistSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Subscribe the ``tracklist`` consumer to ``bus`` (before the bus starts).

    ``settings`` are the shared ones (kept for symmetry with the other services' ``register``); the service's own
    come from ``TRACKTION_TRACKLIST_*`` unless ``tracklist_settings`` is given.
    """
    del settings  # the shared settings hold nothing this consumer needs yet (bus and cache come built)
    job = TracklistLookup(bus, cache, tracklist_settings or TracklistSettings(), transport=transport)
    bus.subscribe(CONSUMER, [RecordingCataloged], job.handle)


async def main(settings: Settings) -> None:
    """Run the service until cancelled."""
    tracklist_settings = TracklistSettings()
    bus = create_bus(settings)
    async with create_cache(settings, namespace=CACHE_NAMESPACE) as cache:
        register(bus, cache, settings, tracklist_settings=tracklist_settings)
        async with bus:
            await asyncio.Event().wait()
