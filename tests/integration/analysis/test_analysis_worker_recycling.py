"""Workers are recycled without the executor's ``max_tasks_per_child``, which deadlocks on a backlog (cpython#115634).

Found by the broker-restart fault test: a burst of redelivered messages queued analyses behind busy workers, a worker
exited at its task limit, no replacement was started, and the service hung with its analyses pending (and could not
shut down). This is that burst, without a broker: many more analyses at once than workers, with a small limit.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tracktion_analysis.adapters.workers import ProcessPoolAnalyser
from tracktion_analysis.analysis import AnalysisOptions
from tracktion_analysis.errors import AudioNotFound


async def test_a_backlog_larger_than_the_recycling_limit_completes(tmp_path: Path) -> None:
    analyser = ProcessPoolAnalyser(AnalysisOptions(), workers=1, max_tasks_per_worker=2)
    missing = [str(tmp_path / f"gone {n}.wav") for n in range(7)]  # each answers at once, in the worker
    try:
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(analyser.analyse(path) for path in missing), return_exceptions=True), timeout=90
        )
    finally:
        await asyncio.wait_for(analyser.close(), timeout=60)
    assert all(isinstance(outcome, AudioNotFound) for outcome in outcomes), outcomes
    assert analyser._retiring == set(), "a retired pool was left running after close"


async def test_a_closed_analyser_refuses_work(tmp_path: Path) -> None:
    analyser = ProcessPoolAnalyser(AnalysisOptions(), workers=1, max_tasks_per_worker=1)
    await analyser.close()
    with pytest.raises(RuntimeError, match="closed"):
        await analyser.analyse(str(tmp_path / "x.wav"))
