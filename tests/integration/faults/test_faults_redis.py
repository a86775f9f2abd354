"""Redis hangs, then goes away, mid-run: the cache is an optimisation, so the pipeline only slows down."""

from __future__ import annotations

import time

import pytest
from conftest import PipelineFactory
from faults_harness import redis_down, redis_paused

pytestmark = [pytest.mark.faults, pytest.mark.disruptive, pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.redis]


def test_a_hung_then_dead_redis_loses_and_duplicates_nothing(pipeline: PipelineFactory) -> None:
    run = pipeline()
    run.start()
    total = len(run.library.good)
    run.wait_for_progress(total // 5)
    with redis_paused(seconds=4):
        time.sleep(4.0)
    run.wait_for_progress(total // 2)
    with redis_down():
        time.sleep(4.0)
        # on a loaded machine one analysis can take longer than the outage: keep Redis down (bounded) until the
        # analysis service has tried it, so the test always exercises the fault it is about
        run.wait_until(lambda: run.logged("analysis", "unavailable"), "the analysis service noticed Redis is gone", 60)
    run.settle()
    run.check_exactly_once()
