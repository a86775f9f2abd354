"""What only the embedded backend has: one LadybugDB file that processes take turns on, arbitrated by its lock file.

The writer keeps the file while calls keep coming and lets go when idle or after a bounded time; readers share it
between the writer's turns. Every process here is real (a second Python process writes or holds the lock), and every
graph is a real LadybugDB file.
"""

from __future__ import annotations

import asyncio
import fcntl
import gc
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import ladybug
import pytest
from graph_writer import ANCHOR, check_anchor_sets, live_writer

from tracktion_shared.errors import PermanentError, TemporaryError
from tracktion_shared.graph import LadybugGraph
from tracktion_shared.graph.embedded import GraphBusy, GraphMissing, GraphOutdated, lock_path

HOLD = "import sys, ladybug; db = ladybug.Database(sys.argv[1]); print('ready', flush=True); sys.stdin.readline()"
HOLD_LOCK = (
    "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX); "
    "print('ready', flush=True); sys.stdin.readline()"
)


def _holder(script: str, path: Path) -> Iterator[tuple[Path, Callable[[], None]]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )

    def release() -> None:
        if holder.poll() is None:
            holder.communicate("\n", timeout=10)

    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        yield path, release
    finally:
        release()


@pytest.fixture
def graph_path(tmp_path: Path) -> Path:
    return tmp_path / "graph" / "tracktion.lbug"


@pytest.fixture
def held(graph_path: Path) -> Iterator[tuple[Path, Callable[[], None]]]:
    """A graph file another process opened without the lock (an older tracktion), and how to let it go."""
    graph_path.parent.mkdir()
    yield from _holder(HOLD, graph_path)


@pytest.fixture
def lock_held(graph_path: Path) -> Iterator[tuple[Path, Callable[[], None]]]:
    """A graph whose lock another process holds exclusively and does not let go (a stuck writer)."""
    graph_path.parent.mkdir()
    yield from _holder(HOLD_LOCK, lock_path(graph_path))


def lock_is_free(path: Path, mode: int = fcntl.LOCK_EX) -> bool:
    """Whether the graph's lock could be taken in ``mode`` now (a descriptor of our own, so a lock of this
    process's graphs counts too)."""
    fd = os.open(lock_path(path), os.O_RDONLY)
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


async def fill(path: Path) -> uuid.UUID:
    rid = uuid.uuid4()
    async with LadybugGraph(path) as graph:
        await graph.upsert_recording(rid, "/a.mp3", {"bpm": "128", "camelot": "8A"})
    return rid


async def timed(call: Awaitable[object]) -> float:
    """Seconds ``call`` took."""
    started = time.monotonic()
    await call
    return time.monotonic() - started


async def test_a_file_held_by_another_process_is_a_temporary_error(held: tuple[Path, Callable[[], None]]) -> None:
    path, release = held
    graph = LadybugGraph(path)
    try:
        with pytest.raises(TemporaryError, match="lock"):
            await graph.sets_with("anything")
        release()
        # once the other process is gone, the same instance opens the file (the consumer's retry succeeds)
        rid = uuid.uuid4()
        await graph.upsert_recording(rid, "/a.mp3", {})
        assert await graph.recording_for_path("/a.mp3") == rid
    finally:
        await graph.close()


async def test_readers_answer_while_another_process_writes_without_pause(graph_path: Path) -> None:
    with live_writer(graph_path, seconds=5) as writer:
        seen = []
        for question in range(3):
            if question:
                # questions one right after another may all fit in one pause between the writer's turns; a second
                # between them lets the writer take a turn, which the answers must then show
                await asyncio.sleep(1.0)
            started = time.monotonic()
            async with LadybugGraph(graph_path, read_only=True) as reader:
                hits = await reader.sets_with(ANCHOR, limit=100_000)
            assert time.monotonic() - started < 4, "a reader waits at most one of the writer's turns"
            seen.append(check_anchor_sets([hit.to_dict() for hit in hits]))
    assert seen == sorted(seen), seen
    assert seen[0] < seen[-1] <= writer.sets, (seen, writer.sets)  # the writer kept writing between the answers
    assert writer.slowest < 3, "the readers' turns held the writer up for long"


async def test_several_readers_read_at_once_beside_a_writer(graph_path: Path) -> None:
    with live_writer(graph_path, seconds=3):
        readers = [LadybugGraph(graph_path, read_only=True) for _ in range(3)]
        try:
            started = time.monotonic()
            answers = await asyncio.gather(*(reader.sets_with(ANCHOR, limit=100_000) for reader in readers))
            assert time.monotonic() - started < 4
        finally:
            for reader in readers:
                await reader.close()
    assert min(check_anchor_sets([hit.to_dict() for hit in hits]) for hits in answers) >= 1


async def test_readers_share_the_file(graph_path: Path) -> None:
    rid = await fill(graph_path)
    first = LadybugGraph(graph_path, read_only=True, idle_release=30)
    second = LadybugGraph(graph_path, read_only=True, lock_timeout=1)  # would be GraphBusy if it had to wait
    try:
        assert await first.recording_for_path("/a.mp3") == rid  # the first keeps the file now
        assert not lock_is_free(graph_path, fcntl.LOCK_EX)
        assert await timed(second.recording_for_path("/a.mp3")) < 1
        assert lock_is_free(graph_path, fcntl.LOCK_SH)
    finally:
        await first.close()
        await second.close()


async def test_the_writer_lets_go_of_the_file_when_idle(graph_path: Path) -> None:
    writer = LadybugGraph(graph_path)
    try:
        rid = uuid.uuid4()
        await writer.upsert_recording(rid, "/a.mp3", {"bpm": "128", "camelot": "8A"})
        assert not lock_is_free(graph_path), "the writer keeps the file while calls may follow"
        await asyncio.sleep(writer.idle_release + 0.3)  # no call comes: the timer alone lets go
        assert lock_is_free(graph_path)
        async with LadybugGraph(graph_path, read_only=True) as reader:
            assert await timed(reader.recording_for_path("/a.mp3")) < 1
            assert await reader.recording_for_path("/a.mp3") == rid  # every write is there: closing checkpointed
        await writer.upsert_recording(rid, "/b.mp3", {})  # the writer takes the file again
        assert await writer.recording_for_path("/b.mp3") == rid
    finally:
        await writer.close()
    assert lock_is_free(graph_path)


async def test_no_release_fires_after_close(graph_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    writer = LadybugGraph(graph_path, idle_release=0.05)
    await writer.upsert_recording(uuid.uuid4(), "/a.mp3", {})
    await writer.close()
    assert lock_is_free(graph_path)
    # another writer takes the file; the first one's timer must not touch anything of it
    other = LadybugGraph(graph_path, idle_release=30)
    try:
        await other.upsert_recording(uuid.uuid4(), "/b.mp3", {})
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            await asyncio.sleep(0.3)
            gc.collect()  # a task that failed unseen would be reported now
        assert not lock_is_free(graph_path)
        assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    finally:
        await other.close()


async def test_a_reader_does_not_keep_the_writer_waiting(graph_path: Path) -> None:
    await fill(graph_path)
    reader = LadybugGraph(graph_path, read_only=True)
    writer = LadybugGraph(graph_path)
    stop = asyncio.Event()

    async def keep_reading() -> int:
        asked = 0
        while not stop.is_set():
            await reader.sets_with("anything")
            asked += 1
        return asked

    try:
        await reader.sets_with("anything")  # the reader holds the file now, and lets go when idle
        assert await timed(writer.upsert_recording(uuid.uuid4(), "/w.mp3", {})) < reader.idle_release + 1
        await asyncio.sleep(writer.idle_release + 0.3)  # and so does the writer

        # a reader asking without a pause still gives the writer its turn within its bounded hold
        reading = asyncio.create_task(keep_reading())
        await asyncio.sleep(0.3)
        assert not lock_is_free(graph_path)
        assert await timed(writer.upsert_recording(uuid.uuid4(), "/x.mp3", {})) < reader.max_hold + 1
        stop.set()
        assert await reading > 0
    finally:
        stop.set()
        await reader.close()
        await writer.close()


async def test_a_missing_graph_is_no_graph_yet_and_the_reader_creates_nothing(graph_path: Path) -> None:
    async with LadybugGraph(graph_path, read_only=True) as reader:
        with pytest.raises(GraphMissing, match="no graph yet"):
            await reader.sets_with("anything")
    assert not graph_path.parent.exists()
    graph_path.parent.mkdir()
    async with LadybugGraph(graph_path, read_only=True) as reader:
        with pytest.raises(GraphMissing):
            await reader.compatible(uuid.uuid4())
    assert list(graph_path.parent.iterdir()) == []


async def test_an_older_schema_is_a_clear_error_and_the_reader_changes_nothing(graph_path: Path) -> None:
    graph_path.parent.mkdir()
    ladybug.Database(str(graph_path)).close()  # an empty database: schema version 0
    async with LadybugGraph(graph_path, read_only=True) as reader:
        with pytest.raises(GraphOutdated, match=r"schema version 0.*tracktion scan"):
            await reader.sets_with("anything")
    db = ladybug.Database(str(graph_path), read_only=True)
    try:
        conn = ladybug.Connection(db)
        result = conn.execute("CALL show_tables() RETURN name")
        assert not isinstance(result, list)
        assert not result.has_next(), "the reader must not have run schema steps"
        conn.close()
    finally:
        db.close()


async def test_a_reader_does_not_write(graph_path: Path) -> None:
    await fill(graph_path)
    async with LadybugGraph(graph_path, read_only=True) as reader:
        with pytest.raises(PermanentError, match="only answers questions"):
            await reader.upsert_recording(uuid.uuid4(), "/x.mp3", {})
        assert await reader.recording_for_path("/a.mp3") is not None


async def test_a_lock_kept_too_long_is_graph_busy_then_the_same_graph_recovers(
    lock_held: tuple[Path, Callable[[], None]], graph_path: Path
) -> None:
    _, release = lock_held
    writer = LadybugGraph(graph_path, lock_timeout=0.3)
    reader = LadybugGraph(graph_path, read_only=True, lock_timeout=0.3)
    try:
        with pytest.raises(GraphBusy, match="busy") as busy:
            await writer.upsert_recording(uuid.uuid4(), "/a.mp3", {})
        assert isinstance(busy.value, TemporaryError)  # the bus retries the write later
        assert not await asyncio.to_thread(graph_path.exists)
        release()
        rid = uuid.uuid4()
        await writer.upsert_recording(rid, "/a.mp3", {})
        await writer.close()
        assert await reader.recording_for_path("/a.mp3") == rid
    finally:
        await writer.close()
        await reader.close()


async def test_closing_ends_a_wait_for_the_lock(lock_held: tuple[Path, Callable[[], None]], graph_path: Path) -> None:
    await asyncio.to_thread(graph_path.touch)  # (a reader waits only for a file that exists)
    reader = LadybugGraph(graph_path, read_only=True, lock_timeout=60)
    asking = asyncio.create_task(reader.sets_with("anything"))
    await asyncio.sleep(0.2)
    assert not asking.done()
    assert await timed(reader.close()) < 1
    with pytest.raises(GraphBusy, match="closed"):
        await asking
