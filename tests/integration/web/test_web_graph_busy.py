"""The graph's states as the UI reports them: held by a running watch (busy), never created (no graph).

A real second process holds the embedded LadybugDB file, as ``tracktion watch`` does; the page must still render,
the answers must say "graph busy", and the UI must not have locked the file itself once the holder is gone.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest
from web_catalog import WebCatalog

from tracktion_shared.config import Settings
from tracktion_shared.graph import embedded_graph_path
from tracktion_web import UiSettings, create_app

HOLD = """
import sys, time, ladybug
db = ladybug.Database(sys.argv[1])
conn = ladybug.Connection(db)
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def graph_holder(web_catalog: WebCatalog) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, embedded_graph_path(web_catalog.settings)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        assert holder.stdin is not None
        assert holder.stdout is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()


def hold_and_release(path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HOLD, path], input="", capture_output=True, text=True, timeout=60, check=False
    )


async def ask(settings: Settings, *paths: str) -> list[httpx.Response]:
    app = create_app(settings, UiSettings(token=None, graph_timeout=20))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return [await client.get(path) for path in paths]
    finally:
        await app.state.tracktion.close()


async def test_a_graph_held_by_another_process_is_busy_not_an_error(
    web_catalog: WebCatalog, graph_holder: subprocess.Popen[str]
) -> None:
    rid = web_catalog.ids["Kraak - Nightdrive.flac"]
    compatible, sets, page = await ask(
        web_catalog.settings, f"/api/recordings/{rid}/compatible", f"/api/recordings/{rid}/sets", f"/recordings/{rid}"
    )
    assert compatible.status_code == 200
    assert compatible.json()["state"] == "busy"
    assert "graph busy" in compatible.json()["reason"]
    assert sets.json()["state"] == "busy"
    assert page.status_code == 200
    assert "Nightdrive" in page.text


async def test_after_the_holder_exits_the_graph_answers_and_the_ui_holds_nothing(web_catalog: WebCatalog) -> None:
    rid = web_catalog.ids["Kraak - Nightdrive.flac"]
    (sets,) = await ask(web_catalog.settings, f"/api/recordings/{rid}/sets")
    assert sets.json()["state"] == "ok"
    # the UI closed the file after answering: another process can open it for writing right away
    probe = await asyncio.to_thread(hold_and_release, embedded_graph_path(web_catalog.settings))
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "holding"


async def test_no_graph_yet_is_said_and_nothing_is_created(web_catalog: WebCatalog) -> None:
    empty = web_catalog.root / f"empty-{uuid.uuid4().hex}"
    settings = Settings(data_dir=empty, database_url=web_catalog.database_url)
    rid = web_catalog.ids["Vela - Oxide.flac"]
    (compatible,) = await ask(settings, f"/api/recordings/{rid}/compatible")
    assert compatible.json()["state"] == "no_graph"
    assert not settings.data_dir.exists()
