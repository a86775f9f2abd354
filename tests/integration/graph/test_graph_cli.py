"""``tracktion graph sets-with|next-after|compatible`` via typer's CliRunner, on an embedded graph the test fills,
also while another process writes it."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import pytest
from graph_writer import ANCHOR, check_anchor_sets, live_writer
from typer.testing import CliRunner

from tracktion.cli import app
from tracktion_shared.config import Settings
from tracktion_shared.graph import LadybugGraph, embedded_graph_path
from tracktion_shared.messages import TracklistTrack

runner = CliRunner()
A, B, C = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)


def _rows(*names: str) -> list[TracklistTrack]:
    pairs = [name.split(" - ") for name in names]
    return [
        TracklistTrack(position=i, artist=artist, title=title, start_seconds=90.0 * i)
        for i, (artist, title) in enumerate(pairs, 1)
    ]


async def _fill(path: str, music: Path) -> None:
    async with LadybugGraph(path) as graph:
        await graph.upsert_recording(A, str(music / "a.mp3"), {"bpm": "128", "camelot": "8A"})
        await graph.upsert_recording(B, str(music / "b.mp3"), {"bpm": "129", "camelot": "9A"})
        await graph.upsert_recording(C, str(music / "c.mp3"), {"bpm": "140", "camelot": "8A"})
        await graph.upsert_tracklist(A, "1001tracklists", _rows("X - One", "Y - Two", "Z - Three"), title="Set A")
        await graph.upsert_tracklist(B, "manual", _rows("Y - Two", "Z - Three", "W - Four"), title="Set B")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    data = tmp_path / "data"
    music = tmp_path / "music"
    asyncio.run(_fill(embedded_graph_path(Settings(data_dir=data)), music))
    return {"TRACKTION_DATA_DIR": str(data), "TRACKTION_NEO4J_URL": "", "MUSIC": str(music)}


def test_sets_with_json(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["graph", "sets-with", "z three", "--json"], env=env)
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert [(h["recording_id"], h["position"], h["start_time"]) for h in hits] == [
        (str(A), 3, 270.0),
        (str(B), 2, 180.0),
    ]
    assert hits[0]["tracklist_title"] == "Set A"


def test_sets_with_table(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["graph", "sets-with", "Y - Two"], env=env)
    assert result.exit_code == 0, result.output
    assert "Set A" in result.stdout
    assert "Set B" in result.stdout
    assert "1:30" in result.stdout


def test_next_after(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["graph", "next-after", "two", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"artist": "Z", "title": "Three", "key": "z - three", "plays": 2}]
    table = runner.invoke(app, ["graph", "next-after", "three"], env=env)
    assert table.exit_code == 0, table.output
    assert "W - Four" in table.stdout


def test_compatible_by_id_and_by_path(env: dict[str, str]) -> None:
    by_id = runner.invoke(app, ["graph", "compatible", str(A), "--json"], env=env)
    assert by_id.exit_code == 0, by_id.output
    assert [(c["recording_id"], c["relation"]) for c in json.loads(by_id.stdout)] == [(str(B), "adjacent")]
    by_path = runner.invoke(app, ["graph", "compatible", str(Path(env["MUSIC"]) / "a.mp3"), "--json"], env=env)
    assert by_path.exit_code == 0, by_path.output
    assert json.loads(by_path.stdout) == json.loads(by_id.stdout)
    wider = runner.invoke(app, ["graph", "compatible", str(A), "--bpm-tolerance", "0.1", "--json"], env=env)
    assert wider.exit_code == 0, wider.output
    assert [c["recording_id"] for c in json.loads(wider.stdout)] == [str(C), str(B)]  # same key ranks first
    table = runner.invoke(app, ["graph", "compatible", str(A)], env=env)
    assert table.exit_code == 0, table.output
    assert "adjacent" in table.stdout


def test_no_match_is_empty_not_an_error(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["graph", "sets-with", "nothing at all", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    table = runner.invoke(app, ["graph", "next-after", "nothing at all"], env=env)
    assert table.exit_code == 0
    assert "no match" in table.stderr


def test_unknown_recording_is_one_line_and_status_2(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["graph", "compatible", "/nowhere.mp3"], env=env)
    assert result.exit_code == 2
    assert "no recording" in result.stderr
    unanalysed = runner.invoke(app, ["graph", "compatible", str(uuid.uuid4())], env=env)
    assert unanalysed.exit_code == 2
    assert "no known BPM" in unanalysed.stderr


def test_sets_with_answers_while_another_process_writes_the_graph(env: dict[str, str]) -> None:
    """As beside a running ``tracktion watch``: every answer comes within a few seconds, and is consistent."""
    counts = []
    with live_writer(embedded_graph_path(Settings(data_dir=Path(env["TRACKTION_DATA_DIR"]))), seconds=5):
        for question in range(3):
            if question:
                time.sleep(1.0)  # back to back, all three may fit in one pause between the writer's turns
            started = time.monotonic()
            result = runner.invoke(app, ["graph", "sets-with", ANCHOR, "--json", "--limit", "1000"], env=env)
            assert time.monotonic() - started < 5
            assert result.exit_code == 0, result.output
            counts.append(check_anchor_sets(json.loads(result.stdout)))
        earlier = runner.invoke(app, ["graph", "sets-with", "z three", "--json"], env=env)
        assert earlier.exit_code == 0, earlier.output
        assert [h["recording_id"] for h in json.loads(earlier.stdout)] == [str(A), str(B)]
    assert counts == sorted(counts)
    assert counts[0] < counts[-1]


def test_no_graph_yet_is_one_line_and_nothing_is_created(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"TRACKTION_DATA_DIR": str(data), "TRACKTION_NEO4J_URL": ""}
    result = runner.invoke(app, ["graph", "sets-with", "anything"], env=env)
    assert result.exit_code == 2
    assert "no graph yet" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not data.exists()
