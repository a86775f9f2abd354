"""How a service process lives and dies: set up logging and tracing, run until SIGTERM/SIGINT, shut down cleanly.

A service is an ``async def main(settings) -> None`` that runs until it is cancelled. On a signal it is cancelled,
so its ``async with`` blocks unwind in order: the bus stops consuming and drains in-flight messages (bounded), then
the database engine is disposed. Whatever was not acknowledged is redelivered to the next worker.

With ``TRACKTION_METRICS_PORT`` set (the cluster sets 9464), the process also serves Prometheus ``/metrics`` for as
long as the service runs; the counters themselves are kept where the work happens (:mod:`tracktion_shared.metrics`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator

from tracktion_shared import metrics
from tracktion_shared.config import Settings
from tracktion_shared.logs import configure_logging
from tracktion_shared.tracing import configure_tracing

__all__ = ["ServiceMain", "metrics_endpoint", "run_service", "serve_until_signalled"]

ServiceMain = Callable[[Settings], Awaitable[None]]

log = logging.getLogger("tracktion.runtime")


async def serve_until_signalled(main: Awaitable[None]) -> None:
    """Run ``main`` until it returns or SIGINT/SIGTERM arrives, then cancel it and wait for it to unwind."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.ensure_future(main)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            log.info("shutting down")
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        else:
            task.result()
    finally:
        stopper.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@contextlib.contextmanager
def metrics_endpoint(settings: Settings) -> Iterator[metrics.MetricsServer | None]:
    """``/metrics`` on ``settings.metrics_port`` while the block runs; nothing when no port is set.

    A port that is taken fails the start: a service that silently exposes nothing would look healthy and empty.
    """
    if settings.metrics_port is None:
        yield None
        return
    server = metrics.serve(settings.metrics_port)
    log.info("serving metrics on port %d (/metrics)", server.port)
    try:
        yield server
    finally:
        server.close()


def run_service(name: str, main: ServiceMain, settings: Settings | None = None) -> None:
    """Entry point of a service process (``python -m tracktion_<name>`` and ``tracktion service <name>``)."""
    settings = settings or Settings()
    configure_logging(name, settings.log_level, settings.log_format)
    configure_tracing(name)
    log.info("starting service %s", name)
    with metrics_endpoint(settings):
        asyncio.run(serve_until_signalled(main(settings)))
