"""The scan's progress: a line per stage with counts that mean something, printed plainly outside a terminal."""

from __future__ import annotations

import io

from rich.console import Console

from tracktion.commands.progress import ScanProgress, StageLine, stage_lines
from tracktion_catalog.domain.stages import StageCounts


def test_each_later_stage_counts_what_it_has_finished_of_what_it_was_asked() -> None:
    stages = {
        "analysis": StageCounts(done=10, failed={"/m/bad.mp3": "cannot decode"}, due=2, in_progress=7, skipped=4),
        "tracklist": StageCounts(done=2, deferred=1),
        "graph": StageCounts(done=15, in_progress=5),
    }
    assert stage_lines(stages) == [  # type: ignore[arg-type]
        StageLine("analysis", 11, 20, ", 1 failed"),  # skipped by choice is not part of the work
        StageLine("look-ups", 3, None, ", 1 deferred"),  # which recordings are sets is the look-up's decision
        StageLine("graph", 15, 20),
    ]
    assert stage_lines({"analysis": StageCounts(skipped=3), "tracklist": StageCounts()}) == []  # type: ignore[dict-item]


def test_outside_a_terminal_each_stage_that_moved_is_a_plain_line() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=False, width=200)
    with ScanProgress(console, live=False, interval=0) as progress:
        progress.found(3)
        progress.cataloged(1, 3)
        progress.cataloged(1, 3)  # no change, no line
        progress.stages({"analysis": StageCounts(done=1, in_progress=2), "graph": StageCounts(done=1)})  # type: ignore[dict-item]
    assert stream.getvalue().splitlines() == [
        "finding files: 3",
        "files: 1/3 cataloged",
        "analysis: 1/3",
        "graph: 1/1",
    ]


def test_a_short_scan_prints_no_progress_outside_a_terminal() -> None:
    stream = io.StringIO()
    with ScanProgress(Console(file=stream, force_terminal=False), live=False) as progress:
        progress.found(3)
        progress.cataloged(3, 3)
    assert stream.getvalue() == ""
