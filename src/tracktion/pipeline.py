"""The services one CLI invocation runs, wired together: the composition root of ``tracktion scan`` and ``watch``.

Embedded (no ``TRACKTION_AMQP_URL``): every service runs in this process over the in-process bus, on a SQLite file
that is migrated on the spot, so a new user gets a result from one command. Cluster (``TRACKTION_AMQP_URL`` set):
this process runs only the watcher and publishes to RabbitMQ; the catalog and the others are separate services
(``tracktion service NAME``), and progress is read from the database they share. Either way the summary comes from
the catalog database, so it says what was really committed.

A stage that is switched off is not even imported: ``--no-analysis`` loads no essentia, ``--no-tracklists`` no HTML
parser or HTTP client, and a scan starts that much sooner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from uuid import UUID, uuid4

from tracktion_catalog import CatalogSettings
from tracktion_catalog import queries as catalog_queries
from tracktion_catalog import service as catalog_service
from tracktion_catalog.domain.stages import ReportedStage, StageCounts, StagePolicy
from tracktion_shared.bus import Bus, InProcessBus, create_bus, retry_policy
from tracktion_shared.config import Settings
from tracktion_shared.errors import TemporaryError
from tracktion_shared.graph import GraphRepository, create_graph
from tracktion_shared.graph import consumer as graph_consumer
from tracktion_shared.housekeeping import prune_inbox_forever
from tracktion_shared.messages import Message
from tracktion_shared.outbox import OutboxRelay
from tracktion_shared.storage import Database, upgrade
from tracktion_watcher import ScanReport, Watcher, WatcherSettings

if TYPE_CHECKING:
    from tracktion_shared.cache import Cache

__all__ = ["FailedFile", "Pipeline", "ScanSummary", "Stages"]

log = logging.getLogger("tracktion.pipeline")

#: messages each in-process consumer may hold at once (see Pipeline.__aenter__). The catalog groups what it holds
#: into one transaction (up to its batch sizes: 500 unchanged files, 200 files read), so this bounds its batches: at
#: 64 a no-change rescan of 10,000 files took ~160 commits and 3.2-5.7 s here, at 512 about 20 and 2.1-2.3 s.
EMBEDDED_PREFETCH = 512

#: how long a cluster-mode scan waits for the catalog service without seeing any progress before giving up.
DEFAULT_STALL_TIMEOUT = 120.0


@dataclass(frozen=True)
class Stages:
    """Which stages after cataloging run in this invocation (embedded mode; the cluster runs what is deployed)."""

    analysis: bool = True
    tracklists: bool = True
    #: fingerprint every recording and find the library's tracks inside sets from the audio
    identify: bool = True


@dataclass(frozen=True)
class FailedFile:
    path: str
    error: str


@dataclass(frozen=True)
class ScanSummary:
    """What a scan left in the catalog for its folder; ``failed`` also lists what the watcher had to skip."""

    root: str
    scan_id: UUID
    files_seen: int
    recordings: int
    failed: list[FailedFile] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    duration_seconds: float = 0.0
    #: the later stages of the folder's recordings by state: done, failed (with why), deferred, due, skipped...
    stages: dict[ReportedStage, StageCounts] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Everything due is done: no file failed, and no stage failed, was deferred or is still due.

        Work skipped by choice (``--no-analysis``) and, in the cluster, work queued for the services is not missing.
        """
        return not self.failed and not any(
            counts.failed or counts.deferred or counts.due for counts in self.stages.values()
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["scan_id"] = str(self.scan_id)
        data["duration_seconds"] = round(self.duration_seconds, 3)
        data["stages"] = {stage: counts.as_json() for stage, counts in self.stages.items()}
        data["complete"] = self.complete
        return data


class Pipeline:
    """Opens the database and the bus, registers the in-process services, and runs scans and watches over them."""

    def __init__(
        self,
        settings: Settings,
        stages: Stages | None = None,
        *,
        watcher_settings: WatcherSettings | None = None,
        stall_timeout: float = DEFAULT_STALL_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.stages = stages or Stages()
        self.watcher_settings = watcher_settings or WatcherSettings()
        self.stall_timeout = stall_timeout
        self.embedded = settings.amqp_url is None
        self._db: Database | None = None
        self._bus: Bus | None = None
        self._caches: list[Cache] = []
        self._graph: GraphRepository | None = None
        self._closers: list[Callable[[], None]] = []
        self._background: list[asyncio.Task[None]] = []
        self._process_settings = contextlib.ExitStack()
        # what the summary judges by; embedded, _register_services replaces it with this run's. Against a cluster the
        # CLI reads the catalog service's own settings (TRACKTION_CATALOG_GRAPH: is a graph writer deployed)
        catalog = CatalogSettings()
        self._policy = StagePolicy(graph=catalog.graph, identify=catalog.identify)

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the pipeline is not open")
        return self._db

    @property
    def bus(self) -> Bus:
        if self._bus is None:
            raise RuntimeError("the pipeline is not open")
        return self._bus

    async def __aenter__(self) -> Self:
        url = self.settings.database_url_value()
        if self.embedded:
            await upgrade(url)
        else:
            await catalog_service.require_current_schema(url)
        self._db = Database(url)
        # In one process nothing competes for messages, and the catalog confirms unchanged files in batches as large
        # as what is in flight: a deep prefetch makes a rescan of a big unchanged library several times faster.
        self._bus = (
            InProcessBus(retry_policy(self.settings), prefetch=max(EMBEDDED_PREFETCH, self.settings.bus_prefetch))
            if self.embedded
            else create_bus(self.settings)
        )
        try:
            if self.embedded:
                # this process hashes files in threads while its event loop works: shorter GIL turns for the loop
                self._process_settings.enter_context(catalog_service.short_gil_turns())
                self._register_services(self._db, self._bus)
            await self._bus.start()
            if self.embedded:
                # Handlers flush the outbox themselves; this sweeps what a crash left behind.
                self._background.append(asyncio.create_task(OutboxRelay(self._db, self._bus).run()))
                self._background.append(asyncio.create_task(prune_inbox_forever(self._db)))
        except BaseException:
            await self._close()
            raise
        return self

    def _register_services(self, db: Database, bus: Bus) -> None:
        """Every service this process runs in embedded mode, on one bus (the cluster runs each in its own image).

        The catalog learns what runs after it (analysis on or off, its version) and this run's id: its requests
        travel on this process's bus, so a request stamped by any earlier run died with that run and is due again.
        """
        version = None
        if self.stages.analysis:
            from tracktion_analysis import service as analysis_service  # noqa: PLC0415 -- numpy only when analysing

            analysis_service.register(bus, self._cache(analysis_service.CACHE_NAMESPACE), self.settings)
            version = analysis_service.result_version()
        identify_version = None
        if self.stages.identify:
            from tracktion_identify import FINGERPRINT_VERSION  # noqa: PLC0415 -- numpy and PyAV likewise
            from tracktion_identify import service as identify_service  # noqa: PLC0415

            self._closers.append(identify_service.register(bus, self.settings).close)
            identify_version = FINGERPRINT_VERSION
        self._policy = StagePolicy(
            analysis=self.stages.analysis,
            analysis_version=version,
            run_id=uuid4().hex,
            identify=self.stages.identify,
            identify_version=identify_version,
        )
        catalog_service.register(bus, db, relay=OutboxRelay(db, bus), stages=self._policy)
        if self.stages.tracklists:
            from tracktion_tracklist import service as tracklist_service  # noqa: PLC0415 -- bs4, httpx likewise

            tracklist_service.register(bus, self._cache(tracklist_service.CACHE_NAMESPACE), self.settings)
        self._graph = create_graph(self.settings)
        graph_consumer.register(bus, self._graph)

    def _cache(self, namespace: str) -> Cache:
        from tracktion_shared.cache import create_cache  # noqa: PLC0415 -- only the later stages keep a cache

        cache = create_cache(self.settings, namespace=namespace)
        self._caches.append(cache)
        return cache

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._close()

    async def _close(self) -> None:
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self._background.clear()
        if self._bus is not None:
            await self._bus.close()
        if self._graph is not None:
            await self._graph.close()
        for cache in self._caches:
            await cache.close()
        self._caches.clear()
        for close in self._closers:
            close()
        self._closers.clear()
        if self._db is not None:
            await self._db.dispose()
        self._process_settings.close()

    def watcher(self, folder: Path, *, on_found: Callable[[int], None] | None = None) -> Watcher:
        return Watcher(folder, self.bus, self.watcher_settings, progress=on_found)

    async def scan(
        self,
        folder: Path,
        *,
        on_found: Callable[[int], None] | None = None,
        on_cataloged: Callable[[int, int], None] | None = None,
        on_stages: Callable[[Mapping[ReportedStage, StageCounts]], None] | None = None,
    ) -> ScanSummary:
        """Scan ``folder`` once and wait until every file it found is cataloged (and, embedded, fully processed).

        ``on_found(n)`` reports files found so far; ``on_cataloged(done, total)`` the catalog's progress;
        ``on_stages(counts)`` the later stages of the folder's recordings by state, every second or so.
        """
        started = time.monotonic()
        report = await self.watcher(folder, on_found=on_found).scan()
        # stopped, not cancelled: a cancel landing inside its transaction can leave that SQLite connection holding
        # the write lock, and the summary below then waits out the busy timeout ("database is locked")
        stop = asyncio.Event()
        progress = asyncio.create_task(self._report_progress(report, on_cataloged, on_stages, stop))
        try:
            await self._drain(report)
        finally:
            stop.set()
            await progress
        if on_cataloged is not None:
            on_cataloged(report.files_seen, report.files_seen)
        return await self._summary(report, time.monotonic() - started)

    async def announce(self, message: Message) -> None:
        """Hand ``message`` to the services (a tracklist imported by hand); embedded, wait until it is handled."""
        await self.bus.publish(message)
        if isinstance(self.bus, InProcessBus):
            await self.bus.wait_idle()

    async def watch(self, folder: Path, stop: asyncio.Event | None = None) -> None:
        """Scan, then follow changes until ``stop`` is set or the task is cancelled."""
        await self.watcher(folder).watch(stop)

    async def _report_progress(
        self,
        report: ScanReport,
        on_cataloged: Callable[[int, int], None] | None,
        on_stages: Callable[[Mapping[ReportedStage, StageCounts]], None] | None,
        stop: asyncio.Event,
    ) -> None:
        """Poll the catalog for the callbacks until ``stop``. The stage counts read every present recording's state
        under the folder, so they are asked at most every ten times as long as the last reading took: a large
        library's progress costs the scan a tenth of the database's time at most."""
        next_stages = 0.0
        while (on_cataloged is not None or on_stages is not None) and not stop.is_set():
            if on_cataloged is not None:
                done = await catalog_queries.scan_progress(self.db, report.scan_id)
                on_cataloged(min(done, report.files_seen), report.files_seen)
            if on_stages is not None and time.monotonic() >= next_stages:
                asked = time.monotonic()
                on_stages(await catalog_queries.stage_progress(self.db, report.root, self._policy))
                next_stages = time.monotonic() + max(1.0, 10 * (time.monotonic() - asked))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.3)

    async def _drain(self, report: ScanReport) -> None:
        """Wait until the scan's work is done: the in-process bus is idle, or the remote catalog has caught up."""
        if isinstance(self.bus, InProcessBus):
            await self.bus.wait_idle()
            return
        last, last_change = -1, time.monotonic()
        while True:
            done = await catalog_queries.scan_progress(self.db, report.scan_id)
            if done >= report.files_seen:
                return
            if done != last:
                last, last_change = done, time.monotonic()
            elif time.monotonic() - last_change > self.stall_timeout:
                raise TemporaryError(
                    f"the catalog service processed {done} of {report.files_seen} files and then nothing for "
                    f"{self.stall_timeout:.0f} s; is `tracktion service catalog` running against the same bus?"
                )
            await asyncio.sleep(0.5)

    async def _summary(self, report: ScanReport, duration: float) -> ScanSummary:
        catalog = await catalog_queries.summary(self.db, report.root, self._policy)
        skipped = [FailedFile(str(skip), skip.reason) for skip in report.skipped]
        return ScanSummary(
            root=report.root,
            scan_id=report.scan_id,
            files_seen=report.files_seen,
            recordings=catalog.recordings,
            failed=[FailedFile(path, error) for path, error in catalog.failed] + skipped,
            duplicates=list(catalog.duplicates),
            missing=list(catalog.missing),
            duration_seconds=duration,
            stages=catalog.stages,
        )
