"""The identify service: consumer ``identify`` on ``recording.cataloged``.

:func:`register` subscribes the consumer on a bus someone else owns (the embedded all-in-one CLI, tests) and
returns the index it opened, for the owner to close; :func:`main` is the long-running service
(``python -m tracktion_identify``, ``tracktion service identify``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tracktion_identify.adapters.index import FingerprintIndex
from tracktion_identify.jobs.identify import CONSUMER, Identify
from tracktion_identify.settings import IdentifySettings, index_location
from tracktion_shared.bus import Bus, create_bus
from tracktion_shared.config import Settings
from tracktion_shared.messages import RecordingCataloged

__all__ = ["main", "open_index", "register"]


def open_index(settings: Settings, identify_settings: IdentifySettings | None = None) -> FingerprintIndex:
    """The fingerprint index these settings point at (see :mod:`tracktion_identify.settings`)."""
    location = index_location(identify_settings or IdentifySettings(), settings)
    if isinstance(location, Path):
        from tracktion_identify.adapters.sqlite_index import SqliteIndex  # noqa: PLC0415 -- one of two stores

        return SqliteIndex(location)
    from tracktion_identify.adapters.postgres_index import PostgresIndex  # noqa: PLC0415

    return PostgresIndex(location)


def register(bus: Bus, settings: Settings, *, identify_settings: IdentifySettings | None = None) -> FingerprintIndex:
    """Subscribe the ``identify`` consumer to ``bus`` (before the bus starts); returns its index (close it after)."""
    own = identify_settings or IdentifySettings()
    index = open_index(settings, own)
    job = Identify(bus, index, own)
    bus.subscribe(CONSUMER, [RecordingCataloged], job.handle)
    return index


async def main(settings: Settings) -> None:
    """Run the service until cancelled."""
    bus = create_bus(settings)
    index = register(bus, settings)
    try:
        async with bus:
            await asyncio.Event().wait()
    finally:
        index.close()
