"""The graph's states as the UI reports them beside other processes: a running writer, a stuck one, no graph yet.

A real second process writes the embedded LadybugDB file without a pause, as ``tracktion watch`` does; the UI must
answer beside it ("ok", consistent data). Only a process that keeps the graph's lock past the UI's timeout makes it
say "graph busy", and the UI never holds the file after answering. A file that does not exist yet is "no graph".
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from graph_writer import ANCHOR, check_anchor_sets, live_writer
from web_catalog import WebCatalog

from tracktion_shared.config import Settings
from tracktion_shared.graph import LadybugGraph, embedded_graph_path
from tracktion_shared.graph.embedded import lock_path, turnstile_path
from tracktion_web import UiSettings, create_app

HOLD = """
import sys, time, ladybug
db = ladybug.Database(sys.argv[1])
conn = ladybug.Connection(db)
print("holding", flush=True)
sys.stdin.read()
"""
# a writer that took the graph's lock and never lets go (stuck)
HOLD_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def lock_holder(web_catalog: WebCatalog) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock_path(embedded_graph_path(web_catalog.settings)))],
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


def free(path: Path) -> bool:
    """Whether ``path`` (a lock file) could be locked exclusively right now."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        return True
    finally:
        os.close(fd)


async def ask(settings: Settings, *paths: str, graph_timeout: float = 20) -> list[httpx.Response]:
    app = create_app(settings, UiSettings(token=None, graph_timeout=graph_timeout))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return [await client.get(path) for path in paths]
    finally:
        await app.state.tracktion.close()


async def test_the_ui_answers_while_another_process_writes_the_graph(web_catalog: WebCatalog) -> None:
    rid = web_catalog.ids["Kraak - Nightdrive.flac"]
    counts = []
    with live_writer(embedded_graph_path(web_catalog.settings), seconds=5):
        for _ in range(3):
            started = time.monotonic()
            anchor, sets, compatible = await ask(
                web_catalog.settings,
                f"/api/graph/sets-with?track={quote(ANCHOR)}&limit=100",
                f"/api/recordings/{rid}/sets",
                f"/api/recordings/{rid}/compatible",
            )
            assert time.monotonic() - started < 10
            assert [anchor.json()["state"], sets.json()["state"], compatible.json()["state"]] == ["ok"] * 3
            assert [item["tracklist_title"] for item in sets.json()["items"]] == ["Breakline live at Fabric"]
            assert compatible.json()["items"], "the library's own tracks mix into Nightdrive"
            counts.append(check_anchor_sets(anchor.json()["items"]))
    assert counts == sorted(counts)  # (the API answers at most 100: the first 100 sets, once there are that many)


async def test_a_graph_kept_locked_past_the_timeout_is_busy_not_an_error(
    web_catalog: WebCatalog, lock_holder: subprocess.Popen[str]
) -> None:
    rid = web_catalog.ids["Kraak - Nightdrive.flac"]
    compatible, sets, page = await ask(
        web_catalog.settings,
        f"/api/recordings/{rid}/compatible",
        f"/api/recordings/{rid}/sets",
        f"/recordings/{rid}",
        graph_timeout=0.5,
    )
    assert compatible.status_code == 200
    assert compatible.json()["state"] == "busy"
    assert "graph busy" in compatible.json()["reason"]
    assert sets.json()["state"] == "busy"
    assert page.status_code == 200
    assert "Nightdrive" in page.text


async def test_after_answering_the_ui_holds_nothing(web_catalog: WebCatalog) -> None:
    rid = web_catalog.ids["Kraak - Nightdrive.flac"]
    (sets,) = await ask(web_catalog.settings, f"/api/recordings/{rid}/sets")
    assert sets.json()["state"] == "ok"
    path = embedded_graph_path(web_catalog.settings)
    assert free(lock_path(path))
    assert free(turnstile_path(path))
    # the database is closed too: another process can open it for writing right away
    probe = await asyncio.to_thread(hold_and_release, path)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "holding"


async def test_no_graph_yet_is_said_and_nothing_is_created(web_catalog: WebCatalog) -> None:
    empty = web_catalog.root / f"empty-{uuid.uuid4().hex}"
    settings = Settings(data_dir=empty, database_url=web_catalog.database_url)
    rid = web_catalog.ids["Vela - Oxide.flac"]
    (compatible,) = await ask(settings, f"/api/recordings/{rid}/compatible")
    assert compatible.json()["state"] == "no_graph"
    assert not settings.data_dir.exists()


async def test_a_recording_the_graph_has_no_tempo_for_is_not_analysed(web_catalog: WebCatalog) -> None:
    settings = Settings(data_dir=web_catalog.root / f"other-{uuid.uuid4().hex}", database_url=web_catalog.database_url)
    async with LadybugGraph(embedded_graph_path(settings)) as graph:
        await graph.upsert_recording(uuid.uuid4(), "/elsewhere.flac", {"bpm": "120", "camelot": "8A"})
    rid = web_catalog.ids["Vela - Oxide.flac"]
    (compatible,) = await ask(settings, f"/api/recordings/{rid}/compatible")
    assert compatible.json()["state"] == "not_analysed", compatible.json()
    assert "no known BPM" in compatible.json()["reason"]
