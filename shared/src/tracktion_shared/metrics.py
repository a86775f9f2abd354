"""Every Prometheus metric tracktion has, and the small HTTP server that exposes them on ``/metrics``.

One module holds them all so that the names the code counts, the chart's Grafana dashboard and the README cannot
drift apart (``tests/unit/operator/test_operator_metrics_names.py`` checks that every ``tracktion_*`` name the chart or
the README mentions is defined here). Metrics live in prometheus_client's default registry: a process exposes them
with its process/GC collectors, and Prometheus sums counters over the pods of a Deployment.

Label values are small fixed sets (consumer names, message types, outcomes), never paths or ids, so the number of
series stays bounded however large the collection grows. Counters count work a process finished; a message redelivered
after a crash may be counted twice, like it is handled twice (the bus delivers at least once).

The server is off unless ``TRACKTION_METRICS_PORT`` is set: the embedded CLI has nobody scraping it, while the cluster
(the operator's ConfigMap) sets 9464.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, start_http_server

__all__ = [
    "ANALYSIS_FAILURES",
    "ANALYSIS_SECONDS",
    "ANALYSIS_WORKERS",
    "FILES_CATALOGED",
    "HANDLER_SECONDS",
    "MESSAGES_DEAD_LETTERED",
    "MESSAGES_HANDLED",
    "MESSAGES_RETRIED",
    "METRIC_NAMES",
    "OUTBOX_BACKLOG",
    "OUTBOX_RELAYED",
    "QUEUE_DEPTH",
    "RECORDINGS_ANALYSED",
    "TRACKLIST_LOOKUPS",
    "MetricsServer",
    "serve",
]

# Seconds: a tag-only catalog message takes milliseconds, a two-hour set minutes to analyse.
_SLOW_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)

# -- every consumer, counted once in tracktion_shared.bus.base.dispatch --------------------------------------------
MESSAGES_HANDLED = Counter(
    "tracktion_messages_handled", "Messages a consumer handled and acknowledged.", ["consumer", "type"]
)
MESSAGES_RETRIED = Counter(
    "tracktion_messages_retried", "Deliveries that failed and were scheduled for another attempt.", ["consumer", "type"]
)
MESSAGES_DEAD_LETTERED = Counter(
    "tracktion_messages_dead_lettered",
    "Messages a consumer gave up on (rejected, retries spent, or undecodable: type 'undecodable').",
    ["consumer", "type"],
)
HANDLER_SECONDS = Histogram(
    "tracktion_handler_seconds",
    "Seconds a consumer's handler ran, whatever its outcome.",
    ["consumer"],
    buckets=_SLOW_BUCKETS,
)

# -- the stages' own work ------------------------------------------------------------------------------------------
FILES_CATALOGED = Counter(
    "tracktion_files_cataloged",
    "Files the catalog read and recorded, by the status it recorded: present, failed (unreadable) or missing.",
    ["status"],
)
RECORDINGS_ANALYSED = Counter(
    "tracktion_recordings_analysed",
    "Recordings with a published analysis, by source: analysed now, or the cache (same content seen before).",
    ["source"],
)
ANALYSIS_FAILURES = Counter(
    "tracktion_analysis_failures",
    "Recordings published as AnalysisFailed, by reason: unanalysable content, missing file, or a cached failure.",
    ["reason"],
)
ANALYSIS_SECONDS = Histogram(
    "tracktion_analysis_seconds",
    "Seconds one fresh analysis of a recording took (cache hits excluded).",
    buckets=_SLOW_BUCKETS,
)
TRACKLIST_LOOKUPS = Counter(
    "tracktion_tracklist_lookups",
    "Tracklist look-ups of long recordings by outcome: found, not_found, blocked (the site refused us), "
    "deferred (the site was unreachable).",
    ["outcome"],
)
OUTBOX_BACKLOG = Gauge(
    "tracktion_outbox_backlog", "Messages waiting in the outbox after the background relay's last flush."
)
OUTBOX_RELAYED = Counter(
    "tracktion_outbox_relayed",
    "Messages the background relay published: left in the outbox by a crash or a failed publish after commit.",
)

# -- the operator's autoscaler: what it read and decided, per MusicLibrary ------------------------------------------
QUEUE_DEPTH = Gauge(
    "tracktion_queue_depth",
    "Ready messages in a library's analysis queue, as the operator's autoscaler last read them.",
    ["namespace", "library"],
)
ANALYSIS_WORKERS = Gauge(
    "tracktion_analysis_workers",
    "Analysis replicas the operator's autoscaler last set for a library.",
    ["namespace", "library"],
)

_ALL: tuple[Counter | Gauge | Histogram, ...] = (
    MESSAGES_HANDLED,
    MESSAGES_RETRIED,
    MESSAGES_DEAD_LETTERED,
    HANDLER_SECONDS,
    FILES_CATALOGED,
    RECORDINGS_ANALYSED,
    ANALYSIS_FAILURES,
    ANALYSIS_SECONDS,
    TRACKLIST_LOOKUPS,
    OUTBOX_BACKLOG,
    OUTBOX_RELAYED,
    QUEUE_DEPTH,
    ANALYSIS_WORKERS,
)
_SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}

#: the sample names a scrape shows (and PromQL uses): counters gain ``_total``, histograms ``_bucket/_sum/_count``
METRIC_NAMES: frozenset[str] = frozenset(
    family.name + suffix for metric in _ALL for family in metric.describe() for suffix in _SUFFIXES[family.type]
)


@dataclass
class MetricsServer:
    """A running ``/metrics`` endpoint; ``port`` is the bound one (useful when asked for port 0)."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def close(self) -> None:
        """Stop serving and release the port (the thread is a daemon; this makes the stop prompt and clean)."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(port: int, address: str = "0.0.0.0", registry: CollectorRegistry = REGISTRY) -> MetricsServer:  # noqa: S104
    """Serve ``registry`` on ``address:port`` from a daemon thread (a pod's scrape comes in on its own IP)."""
    server, thread = start_http_server(port, addr=address, registry=registry)
    return MetricsServer(server, thread)
