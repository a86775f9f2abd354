"""The bus interface, and the one place that decides what happens to a delivered message.

Both implementations (RabbitMQ and in-process) deliver at least once and hand every delivery to :func:`dispatch`,
which decodes it, runs the handler inside the publisher's trace and the message's correlation scope, and returns a
:class:`Verdict`: acknowledge (the handler returned, so its work is committed), retry after a delay, or dead-letter.
Keeping that decision here is what makes the two buses behave the same; the contract tests check that they do.

Handlers must be idempotent (a message can arrive twice after a crash); the storage inbox makes that cheap.
"""

from __future__ import annotations

import abc
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from opentelemetry import trace

from tracktion_shared import metrics
from tracktion_shared.errors import MessageError, PermanentError, TemporaryError
from tracktion_shared.logs import correlation_scope
from tracktion_shared.messages import Message, decode, encode, routing_key
from tracktion_shared.tracing import extract_context, inject_context, tracer

__all__ = [
    "ATTEMPT_HEADER",
    "REASON_HEADER",
    "Ack",
    "Bus",
    "DeadLetter",
    "DeadLetterVerdict",
    "Handler",
    "Retry",
    "RetryPolicy",
    "Subscription",
    "Verdict",
    "dispatch",
]

log = logging.getLogger("tracktion.bus")

Handler = Callable[[Message], Awaitable[None]]

#: how many times a message has already failed (0 on first delivery), carried in the headers of retried copies.
ATTEMPT_HEADER = "x-tracktion-attempt"
#: why a message was dead-lettered.
REASON_HEADER = "x-tracktion-reason"


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential delays: ``base_delay * 2**attempt`` seconds, at most ``max_retries`` times."""

    max_retries: int = 3
    base_delay: float = 5.0

    def delay(self, attempt: int) -> float:
        return float(self.base_delay * 2**attempt)


@dataclass(frozen=True)
class Subscription:
    """A consumer (one durable queue) and the message types routed to it."""

    consumer: str
    message_types: tuple[type[Message], ...]
    handler: Handler

    @property
    def routing_keys(self) -> tuple[str, ...]:
        return tuple(routing_key(t) for t in self.message_types)


@dataclass(frozen=True)
class DeadLetter:
    """A message a consumer gave up on, kept with the reason so a person can look at it (and replay it)."""

    consumer: str
    body: bytes
    reason: str
    attempts: int
    headers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ack:
    """The handler's work is committed: drop the message."""


@dataclass(frozen=True)
class Retry:
    """Deliver again after ``delay`` seconds, as attempt number ``attempt``."""

    delay: float
    attempt: int
    reason: str


@dataclass(frozen=True)
class DeadLetterVerdict:
    """Retrying cannot help or the retries are spent: move the message to the consumer's dead-letter queue."""

    reason: str
    attempts: int


Verdict = Ack | Retry | DeadLetterVerdict


def attempt_of(headers: Mapping[str, Any] | None) -> int:
    """How many times this delivery already failed, from its headers (0 when absent or garbled)."""
    try:
        return max(0, int((headers or {}).get(ATTEMPT_HEADER, 0)))
    except (TypeError, ValueError):
        return 0


async def dispatch(
    subscription: Subscription, body: bytes, headers: Mapping[str, Any] | None, policy: RetryPolicy
) -> Verdict:
    """Run one delivery through its handler and decide its fate. Never raises (except on cancellation).

    Counted here, once for every consumer of both buses: handled, retried or dead-lettered, and how long it took.
    """
    started = time.perf_counter()
    message_type, verdict = await _decide(subscription, body, headers, policy)
    _count(subscription.consumer, message_type, verdict, time.perf_counter() - started)
    return verdict


def _count(consumer: str, message_type: str, verdict: Verdict, seconds: float) -> None:
    metrics.HANDLER_SECONDS.labels(consumer).observe(seconds)
    match verdict:
        case Ack():
            metrics.MESSAGES_HANDLED.labels(consumer, message_type).inc()
        case Retry():
            metrics.MESSAGES_RETRIED.labels(consumer, message_type).inc()
        case DeadLetterVerdict():
            metrics.MESSAGES_DEAD_LETTERED.labels(consumer, message_type).inc()


#: the message type label of a body that could not be decoded (its type is unknown)
UNDECODABLE = "undecodable"


async def _decide(
    subscription: Subscription, body: bytes, headers: Mapping[str, Any] | None, policy: RetryPolicy
) -> tuple[str, Verdict]:
    attempt = attempt_of(headers)
    parent = extract_context(headers)
    with tracer().start_as_current_span(
        f"{subscription.consumer} receive", context=parent, kind=trace.SpanKind.CONSUMER
    ) as span:
        try:
            message = decode(body)
        except MessageError as exc:
            log.error("dead-lettering undecodable message for %s: %s", subscription.consumer, exc)
            span.set_status(trace.StatusCode.ERROR, str(exc))
            return UNDECODABLE, DeadLetterVerdict(reason=str(exc), attempts=attempt + 1)
        span.update_name(f"{subscription.consumer} process {message.type}")
        span.set_attribute("messaging.message.id", str(message.message_id))
        span.set_attribute("tracktion.correlation_id", str(message.correlation_id))
        with correlation_scope(message.correlation_id):
            try:
                await subscription.handler(message)
            except PermanentError as exc:
                log.error("%s rejected %s %s: %s", subscription.consumer, message.type, message.message_id, exc)
                span.set_status(trace.StatusCode.ERROR, str(exc))
                return message.type, DeadLetterVerdict(reason=f"{type(exc).__name__}: {exc}", attempts=attempt + 1)
            except Exception as exc:
                span.record_exception(exc)
                span.set_status(trace.StatusCode.ERROR, str(exc))
                reason = f"{type(exc).__name__}: {exc}"
                if attempt >= policy.max_retries:
                    log.error(
                        "%s gave up on %s %s after %d attempts: %s",
                        subscription.consumer,
                        message.type,
                        message.message_id,
                        attempt + 1,
                        reason,
                    )
                    return message.type, DeadLetterVerdict(reason=f"retries exhausted: {reason}", attempts=attempt + 1)
                delay = policy.delay(attempt)
                if isinstance(exc, TemporaryError) and exc.delay is not None:
                    delay = max(delay, exc.delay)
                log.warning(
                    "%s failed %s %s (attempt %d), retrying in %.1fs: %s",
                    subscription.consumer,
                    message.type,
                    message.message_id,
                    attempt + 1,
                    delay,
                    reason,
                )
                return message.type, Retry(delay=delay, attempt=attempt + 1, reason=reason)
    return message.type, Ack()


class Bus(abc.ABC):
    """Publish typed messages; deliver them to subscribed consumers at least once, with retries and a DLQ.

    Lifecycle: ``subscribe`` any number of consumers, then ``start`` (or ``async with``); ``close`` stops consuming,
    lets in-flight handlers finish (bounded), and releases connections.
    """

    def __init__(self, policy: RetryPolicy | None = None) -> None:
        self.policy = policy or RetryPolicy()
        self.subscriptions: list[Subscription] = []

    def subscribe(self, consumer: str, message_types: Sequence[type[Message]], handler: Handler) -> None:
        if any(s.consumer == consumer for s in self.subscriptions):
            raise ValueError(f"consumer {consumer!r} is already subscribed")
        self.subscriptions.append(Subscription(consumer, tuple(message_types), handler))

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect, declare what is needed and begin delivering to the subscribers."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop consuming, wait (bounded) for in-flight handlers, release connections. Safe to call twice."""

    @abc.abstractmethod
    async def publish_raw(self, key: str, body: bytes, headers: Mapping[str, Any] | None = None) -> None:
        """Publish a body as-is (replaying a dead letter, or testing poison messages); returns once it is safe."""

    @abc.abstractmethod
    async def dead_letters(self, consumer: str, limit: int = 100) -> list[DeadLetter]:
        """The consumer's dead-lettered messages, oldest first, without removing them."""

    async def publish(self, message: Message) -> None:
        """Publish durably with the current trace context in its headers; returns once the bus has it safe."""
        with tracer().start_as_current_span(f"publish {message.type}", kind=trace.SpanKind.PRODUCER) as span:
            span.set_attribute("messaging.message.id", str(message.message_id))
            span.set_attribute("tracktion.correlation_id", str(message.correlation_id))
            headers: dict[str, Any] = {}
            inject_context(headers)
            await self.publish_raw(message.type, encode(message), headers)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
