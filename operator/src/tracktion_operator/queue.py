"""Reading a queue's ready-message count: a passive ``queue_declare`` over AMQP, else the management HTTP API.

The passive declare needs only the AMQP URL the services already use, so it is tried first; the management API
(``/api/queues/{vhost}/{name}``) is the fallback for brokers where the operator may not open AMQP channels.
A missing queue counts as 0 ready messages: the services declare their queues when they first start.
"""

from __future__ import annotations

import asyncio
import base64
import urllib.parse

import aio_pika
import aiohttp

from tracktion_shared.bus.rabbitmq import queue_state

__all__ = ["QueueDepthError", "analysis_queue", "management_queue_depth", "passive_queue_depth", "queue_depth"]

TIMEOUT = 10.0


class QueueDepthError(Exception):
    """The depth could not be read by any means; the autoscaler keeps the current count (and says so in status)."""


def analysis_queue(prefix: str) -> str:
    """The analysis consumer's queue, ``<prefix>.analysis`` (``tracktion_shared.bus.rabbitmq.Topology``)."""
    return f"{prefix}.analysis"


async def passive_queue_depth(amqp_url: str, queue: str, *, seconds: float = TIMEOUT) -> int:
    """Ready messages in ``queue`` by a passive declare (creates nothing; 0 when the queue does not exist yet)."""
    async with asyncio.timeout(seconds):
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            state = await queue_state(connection, queue)
    return 0 if state is None else state.ready


async def management_queue_depth(api_url: str, queue: str, vhost: str = "/", *, seconds: float = TIMEOUT) -> int:
    """Ready messages from the management API; ``api_url`` like ``http://user:pass@host:15672``."""
    parsed = urllib.parse.urlsplit(api_url)
    credentials = f"{parsed.username or 'guest'}:{parsed.password or 'guest'}".encode()
    headers = {"Authorization": "Basic " + base64.b64encode(credentials).decode("ascii")}
    netloc = f"{parsed.hostname}:{parsed.port}" if parsed.port else str(parsed.hostname)
    base = urllib.parse.urlunsplit((parsed.scheme, netloc, parsed.path.rstrip("/"), "", ""))
    url = f"{base}/api/queues/{urllib.parse.quote(vhost, safe='')}/{urllib.parse.quote(queue, safe='')}"
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds), headers=headers)
    try:
        async with session.get(url) as response:
            if response.status == 404:
                return 0
            response.raise_for_status()
            body = await response.json()
    finally:
        await asyncio.shield(session.close())  # a close cut short by cancellation leaks the connector
    return int(body.get("messages_ready", 0))


async def queue_depth(amqp_url: str | None, queue: str, management_url: str | None = None) -> int:
    """The ready count by the first method that works; :class:`QueueDepthError` when none does."""
    errors: list[str] = []
    if amqp_url:
        try:
            return await passive_queue_depth(amqp_url, queue)
        except (OSError, TimeoutError, aio_pika.exceptions.AMQPException) as exc:
            errors.append(f"amqp: {type(exc).__name__}: {exc}")
    if management_url:
        try:
            return await management_queue_depth(management_url, queue)
        except (OSError, TimeoutError, aiohttp.ClientError, ValueError) as exc:
            errors.append(f"management api: {type(exc).__name__}: {exc}")
    raise QueueDepthError("; ".join(errors) or "no AMQP or management URL to read the queue depth from")
