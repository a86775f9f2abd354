"""Fixtures of the web UI's integration tests: a real catalog per module, and a client of a fresh app per test.

The app is built per test because its database pool belongs to the test's event loop; building one is cheap
(nothing connects until the first request).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from web_catalog import WebCatalog, build_web_catalog

from tracktion_web import UiSettings, create_app
from tracktion_web.auth import LOOPBACK_HOSTS

BASE_URL = "http://127.0.0.1:8477"


@pytest.fixture(scope="module")
def web_catalog(tmp_path_factory: pytest.TempPathFactory) -> WebCatalog:
    return build_web_catalog(Path(tmp_path_factory.mktemp("web")))


@pytest.fixture
async def client(web_catalog: WebCatalog) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(web_catalog.settings, UiSettings(token=None), trusted_hosts=LOOPBACK_HOSTS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        yield http
    await app.state.tracktion.close()
