"""The outbox contract: a message is published if and only if the work that stored it was committed.

Runs on SQLite here and on PostgreSQL through tests/integration/storage/test_storage_outbox_postgres.py.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tracktion_shared.bus import InProcessBus, RetryPolicy
from tracktion_shared.messages import FileDeleted, Message, decode
from tracktion_shared.outbox import OutboxRelay
from tracktion_shared.storage import Database
from tracktion_shared.tracing import configure_tracing, tracer


class Boom(Exception):
    pass


class Received(list[Message]):
    """The messages a test consumer got, with an event for the first one."""

    def __init__(self) -> None:
        super().__init__()
        self.first = asyncio.Event()


async def _collecting_bus() -> tuple[InProcessBus, Received]:
    received = Received()

    async def handler(message: Message) -> None:
        received.append(message)
        received.first.set()

    bus = InProcessBus(RetryPolicy(max_retries=0, base_delay=0.01))
    bus.subscribe("sink", [FileDeleted], handler)
    await bus.start()
    return bus, received


async def test_committed_messages_are_published_in_order_once(database: Database) -> None:
    bus, received = await _collecting_bus()
    relay = OutboxRelay(database, bus, batch_size=2)
    sent = [FileDeleted(path=f"/m/{i}.mp3") for i in range(5)]

    async def work(uow):  # type: ignore[no-untyped-def]
        for message in sent:
            await uow.outbox.add(message)

    await database.run(work)
    assert await relay.flush() == 5
    await bus.wait_idle()
    assert received == sent
    assert await relay.flush() == 0
    assert await database.run(lambda uow: uow.outbox.count()) == 0
    await bus.close()


async def test_rolled_back_work_publishes_nothing(database: Database) -> None:
    bus, received = await _collecting_bus()

    async def work(uow):  # type: ignore[no-untyped-def]
        await uow.outbox.add(FileDeleted(path="/m/x.mp3"))
        raise Boom

    with pytest.raises(Boom):
        await database.run(work)
    assert await OutboxRelay(database, bus).flush() == 0
    assert received == []
    await bus.close()


async def test_a_failed_publish_keeps_the_messages(database: Database) -> None:
    bus, _ = await _collecting_bus()
    await database.run(lambda uow: uow.outbox.add(FileDeleted(path="/m/kept.mp3")))
    await bus.close()  # publishing into a closed bus fails
    with pytest.raises(Exception):  # noqa: B017, PT011 (whatever the bus raises, the rows must survive)
        await OutboxRelay(database, bus).flush()
    assert await database.run(lambda uow: uow.outbox.count()) == 1

    bus2, received2 = await _collecting_bus()
    assert await OutboxRelay(database, bus2).flush() == 1
    await bus2.wait_idle()
    assert [m.path for m in received2 if isinstance(m, FileDeleted)] == ["/m/kept.mp3"]
    await bus2.close()


async def test_background_loop_publishes_leftovers(database: Database) -> None:
    bus, received = await _collecting_bus()
    relay = OutboxRelay(database, bus, interval=0.05)
    loop = asyncio.create_task(relay.run())
    try:
        await database.run(lambda uow: uow.outbox.add(FileDeleted(path="/m/late.mp3")))
        await asyncio.wait_for(received.first.wait(), 10)
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
        await bus.close()
    assert len(received) == 1


async def test_stored_message_keeps_the_trace(database: Database) -> None:
    configure_tracing("test")
    with tracer().start_as_current_span("handler") as span:
        await database.run(lambda uow: uow.outbox.add(FileDeleted(path="/m/t.mp3", message_id=uuid.uuid4())))
    rows = await database.run(lambda uow: uow.outbox.take(10))
    (row,) = rows
    assert format(span.get_span_context().trace_id, "032x") in row.headers["traceparent"]
    assert isinstance(decode(row.body), FileDeleted)
