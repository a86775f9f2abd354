"""The bus contract: every case runs on the in-process bus and on RabbitMQ, and both must behave the same.

Timing: the harness' retry policy is 2 retries, 50 ms first delay. Every wait is bounded, so a broken bus fails a
case instead of hanging the run.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tracktion_shared.bus import ATTEMPT_HEADER, REASON_HEADER, Bus, DeadLetter, RetryPolicy
from tracktion_shared.bus.testing import BusHarness
from tracktion_shared.errors import PermanentError, TemporaryError
from tracktion_shared.logs import current_correlation_id
from tracktion_shared.messages import FileDeleted, FileDiscovered, FileMoved, Message, RecordingCataloged, decode
from tracktion_shared.tracing import tracer

TIMEOUT = 15.0

log = logging.getLogger("tracktion.test.bus")


async def eventually(predicate: Callable[[], bool], what: str, within: float = TIMEOUT) -> None:
    """Wait until ``predicate()`` holds; fail (not hang) after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.01)


async def start(bus: Bus) -> Bus:
    await asyncio.wait_for(bus.start(), timeout=TIMEOUT)
    return bus


async def publish(bus: Bus, *messages: Message) -> None:
    for message in messages:
        await asyncio.wait_for(bus.publish(message), timeout=TIMEOUT)


def discovered(path: str = "/music/set.flac") -> FileDiscovered:
    return FileDiscovered(path=path, size=1234, mtime=1.5)


# -- routing ---------------------------------------------------------------------------------------------------


async def test_delivers_to_every_subscribed_consumer_and_only_those(bus_factory: BusHarness) -> None:
    bus = bus_factory(prefetch=1)  # one at a time: deliveries arrive in publish order
    got: dict[str, list[Message]] = {"catalog": [], "audit": []}

    async def catalog(message: Message) -> None:
        got["catalog"].append(message)

    async def audit(message: Message) -> None:
        got["audit"].append(message)

    bus.subscribe("catalog", [FileDiscovered], catalog)
    bus.subscribe("audit", [FileDiscovered, FileDeleted], audit)
    await start(bus)
    first, moved, deleted, last = (
        discovered("/a.flac"),
        FileMoved(path="/b", old_path="/c"),
        FileDeleted(path="/d"),
        discovered("/z.flac"),
    )
    await publish(bus, first, moved, deleted, last)

    await eventually(lambda: len(got["catalog"]) == 2 and len(got["audit"]) == 3, "both consumers")
    assert got["catalog"] == [first, last]  # equal after the round trip, FileDeleted and FileMoved not routed here
    assert got["audit"] == [first, deleted, last]  # FileMoved has no subscriber at all
    assert all(type(m) is type(o) for m, o in zip(got["audit"], [first, deleted, last], strict=True))


async def test_subscribe_rules(bus_factory: BusHarness) -> None:
    bus = bus_factory()

    async def handler(message: Message) -> None:
        return None

    with pytest.raises(RuntimeError):
        await bus.publish(discovered())  # not started: there is nowhere safe to put it yet
    with pytest.raises(ValueError, match="consumer"):
        bus.subscribe("no spaces", [FileDiscovered], handler)
    bus.subscribe("catalog", [FileDiscovered], handler)
    with pytest.raises(ValueError, match="already subscribed"):
        bus.subscribe("catalog", [FileDeleted], handler)
    await start(bus)
    with pytest.raises(RuntimeError):
        bus.subscribe("late", [FileDeleted], handler)
    await bus.close()
    await bus.close()  # idempotent


# -- acknowledgement and retries ----------------------------------------------------------------------------------


async def test_acked_message_is_not_delivered_again(bus_factory: BusHarness) -> None:
    seen: list[Message] = []

    async def handler(message: Message) -> None:
        seen.append(message)

    bus = bus_factory(prefetch=1)
    bus.subscribe("catalog", [FileDiscovered], handler)
    await start(bus)
    done = discovered("/done.flac")
    await publish(bus, done)
    await eventually(lambda: len(seen) == 1, "first delivery")
    await asyncio.wait_for(bus.close(), timeout=TIMEOUT)

    again = await start(bus_factory.reopen(bus))
    sentinel = discovered("/sentinel.flac")
    await publish(again, sentinel)
    await eventually(lambda: sentinel in seen, "the sentinel")
    assert seen == [done, sentinel]  # a redelivered "done" would have come before the sentinel


async def test_fails_once_then_succeeds(bus_factory: BusHarness) -> None:
    calls: Counter[uuid.UUID] = Counter()
    processed: list[Message] = []

    async def flaky(message: Message) -> None:
        calls[message.message_id] += 1
        if calls[message.message_id] == 1:
            raise ConnectionError("database went away")
        processed.append(message)

    bus = bus_factory()
    bus.subscribe("catalog", [FileDiscovered], flaky)
    await start(bus)
    message = discovered()
    await publish(bus, message)

    await eventually(lambda: processed == [message], "the retry to succeed")
    assert calls[message.message_id] == 2
    assert await bus.dead_letters("catalog") == []


async def test_retry_goes_back_to_the_failing_consumer_only(bus_factory: BusHarness) -> None:
    failed_once: set[uuid.UUID] = set()
    got: Counter[str] = Counter()

    async def flaky(message: Message) -> None:
        got["flaky"] += 1
        if message.message_id not in failed_once:
            failed_once.add(message.message_id)
            raise RuntimeError("try again")

    async def steady(message: Message) -> None:
        got["steady"] += 1

    bus = bus_factory()
    bus.subscribe("flaky", [FileDiscovered], flaky)
    bus.subscribe("steady", [FileDiscovered], steady)
    await start(bus)
    await publish(bus, discovered())
    await eventually(lambda: got["flaky"] == 2, "the retry")
    sentinel = discovered("/sentinel")
    await publish(bus, sentinel)
    await eventually(lambda: got["flaky"] == 3 and got["steady"] == 2, "the sentinel")
    assert got == {"flaky": 3, "steady": 2}


async def test_always_failing_is_dead_lettered_after_all_retries(bus_factory: BusHarness) -> None:
    calls = 0

    async def broken(message: Message) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("tag parser exploded")

    bus = bus_factory()  # max_retries=2
    bus.subscribe("tagger", [FileDiscovered], broken)
    await start(bus)
    message = discovered()
    await publish(bus, message)

    [letter] = await _dead_letters(bus, "tagger", 1)
    assert calls == 1 + bus.policy.max_retries == 3
    assert letter.consumer == "tagger"
    assert letter.attempts == 3
    assert "retries exhausted" in letter.reason
    assert "ValueError: tag parser exploded" in letter.reason
    assert decode(letter.body) == message
    assert letter.headers[REASON_HEADER] == letter.reason
    assert int(letter.headers[ATTEMPT_HEADER]) == 3
    await asyncio.sleep(0.3)  # longer than the last retry delay: nothing else comes
    assert calls == 3


async def test_permanent_error_is_dead_lettered_at_once(bus_factory: BusHarness) -> None:
    calls = 0

    async def strict(message: Message) -> None:
        nonlocal calls
        calls += 1
        raise PermanentError("not an audio file")

    bus = bus_factory()
    bus.subscribe("tagger", [FileDiscovered], strict)
    await start(bus)
    await publish(bus, discovered())
    letters = await _dead_letters(bus, "tagger", 1)
    assert calls == 1
    assert letters[0].attempts == 1
    assert letters[0].reason == "PermanentError: not an audio file"


async def test_temporary_error_waits_at_least_the_delay_it_asks_for(bus_factory: BusHarness) -> None:
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def busy(message: Message) -> None:
        times.append(loop.time())
        if len(times) == 1:
            raise TemporaryError("site rate-limited us", delay=0.4)  # longer than the policy's 50 ms

    bus = bus_factory()
    bus.subscribe("tracklists", [FileDiscovered], busy)
    await start(bus)
    await publish(bus, discovered())
    await eventually(lambda: len(times) == 2, "the delayed retry")
    assert times[1] - times[0] >= 0.39


async def test_a_waiting_retry_does_not_block_other_messages(bus_factory: BusHarness) -> None:
    events: list[str] = []

    async def handler(message: Message) -> None:
        assert isinstance(message, FileDiscovered)
        events.append(message.path)
        if message.path == "/slow" and events.count("/slow") == 1:
            raise RuntimeError("not yet")

    bus = bus_factory(policy=RetryPolicy(max_retries=1, base_delay=0.5), prefetch=1)
    bus.subscribe("catalog", [FileDiscovered], handler)
    await start(bus)
    await publish(bus, discovered("/slow"), discovered("/fast"))
    await eventually(lambda: events.count("/slow") == 2, "the retry")
    assert events == ["/slow", "/fast", "/slow"]


async def test_prefetch_bounds_concurrent_handlers(bus_factory: BusHarness) -> None:
    running = peak = done = 0

    async def slow(message: Message) -> None:
        nonlocal running, peak, done
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1
        done += 1

    bus = bus_factory(prefetch=2)
    bus.subscribe("analysis", [FileDiscovered], slow)
    await start(bus)
    await publish(bus, *(discovered(f"/{i}") for i in range(8)))
    await eventually(lambda: done == 8, "all eight")
    assert peak == 2


# -- poison messages ---------------------------------------------------------------------------------------------


def _valid_body(**changes: Any) -> bytes:
    data = json.loads(discovered("/poison").model_dump_json())
    data.update(changes)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(b'{"type": "file.discovered", "path": ', "not valid JSON", id="malformed-json"),
        pytest.param(b"\xff\xfe not even utf-8", "not valid JSON", id="not-utf8"),
        pytest.param(b"[1, 2, 3]", "must be a JSON object", id="not-an-object"),
        pytest.param(_valid_body(type="file.exploded"), "unknown message type 'file.exploded'", id="unknown-type"),
        pytest.param(_valid_body(schema_version=99), "schema_version 99 is not supported", id="future-version"),
        pytest.param(_valid_body(size=-5), "invalid file.discovered message", id="invalid-field"),
    ],
)
async def test_poison_message_is_dead_lettered_and_the_consumer_moves_on(
    bus_factory: BusHarness, body: bytes, reason: str
) -> None:
    handled: list[Message] = []

    async def handler(message: Message) -> None:
        handled.append(message)

    bus = bus_factory(prefetch=1)
    bus.subscribe("catalog", [FileDiscovered], handler)
    await start(bus)
    await asyncio.wait_for(bus.publish_raw("file.discovered", body), timeout=TIMEOUT)
    good = discovered("/good.flac")
    await publish(bus, good)

    await eventually(lambda: handled == [good], "the good message after the poison one")
    [letter] = await _dead_letters(bus, "catalog", 1)
    assert letter.body == body
    assert reason in letter.reason
    assert letter.attempts == 1  # retrying a body that cannot be read cannot help


async def test_dead_letters_are_peeked_not_removed_oldest_first(bus_factory: BusHarness) -> None:
    async def strict(message: Message) -> None:
        raise PermanentError(f"no {message.message_id}")

    bus = bus_factory(prefetch=1)
    bus.subscribe("catalog", [FileDiscovered], strict)
    await start(bus)
    messages = [discovered(f"/{i}") for i in range(3)]
    await publish(bus, *messages)
    first = await _dead_letters(bus, "catalog", 3)
    again = await bus.dead_letters("catalog")
    assert [decode(d.body) for d in first] == messages
    assert again == first
    assert await bus.dead_letters("catalog", limit=2) == first[:2]
    assert await bus.dead_letters("nobody") == []


# -- crashes -----------------------------------------------------------------------------------------------------


async def test_message_is_redelivered_after_a_crash_mid_handler(bus_factory: BusHarness) -> None:
    """The consumer dies while a handler runs; the message was not acknowledged, so it comes back.

    RabbitMQ: the AMQP connection is closed under the handler and a new bus (a restarted process) gets it again.
    In-process: ``close`` interrupts the handler; the message stays queued and the restarted bus gets it again (a real
    process crash loses the in-memory queues -- see tracktion_shared.bus.testing).
    """
    started = asyncio.Event()
    deliveries: list[Message] = []

    async def handler(message: Message) -> None:
        deliveries.append(message)
        if len(deliveries) == 1:
            started.set()
            await asyncio.sleep(3600)  # "working" when the crash comes

    bus = bus_factory()
    bus.subscribe("analysis", [FileDiscovered], handler)
    await start(bus)
    message = discovered()
    await publish(bus, message)
    await asyncio.wait_for(started.wait(), timeout=TIMEOUT)

    await asyncio.wait_for(bus_factory.crash(bus), timeout=TIMEOUT)
    restarted = await start(bus_factory.reopen(bus))
    await eventually(lambda: len(deliveries) == 2, "the redelivery")
    assert deliveries == [message, message]
    assert await restarted.dead_letters("analysis") == []


async def test_close_lets_a_running_handler_finish_and_acknowledge(bus_factory: BusHarness) -> None:
    started = asyncio.Event()
    finished: list[Message] = []

    async def slow(message: Message) -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.append(message)

    bus = bus_factory(prefetch=1)
    bus.subscribe("analysis", [FileDiscovered], slow)
    await start(bus)
    message = discovered()
    await publish(bus, message)
    await asyncio.wait_for(started.wait(), timeout=TIMEOUT)
    await asyncio.wait_for(bus.close(), timeout=TIMEOUT)
    assert finished == [message]  # close waited for it

    again = await start(bus_factory.reopen(bus))
    sentinel = discovered("/sentinel.flac")
    await publish(again, sentinel)
    await eventually(lambda: sentinel in finished, "the sentinel")
    assert finished == [message, sentinel]  # and it was acknowledged, so it did not come back


# -- observability -----------------------------------------------------------------------------------------------


async def test_one_trace_from_producer_through_every_consumer(
    bus_factory: BusHarness, span_exporter: InMemorySpanExporter
) -> None:
    """Service A publishes inside a span, B handles it and publishes a follow-up, C handles that: one trace."""
    bus = bus_factory()
    done = asyncio.Event()

    async def service_b(message: Message) -> None:
        await bus.publish(
            RecordingCataloged(
                recording_id=uuid.uuid4(), path="/set.flac", sha256="a" * 64, xxh128="b" * 32, **message.follow_up()
            )
        )

    async def service_c(message: Message) -> None:
        done.set()

    bus.subscribe("service-b", [FileDiscovered], service_b)
    bus.subscribe("service-c", [RecordingCataloged], service_c)
    await start(bus)
    with tracer().start_as_current_span("service-a scan") as root:
        await publish(bus, discovered())
    await asyncio.wait_for(done.wait(), timeout=TIMEOUT)

    def named(name: str) -> ReadableSpan:
        matches = [s for s in span_exporter.get_finished_spans() if s.name == name]
        assert len(matches) == 1, (name, [s.name for s in span_exporter.get_finished_spans()])
        return matches[0]

    names = [
        "publish file.discovered",
        "service-b process file.discovered",
        "publish recording.cataloged",
        "service-c process recording.cataloged",
    ]
    # C may finish before B's span ends (B's publish is confirmed, then B returns): wait for all four.
    await eventually(lambda: set(names) <= {s.name for s in span_exporter.get_finished_spans()}, "every span to end")
    produce_a, consume_b, produce_b, consume_c = (named(name) for name in names)
    trace_id = root.get_span_context().trace_id
    spans = [produce_a, consume_b, produce_b, consume_c]
    assert {s.context.trace_id for s in spans if s.context} == {trace_id}
    assert len([s for s in spans if s.context]) == 4
    # each span's parent is the one before it: the consumer continues the producer's span, across the bus
    assert _parent_id(produce_a) == root.get_span_context().span_id
    assert _parent_id(consume_b) == _span_id(produce_a)
    assert _parent_id(produce_b) == _span_id(consume_b)
    assert _parent_id(consume_c) == _span_id(produce_b)
    assert produce_a.kind is trace.SpanKind.PRODUCER
    assert consume_b.kind is trace.SpanKind.CONSUMER


def _span_id(span: ReadableSpan) -> int | None:
    return span.context.span_id if span.context else None


def _parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent else None


async def test_correlation_id_is_in_every_log_line_of_the_handler(bus_factory: BusHarness, json_log: Any) -> None:
    seen: list[str | None] = []

    async def handler(message: Message) -> None:
        seen.append(current_correlation_id())
        log.info("cataloguing attempt %d", len(seen))
        if len(seen) == 1:
            raise ConnectionError("retry me")  # the retried delivery keeps the correlation id

    bus = bus_factory()
    bus.subscribe("catalog", [FileDiscovered], handler)
    await start(bus)
    message = discovered()
    await publish(bus, message)
    await eventually(lambda: len(seen) == 2, "the retry")

    assert seen == [str(message.correlation_id)] * 2
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    mine = [line for line in lines if line["message"].startswith("cataloguing attempt")]
    assert [line["message"] for line in mine] == ["cataloguing attempt 1", "cataloguing attempt 2"]
    assert {line["correlation_id"] for line in mine} == {str(message.correlation_id)}
    assert current_correlation_id() is None  # the scope ended with the handler


# -- helpers -------------------------------------------------------------------------------------------------------


async def _eventually_async(check: Callable[[], Awaitable[bool]], what: str, within: float = TIMEOUT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await asyncio.wait_for(check(), timeout=within):
        if loop.time() > deadline:
            pytest.fail(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.02)


async def _dead_letters(bus: Bus, consumer: str, count: int) -> list[DeadLetter]:
    """Wait until ``consumer`` has ``count`` dead letters and return them."""
    letters: list[DeadLetter] = []

    async def enough() -> bool:
        letters[:] = await bus.dead_letters(consumer)
        return len(letters) >= count

    await _eventually_async(enough, f"{count} dead letter(s) of {consumer}")
    assert len(letters) == count
    return letters
