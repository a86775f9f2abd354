"""What only the RabbitMQ bus has: its topology and AMQP properties, reconnecting, and surviving a broker restart."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import aio_pika
import pytest

from tracktion_shared.bus import RabbitMQBus, RetryPolicy, Topology
from tracktion_shared.bus.testing import BusHarness
from tracktion_shared.errors import ConfigError
from tracktion_shared.messages import FileDiscovered, Message

pytestmark = pytest.mark.rabbitmq

TIMEOUT = 15.0


async def eventually(predicate: Callable[[], bool], what: str, within: float = TIMEOUT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.01)


async def start(bus: RabbitMQBus) -> RabbitMQBus:
    await asyncio.wait_for(bus.start(), timeout=TIMEOUT)
    return bus


def rabbit(harness: BusHarness, **kwargs: object) -> RabbitMQBus:
    bus = harness(**kwargs)  # type: ignore[arg-type]
    assert isinstance(bus, RabbitMQBus)
    return bus


def discovered(path: str = "/music/set.flac") -> FileDiscovered:
    return FileDiscovered(path=path)


async def rabbitmqctl(*args: str, within: float = 120.0) -> str:
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=within)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, f"rabbitmqctl {' '.join(args)} failed: {err.decode()}"
    return out.decode()


def needs_rabbitmqctl() -> None:
    if os.environ.get("TRACKTION_TEST_NO_SERVER_CONTROL") == "1" or shutil.which("rabbitmqctl") is None:
        pytest.skip("needs rabbitmqctl on the broker's host")


# -- topology and properties ---------------------------------------------------------------------------------------


async def test_messages_are_persistent_json_with_their_ids(rabbit_factory: BusHarness) -> None:
    async def never(message: Message) -> None:  # pragma: no cover - only declares the queue
        raise AssertionError

    declarer = rabbit(rabbit_factory)
    declarer.subscribe("raw", [FileDiscovered], never)
    await start(declarer)
    await declarer.close()  # the durable queue stays, bound, and keeps what is published

    publisher = await start(rabbit(rabbit_factory))
    message = discovered()
    await asyncio.wait_for(publisher.publish(message), timeout=TIMEOUT)
    await asyncio.wait_for(
        publisher.publish_raw("file.discovered", b"not json", {"message_id": "m-1", "correlation_id": "c-1"}),
        timeout=TIMEOUT,
    )

    topology = Topology(rabbit_factory.prefix)
    connection = await aio_pika.connect(rabbit_factory.amqp_url)
    async with connection:
        channel = await connection.channel()
        # Declaring again with the same properties succeeds only if they are what the bus declared (durable, TTLs).
        await channel.declare_exchange(topology.exchange, aio_pika.ExchangeType.TOPIC, durable=True, passive=False)
        queue = await channel.declare_queue(topology.queue("raw"), durable=True)
        assert queue.declaration_result.message_count == 2
        await channel.declare_queue(topology.dead_letter_queue("raw"), durable=True)
        for level, ttl in ((1, 50), (2, 100)):
            await channel.declare_queue(
                topology.retry_queue("raw", level),
                durable=True,
                arguments={
                    "x-message-ttl": ttl,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": topology.queue("raw"),
                },
            )
        first = await queue.get(timeout=5)
        second = await queue.get(timeout=5)
    assert first.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert first.content_type == "application/json"
    assert first.message_id == str(message.message_id)
    assert first.correlation_id == str(message.correlation_id)
    assert first.routing_key == "file.discovered"
    assert (second.message_id, second.correlation_id) == ("m-1", "c-1")  # not a message: ids from the headers
    assert second.delivery_mode == aio_pika.DeliveryMode.PERSISTENT


async def test_a_message_published_before_its_consumer_ever_started_waits_for_it(rabbit_factory: BusHarness) -> None:
    """Services start in any order: the routing table is declared by whichever starts first (here the publisher)."""
    publisher = await start(rabbit(rabbit_factory, declare={"late": [FileDiscovered]}))
    message = discovered("/music/early.flac")
    await asyncio.wait_for(publisher.publish(message), timeout=TIMEOUT)

    got: list[Message] = []

    async def late(received: Message) -> None:
        got.append(received)

    consumer = rabbit(rabbit_factory)
    consumer.subscribe("late", [FileDiscovered], late)
    await start(consumer)
    await eventually(lambda: got == [message], "the early message")


async def test_changed_retry_delay_is_a_clear_config_error(rabbit_factory: BusHarness) -> None:
    async def handler(message: Message) -> None:
        return None

    first = rabbit(rabbit_factory)
    first.subscribe("catalog", [FileDiscovered], handler)
    await start(first)
    await first.close()

    changed = rabbit(rabbit_factory, policy=RetryPolicy(max_retries=2, base_delay=0.5))
    changed.subscribe("catalog", [FileDiscovered], handler)
    with pytest.raises(ConfigError, match=r"retry\.1 already exists with other arguments"):
        await asyncio.wait_for(changed.start(), timeout=TIMEOUT)
    with pytest.raises(RuntimeError):
        _ = changed.connection  # a failed start leaves nothing connected


async def test_the_password_is_never_logged(rabbit_factory: BusHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = rabbit_factory.amqp_url
    bus = rabbit(rabbit_factory)
    await start(bus)
    await asyncio.wait_for(bus.publish(discovered()), timeout=TIMEOUT)
    await bus.close()
    password = re.search(r"://[^:/@]*:([^@]*)@", url)
    assert password is not None
    assert caplog.records  # the bus did log (connect, disconnect)
    for record in caplog.records:
        assert f":{password[1]}@" not in record.getMessage()
    assert f":{password[1]}@" not in repr(bus)
    assert f":{password[1]}@" not in bus.url


async def test_a_refused_login_is_a_config_error_without_the_password(rabbit_factory: BusHarness) -> None:
    url = re.sub(r"://([^:/@]*):[^@]*@", r"://\1:not-the-password@", rabbit_factory.amqp_url)
    bus = RabbitMQBus(url, prefix=rabbit_factory.prefix, connect_timeout=2)
    with pytest.raises(ConfigError, match="refused the login") as info:
        await asyncio.wait_for(bus.start(), timeout=TIMEOUT)
    assert "not-the-password" not in str(info.value)


def test_a_service_told_to_stop_while_the_broker_is_silent_exits(tmp_path: Path) -> None:
    """SIGTERM while the broker is still being reached: the process exits (it used to hang in a reconnect loop).

    The "broker" is a listening socket that never speaks: the kernel completes the TCP handshake, so the service sits
    mid-connect when the signal lands -- as a pod does when it is deleted while RabbitMQ is slow to answer.
    """
    with socket.create_server(("127.0.0.1", 0)) as silent:
        silent.settimeout(30)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKTION_")} | {
            "TRACKTION_AMQP_URL": f"amqp://guest:guest@127.0.0.1:{silent.getsockname()[1]}/",
            "TRACKTION_DATA_DIR": str(tmp_path / "data"),
            "TRACKTION_WATCH_ROOT": str(tmp_path),
        }
        service = subprocess.Popen(
            [sys.executable, "-m", "tracktion", "service", "watcher"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            connection, _ = silent.accept()
            with connection:
                service.send_signal(signal.SIGTERM)
                output, _ = service.communicate(timeout=15)
        finally:
            service.kill()
    assert service.returncode == 0, output.decode(errors="replace")


# -- connection loss ---------------------------------------------------------------------------------------------


async def test_reconnects_and_redelivers_when_the_broker_drops_the_connection(rabbit_factory: BusHarness) -> None:
    """The broker closes our connection mid-handler: the robust connection comes back, restores the consumer, and the
    unacknowledged message is delivered again to the same bus; publishing works again."""
    needs_rabbitmqctl()
    started = asyncio.Event()
    deliveries: list[Message] = []

    async def handler(message: Message) -> None:
        deliveries.append(message)
        if len(deliveries) == 1:
            started.set()
            await asyncio.sleep(3600)

    bus = rabbit(rabbit_factory)
    bus.subscribe("analysis", [FileDiscovered], handler)
    await start(bus)
    message = discovered()
    await asyncio.wait_for(bus.publish(message), timeout=TIMEOUT)
    await asyncio.wait_for(started.wait(), timeout=TIMEOUT)

    listing = await rabbitmqctl("list_connections", "-q", "--no-table-headers", "pid", "client_properties")
    pids = [line.split("\t")[0] for line in listing.splitlines() if f'"{bus.connection_name}"' in line]
    assert len(pids) == 1, listing
    await rabbitmqctl("close_connection", pids[0], "tracktion test: simulated connection loss")

    await eventually(lambda: len(deliveries) == 2, "the redelivery after reconnecting")
    assert deliveries == [message, message]
    after = discovered("/after-reconnect.flac")
    await asyncio.wait_for(bus.publish(after), timeout=TIMEOUT)
    await eventually(lambda: deliveries[-1] == after, "a message published after reconnecting")


@pytest.mark.disruptive
async def test_nothing_is_lost_across_a_broker_restart(
    rabbit_factory: BusHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Publish a stream while the broker stops and starts: every message arrives, a few perhaps twice.

    Both buses say in the log that they lost the broker and that they got it back."""
    needs_rabbitmqctl()
    caplog.set_level(logging.INFO, logger="tracktion.bus")
    rabbit_factory.attempt_timeout = 1.0  # shorter than the outage: publishes go through the retry path too
    total = 200
    counts: Counter[uuid.UUID] = Counter()

    async def sink(message: Message) -> None:
        counts[message.message_id] += 1

    consumer = rabbit(rabbit_factory)
    consumer.subscribe("sink", [FileDiscovered], sink)
    await start(consumer)
    publisher = await start(rabbit(rabbit_factory))
    messages = [discovered(f"/stream/{i}.flac") for i in range(total)]
    published = 0

    async def stream() -> None:
        nonlocal published
        for message in messages:
            await publisher.publish(message)  # blocks (retrying) while the broker is down
            published += 1
            await asyncio.sleep(0.01)

    async def restart() -> None:
        await eventually(lambda: published >= total // 4, "the stream to get going")
        try:
            await rabbitmqctl("stop_app")
            await asyncio.sleep(1.0)
        finally:
            await rabbitmqctl("start_app")
            await rabbitmqctl("await_startup")

    try:
        await asyncio.wait_for(asyncio.gather(stream(), restart()), timeout=180)
    finally:  # whatever happened above, leave the broker running for everyone else
        await rabbitmqctl("start_app")
        await rabbitmqctl("await_startup")

    assert published == total
    await eventually(lambda: len(counts) == total, "every message to be processed", within=90)
    assert set(counts) == {m.message_id for m in messages}
    duplicates = sum(n - 1 for n in counts.values())
    print(f"broker restart: {total} messages, {duplicates} duplicate deliveries")  # shown with -s
    assert duplicates <= total // 10, f"{duplicates} duplicates"
    said = [r.getMessage() for r in caplog.records if r.name == "tracktion.bus"]
    assert sum("bus lost its connection" in line for line in said) >= 2, said
    assert sum("bus reconnected" in line for line in said) >= 2, said
