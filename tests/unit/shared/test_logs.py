"""Log lines are JSON, carry service, level, timestamp, correlation and trace ids, and never show a password."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from tracktion_shared.logs import configure_logging, correlation_scope, current_correlation_id
from tracktion_shared.tracing import configure_tracing, tracer


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = configure_logging("catalog", "DEBUG", "json", stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_line_fields(captured: io.StringIO) -> None:
    configure_tracing("test")
    with tracer().start_as_current_span("work") as span, correlation_scope("corr-1"):
        logging.getLogger("tracktion.test").info("cataloged %s", "/m/a.mp3")
    (line,) = lines(captured)
    assert line["message"] == "cataloged /m/a.mp3"
    assert line["level"] == "INFO"
    assert line["service"] == "catalog"
    assert line["correlation_id"] == "corr-1"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert str(line["timestamp"]).endswith("+00:00")


def test_correlation_scope_nests_and_resets() -> None:
    assert current_correlation_id() is None
    with correlation_scope("outer"):
        with correlation_scope("inner"):
            assert current_correlation_id() == "inner"
        assert current_correlation_id() == "outer"
    assert current_correlation_id() is None


def test_passwords_never_reach_the_log(captured: io.StringIO) -> None:
    log = logging.getLogger("tracktion.test")
    log.warning("connecting to %s", "postgresql://dj:hunter2@db/music")
    try:
        raise ConnectionError("amqp://guest:s3cret@mq:5672/ refused")
    except ConnectionError:
        log.exception("broker down")
    text = captured.getvalue()
    assert "hunter2" not in text
    assert "s3cret" not in text
    assert "postgresql://dj:***@db/music" in text
    assert len(lines(captured)) == 2


def test_console_format(captured: io.StringIO) -> None:
    stream = io.StringIO()
    handler = configure_logging("watcher", "INFO", "console", stream=stream)
    try:
        with correlation_scope("c-9"):
            logging.getLogger("tracktion.test").info("hello")
    finally:
        logging.getLogger().removeHandler(handler)
    assert "watcher" in stream.getvalue()
    assert "[c-9] hello" in stream.getvalue()


def test_console_lines_escape_control_characters_and_keep_tracebacks(captured: io.StringIO) -> None:
    """A file name with an ANSI escape, a carriage return or a bidi override prints as its escapes, not as commands
    to the terminal; the traceback after a message keeps its line breaks."""
    stream = io.StringIO()
    handler = configure_logging("watcher", "INFO", "console", stream=stream)
    try:
        log = logging.getLogger("tracktion.test")
        log.warning("waiting for %s", "/music/Set [vip] \x1b[31mred\r\u202egpm.wav")
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed on %s", "a\x07b")
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert "waiting for /music/Set [vip] \\x1b[31mred\\r\\u202egpm.wav" in text
    assert "failed on a\\x07b" in text
    assert not set(text) & {"\x1b", "\r", "\u202e", "\x07"}
    assert "Traceback (most recent call last):\n" in text
    assert "ValueError: boom" in text
