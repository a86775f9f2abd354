"""RabbitMQ's application stops mid-run and starts again: every service reconnects and nothing is lost or doubled."""

from __future__ import annotations

import time

import pytest
from conftest import PipelineFactory
from faults_harness import rabbitmq_outage

pytestmark = [pytest.mark.faults, pytest.mark.disruptive, pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.redis]


def test_a_broker_restart_mid_run_loses_and_duplicates_nothing(pipeline: PipelineFactory) -> None:
    run = pipeline()
    run.start()
    run.wait_for_progress(len(run.library.good) // 4)
    with rabbitmq_outage():
        time.sleep(3.0)  # long enough that publishes, deliveries and acks all fail at least once
    run.settle()
    run.check_exactly_once()
    for service in ("watcher", "catalog", "analysis", "tracklist"):
        assert run.logged(service, "bus lost its connection"), f"{service} kept its connection: nothing was tested"
