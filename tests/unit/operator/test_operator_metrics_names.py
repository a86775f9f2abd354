"""Every metric the chart's dashboard, the chart and the README name is one the code defines and exposes.

The dashboard once showed panels for metrics nothing exported; this keeps the names in step with
``tracktion_shared.metrics`` (the one module that defines them), so a renamed metric fails here, not in Grafana.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from k8s_checks import ROOT

from tracktion_shared.metrics import METRIC_NAMES

DASHBOARD = ROOT / "charts" / "tracktion" / "dashboards" / "tracktion.json"
NAME = re.compile(r"\btracktion_[a-z0-9_]+\b")


def package_names() -> set[str]:
    """tracktion's Python packages (``tracktion_shared``, ``tracktion_web``...): named in prose, not metrics."""
    return {p.name for p in ROOT.glob("*/src/tracktion_*")} | {p.name for p in ROOT.glob("services/*/src/tracktion_*")}


def metric_names_in(path: Path) -> set[str]:
    return set(NAME.findall(path.read_text())) - package_names()


def test_every_dashboard_query_uses_only_defined_metrics() -> None:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    assert panels
    for panel in panels:
        for target in panel["targets"]:
            used = set(NAME.findall(target["expr"]))
            assert used, f"panel {panel['title']!r} shows no tracktion metric"
            assert used <= METRIC_NAMES, f"panel {panel['title']!r}: {sorted(used - METRIC_NAMES)} are not exported"


def test_chart_and_readme_name_only_defined_metrics() -> None:
    # prose may name a histogram by its family name (``tracktion_analysis_seconds``), queries by a sample's
    histograms = {name.removesuffix("_bucket") for name in METRIC_NAMES if name.endswith("_bucket")}
    files = [p for p in (ROOT / "charts").rglob("*") if p.is_file()] + [ROOT / "README.md"]
    for path in files:
        unknown = metric_names_in(path) - METRIC_NAMES - histograms
        assert not unknown, f"{path.relative_to(ROOT)} names metrics nothing exports: {sorted(unknown)}"


def test_the_dashboard_shows_the_stage_metrics() -> None:
    """The figures the issue asks the dashboard for: queue depth, cataloged/analysed, failures, analysis seconds."""
    shown = metric_names_in(DASHBOARD)
    for name in (
        "tracktion_queue_depth",
        "tracktion_files_cataloged_total",
        "tracktion_recordings_analysed_total",
        "tracktion_messages_dead_lettered_total",
        "tracktion_analysis_seconds_bucket",
    ):
        assert name in shown
