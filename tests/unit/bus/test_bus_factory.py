"""Choosing the bus from the settings, and the RabbitMQ bus' pure helpers (no broker needed)."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import SecretStr

from tracktion_shared.bus import InProcessBus, RabbitMQBus, RetryPolicy, Topology, create_bus
from tracktion_shared.bus.rabbitmq import MAX_RETRY_LEVEL, _amqp_headers, _message_ids, _ms, retry_level
from tracktion_shared.config import Settings
from tracktion_shared.errors import ConfigError
from tracktion_shared.messages import FileDiscovered
from tracktion_shared.routes import ROUTES


def settings(**values: object) -> Settings:
    base: dict[str, object] = {"amqp_url": None, "bus_prefix": "tracktion", "bus_max_retries": 3}
    return Settings(**{**base, **values})  # type: ignore[arg-type]


def test_without_a_broker_url_the_embedded_bus_is_used() -> None:
    bus = create_bus(settings(bus_max_retries=5, bus_retry_delay=0.5, bus_prefetch=3, bus_shutdown_grace=7.5))
    assert isinstance(bus, InProcessBus)
    assert bus.policy == RetryPolicy(max_retries=5, base_delay=0.5)
    assert bus.prefetch == 3
    assert bus.close_timeout == 7.5


def test_an_empty_broker_url_counts_as_unset() -> None:
    assert isinstance(create_bus(settings(amqp_url="")), InProcessBus)


def test_with_a_broker_url_rabbitmq_is_used_and_the_password_stays_hidden() -> None:
    bus = create_bus(
        settings(
            amqp_url=SecretStr("amqp://tracktion:s3cret@rabbit:5672/prod"),
            bus_prefix="tt",
            bus_prefetch=16,
            bus_shutdown_grace=12,
        )
    )
    assert isinstance(bus, RabbitMQBus)
    assert bus.close_timeout == 12
    assert bus.topology.prefix == "tt"
    assert bus.prefetch == 16
    assert bus.declare == dict(ROUTES), "every consumer queue is declared, whichever service starts first"
    assert bus.policy == RetryPolicy(max_retries=3, base_delay=5.0)
    assert "s3cret" not in repr(bus)
    assert bus.url == "amqp://tracktion:***@rabbit:5672/prod"


def test_amqps_is_accepted_and_other_schemes_are_a_config_error() -> None:
    assert isinstance(RabbitMQBus("amqps://u:p@host/"), RabbitMQBus)
    with pytest.raises(ConfigError) as info:
        RabbitMQBus("http://user:hunter2@host/")
    assert "hunter2" not in str(info.value)


def test_prefix_and_consumer_names_must_be_safe_queue_names() -> None:
    with pytest.raises(ValueError, match="prefix"):
        RabbitMQBus("amqp://localhost/", prefix="has space")
    bus = RabbitMQBus("amqp://localhost/")

    async def handler(message: object) -> None:
        return None

    with pytest.raises(ValueError, match="consumer"):
        bus.subscribe("a/b", [FileDiscovered], handler)


async def test_an_unreachable_broker_fails_start_within_connect_timeout() -> None:
    bus = RabbitMQBus("amqp://guest:guest@127.0.0.1:9/", connect_timeout=0.5)  # port 9: nobody listens
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(bus.start(), timeout=10)
    with pytest.raises(RuntimeError, match="not started"):
        await bus.publish(FileDiscovered(path="/a"))
    await bus.close()  # nothing to close: fine


def test_topology_names() -> None:
    topology = Topology("tt")
    assert topology.exchange == "tt.events"
    assert topology.queue("catalog") == "tt.catalog"
    assert topology.dead_letter_queue("catalog") == "tt.catalog.dlq"
    assert topology.retry_queue("catalog", 2) == "tt.catalog.retry.2"
    assert topology.queues("catalog", retry_levels=2) == [
        "tt.catalog",
        "tt.catalog.dlq",
        "tt.catalog.retry.1",
        "tt.catalog.retry.2",
    ]


def test_a_plain_retry_uses_the_level_of_its_attempt() -> None:
    policy = RetryPolicy(max_retries=3, base_delay=5.0)
    for attempt in range(3):
        assert retry_level(policy, policy.delay(attempt)) == attempt + 1


def test_a_longer_requested_delay_uses_the_first_level_long_enough() -> None:
    policy = RetryPolicy(max_retries=3, base_delay=5.0)  # levels: 5, 10, 20, 40, 80 s ...
    assert retry_level(policy, 7.0) == 2
    assert retry_level(policy, 60.0) == 5
    level = retry_level(policy, 10**12)  # beyond RabbitMQ's TTL limit (~49 days): the first level at the limit
    assert level <= MAX_RETRY_LEVEL
    assert _ms(policy.delay(level - 1)) == 2**32 - 1 > _ms(policy.delay(level - 2))
    tiny = RetryPolicy(max_retries=1, base_delay=0.001)
    assert retry_level(tiny, 10**9) == MAX_RETRY_LEVEL  # never above the last level


def test_headers_are_made_amqp_encodable() -> None:
    headers = _amqp_headers({"raw": b"\x00\x01", "list": (1, b"x"), "nested": {"k": b"v"}, "n": 3})
    assert headers == {
        "raw": bytearray(b"\x00\x01"),
        "list": [1, bytearray(b"x")],
        "nested": {"k": bytearray(b"v")},
        "n": 3,
    }


def test_message_ids_come_from_the_body_or_else_the_headers() -> None:
    message = FileDiscovered(path="/a")
    body = message.model_dump_json().encode()
    assert _message_ids(body, {"message_id": "ignored"}) == (str(message.message_id), str(message.correlation_id))
    assert _message_ids(b"{broken", {"message_id": "m", "correlation_id": b"c"}) == ("m", "c")
    assert _message_ids(json.dumps([1]).encode(), None) == (None, None)
