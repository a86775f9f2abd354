"""Wiring the catalog onto a bus: in-process for the embedded CLI (:func:`register`), or as a service (:func:`main`).

Started by ``python -m tracktion_catalog`` or ``tracktion service catalog`` (the ``tracktion.services`` entry point),
both of which hand :func:`main` to :func:`tracktion_shared.runtime.run_service`; SIGTERM cancels it, which stops
consuming (in-flight handlers finish, bounded), stops the outbox relay and closes the database.

Migrations are a separate step (``tracktion db upgrade``) in the cluster, so several replicas never race to migrate;
the service only checks that the schema is the one it was built for, and refuses to start otherwise.
"""

from __future__ import annotations

import asyncio
import logging

from tracktion_catalog.adapters.files import Inspector, inspect_file
from tracktion_catalog.adapters.hashing import short_gil_turns
from tracktion_catalog.consumer import CONSUMED, CatalogConsumer
from tracktion_catalog.domain.stages import StagePolicy
from tracktion_catalog.errors import SchemaNotCurrent
from tracktion_catalog.jobs.context import CONSUMER, CatalogContext
from tracktion_catalog.jobs.repair import repair_forever
from tracktion_catalog.settings import CatalogSettings
from tracktion_shared.bus import Bus, create_bus
from tracktion_shared.config import Settings, redact_url
from tracktion_shared.housekeeping import prune_inbox_forever
from tracktion_shared.outbox import OutboxRelay
from tracktion_shared.storage import Database, current_revision, head_revision

__all__ = ["main", "register", "require_current_schema", "short_gil_turns"]

log = logging.getLogger("tracktion.catalog")


def register(
    bus: Bus,
    db: Database,
    *,
    relay: OutboxRelay | None,
    settings: CatalogSettings | None = None,
    inspector: Inspector = inspect_file,
    stages: StagePolicy | None = None,
) -> CatalogConsumer:
    """Subscribe the ``catalog`` consumer to the file messages on ``bus`` (before the bus is started).

    ``relay``: the process's outbox relay; each handler flushes it after committing a ``RecordingCataloged``, so
    the announcement is on the bus before the file message is acknowledged. Pass None only when another relay
    sweeps the outbox (announcements then wait for it). ``inspector`` reads a file; tests wrap it to count reads.
    ``stages``: what runs after cataloging (an embedded run says whether analysis is on, its version and run id).
    """
    ctx = CatalogContext(
        db=db, settings=settings or CatalogSettings(), inspector=inspector, relay=relay, stages=stages or StagePolicy()
    )
    consumer = CatalogConsumer(ctx)
    bus.subscribe(CONSUMER, CONSUMED, consumer.handle)
    return consumer


async def require_current_schema(url: str) -> None:
    """Raise :class:`SchemaNotCurrent` unless the database at ``url`` is at this build's head revision."""
    current, head = await current_revision(url), head_revision()
    if current != head:
        raise SchemaNotCurrent(
            f"database {redact_url(url)} is at schema revision {current or 'none'}, this build needs {head}; "
            "run `tracktion db upgrade` first"
        )


async def main(settings: Settings) -> None:
    """Consume file messages from the configured bus until cancelled, publishing announcements through the outbox."""
    catalog_settings = CatalogSettings()
    url = settings.database_url_value()
    await require_current_schema(url)
    with short_gil_turns():  # the hashing threads get the GIL back quickly while the event loop is busy
        await _serve(settings, catalog_settings, url)


async def _serve(settings: Settings, catalog_settings: CatalogSettings, url: str) -> None:
    async with Database(url) as db:
        bus = create_bus(settings)
        relay = OutboxRelay(db, bus, interval=catalog_settings.relay_interval)
        stages = StagePolicy(
            analysis_version=catalog_settings.analysis_version,
            graph=catalog_settings.graph,
            identify=catalog_settings.identify,
        )
        consumer = register(bus, db, relay=relay, settings=catalog_settings, stages=stages)
        async with bus, asyncio.TaskGroup() as chores:
            log.info("catalog consuming from %r into %r", bus, db)
            chores.create_task(prune_inbox_forever(db))
            chores.create_task(relay.run())  # sweeps what a crash left in the outbox; these end only by cancellation
            if catalog_settings.repair_interval > 0:  # asks again for what a lost or dead-lettered message left due
                chores.create_task(repair_forever(consumer.ctx, catalog_settings.repair_interval))
