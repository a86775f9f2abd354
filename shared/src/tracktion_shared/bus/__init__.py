"""The message bus: typed messages delivered at least once, with bounded retries and a dead-letter queue.

:func:`create_bus` picks the implementation from the settings -- :class:`RabbitMQBus` when ``TRACKTION_AMQP_URL`` is
set, the embedded :class:`InProcessBus` otherwise. Both hand every delivery to :func:`dispatch`, so handlers see the
same behaviour under either. Test helpers live in :mod:`tracktion_shared.bus.testing`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracktion_shared.bus.base import (
    ATTEMPT_HEADER,
    REASON_HEADER,
    Ack,
    Bus,
    DeadLetter,
    DeadLetterVerdict,
    Handler,
    Retry,
    RetryPolicy,
    Subscription,
    Verdict,
    dispatch,
)
from tracktion_shared.bus.factory import create_bus, retry_policy
from tracktion_shared.bus.inprocess import InProcessBus
from tracktion_shared.lazy import lazy_exports

if TYPE_CHECKING:
    from tracktion_shared.bus.rabbitmq import RabbitMQBus, Topology, delete_topology

__all__ = [
    "ATTEMPT_HEADER",
    "REASON_HEADER",
    "Ack",
    "Bus",
    "DeadLetter",
    "DeadLetterVerdict",
    "Handler",
    "InProcessBus",
    "RabbitMQBus",
    "Retry",
    "RetryPolicy",
    "Subscription",
    "Topology",
    "Verdict",
    "create_bus",
    "delete_topology",
    "dispatch",
    "retry_policy",
]

# aio-pika is imported when the RabbitMQ bus is first named, not by every process that only uses the in-process bus.
__getattr__ = lazy_exports(
    __name__, dict.fromkeys(("RabbitMQBus", "Topology", "delete_topology"), "tracktion_shared.bus.rabbitmq")
)
