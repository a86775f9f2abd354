"""Group commit: work that arrives while a batch is being committed waits, and goes into the next batch together.

One transaction per message makes the commit (an fsync on SQLite) and the statements around it the bottleneck once
messages arrive faster than one transaction takes. Grouping adapts by itself: a lone message is committed at once,
and under load each batch holds whatever queued up during the one before it. No task runs in the background:
whichever handler finds the lock free runs the batch, and every handler waits for the answer about its own item.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["BatchWork", "GroupCommit", "one_by_one"]

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")

#: runs one batch and answers for each item, in order: its result, or the exception that belongs to that item alone.
#: Raising instead fails every item of the batch with that exception.
BatchWork = Callable[[Sequence[ItemT]], Awaitable[Sequence[ResultT | Exception]]]


class GroupCommit(Generic[ItemT, ResultT]):
    """``await submit(item)`` -> the item's result, once ``work`` ran it in a batch of at most ``max_batch``."""

    def __init__(self, work: BatchWork[ItemT, ResultT], *, max_batch: int) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, not {max_batch}")
        self._work = work
        self._max_batch = max_batch
        # waiting items by their answer (futures hash by identity; a dict keeps arrival order)
        self._waiting: dict[asyncio.Future[ResultT], ItemT] = {}
        self._lock = asyncio.Lock()
        self.batches = 0  # how many batches completed (for tests and logs)

    async def submit(self, item: ItemT) -> ResultT:
        answer: asyncio.Future[ResultT] = asyncio.get_running_loop().create_future()
        self._waiting[answer] = item
        try:
            while not answer.done():
                async with self._lock:
                    if not answer.done():
                        await self._run_batch()
        finally:
            self._waiting.pop(answer, None)  # cancelled before any batch took it
        return answer.result()

    async def _run_batch(self) -> None:
        batch = dict(itertools.islice(self._waiting.items(), self._max_batch))
        for answer in batch:
            del self._waiting[answer]
        try:
            outcomes = await self._work(list(batch.values()))
            if len(outcomes) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} items answered {len(outcomes)} times")
        except asyncio.CancelledError:
            # the handler running the batch was cancelled: the others' items go back for the next one
            self._waiting = {**{a: item for a, item in batch.items() if not a.done()}, **self._waiting}
            raise
        except Exception as exc:
            for answer in batch:
                if not answer.done():
                    answer.set_exception(exc)
            return
        self.batches += 1
        for answer, outcome in zip(batch, outcomes, strict=True):
            if answer.done():
                continue
            if isinstance(outcome, Exception):
                answer.set_exception(outcome)
            else:
                answer.set_result(outcome)


async def one_by_one(items: Sequence[ItemT], work: Callable[[ItemT], Awaitable[ResultT]]) -> list[ResultT | Exception]:
    """``work`` for each item on its own, in order, each answer its result or its exception.

    What a batch falls back to when it failed as a whole for a reason that may lie in one item: the item that fails
    alone then takes the normal error path (retried by the bus, dead-lettered if it keeps failing), the others succeed.
    """
    outcomes: list[ResultT | Exception] = []
    for item in items:
        try:
            outcomes.append(await work(item))
        except Exception as exc:
            outcomes.append(exc)
    return outcomes
