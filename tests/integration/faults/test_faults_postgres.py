"""PostgreSQL restarts mid-run, then every connection is terminated: the catalog reconnects and loses nothing."""

from __future__ import annotations

import pytest
from conftest import PipelineFactory
from faults_harness import restart_postgres, terminate_backends
from sqlalchemy.engine import make_url

pytestmark = [pytest.mark.faults, pytest.mark.disruptive, pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.redis]


def test_a_database_restart_and_killed_connections_lose_and_duplicate_nothing(pipeline: PipelineFactory) -> None:
    run = pipeline()
    run.start()
    total = len(run.library.good)
    run.wait_for_progress(total // 4)
    restart_postgres()
    run.wait_for_progress(total // 2)
    url = make_url(run.database_url)
    admin = url.set(database="postgres").render_as_string(hide_password=False)
    assert terminate_backends(admin, str(url.database)) > 0, "the catalog held no connection to cut"
    run.settle()
    run.check_exactly_once()
