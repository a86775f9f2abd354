"""The embedded bus: one process, no servers, the same delivery rules as RabbitMQ.

A new user runs ``tracktion scan`` with nothing installed, so every service lives in one process and talks through
this bus. It keeps what RabbitMQ would keep -- a queue per consumer, routing by message type, bounded concurrency,
delayed retries, a dead-letter list -- in memory, and runs every delivery through the same
:func:`~tracktion_shared.bus.base.dispatch`, so a handler behaves identically under both buses.

What it does not keep is anything across a process exit: the queues live in this object. That is acceptable for the
embedded mode because every handler is idempotent and a new scan rediscovers whatever was lost. Within one object the
at-least-once rule holds: a handler that raises is retried, and a handler interrupted by :meth:`InProcessBus.close`
puts its message back at the head of its queue, so starting the same bus again delivers it again (what RabbitMQ does
with an unacknowledged message when a consumer's connection dies).
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracktion_shared.bus._common import dead_letter_headers, retry_headers, validate_name
from tracktion_shared.bus.base import (
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
from tracktion_shared.messages import Message

__all__ = ["InProcessBus"]

log = logging.getLogger("tracktion.bus")


@dataclass(frozen=True)
class _Delivery:
    body: bytes
    headers: Mapping[str, Any]


class _DeliveryQueue:
    """A FIFO that can also take a message back at its head (an interrupted delivery goes first next time).

    Each item wakes one waiting getter, not all of them: a consumer with a deep prefetch has hundreds of idle
    workers, and waking every one of them for every message cost more than handling the message.
    """

    def __init__(self) -> None:
        self._items: collections.deque[_Delivery] = collections.deque()
        self._getters: collections.deque[asyncio.Future[None]] = collections.deque()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: _Delivery, *, front: bool = False) -> None:
        if front:
            self._items.appendleft(item)
        else:
            self._items.append(item)
        self._wake_one()

    async def get(self) -> _Delivery:
        # No await between popping and returning: a cancelled getter never loses an item.
        while not self._items:
            getter = asyncio.get_running_loop().create_future()
            self._getters.append(getter)
            try:
                await getter
            except asyncio.CancelledError:
                getter.cancel()
                if self._items:  # this getter may have been the one woken for an item: hand the wake-up on
                    self._wake_one()
                raise
        return self._items.popleft()

    def _wake_one(self) -> None:
        while self._getters:
            getter = self._getters.popleft()
            if not getter.done():
                getter.set_result(None)
                return


@dataclass
class _Consumer:
    subscription: Subscription
    queue: _DeliveryQueue = field(default_factory=_DeliveryQueue)
    dead: list[DeadLetter] = field(default_factory=list)


@dataclass
class _PendingRetry:
    consumer: _Consumer
    delivery: _Delivery
    handle: asyncio.TimerHandle | None = None


class InProcessBus(Bus):
    """Asyncio queues per consumer, exact routing by message type, ``prefetch`` handlers at a time per consumer.

    Lifecycle as for every :class:`Bus`; in addition a closed ``InProcessBus`` may be started again and resumes with
    the messages it still holds (queued, interrupted or waiting for a retry).
    """

    def __init__(self, policy: RetryPolicy | None = None, *, prefetch: int = 8, close_timeout: float = 30.0) -> None:
        super().__init__(policy)
        if prefetch < 1:
            raise ValueError("prefetch must be at least 1")
        self.prefetch = prefetch
        self.close_timeout = close_timeout
        self._consumers: dict[str, _Consumer] = {}
        self._routes: dict[str, list[_Consumer]] = {}
        self._workers: set[asyncio.Task[None]] = set()
        self._busy: set[asyncio.Task[None]] = set()
        self._retries: list[_PendingRetry] = []
        self._running = False
        self._stopping = False
        # Deliveries not yet settled (queued, in a handler, or waiting for a retry). wait_idle watches it; a handler
        # that publishes raises it before its own delivery is settled, so it cannot touch zero in between.
        self._outstanding = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopped = asyncio.Event()

    def __repr__(self) -> str:
        state = "running" if self._running and not self._stopping else "stopped"
        return f"<InProcessBus {state} consumers={sorted(self._consumers)} outstanding={self._outstanding}>"

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def subscribe(self, consumer: str, message_types: Sequence[type[Message]], handler: Handler) -> None:
        """Register a consumer; only before :meth:`start` (a running RabbitMQ bus cannot add queues either)."""
        if self._running:
            raise RuntimeError("subscribe every consumer before start()")
        validate_name("consumer", consumer)
        super().subscribe(consumer, message_types, handler)
        sub = self.subscriptions[-1]
        state = _Consumer(sub)
        self._consumers[consumer] = state
        for key in sub.routing_keys:
            self._routes.setdefault(key, []).append(state)

    async def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._stopping = False
        self._stopped.clear()
        for state in self._consumers.values():
            for n in range(self.prefetch):
                task = asyncio.create_task(self._work(state), name=f"bus:{state.subscription.consumer}:{n}")
                self._workers.add(task)
                task.add_done_callback(self._workers.discard)

    async def close(self, grace: float | None = None) -> None:
        """Stop taking messages; give running handlers ``grace`` seconds (default ``close_timeout``), then cancel.

        Nothing is dropped: a cancelled handler's message goes back to the head of its queue and messages waiting
        for a retry are queued again at once, so they are delivered if this bus is started again. Queued messages are
        not drained -- call :meth:`wait_idle` first for that.
        """
        if not self._running or self._stopping:
            return
        self._stopping = True  # workers take no new message; publishing still works for handlers finishing up
        self._stopped.set()
        for pending in self._retries:
            if pending.handle is not None:
                pending.handle.cancel()
            pending.consumer.queue.put(pending.delivery)
        self._retries.clear()
        current = asyncio.current_task()
        idle = [t for t in self._workers if t not in self._busy and t is not current]
        busy = [t for t in self._workers if t in self._busy and t is not current]
        for task in idle:
            task.cancel()
        if busy:
            _, late = await asyncio.wait(busy, timeout=self.close_timeout if grace is None else grace)
            if late:
                log.warning("cancelling %d handler(s) still running at close; their messages are kept", len(late))
            for task in late:
                task.cancel()
        await asyncio.gather(*idle, *busy, return_exceptions=True)
        self._running = False

    async def wait_idle(self) -> None:
        """Return once no message is queued, being handled or waiting for a retry.

        A handler that publishes follow-up messages keeps the bus busy, so after this returns the whole cascade a
        message started is done. Raises :class:`RuntimeError` if the bus is closed (or not started) while work is
        still outstanding, instead of waiting forever.
        """
        while self._outstanding:
            if self._stopping or not self._running:
                raise RuntimeError(f"the bus is not running and still holds {self._outstanding} message(s)")
            idle = asyncio.ensure_future(self._idle.wait())
            stopped = asyncio.ensure_future(self._stopped.wait())
            try:
                await asyncio.wait((idle, stopped), return_when=asyncio.FIRST_COMPLETED)
            finally:
                idle.cancel()
                stopped.cancel()
                await asyncio.gather(idle, stopped, return_exceptions=True)

    @property
    def outstanding(self) -> int:
        """How many deliveries are not settled yet (queued, in a handler or waiting for a retry)."""
        return self._outstanding

    # -- publishing ---------------------------------------------------------------------------------------------

    async def publish_raw(self, key: str, body: bytes, headers: Mapping[str, Any] | None = None) -> None:
        """Queue a copy for every consumer subscribed to ``key``; a key nobody subscribed to is dropped (as AMQP)."""
        if not self._running:
            raise RuntimeError("the bus is not started")
        targets = self._routes.get(key, ())
        if not targets:
            log.debug("no consumer for %s; message dropped", key)
            return
        delivery = _Delivery(bytes(body), dict(headers or {}))
        self._add_outstanding(len(targets))
        for state in targets:
            state.queue.put(delivery)

    async def dead_letters(self, consumer: str, limit: int = 100) -> list[DeadLetter]:
        state = self._consumers.get(consumer)
        return [] if state is None else list(state.dead[: max(0, limit)])

    # -- delivery -----------------------------------------------------------------------------------------------

    async def _work(self, state: _Consumer) -> None:
        task = asyncio.current_task()
        assert task is not None
        while not self._stopping:
            delivery = await state.queue.get()
            self._busy.add(task)
            try:
                try:
                    verdict = await dispatch(state.subscription, delivery.body, delivery.headers, self.policy)
                except asyncio.CancelledError:
                    state.queue.put(delivery, front=True)
                    raise
                self._settle(state, delivery, verdict)
            finally:
                self._busy.discard(task)

    def _settle(self, state: _Consumer, delivery: _Delivery, verdict: Verdict) -> None:
        match verdict:
            case Ack():
                self._done()
            case Retry(delay=delay, attempt=attempt):
                pending = _PendingRetry(state, _Delivery(delivery.body, retry_headers(delivery.headers, attempt)))
                if not self._stopping:
                    pending.handle = asyncio.get_running_loop().call_later(delay, self._retry_due, pending)
                    self._retries.append(pending)
                else:  # closing: keep it queued for the next start
                    state.queue.put(pending.delivery)
            case DeadLetterVerdict(reason=reason, attempts=attempts):
                headers = dead_letter_headers(delivery.headers, reason, attempts)
                state.dead.append(
                    DeadLetter(state.subscription.consumer, delivery.body, reason, attempts, headers=headers)
                )
                self._done()

    def _retry_due(self, pending: _PendingRetry) -> None:
        self._retries.remove(pending)
        pending.consumer.queue.put(pending.delivery)

    def _add_outstanding(self, n: int) -> None:
        self._outstanding += n
        if self._outstanding:
            self._idle.clear()

    def _done(self) -> None:
        self._outstanding -= 1
        if not self._outstanding:
            self._idle.set()
