"""Per-path locks serialise handlers of one path, let other paths run, and leave nothing behind."""

from __future__ import annotations

import asyncio

from tracktion_catalog.jobs.locks import PathLocks


async def test_same_path_is_serialised_other_paths_are_not() -> None:
    locks = PathLocks()
    events: list[str] = []

    async def work(name: str, *paths: str) -> None:
        async with locks.hold(*paths):
            events.append(f"{name} in")
            await asyncio.sleep(0.01)
            events.append(f"{name} out")

    await asyncio.gather(work("a", "/x"), work("b", "/x"), work("c", "/y"))
    assert events.index("a out") < events.index("b in")
    assert events.index("c in") < events.index("a out")
    assert len(locks) == 0


async def test_two_paths_in_opposite_order_do_not_deadlock() -> None:
    locks = PathLocks()

    async def work(*paths: str) -> None:
        async with locks.hold(*paths):
            await asyncio.sleep(0.01)

    await asyncio.wait_for(asyncio.gather(work("/a", "/b"), work("/b", "/a")), 2)
    assert len(locks) == 0


async def test_a_cancelled_waiter_leaves_no_lock_behind() -> None:
    locks = PathLocks()
    entered = asyncio.Event()

    async def holder() -> None:
        async with locks.hold("/x"):
            entered.set()
            await asyncio.sleep(0.05)

    async def waiter() -> None:
        async with locks.hold("/x"):
            raise AssertionError("never entered")

    first = asyncio.create_task(holder())
    await entered.wait()
    second = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    second.cancel()
    await asyncio.gather(first, second, return_exceptions=True)
    assert len(locks) == 0
