"""MemoryCache's own promises: LRU order, the entry and byte bounds, and expiry, driven by a fake clock."""

from __future__ import annotations

import pytest

from tracktion_shared.cache import MemoryCache
from tracktion_shared.cache.memory import SWEEP_INTERVAL


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def contents(cache: MemoryCache, *keys: str) -> dict[str, bytes | None]:
    return {key: await cache.get(key) for key in keys}


async def test_the_least_recently_used_entry_goes_first(clock: FakeClock) -> None:
    cache = MemoryCache(max_entries=3, clock=clock)
    for key in "abc":
        await cache.set(key, key.encode())
    assert await cache.get("a") == b"a"  # a is now the most recent: b is the oldest
    await cache.set("d", b"d")
    assert await contents(cache, "a", "b", "c", "d") == {"a": b"a", "b": None, "c": b"c", "d": b"d"}
    await cache.set("c", b"C")  # writing counts as use too: a is the oldest now
    await cache.set("e", b"e")
    assert await contents(cache, "a", "c", "d", "e") == {"a": None, "c": b"C", "d": b"d", "e": b"e"}
    assert len(cache) == 3


async def test_the_byte_bound_evicts_as_many_old_entries_as_needed(clock: FakeClock) -> None:
    cache = MemoryCache(max_bytes=100, clock=clock)
    await cache.set("a", b"x" * 39)  # 40 bytes with its key
    await cache.set("b", b"x" * 39)
    assert cache.size_bytes == 80
    await cache.set("c", b"x" * 79)  # 80 more: a and b both have to go
    assert await contents(cache, "a", "b", "c") == {"a": None, "b": None, "c": b"x" * 79}
    assert cache.size_bytes == 80
    await cache.set("c", b"small")  # an overwrite is counted once, at its new size
    assert cache.size_bytes == 6
    await cache.delete("c")
    assert cache.size_bytes == 0
    assert len(cache) == 0


async def test_a_value_bigger_than_the_whole_cache_is_not_stored_and_evicts_nothing(clock: FakeClock) -> None:
    cache = MemoryCache(max_bytes=100, clock=clock)
    await cache.set("small", b"1")
    await cache.set("huge", b"x" * 100)
    assert await contents(cache, "small", "huge") == {"small": b"1", "huge": None}
    await cache.set("small", b"x" * 200)  # replacing with an oversized value forgets the old one: never stale
    assert await cache.get("small") is None
    assert cache.size_bytes == 0


async def test_key_length_counts_towards_the_byte_bound(clock: FakeClock) -> None:
    cache = MemoryCache(max_bytes=1000, clock=clock)
    await cache.set("k" * 600, b"")
    await cache.set("j" * 600, b"")
    assert len(cache) == 1


async def test_entries_expire_on_the_clock(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    await cache.set("short", b"1", ttl=10)
    await cache.set("forever", b"2")
    clock.now += 9.999
    assert await cache.get("short") == b"1"
    clock.now += 0.001
    assert await cache.get("short") is None
    assert len(cache) == 1  # dropped when found expired
    clock.now += 10**9
    assert await cache.get("forever") == b"2"


async def test_expired_entries_are_swept_even_if_never_read_again(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    for i in range(100):
        await cache.set(f"k{i}", b"x" * 10, ttl=1)
    await cache.set("kept", b"y")
    clock.now += SWEEP_INTERVAL
    await cache.set("trigger", b"z")
    assert len(cache) == 2
    assert cache.size_bytes == len("kept") + 1 + len("trigger") + 1


async def test_close_empties_it(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    await cache.set("k", b"v")
    await cache.close()
    assert len(cache) == 0
    assert cache.size_bytes == 0
    assert "entries=0" in repr(cache)


@pytest.mark.parametrize(("max_entries", "max_bytes"), [(0, 100), (100, 0)])
def test_bounds_must_be_positive(max_entries: int, max_bytes: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        MemoryCache(max_entries, max_bytes)


async def test_a_bytearray_is_copied_so_later_changes_do_not_leak_in() -> None:
    cache = MemoryCache()
    buffer = bytearray(b"abc")
    await cache.set("k", buffer)  # type: ignore[arg-type]
    buffer[0] = ord("X")
    assert await cache.get("k") == b"abc"


async def test_an_entry_that_is_not_json_is_a_miss_and_is_dropped() -> None:
    cache = MemoryCache()
    await cache.set("k", b"\xffnot json")
    assert await cache.get_json("k") is None
    assert await cache.get("k") is None
