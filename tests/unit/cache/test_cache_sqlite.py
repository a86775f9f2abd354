"""SQLiteCache's own promises: the file survives the process, and a bad file or a busy one is a miss, not a crash."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

import pytest

from tracktion_shared.cache import SQLiteCache
from tracktion_shared.cache.sqlite import PURGE_BATCH

LOGGER = "tracktion.cache"


def records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == level]


def rows(path: Path) -> list[tuple[str, float | None]]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT key, expires_at FROM cache").fetchall())


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def test_a_value_survives_closing_and_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "not" / "there" / "yet" / "cache.sqlite3"
    async with SQLiteCache(path) as first:
        await first.set("tracklist:https://example.org/set", b"<html>", ttl=3600)
        await first.set_json("analysis:abc", {"bpm": 124})
    assert path.is_file()
    async with SQLiteCache(path) as second:
        assert await second.get("tracklist:https://example.org/set") == b"<html>"
        assert await second.get_json("analysis:abc") == {"bpm": 124}
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_one_file_keeps_namespaces_apart(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    async with SQLiteCache(path, namespace="analysis") as a, SQLiteCache(path, namespace="tracklist") as b:
        await a.set("k", b"a")
        await b.set("k", b"b")
        assert (await a.get("k"), await b.get("k")) == (b"a", b"b")
    assert [key for key, _ in rows(path)] == ["analysis:k", "tracklist:k"]


async def test_a_garbage_file_makes_a_miss_only_cache_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "cache.sqlite3"
    garbage = b"this is not a database, " * 1000
    path.write_bytes(garbage)
    async with SQLiteCache(path) as cache:
        for _ in range(3):
            assert await cache.get("k") is None
            await cache.set("k", b"v")
            await cache.delete("k")
        assert await cache.purge_expired() == 0
        assert not cache.usable
    [warning] = records(caplog, logging.WARNING)
    assert str(path) in warning.getMessage()
    assert "not a database" in warning.getMessage()
    assert path.read_bytes() == garbage  # left alone for a person to look at


@pytest.mark.parametrize("where", ["path-is-a-directory", "parent-is-a-file"])
async def test_an_unusable_place_makes_a_miss_only_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    if where == "path-is-a-directory":
        path = tmp_path / "cache.sqlite3"
        path.mkdir()
    else:
        (tmp_path / "file").write_text("x")
        path = tmp_path / "file" / "cache.sqlite3"
    async with SQLiteCache(path) as cache:
        await cache.set("k", b"v")
        assert await cache.get("k") is None
    assert len(records(caplog, logging.WARNING)) == 1


async def test_a_file_locked_by_another_process_is_a_miss_until_it_is_released(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    path = tmp_path / "cache.sqlite3"
    async with SQLiteCache(path, busy_timeout=0.05) as cache:
        await cache.set("k", b"1")
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
            await cache.set("k", b"2")  # gives up after busy_timeout: a no-op, not an error
            await cache.set("k", b"3")
            assert await cache.get("k") == b"1"  # WAL: reading still works
            other.execute("ROLLBACK")
        finally:
            other.close()
        await cache.set("k", b"4")
        assert await cache.get("k") == b"4"
        assert cache.usable
    assert len(records(caplog, logging.WARNING)) == 1
    [info] = records(caplog, logging.INFO)
    assert "works again" in info.getMessage()


async def test_expired_rows_are_never_read_and_purged_by_later_writes(tmp_path: Path) -> None:
    path, clock = tmp_path / "cache.sqlite3", FakeClock()
    async with SQLiteCache(path, clock=clock, purge_interval=60) as cache:
        await cache.set("old", b"1", ttl=10)
        await cache.set("kept", b"2")
        clock.now += 10
        assert await cache.get("old") is None
        await cache.set("other", b"3")  # within the purge interval: nothing purged yet
        assert [key for key, _ in rows(path)] == ["tracktion:kept", "tracktion:old", "tracktion:other"]
        clock.now += 60
        await cache.set("trigger", b"4")
        assert [key for key, _ in rows(path)] == ["tracktion:kept", "tracktion:other", "tracktion:trigger"]


async def test_purge_expired_deletes_every_expired_row_at_once(tmp_path: Path) -> None:
    path, clock = tmp_path / "cache.sqlite3", FakeClock()
    async with SQLiteCache(path, clock=clock) as cache:
        await cache.set("first", b"")  # the first write purges (nothing yet) and schedules the next purge
        for i in range(PURGE_BATCH + 10):
            await cache.set(f"k{i}", b"x", ttl=1)
        clock.now += 1
        assert await cache.purge_expired() == PURGE_BATCH + 10
        assert await cache.purge_expired() == 0
    assert rows(path) == [("tracktion:first", None)]


async def test_expiry_is_wall_clock_time_so_the_next_process_agrees(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    async with SQLiteCache(path) as cache:
        before = time.time()
        await cache.set("k", b"v", ttl=100)
    [(_, expires_at)] = rows(path)
    assert expires_at is not None
    assert before + 100 <= expires_at <= time.time() + 100


def test_building_one_touches_nothing(tmp_path: Path) -> None:
    cache = SQLiteCache(tmp_path / "sub" / "cache.sqlite3")
    assert not (tmp_path / "sub").exists()
    assert repr(cache) == f"SQLiteCache({str(tmp_path / 'sub' / 'cache.sqlite3')!r}, namespace='tracktion')"
