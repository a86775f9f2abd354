"""The embedded stand-ins' worker thread: one thread for every call, a last call on close, nothing after it."""

from __future__ import annotations

import threading

import pytest

from tracktion_shared.worker_thread import WorkerThread


async def test_every_call_runs_on_the_same_thread_off_the_loop() -> None:
    worker = WorkerThread("test-worker")
    names = {await worker.run(lambda: threading.current_thread().name) for _ in range(5)}
    assert len(names) == 1
    assert names.pop().startswith("test-worker")
    await worker.close(lambda: None)


async def test_close_runs_the_last_call_once_and_refuses_later_calls() -> None:
    worker = WorkerThread("test-worker")
    closed: list[str] = []
    await worker.close(lambda: closed.append(threading.current_thread().name))
    await worker.close(lambda: closed.append("again"))
    assert len(closed) == 1
    assert closed[0].startswith("test-worker")
    with pytest.raises(RuntimeError, match="closed"):
        await worker.run(lambda: 1)
