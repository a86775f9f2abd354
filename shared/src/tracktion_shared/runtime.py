"""How a service process lives and dies: set up logging and tracing, run until SIGTERM/SIGINT, shut down cleanly.

A service is an ``async def main(settings) -> None`` that runs until it is cancelled. On a signal it is cancelled,
so its ``async with`` blocks unwind in order: the bus stops consuming and drains in-flight messages (bounded), then
the database engine is disposed. Whatever was not acknowledged is redelivered to the next worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from tracktion_shared.config import Settings
from tracktion_shared.logs import configure_logging
from tracktion_shared.tracing import configure_tracing

__all__ = ["ServiceMain", "run_service", "serve_until_signalled"]

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


def run_service(name: str, main: ServiceMain, settings: Settings | None = None) -> None:
    """Entry point of a service process (``python -m tracktion_<name>`` and ``tracktion service <name>``)."""
    settings = settings or Settings()
    configure_logging(name, settings.log_level, settings.log_format)
    configure_tracing(name)
    log.info("starting service %s", name)
    asyncio.run(serve_until_signalled(main(settings)))
