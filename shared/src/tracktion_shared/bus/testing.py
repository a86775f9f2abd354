"""Helpers for tests that run the same scenario on both buses (the bus contract tests, and services' own tests).

:class:`BusHarness` builds buses of one kind on one unique prefix, so concurrent test runs on a shared broker never
see each other's messages, and removes everything it created afterwards. It also knows how to simulate the two events
the at-least-once guarantee is about -- a consumer dying mid-handler and a consumer coming back -- for each kind:

* RabbitMQ: the AMQP connection is closed under the running handler (nothing acknowledged, so the broker requeues),
  and "coming back" is a new :class:`RabbitMQBus` on the same prefix, as after a process restart.
* In-process: the queues live in the bus object, so a process crash takes them along (the embedded mode recovers by
  rescanning; handlers are idempotent). What it guarantees instead is what the tests check: a handler interrupted by
  ``close`` leaves its message in the queue, and starting that bus again ("coming back") delivers it again.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Literal

from tracktion_shared.bus.base import Bus, RetryPolicy
from tracktion_shared.bus.inprocess import InProcessBus
from tracktion_shared.bus.rabbitmq import RabbitMQBus, delete_topology
from tracktion_shared.messages import Message

__all__ = ["DEFAULT_TEST_AMQP_URL", "BusHarness", "BusKind", "unique_prefix"]

BusKind = Literal["inprocess", "rabbitmq"]

DEFAULT_TEST_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


def unique_prefix() -> str:
    """``test_<8 hex digits>``: a prefix no other test (or test run) uses."""
    return f"test_{uuid.uuid4().hex[:8]}"


class BusHarness:
    """Call it to get a fresh, unstarted bus of its kind on its prefix; :meth:`cleanup` closes and deletes them all."""

    def __init__(
        self,
        kind: BusKind,
        *,
        amqp_url: str = DEFAULT_TEST_AMQP_URL,
        prefix: str | None = None,
        policy: RetryPolicy | None = None,
        prefetch: int = 8,
        publish_timeout: float = 60.0,
        attempt_timeout: float = 10.0,
        reconnect_interval: float = 0.5,
    ) -> None:
        self.kind: BusKind = kind
        self.amqp_url = amqp_url
        self.prefix = prefix or unique_prefix()
        self.policy = policy or RetryPolicy(max_retries=2, base_delay=0.05)
        self.prefetch = prefetch
        self.publish_timeout = publish_timeout
        self.attempt_timeout = attempt_timeout
        self.reconnect_interval = reconnect_interval
        self.buses: list[Bus] = []

    def __call__(
        self,
        *,
        policy: RetryPolicy | None = None,
        prefetch: int | None = None,
        declare: Mapping[str, Sequence[type[Message]]] | None = None,
    ) -> Bus:
        policy = policy or self.policy
        prefetch = prefetch or self.prefetch
        bus: Bus
        if self.kind == "rabbitmq":
            bus = RabbitMQBus(
                self.amqp_url,
                policy,
                prefix=self.prefix,
                prefetch=prefetch,
                publish_timeout=self.publish_timeout,
                attempt_timeout=self.attempt_timeout,
                reconnect_interval=self.reconnect_interval,
                connect_timeout=10.0,
                close_timeout=10.0,
                declare=declare,
            )
        else:
            bus = InProcessBus(policy, prefetch=prefetch, close_timeout=10.0)
        self.buses.append(bus)
        return bus

    @property
    def durable(self) -> bool:
        """Whether messages outlive the bus object (a new process would find them)."""
        return self.kind == "rabbitmq"

    async def crash(self, bus: Bus) -> None:
        """The consumer dies while handlers run: nothing in flight is acknowledged. The bus ends up closed."""
        if isinstance(bus, RabbitMQBus):
            await bus.connection.close()
            await bus.close(grace=0)
        elif isinstance(bus, InProcessBus):
            await bus.close(grace=0)
        else:  # pragma: no cover - only the two kinds exist
            raise TypeError(f"unknown bus {bus!r}")

    def reopen(self, bus: Bus) -> Bus:
        """The consumer comes back after ``bus`` was closed or crashed: same prefix, same subscriptions, unstarted.

        RabbitMQ: a new bus object, as a restarted process would build. In-process: the same object (its queues are
        the "broker"), to be started again.
        """
        if isinstance(bus, InProcessBus):
            return bus
        fresh = self(policy=bus.policy)
        for subscription in bus.subscriptions:
            fresh.subscribe(subscription.consumer, subscription.message_types, subscription.handler)
        return fresh

    async def cleanup(self) -> None:
        """Close every bus built here and, for RabbitMQ, delete the prefix's exchange and queues."""
        consumers: set[str] = set()
        for bus in self.buses:
            consumers.update(s.consumer for s in bus.subscriptions)
            if isinstance(bus, RabbitMQBus):
                consumers.update(bus.declare)
            with contextlib.suppress(Exception):
                if isinstance(bus, RabbitMQBus | InProcessBus):
                    await bus.close(grace=1)
                else:  # pragma: no cover - only the two kinds exist
                    await bus.close()
        if self.kind == "rabbitmq":
            await delete_topology(self.amqp_url, self.prefix, sorted(consumers))
