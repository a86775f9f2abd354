"""What the bus holds, for the status page: queue depths and dead letters on RabbitMQ, a pointer when embedded.

RabbitMQ is asked without changing anything: queue depths come from passive declarations (which fail instead of
creating a missing queue), and dead letters are peeked by :meth:`RabbitMQBus.dead_letters`, which takes them
unacknowledged on a throw-away channel and so hands every one back to its queue, in order.

The embedded bus lives inside the ``tracktion scan``/``watch`` process: another process cannot see its queues, and
its dead letters are kept in that process's memory and logged when they happen. The report says so instead of
pretending there are none.
"""

from __future__ import annotations

import asyncio
import json
import logging

import aio_pika

from tracktion_shared.bus import DeadLetter, RabbitMQBus
from tracktion_shared.bus.rabbitmq import queue_state
from tracktion_shared.config import Settings, redact_url
from tracktion_shared.routes import ROUTES
from tracktion_web.models import BusQueue, BusReport, DeadLetterView

__all__ = ["EMBEDDED_NOTE", "BusProbe", "dead_letter_view"]

log = logging.getLogger("tracktion.web.bus")

EMBEDDED_NOTE = (
    "Embedded mode: the message bus runs inside the `tracktion scan` or `tracktion watch` process, so its queues "
    "are not visible from here. A message that keeps failing is dead-lettered in that process's memory and logged "
    "there at ERROR with the reason ('... rejected ...', '... gave up on ... after N attempts' or 'dead-lettering "
    "undecodable message'); it is gone when the process exits. Files and analyses that failed are listed above, "
    "from the catalog."
)

#: dead letters shown per consumer
PEEK_LIMIT = 20
BODY_PREVIEW = 500


def dead_letter_view(letter: DeadLetter) -> DeadLetterView:
    """A dead letter as the status page shows it: why, how often, what message (type and id) and its start."""
    text = letter.body.decode("utf-8", "replace")
    kind = message_id = None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        kind = None if data.get("type") is None else str(data["type"])
        message_id = None if data.get("message_id") is None else str(data["message_id"])
    return DeadLetterView(
        consumer=letter.consumer,
        reason=letter.reason,
        attempts=letter.attempts,
        message_type=kind,
        message_id=message_id,
        body=text[:BODY_PREVIEW],
    )


class BusProbe:
    """Reads the bus's state; connects to RabbitMQ on first use and keeps the connection until :meth:`close`."""

    def __init__(self, settings: Settings, *, timeout: float = 5.0) -> None:
        self._url = Settings.secret(settings.amqp_url)
        self._prefix = settings.bus_prefix
        self.timeout = timeout
        self._bus: RabbitMQBus | None = None
        self._lock = asyncio.Lock()

    @property
    def embedded(self) -> bool:
        return not self._url

    async def report(self) -> BusReport:
        if not self._url:
            return BusReport(kind="in-process", reachable=True, note=EMBEDDED_NOTE, queues=[], dead_letters=[])
        try:
            bus = await self._connected(self._url)
            queues = [await self._queue(bus, consumer) for consumer in ROUTES]
            letters = []
            for queue in queues:
                if queue.dead_letters:
                    peeked = await asyncio.wait_for(bus.dead_letters(queue.consumer, PEEK_LIMIT), self.timeout)
                    letters += [dead_letter_view(letter) for letter in peeked]
        except (OSError, TimeoutError, aio_pika.exceptions.AMQPError, RuntimeError) as error:
            reason = redact_url(str(error) or type(error).__name__)
            log.warning("status: RabbitMQ at %s cannot be read: %s", redact_url(self._url), reason)
            return BusReport(
                kind="rabbitmq", reachable=False, note=f"RabbitMQ cannot be read: {reason}", queues=[], dead_letters=[]
            )
        return BusReport(kind="rabbitmq", reachable=True, note=None, queues=queues, dead_letters=letters)

    async def close(self) -> None:
        if self._bus is not None:
            await self._bus.close()
            self._bus = None

    async def _connected(self, url: str) -> RabbitMQBus:
        async with self._lock:
            if self._bus is None:
                bus = RabbitMQBus(
                    url,
                    prefix=self._prefix,
                    connect_timeout=self.timeout,
                    attempt_timeout=self.timeout,
                    publish_timeout=self.timeout,
                )
                await bus.start()  # no subscriptions: declares only the exchange every service declares anyway
                self._bus = bus
            return self._bus

    async def _queue(self, bus: RabbitMQBus, consumer: str) -> BusQueue:
        waiting, consumers = await self._declared(bus, bus.topology.queue(consumer))
        dead_letters, _ = await self._declared(bus, bus.topology.dead_letter_queue(consumer))
        return BusQueue(
            consumer=consumer,
            queue=bus.topology.queue(consumer),
            depth=waiting,
            consumers=consumers,
            dead_letters=dead_letters,
        )

    async def _declared(self, bus: RabbitMQBus, queue: str) -> tuple[int | None, int | None]:
        """Messages ready in ``queue`` and the consumers attached to it now; Nones when it does not exist.

        The consumer count is the live number of workers on the queue (in the cluster, the analysis replicas that
        are really connected), which the UI can read without any access to the Kubernetes API.
        """

        state = await asyncio.wait_for(queue_state(bus.connection, queue), self.timeout)
        return (None, None) if state is None else (state.ready, state.consumers)
