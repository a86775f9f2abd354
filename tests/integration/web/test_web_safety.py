"""The web UI under attack and abuse: generated requests from its own OpenAPI schema, path traversal on every route
that serves a file, and the token on every kind of request."""

from __future__ import annotations

import asyncio
import os
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from web_catalog import WebCatalog

from tracktion_shared.storage import Database, UnitOfWork
from tracktion_web import UiSettings, create_app

TOKEN = "test-token-7f3a9c21b8e4d605"
SECRET = "TOP-SECRET-CONTENT-4711"


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file no route may ever serve; its content is searched for in every response."""
    path = Path(tmp_path_factory.mktemp("secret")) / "secret.txt"
    path.write_text(SECRET)
    return path


def test_generated_requests_from_the_schema_never_get_a_server_error(web_catalog: WebCatalog) -> None:
    """Positive and negative cases for every operation, with real and random ids: only 2xx/4xx, always JSON."""
    app = create_app(web_catalog.settings, UiSettings(token=None))
    schema = schemathesis.openapi.from_dict(app.openapi())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    known = [*map(str, web_catalog.ids.values()), str(web_catalog.set_id), str(web_catalog.set_tracklist_id)]
    strategy = st.one_of(*(op.as_strategy(generation_mode=mode) for op in operations for mode in GenerationMode))
    with asyncio.Runner() as runner:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")

        @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=strategy, known_id=st.sampled_from(known), use_known=st.booleans())
        def check(case: schemathesis.Case, known_id: str, use_known: bool) -> None:
            if use_known and case.path_parameters:
                case.path_parameters = {name: known_id for name in case.path_parameters}
            request = case.as_transport_kwargs(base_url="http://testserver")
            response = runner.run(
                client.request(
                    request["method"], request["url"], params=request.get("params"), headers=request["headers"]
                )
            )
            assert response.status_code < 500, (request, response.text)
            assert SECRET not in response.text
            if not request["url"].endswith("/cue") or response.status_code != 200:
                response.json()  # the API answers JSON, errors included

        try:
            check()
        finally:
            runner.run(client.aclose())
            runner.run(app.state.tracktion.close())


async def _add_tracklists(web_catalog: WebCatalog, cue_paths: list[str | None]) -> list[uuid.UUID]:
    """A recording with one tracklist per hostile ``cue_file_path`` (as a compromised writer might record them)."""

    async def write(uow: UnitOfWork) -> list[uuid.UUID]:
        recording = await uow.recordings.add(file_path="/nowhere/evil.flac", file_name="evil.flac")
        ids = []
        for n, path in enumerate(cue_paths):
            stored = await uow.tracklists.replace(recording.id, f"source{n}", [], cue_file_path=path)
            ids.append(stored.id)
        return ids

    async with Database(web_catalog.database_url) as db:
        return await db.run(write)


@pytest.fixture
async def open_client(web_catalog: WebCatalog) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(web_catalog.settings, UiSettings(token=None))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http
    await app.state.tracktion.close()


async def test_the_cue_route_serves_nothing_but_a_recorded_regular_cue(
    open_client: httpx.AsyncClient, web_catalog: WebCatalog, secret_file: Path
) -> None:
    folder = secret_file.parent
    link = folder / "link.cue"
    link.symlink_to(secret_file)
    (folder / "dir.cue").mkdir()
    os.mkfifo(folder / "fifo.cue")
    hostile = [
        None,
        str(secret_file),
        f"{web_catalog.music}/../../{secret_file.relative_to('/')}",
        f"{folder}/../{folder.name}/secret.txt",
        f"{secret_file}\x00.cue",
        "secret.cue",
        "../../../../etc/passwd",
        "/etc/passwd",
        str(link),
        str(folder / "dir.cue"),
        str(folder / "fifo.cue"),
        str(folder / "absent.cue"),
    ]
    ids = await _add_tracklists(web_catalog, hostile)
    for tracklist_id, path in zip(ids, hostile, strict=True):
        response = await open_client.get(f"/api/tracklists/{tracklist_id}/cue")
        assert response.status_code == 404, path
        assert SECRET not in response.text
        assert response.json()["detail"], path
    detail = (await open_client.get(f"/api/recordings/{web_catalog.set_id}")).json()
    assert detail["tracklists"][0]["cue_url"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/tracklists/..%2F..%2F..%2Fetc%2Fpasswd/cue",
        "/api/tracklists/%2e%2e%2fsecret.txt/cue",
        "/api/tracklists/../../etc/passwd/cue",
        "/static/../pyproject.toml",
        "/static/..%2f..%2fpyproject.toml",
        "/static/%2e%2e/%2e%2e/app.py",
        "/static/%2e%2e%2fapp.py",
        "/static//etc/passwd",
        "/static/vendor/../../../../../etc/passwd",
        "/static/vendor/plotly.min.js/../../app.py",
        "/static/..\\app.py",
        "/static/templates/../../api.py",
    ],
)
async def test_url_traversal_reaches_no_file_outside_the_static_folder(
    open_client: httpx.AsyncClient, path: str
) -> None:
    response = await open_client.get(path)
    assert response.status_code in (404, 405, 422), (path, response.status_code)
    for marker in ("root:x:0:0", "[project]", "def create_app", "async def", "tracktion_web"):
        assert marker not in response.text, path


async def test_secret_file_by_absolute_path_in_the_url(open_client: httpx.AsyncClient, secret_file: Path) -> None:
    for path in (f"/static{secret_file}", f"/static/{urllib.parse.quote(str(secret_file), safe='')}"):
        response = await open_client.get(path)
        assert response.status_code == 404
        assert SECRET not in response.text


async def test_with_a_token_every_kind_of_request_needs_it(web_catalog: WebCatalog) -> None:
    app = create_app(web_catalog.settings, UiSettings(token=TOKEN))
    routes = [
        "/",
        f"/recordings/{web_catalog.set_id}",
        "/status",
        "/api/recordings",
        f"/api/recordings/{web_catalog.set_id}",
        f"/api/tracklists/{web_catalog.set_tracklist_id}/cue",
        "/api/status",
        "/openapi.json",
        "/static/app.css",
        "/static/vendor/plotly.min.js",
    ]
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ui.lan") as anonymous:
            for route in routes:
                response = await anonymous.get(route)
                assert response.status_code == 401, route
                assert response.headers["www-authenticate"] == "Bearer"
                wrong = await anonymous.get(route, headers={"authorization": "Bearer nope-nope-nope-nope"})
                assert wrong.status_code == 401, route
                bearer = await anonymous.get(route, headers={"authorization": f"Bearer {TOKEN}"})
                assert bearer.status_code == 200, route
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ui.lan") as browser:
            first = await browser.get("/", params={"token": TOKEN, "camelot": "4A"})
            assert first.status_code == 303
            assert first.headers["location"] == "/?camelot=4A"
            assert TOKEN not in first.headers["location"]
            page = await browser.get(first.headers["location"])  # the cookie from the redirect now lets it in
            assert page.status_code == 200
            assert "Live at Fabric 2026" in page.text
            assert (await browser.get("/api/status")).status_code == 200
    finally:
        await app.state.tracktion.close()
