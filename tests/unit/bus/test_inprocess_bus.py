"""What only the in-process bus has: ``wait_idle`` (how ``tracktion scan`` knows it is done) and restarting in place."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from tracktion_shared.bus import InProcessBus, RetryPolicy
from tracktion_shared.errors import PermanentError
from tracktion_shared.messages import FileDeleted, FileDiscovered, Message, RecordingCataloged

TIMEOUT = 5.0


def discovered(path: str = "/a.flac") -> FileDiscovered:
    return FileDiscovered(path=path)


def cataloged(source: Message) -> RecordingCataloged:
    return RecordingCataloged(
        recording_id=uuid.uuid4(), path="/a.flac", sha256="0" * 64, xxh128="1" * 32, **source.follow_up()
    )


@pytest.fixture
async def bus() -> AsyncIterator[InProcessBus]:
    bus = InProcessBus(RetryPolicy(max_retries=2, base_delay=0.05), prefetch=4, close_timeout=1.0)
    try:
        yield bus
    finally:
        await asyncio.wait_for(bus.close(), timeout=TIMEOUT)


async def idle(bus: InProcessBus) -> None:
    await asyncio.wait_for(bus.wait_idle(), timeout=TIMEOUT)


async def until(predicate: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not predicate():
        if loop.time() > deadline:
            pytest.fail("timed out")
        await asyncio.sleep(0.005)


# -- wait_idle -----------------------------------------------------------------------------------------------------


async def test_wait_idle_returns_at_once_when_nothing_happens(bus: InProcessBus) -> None:
    await bus.start()
    await idle(bus)
    assert bus.outstanding == 0


async def test_wait_idle_covers_the_whole_cascade_of_follow_ups(bus: InProcessBus) -> None:
    """A handler that publishes keeps the bus busy: wait_idle sees the end of the chain, not a gap in the middle."""
    done: list[str] = []

    async def catalog(message: Message) -> None:
        await asyncio.sleep(0.01)
        await bus.publish(cataloged(message))
        await asyncio.sleep(0.01)  # still running after its follow-up was queued

    async def analysis(message: Message) -> None:
        await asyncio.sleep(0.02)
        done.append(str(message.correlation_id))

    bus.subscribe("catalog", [FileDiscovered], catalog)
    bus.subscribe("analysis", [RecordingCataloged], analysis)
    await bus.start()
    messages = [discovered(f"/{i}.flac") for i in range(10)]
    for message in messages:
        await bus.publish(message)
    await idle(bus)
    assert sorted(done) == sorted(str(m.correlation_id) for m in messages)
    assert bus.outstanding == 0


async def test_wait_idle_waits_for_pending_retries(bus: InProcessBus) -> None:
    calls = 0

    async def flaky(message: Message) -> None:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise RuntimeError("not yet")

    bus.subscribe("catalog", [FileDiscovered], flaky)
    await bus.start()
    await bus.publish(discovered())
    await idle(bus)
    assert calls == 3
    assert await bus.dead_letters("catalog") == []


async def test_wait_idle_counts_a_dead_letter_as_done(bus: InProcessBus) -> None:
    async def strict(message: Message) -> None:
        raise PermanentError("bad")

    bus.subscribe("catalog", [FileDiscovered], strict)
    await bus.start()
    await bus.publish(discovered())
    await idle(bus)
    assert len(await bus.dead_letters("catalog")) == 1


async def test_wait_idle_fails_instead_of_hanging_when_the_bus_closes(bus: InProcessBus) -> None:
    gate = asyncio.Event()

    async def stuck(message: Message) -> None:
        await gate.wait()

    bus.subscribe("catalog", [FileDiscovered], stuck)
    await bus.start()
    await bus.publish(discovered())
    waiter = asyncio.create_task(bus.wait_idle())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    await bus.close(grace=0)
    with pytest.raises(RuntimeError, match="still holds 1 message"):
        await asyncio.wait_for(waiter, timeout=TIMEOUT)


# -- routing -------------------------------------------------------------------------------------------------------


async def test_routing_is_by_exact_type_and_unrouted_messages_are_dropped(bus: InProcessBus) -> None:
    got: list[Message] = []

    async def handler(message: Message) -> None:
        got.append(message)

    bus.subscribe("watcher-audit", [FileDeleted], handler)
    await bus.start()
    await bus.publish(discovered())  # nobody subscribed: not kept, not counted
    assert bus.outstanding == 0
    await bus.publish_raw("file", b"{}")
    await bus.publish_raw("file.deleted.extra", b"{}")
    deleted = FileDeleted(path="/gone.flac")
    await bus.publish(deleted)
    await idle(bus)
    assert got == [deleted]


# -- close and restart ---------------------------------------------------------------------------------------------


async def test_close_lets_a_running_handler_finish_within_the_grace_period(bus: InProcessBus) -> None:
    finished: list[Message] = []

    async def slow(message: Message) -> None:
        await asyncio.sleep(0.05)
        finished.append(message)

    bus.subscribe("catalog", [FileDiscovered], slow)
    await bus.start()
    message = discovered()
    await bus.publish(message)
    await asyncio.sleep(0.01)
    await bus.close(grace=1)
    assert finished == [message]
    assert bus.outstanding == 0


async def test_an_interrupted_message_goes_first_when_the_bus_starts_again(bus: InProcessBus) -> None:
    seen: list[str] = []
    first_run = True

    async def handler(message: Message) -> None:
        assert isinstance(message, FileDiscovered)
        seen.append(message.path)
        if first_run:
            await asyncio.sleep(3600)

    bus = InProcessBus(RetryPolicy(max_retries=2, base_delay=0.05), prefetch=1)
    bus.subscribe("catalog", [FileDiscovered], handler)
    await bus.start()
    for path in ("/1", "/2", "/3"):
        await bus.publish(discovered(path))
    await until(lambda: seen == ["/1"])
    await bus.close(grace=0)
    assert bus.outstanding == 3  # nothing lost, nothing counted as done

    first_run = False
    await bus.start()
    await idle(bus)
    assert seen == ["/1", "/1", "/2", "/3"]
    await bus.close()


async def test_a_pending_retry_survives_a_restart(bus: InProcessBus) -> None:
    calls = 0

    async def flaky(message: Message) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("later")

    slow_retries = InProcessBus(RetryPolicy(max_retries=1, base_delay=60), prefetch=1)
    slow_retries.subscribe("catalog", [FileDiscovered], flaky)
    await slow_retries.start()
    await slow_retries.publish(discovered())
    await until(lambda: calls == 1)
    await slow_retries.close()
    assert slow_retries.outstanding == 1
    await slow_retries.start()  # the retry is due at once after a restart rather than lost
    await idle(slow_retries)
    assert calls == 2
    await slow_retries.close()


async def test_publishing_needs_a_started_bus(bus: InProcessBus) -> None:
    with pytest.raises(RuntimeError, match="not started"):
        await bus.publish_raw("file.discovered", b"{}")
    await bus.start()
    await bus.close()
    with pytest.raises(RuntimeError, match="not started"):
        await bus.publish(discovered())


def test_prefetch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="prefetch"):
        InProcessBus(prefetch=0)
