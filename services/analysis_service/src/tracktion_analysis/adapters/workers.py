"""Analysis off the event loop: a pool of worker processes, rebuilt when one dies.

Decoding and DSP hold the GIL for long stretches (and a crash in native code would take the whole service down),
so every analysis runs in a separate process. The pool has ``workers`` processes (``TRACKTION_ANALYSIS_WORKERS``,
default 1): a service process runs one pool, and N service processes or pods consume the same queue, so capacity
grows by adding either. Processes are started with ``spawn`` (never ``fork`` from a process with an event loop and
threads) and replaced after about ``max_tasks_per_worker`` files each (default 50): essentia's streaming networks leak
about 1 MB of native memory per file however short it is (measured; the Python side is collected), so recycling keeps
a worker within its memory budget at the cost of one ~1.5 s essentia import per 50 files.

Recycling is done here, a whole pool at a time, not with the executor's own ``max_tasks_per_child``: on CPython
3.11-3.13 that option deadlocks once tasks are queued behind busy workers (python/cpython#115634: a worker that exits
at its limit is not replaced, and the queued analyses never run). A burst of redeliveries after a broker restart
queues exactly that backlog, and the fault tests caught the service hanging with its analyses pending forever. So
after ``workers * max_tasks_per_worker`` submissions the pool is retired: new files go to a fresh pool at once, the
old one finishes what it holds and exits (for a moment both exist, so up to twice the workers run).

When a worker dies mid-analysis (OOM killer, segfault on a pathological file) the pool is broken; it is replaced
and the failure surfaces as :class:`~tracktion_analysis.errors.AnalysisWorkerError`, a temporary error, so the
bus retries the message a bounded number of times before dead-lettering it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from tracktion_analysis.adapters import essentia_runtime
from tracktion_analysis.analysis import AnalysisOptions, analyse_file
from tracktion_analysis.domain.result import AnalysisResult
from tracktion_analysis.errors import AnalysisWorkerError

__all__ = ["Analyser", "ProcessPoolAnalyser"]

log = logging.getLogger("tracktion.analysis")


class Analyser(Protocol):
    """Something that analyses a file without blocking the event loop (the job depends on this, tests fake it)."""

    async def analyse(self, path: str) -> AnalysisResult: ...

    async def close(self) -> None: ...


def _warm_up() -> None:
    """Worker initializer: import essentia once per process, before the first file."""
    essentia_runtime.load()


class ProcessPoolAnalyser:
    """:func:`~tracktion_analysis.analysis.analyse_file` in a lazily started pool of worker processes."""

    def __init__(self, options: AnalysisOptions, *, workers: int = 1, max_tasks_per_worker: int = 50) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.options = options
        self.workers = workers
        self.max_tasks_per_worker = max_tasks_per_worker
        self._pool: ProcessPoolExecutor | None = None
        self._submitted = 0  # analyses handed to the current pool
        self._retiring: set[asyncio.Task[None]] = set()  # old pools finishing their last analyses
        self._closed = False

    def _executor(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("the analyser is closed")
        if self._pool is not None and self._submitted >= self.workers * self.max_tasks_per_worker:
            self._retire(self._pool)
            self._pool = None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_warm_up
            )
            self._submitted = 0
        self._submitted += 1
        return self._pool

    def _retire(self, pool: ProcessPoolExecutor) -> None:
        """Let ``pool`` finish the analyses it holds (their callers still get results), then end its processes."""
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(pool.shutdown, wait=True))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def analyse(self, path: str) -> AnalysisResult:
        pool = self._executor()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(pool, analyse_file, path, self.options)
        except BrokenProcessPool as exc:
            log.error("an analysis worker died while analysing %s; restarting the pool", path)
            if self._pool is pool:
                self._pool = None
                await asyncio.to_thread(pool.shutdown, wait=False, cancel_futures=True)
            raise AnalysisWorkerError(f"the analysis worker died while analysing {path}") from exc

    async def close(self) -> None:
        """Stop the workers (waiting for running analyses). Safe to call twice."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)
