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

A worker dies with the process that started it, however that one ends: ``kill -9`` of a ``tracktion scan`` gives it
no chance to shut the pool down, and its workers would otherwise wait forever for work on a queue whose other end is
gone (each holds ~100 MB). On Linux the worker asks the kernel for SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``), first thing in its initializer, then checks that its parent is still the process that
started it: one that died before the request was made can no longer signal it, and the worker exits by itself. The
kernel sends that signal when the *thread* that started the worker ends; workers are started by ``submit``, which
``run_in_executor`` calls on the event loop's thread, and that thread outlives the pool. Elsewhere this is a no-op
(macOS has no equivalent short of a watcher thread per worker).
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from tracktion_analysis.adapters import essentia_runtime
from tracktion_analysis.analysis import AnalysisOptions, analyse_file
from tracktion_analysis.domain.result import AnalysisResult
from tracktion_analysis.errors import AnalysisWorkerError

__all__ = ["Analyser", "ProcessPoolAnalyser", "die_with_parent"]

log = logging.getLogger("tracktion.analysis")


class Analyser(Protocol):
    """Something that analyses a file without blocking the event loop (the job depends on this, tests fake it)."""

    async def analyse(self, path: str) -> AnalysisResult: ...

    async def close(self) -> None: ...


#: prctl(2) option: the signal this process gets when the thread that created it exits
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Make this process end when ``parent`` (the pid that started it) does; a no-op outside Linux.

    Exits at once when ``parent`` is already gone (this process was re-parented before the request was made).
    """
    if sys.platform != "linux":
        return
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # libc is in every Linux process, glibc or musl
    except (OSError, AttributeError):  # pragma: no cover -- a Linux without prctl
        log.warning("prctl is unavailable: analysis workers outlive a killed parent")
        return
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:  # pragma: no cover -- cannot fail with these args
        log.warning("prctl(PR_SET_PDEATHSIG) failed: %s", os.strerror(ctypes.get_errno()))
    if os.getppid() != parent:
        os._exit(1)


def _start_worker(parent: int) -> None:
    """Worker initializer: die with ``parent``, then import essentia once per process, before the first file."""
    die_with_parent(parent)
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
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
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
