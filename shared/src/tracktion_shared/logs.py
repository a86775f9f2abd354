"""JSON log lines that can be joined across services.

Every line carries the service name, level, timestamp, the correlation id of the message being handled (set with
:func:`correlation_scope`) and the current OpenTelemetry trace id, so a log search for one file's correlation id
shows its whole journey, and a trace id jumps to it in Tempo. Passwords inside URLs are masked in every line,
whoever logged them. The readable console format (the CLI's) escapes control characters in messages.
"""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal
from uuid import UUID

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

from tracktion_shared.config import redact_url
from tracktion_shared.printable import visible

__all__ = ["configure_logging", "correlation_scope", "current_correlation_id"]

_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("tracktion_correlation_id", default=None)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


@contextmanager
def correlation_scope(correlation_id: UUID | str | None) -> Iterator[None]:
    """Tag every log line written inside the block (in this task) with ``correlation_id``."""
    token = _correlation_id.set(None if correlation_id is None else str(correlation_id))
    try:
        yield
    finally:
        _correlation_id.reset(token)


class _ContextFilter(logging.Filter):
    """Adds service, correlation and trace ids, and masks URL passwords in the message and its arguments."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.correlation_id = _correlation_id.get()
        span_context = trace.get_current_span().get_span_context()
        record.trace_id = format(span_context.trace_id, "032x") if span_context.is_valid else None
        record.span_id = format(span_context.span_id, "016x") if span_context.is_valid else None
        record.msg = redact_url(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters render exc_info afresh, which would bring the password back: hand them only the text.
            record.exc_text = redact_url(record.exc_text)
            record.exc_info = None
        return True


class _ConsoleFormatter(logging.Formatter):
    """The readable format, with control characters in the message escaped (a file name with an ESC in it must not
    recolour the terminal); a traceback after the message keeps its lines. JSON lines need no such care: JSON
    escapes control characters itself."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = visible(record.message)
        return super().formatMessage(record)


_JSON_FIELDS = "%(levelname)s %(name)s %(service)s %(correlation_id)s %(trace_id)s %(span_id)s %(message)s"
_CONSOLE_FORMAT = "%(asctime)s %(levelname)-7s %(service)s %(name)s [%(correlation_id)s] %(message)s"


def configure_logging(
    service: str, level: str = "INFO", fmt: Literal["json", "console"] = "json", stream: object = None
) -> logging.Handler:
    """Route all logging through one handler on the root logger; returns it (tests attach to its stream)."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.addFilter(_ContextFilter(service))
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                _JSON_FIELDS,
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp=True,
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(_ConsoleFormatter(_CONSOLE_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_tracktion", False)]:
        root.removeHandler(old)
    handler._tracktion = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("aiormq", "aio_pika", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return handler
