"""Queue depth → replicas against the real RabbitMQ on 127.0.0.1:5672, with queues this test fills and deletes."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aio_pika
import pytest
from pytest_httpserver import HTTPServer

from tracktion_operator.autoscale import desired_replicas
from tracktion_operator.model import Autoscaling
from tracktion_operator.queue import QueueDepthError, management_queue_depth, passive_queue_depth, queue_depth
from tracktion_shared.bus.testing import DEFAULT_TEST_AMQP_URL

AMQP_URL = os.environ.get("TRACKTION_TEST_AMQP_URL", DEFAULT_TEST_AMQP_URL)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def filled_queue() -> AsyncIterator[tuple[str, aio_pika.abc.AbstractChannel]]:
    name = f"test-operator-{uuid.uuid4().hex[:12]}.analysis"
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(name, durable=False, auto_delete=False)
        try:
            yield name, channel
        finally:
            await channel.queue_delete(name)


async def publish(channel: aio_pika.abc.AbstractChannel, queue: str, count: int) -> None:
    for i in range(count):
        await channel.default_exchange.publish(aio_pika.Message(body=str(i).encode()), routing_key=queue)


@pytest.mark.rabbitmq
async def test_depth_follows_the_queue_and_drives_the_decision(
    filled_queue: tuple[str, aio_pika.abc.AbstractChannel],
) -> None:
    name, channel = filled_queue
    spec = Autoscaling.model_validate(
        {"minReplicas": 0, "maxReplicas": 5, "messagesPerReplica": 10, "activationMessages": 3, "cooldownPeriod": 60}
    )
    assert await passive_queue_depth(AMQP_URL, name) == 0

    await publish(channel, name, 3)
    assert await passive_queue_depth(AMQP_URL, name) == 3
    assert desired_replicas(3, 0, spec, None, NOW).replicas == 0  # not above activation

    await publish(channel, name, 32)
    depth = await queue_depth(AMQP_URL, name)
    assert depth == 35
    assert desired_replicas(depth, 0, spec, None, NOW).replicas == 4

    await (await channel.get_queue(name)).purge()
    depth = await queue_depth(AMQP_URL, name)
    assert depth == 0
    assert desired_replicas(depth, 4, spec, NOW - timedelta(seconds=30), NOW).replicas == 4  # cooling down
    assert desired_replicas(depth, 4, spec, NOW - timedelta(seconds=60), NOW).replicas == 0


@pytest.mark.rabbitmq
async def test_a_queue_not_declared_yet_counts_as_empty() -> None:
    assert await passive_queue_depth(AMQP_URL, f"test-operator-missing-{uuid.uuid4().hex}") == 0


async def test_management_api_fallback(httpserver: HTTPServer) -> None:
    # the vhost "/" is sent as %2F; werkzeug decodes it before matching
    httpserver.expect_request("/api/queues///tracktion.analysis").respond_with_json({"messages_ready": 17})
    url = httpserver.url_for("/").replace("http://", "http://user:pw@")
    assert await management_queue_depth(url, "tracktion.analysis") == 17
    # AMQP unreachable -> the management API answers
    assert await queue_depth("amqp://guest:guest@127.0.0.1:1/", "tracktion.analysis", url) == 17


async def test_no_way_to_read_the_depth_is_an_error() -> None:
    with pytest.raises(QueueDepthError):
        await queue_depth("amqp://guest:guest@127.0.0.1:1/", "q")
