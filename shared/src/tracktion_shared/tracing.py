"""OpenTelemetry set-up and the trace context that travels in message headers.

A file's journey (watcher -> catalog -> analysis ...) crosses processes only through the bus, so the bus injects the
W3C ``traceparent`` of the publishing span into the message headers and the consumer continues that trace. Spans are
exported over OTLP when the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_ENDPOINT``) variable is set
(Grafana Tempo accepts it); otherwise they are still created, so log lines still carry trace ids.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

__all__ = ["configure_tracing", "exporting", "extract_context", "inject_context", "tracer"]

_TRACER_NAME = "tracktion"


def configure_tracing(service: str, *extra_processors: SpanProcessor) -> trace.TracerProvider:
    """Install the process-wide tracer provider once; later calls return the one already installed."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        for processor in extra_processors:
            current.add_span_processor(processor)
        return current
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", service)})
    provider = TracerProvider(resource=resource)
    if exporting():
        # the exporter (protobuf, requests) only where spans are exported: a tenth of a second of every start-up
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    for processor in extra_processors:
        provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    return provider


def exporting() -> bool:
    """True when the standard OTLP variables ask for spans to be exported."""
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def tracer() -> trace.Tracer:
    return trace.get_tracer(_TRACER_NAME)


def inject_context(headers: MutableMapping[str, Any]) -> None:
    """Write the current trace context into ``headers`` (``traceparent``/``tracestate``)."""
    propagate.inject(headers)


def extract_context(headers: Mapping[str, Any] | None) -> Context:
    """The trace context a publisher left in ``headers``; header values may arrive as bytes from AMQP."""
    carrier = {k: v.decode() if isinstance(v, bytes) else str(v) for k, v in (headers or {}).items()}
    return propagate.extract(carrier)
