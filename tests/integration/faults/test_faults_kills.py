"""SIGKILL mid-message: the catalog, one analysis worker process, then the whole analysis service; each restarted."""

from __future__ import annotations

import os
import signal

import pytest
from conftest import PipelineFactory

pytestmark = [pytest.mark.faults, pytest.mark.disruptive, pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.redis]


def test_killed_services_and_workers_lose_and_duplicate_nothing(pipeline: PipelineFactory) -> None:
    run = pipeline()
    run.start()
    total = len(run.library.good)

    run.wait_for_progress(total // 5)
    run.kill("catalog")
    run.start("catalog")

    # one worker of the analysis pool dies under a file: the pool is rebuilt and the message retried
    run.wait_until(lambda: run.progress()[1] >= total // 5, "analysis is under way")
    run.wait_until(lambda: bool(run.children("analysis")), "the analysis workers are running")
    worker = run.children("analysis")[-1]
    os.kill(worker, signal.SIGKILL)

    # the analysis service and its workers die at once (a container killed); a new one takes over
    analysed = run.progress()[1]
    run.wait_until(lambda: run.progress()[1] >= analysed + 10, "analysis continues after the worker died")
    run.kill("analysis")
    run.start("analysis")

    run.settle()
    run.check_exactly_once()
    died = [r for r in run.log_records("analysis") if "worker died" in str(r.get("message", ""))]
    assert died, "the killed worker was never noticed: the kill came too late to test anything"
