"""Fixtures of the fault tests: one distributed pipeline per test, removed afterwards whatever happened."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from faults_harness import AMQP_URL, Pipeline, generate_library, services_up
from pytest_httpserver import HTTPServer

from tracktion_shared.bus import delete_topology
from tracktion_shared.routes import ROUTES

#: files per pipeline: "a few hundred", small enough that five pipelines fit in the suite's time budget
LIBRARY_SIZE = 300

PipelineFactory = Callable[..., Pipeline]


@pytest.fixture
def pipeline(
    tmp_path: Path,
    new_postgres_database: Callable[[str], AbstractContextManager[str]],
    make_audio: Callable[..., Path],
    httpserver: HTTPServer,
) -> Iterator[PipelineFactory]:
    """``pipeline(files=200)``: a migrated database, a generated library and the services' environment, unstarted.

    The tracklist service is pointed at a local server that answers 404 to everything, so nothing reaches the
    internet even if a clip were long enough to be looked up. Afterwards every process is stopped, the prefix's
    queues and the database are deleted, and the servers are checked to be up.
    """
    httpserver.expect_request("").respond_with_data("not here", status=404)
    built: list[Pipeline] = []
    with contextlib.ExitStack() as stack:

        def build(files: int = LIBRARY_SIZE) -> Pipeline:
            assert not built, "one pipeline per test"
            database_url = stack.enter_context(new_postgres_database("tracktion_faults"))
            library = generate_library(tmp_path / "Music", make_audio, files)
            logs = tmp_path / "logs"
            logs.mkdir()
            pipeline = Pipeline(database_url, f"faults_{uuid.uuid4().hex[:8]}", library, logs, httpserver.url_for(""))
            built.append(pipeline)
            upgraded = pipeline.tracktion("db", "upgrade")
            assert upgraded.returncode == 0, upgraded.stderr
            return pipeline

        try:
            yield build
        finally:
            for pipeline in built:
                try:
                    pipeline.stop_all()
                finally:
                    services_up()
                    asyncio.run(delete_topology(AMQP_URL, pipeline.prefix, list(ROUTES)))
