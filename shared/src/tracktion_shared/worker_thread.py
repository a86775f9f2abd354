"""A dedicated worker thread for a blocking client whose connection must stay on the thread that opened it.

The embedded stand-ins (the SQLite cache, the LadybugDB graph) wrap libraries whose calls block and whose
connections belong to one thread. One thread of their own, rather than ``asyncio.to_thread``'s shared pool, keeps
the connection on a single thread, serialises calls without a lock, and lets a burst of calls queue here instead of
filling the pool that file hashing shares.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["WorkerThread"]

_T = TypeVar("_T")


class WorkerThread:
    """Runs blocking calls one at a time on its own thread; :meth:`close` runs a last call, then lets it go."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.closed = False

    async def run(self, call: Callable[[], _T]) -> _T:
        if self.closed:
            raise RuntimeError("the worker thread is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def close(self, last: Callable[[], None]) -> None:
        """Run ``last`` (closing the connection) after every call already queued; later calls raise. Idempotent."""
        if self.closed:
            return
        self.closed = True
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, last)
        finally:
            self._executor.shutdown(wait=False)
