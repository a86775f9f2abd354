"""The RabbitMQ bus: durable topology, publisher confirms, delayed retries without head-of-line blocking.

Topology for a prefix ``p`` (``bus_prefix``) -- everything durable, every message persistent::

    p.events                  topic exchange; a message travels under its type ("file.discovered")
    p.<consumer>              the consumer's queue, bound to the types it subscribed to
    p.<consumer>.retry.<n>    delay queue n: x-message-ttl = policy.delay(n-1); expired messages dead-letter back to
                              p.<consumer> (only that consumer's queue, not every subscriber of the type)
    p.<consumer>.dlq          messages the consumer gave up on, with the reason in their headers

Why one delay queue per level: RabbitMQ only expires messages at the head of a queue, so a 40 s retry in front of a
50 ms retry would hold the short one back. With one TTL per queue every message in it expires in order.

Delivery is at least once: a message is acknowledged only after its handler returned (its work is committed), or after
the retried / dead-lettered copy was confirmed by the broker. If the connection dies in between, the broker delivers
the unacknowledged message again; handlers are idempotent. ``publish`` returns only once the broker confirmed the
message, and keeps trying across reconnects (bounded by ``publish_timeout``), so a broker restart loses nothing.

aio-pika's robust connection does the reconnecting (every ``reconnect_interval`` seconds) and re-declares the exchange,
queues, bindings, QoS and consumers; this module adds what it leaves to the application: retrying a publish that
failed while the connection was down.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
    DeliveryMode,
    ExchangeType,
)
from aio_pika.connection import make_url
from aio_pika.exceptions import (
    AMQPError,
    AuthenticationError,
    ChannelClosed,
    ChannelInvalidStateError,
    ChannelNotFoundEntity,
    ChannelPreconditionFailed,
    ProbableAuthenticationError,
    PublishError,
)
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_delay, wait_exponential_jitter

from tracktion_shared.bus._common import dead_letter_headers, retry_headers, validate_name
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
from tracktion_shared.config import redact_url
from tracktion_shared.errors import ConfigError
from tracktion_shared.messages import Message, routing_key

__all__ = ["MAX_RETRY_LEVEL", "QueueState", "RabbitMQBus", "Topology", "delete_topology", "queue_state", "retry_level"]

log = logging.getLogger("tracktion.bus")

#: delay queues go up to this level; a ``TemporaryError(delay=...)`` longer than every level waits the longest one.
MAX_RETRY_LEVEL = 32
_MAX_TTL_MS = 2**32 - 1  # RabbitMQ's limit for x-message-ttl (about 49 days)
_CONTENT_TYPE = "application/json"

#: failures that a reconnect can cure; anything else (a bug, a closed bus) is raised at once.
_TRANSIENT = (AMQPError, ChannelInvalidStateError, ConnectionError, OSError, TimeoutError)


@dataclass(frozen=True)
class Topology:
    """The names of a prefix's exchange and queues (one place, so the bus and the clean-up agree)."""

    prefix: str

    @property
    def exchange(self) -> str:
        return f"{self.prefix}.events"

    def queue(self, consumer: str) -> str:
        return f"{self.prefix}.{consumer}"

    def dead_letter_queue(self, consumer: str) -> str:
        return f"{self.prefix}.{consumer}.dlq"

    def retry_queue(self, consumer: str, level: int) -> str:
        return f"{self.prefix}.{consumer}.retry.{level}"

    def queues(self, consumer: str, retry_levels: int = MAX_RETRY_LEVEL) -> list[str]:
        """Every queue a consumer may own: its queue, its dead-letter queue and its delay queues."""
        levels = [self.retry_queue(consumer, n) for n in range(1, retry_levels + 1)]
        return [self.queue(consumer), self.dead_letter_queue(consumer), *levels]


def _ms(seconds: float) -> int:
    return min(_MAX_TTL_MS, max(0, round(seconds * 1000)))


def retry_level(policy: RetryPolicy, delay: float) -> int:
    """The delay queue for a retry after ``delay`` seconds: the first level whose TTL is at least that long.

    A plain retry of attempt ``n`` asks for ``policy.delay(n - 1)`` and so lands on level ``n``; a longer wait asked for
    with ``TemporaryError(delay=...)`` lands on a later level (waiting at least as long as asked).
    """
    wanted = _ms(delay)
    for level in range(1, MAX_RETRY_LEVEL + 1):
        if _ms(policy.delay(level - 1)) >= wanted:
            return level
    return MAX_RETRY_LEVEL


def _amqp_value(value: Any) -> Any:
    """AMQP tables cannot carry ``bytes`` or tuples (pamqp refuses them); headers copied from anywhere can."""
    if isinstance(value, bytes):
        return bytearray(value)
    if isinstance(value, tuple | list):
        return [_amqp_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _amqp_value(v) for k, v in value.items()}
    return value


def _amqp_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    return {str(k): _amqp_value(v) for k, v in (headers or {}).items()}


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes | bytearray) else str(value)


def _attempts(value: Any) -> int:
    """The attempt count a dead letter carries (1 when the header is missing or garbled)."""
    try:
        return max(1, int(_text(value)))
    except ValueError:
        return 1


def _message_ids(body: bytes, headers: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """``message_id`` and ``correlation_id`` for the AMQP properties: from the body when it is a message, else headers.

    Only peeks at the JSON; validating is the consumer's job (a poison body must still be publishable).
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        data = None
    source: Mapping[str, Any] = data if isinstance(data, dict) else (headers or {})
    message_id, correlation_id = source.get("message_id"), source.get("correlation_id")
    return (
        None if message_id is None else _text(message_id),
        None if correlation_id is None else _text(correlation_id),
    )


async def delete_topology(
    url: str, prefix: str, consumers: Iterable[str], *, retry_levels: int = MAX_RETRY_LEVEL
) -> None:
    """Delete a prefix's exchange and the queues of ``consumers`` (messages included); missing ones are fine.

    For tests and for retiring a prefix. Close every bus using the prefix first: a running robust consumer would
    declare its queue again.
    """
    topology = Topology(prefix)
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel(publisher_confirms=False)
        for consumer in consumers:
            for name in topology.queues(consumer, retry_levels):
                await channel.queue_delete(name)
        await channel.exchange_delete(topology.exchange)


class RabbitMQBus(Bus):
    """A :class:`Bus` over RabbitMQ, from a URL as people type it (``amqp://user:pass@host:5672/vhost``, ``amqps://``).

    ``publish_timeout`` bounds how long a publish keeps retrying while the broker is unreachable (then it raises and
    the caller decides; inside a handler that means the handler's message is retried). ``close_timeout`` bounds how
    long :meth:`close` waits for running handlers.
    """

    def __init__(
        self,
        url: str,
        policy: RetryPolicy | None = None,
        *,
        prefix: str = "tracktion",
        prefetch: int = 8,
        publish_timeout: float = 60.0,
        attempt_timeout: float = 10.0,
        connect_timeout: float = 30.0,
        close_timeout: float = 30.0,
        reconnect_interval: float = 2.0,
        declare: Mapping[str, Sequence[type[Message]]] | None = None,
    ) -> None:
        super().__init__(policy)
        if not url.startswith(("amqp://", "amqps://")):
            raise ConfigError(f"the AMQP URL must start with amqp:// or amqps://, got {redact_url(url)!r}")
        if prefetch < 1:
            raise ValueError("prefetch must be at least 1")
        self._url = url
        self.topology = Topology(validate_name("bus prefix", prefix))
        self.prefetch = prefetch
        self.publish_timeout = publish_timeout
        self.attempt_timeout = attempt_timeout
        self.connect_timeout = connect_timeout
        self.close_timeout = close_timeout
        self.reconnect_interval = reconnect_interval
        #: consumers whose queues and bindings are declared at start even when they are not consumed here.
        self.declare = {validate_name("consumer", name): tuple(types) for name, types in (declare or {}).items()}
        self._connection: AbstractRobustConnection | None = None
        self._publisher: AbstractRobustChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._consumers: list[tuple[AbstractQueue, str]] = []
        self._declared: set[str] = set()
        self._declare_lock = asyncio.Lock()
        self._close_lock = asyncio.Lock()
        self._inflight: set[asyncio.Task[Any]] = set()
        self._started = False
        self._closing = False

    def __repr__(self) -> str:
        return f"<RabbitMQBus {self.url} prefix={self.topology.prefix!r} started={self._started}>"

    @property
    def url(self) -> str:
        """The broker URL with its password masked (safe to log)."""
        return redact_url(self._url)

    @property
    def connection(self) -> AbstractRobustConnection:
        """The live robust connection (for diagnostics and tests); raises when the bus is not started."""
        if self._connection is None:
            raise RuntimeError("the bus is not started")
        return self._connection

    @property
    def connection_name(self) -> str:
        """Shown by ``rabbitmqctl list_connections client_properties`` and the management UI."""
        consumers = ",".join(s.consumer for s in self.subscriptions) or "publisher"
        return f"tracktion {self.topology.prefix} {consumers}"

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def subscribe(self, consumer: str, message_types: Sequence[type[Message]], handler: Handler) -> None:
        """Register a consumer; only before :meth:`start`, which declares its queues."""
        if self._started:
            raise RuntimeError("subscribe every consumer before start()")
        super().subscribe(validate_name("consumer", consumer), message_types, handler)

    async def start(self) -> None:
        """Connect (retrying for up to ``connect_timeout`` s), declare the topology and start consuming."""
        if self._started:
            return
        self._closing = False
        self._declared.clear()
        try:
            self._connection = await self._connect()
            self._publisher = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
            self._exchange = await self._publisher.declare_exchange(
                self.topology.exchange, ExchangeType.TOPIC, durable=True
            )
            subscribed = {s.consumer for s in self.subscriptions}
            for consumer, types in self.declare.items():
                if consumer not in subscribed:
                    await self._declare_elsewhere_consumed(consumer, types)
            for subscription in self.subscriptions:
                await self._start_consumer(subscription)
        except (AuthenticationError, ProbableAuthenticationError) as exc:
            await self._release()
            raise ConfigError(f"RabbitMQ at {self.url} refused the login ({exc}); check TRACKTION_AMQP_URL") from exc
        except BaseException:
            await self._release()
            raise
        self._started = True
        log.info(
            "bus connected to %s (exchange %s, consumers: %s)",
            self.url,
            self.topology.exchange,
            ", ".join(s.consumer for s in self.subscriptions) or "none",
        )

    async def close(self, grace: float | None = None) -> None:
        """Cancel the consumers, wait up to ``grace`` s (default ``close_timeout``) for running handlers, disconnect.

        Handlers still running after that are cancelled; their messages were not acknowledged, so the broker delivers
        them again to the next consumer. Safe to call twice (a second call waits for the first).
        """
        async with self._close_lock:
            if self._connection is not None:
                await self._close(grace)

    async def _close(self, grace: float | None) -> None:
        assert self._connection is not None
        self._closing = True
        connection = self._connection
        if not connection.is_closed:
            for queue, tag in self._consumers:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(queue.cancel(tag), timeout=5)
        self._consumers.clear()
        current = asyncio.current_task()
        running = [t for t in self._inflight if t is not current]
        if running:
            _, late = await asyncio.wait(running, timeout=self.close_timeout if grace is None else grace)
            if late:
                log.warning("cancelling %d handler(s) still running at close; the broker will redeliver", len(late))
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self._release()
        log.info("bus disconnected from %s", self.url)

    async def _release(self) -> None:
        connection, self._connection = self._connection, None
        self._publisher = None
        self._exchange = None
        self._started = False
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def _connect(self) -> AbstractRobustConnection:
        def retryable(exc: BaseException) -> bool:
            auth = isinstance(exc, AuthenticationError | ProbableAuthenticationError)
            return isinstance(exc, _TRANSIENT) and not auth

        connection: AbstractRobustConnection | None = None
        async for attempt in AsyncRetrying(
            stop=stop_after_delay(self.connect_timeout),
            wait=wait_exponential_jitter(multiplier=0.2, max=5.0, jitter=0.2),
            retry=retry_if_exception(retryable),
            before_sleep=partial(self._log_retry, f"connecting to {self.url}"),
            reraise=True,
        ):
            with attempt:
                connection = await self._connect_once()
        assert connection is not None
        connection.close_callbacks.add(self._connection_lost)
        connection.reconnect_callbacks.add(self._reconnected)
        return connection

    async def _connect_once(self) -> AbstractRobustConnection:
        """One attempt, closed again if it fails or is cancelled.

        ``aio_pika.connect_robust`` leaves a failed connection's reconnect task behind, and that task shrugs off
        cancellation: a SIGTERM while the broker is still being reached would then never let the process exit.
        """
        connection = aio_pika.RobustConnection(
            make_url(self._url, reconnect_interval=self.reconnect_interval),
            client_properties={"connection_name": self.connection_name},
        )
        try:
            await connection.connect(timeout=self.attempt_timeout)
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.shield(connection.close())
            raise
        return connection

    def _connection_lost(self, _connection: object, exc: BaseException | None) -> None:
        """Say so in our own words: aio-pika's reconnect notice is at INFO and its close reason varies by cause."""
        if not self._closing:
            reason = f"{type(exc).__name__}: {exc}" if exc is not None else "closed"
            log.warning("bus lost its connection to %s (%s); reconnecting", self.url, reason)

    def _reconnected(self, _connection: object) -> None:
        log.info("bus reconnected to %s; consumers and queues restored", self.url)

    async def _start_consumer(self, subscription: Subscription) -> None:
        """Declare a consumer's queues on its own channel (so prefetch is per consumer) and start consuming."""
        consumer = subscription.consumer
        channel = await self.connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=self.prefetch)
        # Declared on this channel too: after a reconnect channels are restored in any order, and the binding
        # below needs the exchange.
        exchange = await channel.declare_exchange(self.topology.exchange, ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(self.topology.queue(consumer), durable=True)
        for key in subscription.routing_keys:
            await queue.bind(exchange, key)
        await self._declare_dead_letter_queue(consumer)
        for level in range(1, self.policy.max_retries + 1):
            await self._declare_retry_queue(consumer, level)
        tag = await queue.consume(partial(self._on_message, subscription))
        self._consumers.append((queue, tag))

    async def _declare_elsewhere_consumed(self, consumer: str, types: Sequence[type[Message]]) -> None:
        """Declare and bind the queue of a consumer that runs in another process, so it collects messages now."""
        if self._publisher is None or self._exchange is None:
            raise RuntimeError("the bus is not started")
        queue = await self._publisher.declare_queue(self.topology.queue(consumer), durable=True)
        for message_type in types:
            await queue.bind(self._exchange, routing_key(message_type))

    # -- topology -----------------------------------------------------------------------------------------------

    async def _declare(self, name: str, arguments: dict[str, Any] | None = None) -> None:
        """Declare a queue on the publishing channel (once; robust, so it is declared again after a reconnect)."""
        if name in self._declared:
            return
        async with self._declare_lock:
            if name in self._declared:
                return
            if self._publisher is None:
                raise RuntimeError("the bus is not started")
            try:
                await self._publisher.declare_queue(name, durable=True, arguments=arguments)
            except ChannelPreconditionFailed as exc:
                raise ConfigError(
                    f"queue {name} already exists with other arguments ({exc}); was bus_retry_delay changed? "
                    "Delete the retry queues of this prefix (they only hold messages waiting for a retry) or use a "
                    "new bus_prefix"
                ) from exc
            self._declared.add(name)

    async def _declare_dead_letter_queue(self, consumer: str) -> None:
        await self._declare(self.topology.dead_letter_queue(consumer))

    async def _declare_retry_queue(self, consumer: str, level: int) -> None:
        await self._declare(
            self.topology.retry_queue(consumer, level),
            {
                "x-message-ttl": _ms(self.policy.delay(level - 1)),
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": self.topology.queue(consumer),
            },
        )

    # -- publishing ---------------------------------------------------------------------------------------------

    async def publish_raw(self, key: str, body: bytes, headers: Mapping[str, Any] | None = None) -> None:
        """Publish persistently to the events exchange; returns once the broker confirmed it.

        Retries on connection and channel errors (exponential backoff, at most ``publish_timeout`` s), so a broker
        restart only delays it; a confirmation lost in a disconnect means it may arrive twice, never not at all.
        A type nobody subscribed to is dropped by the broker, as with any topic exchange.
        """
        if self._exchange is None:
            raise RuntimeError("the bus is not started")
        exchange = self._exchange
        message_id, correlation_id = _message_ids(body, headers)
        message = aio_pika.Message(
            body,
            headers=_amqp_headers(headers),
            content_type=_CONTENT_TYPE,
            delivery_mode=DeliveryMode.PERSISTENT,
            message_id=message_id,
            correlation_id=correlation_id,
            timestamp=datetime.now(UTC),
            app_id="tracktion",
        )
        await self._publish_confirmed(partial(exchange.publish, message, key, mandatory=False), f"publish {key}")

    async def _publish_to_queue(
        self, name: str, message: aio_pika.Message, ensure: Callable[[], Awaitable[None]]
    ) -> None:
        """Publish straight into one of our queues (a delay queue or the dead-letter queue), confirmed."""

        async def attempt() -> None:
            await ensure()
            if self._publisher is None:
                raise RuntimeError("the bus is not started")
            try:
                await self._publisher.default_exchange.publish(message, name, mandatory=True)
            except PublishError:
                self._declared.discard(name)  # returned as unroutable: someone deleted it; declare it again
                raise

        await self._publish_confirmed(attempt, f"publish to {name}")

    async def _publish_confirmed(self, publish: Callable[[], Awaitable[Any]], what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.publish_timeout

        async def once() -> None:
            if self._publisher is None:
                raise RuntimeError("the bus is not started")
            await self._publisher.ready()  # waits while the robust connection reconnects
            await publish()

        async for attempt in AsyncRetrying(
            stop=stop_after_delay(self.publish_timeout),
            wait=wait_exponential_jitter(multiplier=0.05, max=2.0, jitter=0.05),
            retry=retry_if_exception(self._retryable),
            before_sleep=partial(self._log_retry, what),
            reraise=True,
        ):
            with attempt:
                budget = max(0.05, min(self.attempt_timeout, deadline - loop.time()))
                await asyncio.wait_for(once(), timeout=budget)

    def _retryable(self, exc: BaseException) -> bool:
        connection = self._connection
        if connection is None or connection.is_closed:
            return False  # closed on purpose: retrying cannot help
        return isinstance(exc, _TRANSIENT)

    @staticmethod
    def _log_retry(what: str, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        log.warning("%s failed (attempt %d: %r); retrying in %.2fs", what, state.attempt_number, exc, wait)

    # -- consuming ----------------------------------------------------------------------------------------------

    async def _on_message(self, subscription: Subscription, message: AbstractIncomingMessage) -> None:
        if self._closing:
            return  # arrived while cancelling: left unacknowledged, the broker requeues it when we disconnect
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            verdict = await dispatch(subscription, message.body, message.headers, self.policy)
            try:
                await self._settle(subscription.consumer, message, verdict)
            except Exception as exc:
                log.warning(
                    "%s could not settle message %s (%s: %s); the broker will deliver it again",
                    subscription.consumer,
                    message.message_id,
                    type(exc).__name__,
                    exc,
                )
                with contextlib.suppress(Exception):
                    await message.nack(requeue=True)
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def _settle(self, consumer: str, message: AbstractIncomingMessage, verdict: Verdict) -> None:
        """Act on the verdict; the original is acknowledged only after its copy (if any) is confirmed."""
        match verdict:
            case Ack():
                pass
            case Retry(delay=delay, attempt=attempt):
                level = retry_level(self.policy, delay)
                if level > self.policy.max_retries:  # a longer wait asked for by TemporaryError(delay=...)
                    try:
                        await self._declare_retry_queue(consumer, level)
                    except ConfigError as exc:
                        log.warning("%s; waiting the normal delay instead", exc)
                        level = attempt
                await self._publish_to_queue(
                    self.topology.retry_queue(consumer, level),
                    self._copy(message, retry_headers(message.headers, attempt)),
                    partial(self._declare_retry_queue, consumer, level),
                )
            case DeadLetterVerdict(reason=reason, attempts=attempts):
                await self._publish_to_queue(
                    self.topology.dead_letter_queue(consumer),
                    self._copy(message, dead_letter_headers(message.headers, reason, attempts)),
                    partial(self._declare_dead_letter_queue, consumer),
                )
        await message.ack()

    @staticmethod
    def _copy(message: AbstractIncomingMessage, headers: Mapping[str, Any]) -> aio_pika.Message:
        return aio_pika.Message(
            message.body,
            headers=_amqp_headers(headers),
            content_type=message.content_type or _CONTENT_TYPE,
            delivery_mode=DeliveryMode.PERSISTENT,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            timestamp=message.timestamp,
            app_id=message.app_id,
        )

    # -- dead letters -------------------------------------------------------------------------------------------

    async def dead_letters(self, consumer: str, limit: int = 100) -> list[DeadLetter]:
        """Peek at a consumer's dead-letter queue, oldest first, leaving every message in it.

        Messages are fetched unacknowledged on a throw-away channel; closing that channel hands them back to the
        queue in their original order.
        """
        connection = self.connection
        await asyncio.wait_for(connection.ready(), timeout=self.attempt_timeout)
        letters: list[DeadLetter] = []
        async with aio_pika.Channel(connection, publisher_confirms=False) as channel:
            try:
                queue = await channel.declare_queue(self.topology.dead_letter_queue(consumer), passive=True)
            except ChannelNotFoundEntity:
                return []  # the consumer never started: nothing was dead-lettered
            while len(letters) < limit:
                incoming = await queue.get(no_ack=False, fail=False, timeout=self.attempt_timeout)
                if incoming is None:
                    break
                headers = dict(incoming.headers)
                letters.append(
                    DeadLetter(
                        consumer=consumer,
                        body=incoming.body,
                        reason=_text(headers.get(REASON_HEADER, "")),
                        attempts=_attempts(headers.get(ATTEMPT_HEADER)),
                        headers=headers,
                    )
                )
        return letters

    async def delete_topology(self) -> None:
        """Delete this prefix's exchange and its consumers' queues, messages included (close the bus first)."""
        await delete_topology(self._url, self.topology.prefix, [s.consumer for s in self.subscriptions])


@dataclass(frozen=True, slots=True)
class QueueState:
    """A queue as the broker reports it: messages ready (not the ones being handled) and consumers attached now."""

    ready: int
    consumers: int


async def queue_state(connection: AbstractConnection, queue: str) -> QueueState | None:
    """A passive declare of ``queue`` on a throw-away channel: creates nothing, None when the queue does not exist.

    The one way everything outside the bus looks at a queue (the operator's autoscaler, the status page, the load
    benchmark and the fault tests): a missing queue closes the channel, never the connection.
    """
    async with aio_pika.Channel(connection, publisher_confirms=False) as channel:
        try:
            declared = await channel.declare_queue(queue, passive=True)
        except (ChannelNotFoundEntity, ChannelClosed):
            return None
        result = declared.declaration_result
        return QueueState(ready=int(result.message_count or 0), consumers=int(result.consumer_count or 0))
