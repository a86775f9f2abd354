"""What a running scan shows: a line per stage (files, analysis, look-ups, graph), live on a terminal, plain elsewhere.

A scan's cataloging is the quick part; analysis, tracklist look-ups and graph writes take the minutes after it. So
each stage gets its own line with its own count and time left, and none freezes at "cataloging 39/39" while the
rest goes on. On a terminal it is one rich display, redrawn in place, with warnings (a file still being written, a
site that is down) printed above it; outside one (a log file, CI, a pipe), where a redrawn display would be noise,
a plain line per stage that moved, every few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

if TYPE_CHECKING:
    from tracktion_catalog.domain.stages import ReportedStage, StageCounts

__all__ = ["ScanProgress", "StageLine", "stage_lines"]

#: how often the plain display prints (seconds); a scan shorter than this prints no progress at all
PLAIN_INTERVAL = 5.0


@dataclass(frozen=True)
class StageLine:
    """One stage's progress: ``done`` of ``total`` (None: not known in advance), and what the count means."""

    label: str
    done: int
    total: int | None
    detail: str = ""

    def plain(self) -> str:
        count = f"{self.done}" if self.total is None else f"{self.done}/{self.total}"
        return f"{self.label}: {count}{self.detail}"


def stage_lines(stages: Mapping[ReportedStage, StageCounts]) -> list[StageLine]:
    """The lines of the later stages: analysis (finished of asked for), look-ups (made; which recordings are sets
    is the look-up's own decision, so there is no total), fingerprints (finished of asked for), graph (recordings in
    step of all)."""
    lines = []
    analysis = stages.get("analysis")
    if analysis is not None:
        finished = analysis.done + len(analysis.failed)
        total = finished + analysis.due + analysis.in_progress
        if total:
            failed = f", {len(analysis.failed)} failed" if analysis.failed else ""
            lines.append(StageLine("analysis", finished, total, failed))
    tracklist = stages.get("tracklist")
    if tracklist is not None and (tracklist.done or tracklist.deferred):
        deferred = f", {tracklist.deferred} deferred" if tracklist.deferred else ""
        lines.append(StageLine("look-ups", tracklist.done + tracklist.deferred, None, deferred))
    identify = stages.get("identify")
    if identify is not None:
        finished = identify.done + identify.skipped + len(identify.failed)
        if total := finished + identify.due + identify.in_progress:
            failed = f", {len(identify.failed)} failed" if identify.failed else ""
            lines.append(StageLine("fingerprints", finished, total, failed))
    graph = stages.get("graph")
    if graph is not None and (total := graph.done + graph.due + graph.in_progress):
        lines.append(StageLine("graph", graph.done, total))
    return lines


class ScanProgress:
    """The callbacks :meth:`tracktion.pipeline.Pipeline.scan` reports through, shown live or as plain lines."""

    def __init__(self, console: Console, *, live: bool, interval: float = PLAIN_INTERVAL) -> None:
        self._console = console
        self._live = live
        self._interval = interval
        self._lines: dict[str, StageLine] = {}
        self._printed: dict[str, StageLine] = {}
        self._last_print = time.monotonic()
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not live,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Self:
        self._progress.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.__exit__(exc_type, exc, tb)

    def found(self, count: int) -> None:
        self._show(StageLine("finding files", count, None))

    def cataloged(self, done: int, total: int) -> None:
        self._lines.pop("finding files", None)
        if "finding files" in self._tasks:
            self._progress.remove_task(self._tasks.pop("finding files"))
        self._show(StageLine("files", done, total, " cataloged"))

    def stages(self, stages: Mapping[ReportedStage, StageCounts]) -> None:
        for line in stage_lines(stages):
            self._show(line)

    def _show(self, line: StageLine) -> None:
        self._lines[line.label] = line
        if self._live:
            self._update_task(line)
        elif time.monotonic() - self._last_print >= self._interval:
            self._print_plain()

    def _update_task(self, line: StageLine) -> None:
        description = f"{line.label}{line.detail}"
        task = self._tasks.get(line.label)
        if task is None:
            self._tasks[line.label] = self._progress.add_task(description, total=line.total, completed=line.done)
        else:
            self._progress.update(task, description=description, total=line.total, completed=line.done)

    def _print_plain(self) -> None:
        """A line for each stage that moved since the last print."""
        self._last_print = time.monotonic()
        for label, line in self._lines.items():
            if self._printed.get(label) != line:
                self._console.print(line.plain(), markup=False, highlight=False)
                self._printed[label] = line
