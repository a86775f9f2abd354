"""The cache contract: every case runs on MemoryCache, SQLiteCache and RedisCache, and all must behave the same.

Time is real here (TTLs of 0.2 s), so the contract holds for the clocks the caches use in production; the unit tests
drive MemoryCache's LRU and expiry with a fake clock instead.
"""

from __future__ import annotations

import asyncio
import math
import os

import pytest
from cache_harness import CacheHarness

from tracktion_shared.cache import Cache, MemoryCache, RedisCache, SQLiteCache

SHORT_TTL = 0.2
PAST_SHORT_TTL = 0.35

ONE_MB = os.urandom(1024 * 1024)


async def test_a_missing_key_is_a_miss(cache: Cache) -> None:
    assert await cache.get("analysis:nothing-here") is None
    assert await cache.get_json("analysis:nothing-here") is None
    await cache.delete("analysis:nothing-here")  # deleting what is absent is fine


@pytest.mark.parametrize(
    "value",
    [b"x", b"", bytes(range(256)), b"\x00" * 10, ONE_MB],
    ids=["one-byte", "empty", "all-bytes", "nuls", "1MB"],
)
async def test_a_stored_value_comes_back_byte_for_byte(cache: Cache, value: bytes) -> None:
    await cache.set("analysis:k", value)
    got = await cache.get("analysis:k")
    assert got == value
    assert type(got) is bytes


async def test_set_overwrites_and_delete_forgets(cache: Cache) -> None:
    await cache.set("k", b"first")
    await cache.set("k", b"second")
    assert await cache.get("k") == b"second"
    await cache.delete("k")
    assert await cache.get("k") is None
    await cache.delete("k")
    await cache.set("k", b"third")  # a deleted key can be used again
    assert await cache.get("k") == b"third"


async def test_entries_expire_after_their_ttl_and_only_theirs(cache: Cache) -> None:
    await cache.set("short", b"1", ttl=SHORT_TTL)
    await cache.set("forever", b"2")
    await cache.set("long", b"3", ttl=60)
    assert await cache.get("short") == b"1"
    await asyncio.sleep(PAST_SHORT_TTL)
    assert await cache.get("short") is None
    assert await cache.get("forever") == b"2"
    assert await cache.get("long") == b"3"


async def test_overwriting_replaces_the_ttl_too(cache: Cache) -> None:
    await cache.set("was-short", b"1", ttl=SHORT_TTL)
    await cache.set("was-short", b"2")  # no TTL now: stays
    await cache.set("was-forever", b"3")
    await cache.set("was-forever", b"4", ttl=SHORT_TTL)  # now it expires
    await asyncio.sleep(PAST_SHORT_TTL)
    assert await cache.get("was-short") == b"2"
    assert await cache.get("was-forever") is None


@pytest.mark.parametrize("ttl", [0, -1.0, -math.inf])
async def test_a_ttl_of_zero_or_less_has_expired_already(cache: Cache, ttl: float) -> None:
    await cache.set("k", b"old")
    await cache.set("k", b"new", ttl=ttl)
    assert await cache.get("k") is None


async def test_a_tiny_or_infinite_ttl_is_accepted(cache: Cache) -> None:
    await cache.set("tiny", b"1", ttl=0.0001)  # Redis needs whole milliseconds: rounded up, not down to 0
    await cache.set("infinite", b"2", ttl=math.inf)
    await asyncio.sleep(0.01)
    assert await cache.get("tiny") is None
    assert await cache.get("infinite") == b"2"


async def test_a_nan_ttl_is_a_bug_in_the_caller(cache: Cache) -> None:
    with pytest.raises(ValueError, match="NaN"):
        await cache.set("k", b"1", ttl=math.nan)


async def test_json_round_trip(cache: Cache) -> None:
    document = {"artist": "Björk", "bpm": 128.5, "keys": ["8A", "9A"], "live": True, "label": None, "n": 3}
    await cache.set_json("tracklist:https://example.org/set?id=1", document, ttl=60)
    assert await cache.get_json("tracklist:https://example.org/set?id=1") == document
    await cache.set_json("list", [1, 2, 3])
    assert await cache.get_json("list") == [1, 2, 3]
    assert await cache.get("list") == b"[1,2,3]"  # compact JSON, readable with redis-cli


@pytest.mark.parametrize(
    "key",
    [
        "analysis:Björk/Jóga 🎧 東京",
        "with spaces and\ttabs",
        "http:https://user@example.org:8080/a:b?c=d#e",
        "*[glob]?chars*",
        "",
        "k" * 1024,
        "long:" + "é" * 5000,
    ],
    ids=["unicode", "spaces", "colons", "glob", "empty", "1KB", "10KB-utf8"],
)
async def test_any_key_works_and_keys_stay_distinct(cache: Cache, key: str) -> None:
    await cache.set(key, b"value")
    await cache.set(key + " ", b"other")
    assert await cache.get(key) == b"value"
    assert await cache.get(key + " ") == b"other"
    await cache.delete(key)
    assert await cache.get(key) is None
    assert await cache.get(key + " ") == b"other"


async def test_concurrent_calls_stay_consistent(cache: Cache) -> None:
    keys = [f"analysis:{i}" for i in range(200)]
    await asyncio.gather(*(cache.set(key, key.encode() * 10) for key in keys))
    values = await asyncio.gather(*(cache.get(key) for key in keys))
    assert values == [key.encode() * 10 for key in keys]

    # readers racing 200 writers of one key see either nothing or one complete value, and the last write wins
    written = [f"v{i}".encode() * 100 for i in range(200)]
    results = await asyncio.gather(
        *(cache.set("contended", w) for w in written), *(cache.get("contended") for _ in written)
    )
    assert all(r is None or r in written for r in results)
    assert await cache.get("contended") == written[-1]

    await asyncio.gather(*(cache.delete(key) for key in keys))
    assert await asyncio.gather(*(cache.get(key) for key in keys)) == [None] * len(keys)


async def test_namespaces_do_not_see_each_other(cache_factory: CacheHarness) -> None:
    ours, theirs = cache_factory(), cache_factory(namespace=f"{cache_factory.namespace}_other")
    await ours.set("k", b"ours")
    await theirs.set("k", b"theirs")
    assert await ours.get("k") == b"ours"
    assert await theirs.get("k") == b"theirs"
    await theirs.delete("k")
    assert await ours.get("k") == b"ours"


async def test_a_new_instance_sees_what_an_earlier_one_stored(cache_factory: CacheHarness) -> None:
    if not cache_factory.persistent:
        pytest.skip("an in-process cache lives and dies with its instance")
    first = cache_factory()
    await first.set("kept", b"1")
    await first.set("expiring", b"2", ttl=SHORT_TTL)
    await first.close()
    await asyncio.sleep(PAST_SHORT_TTL)
    second = cache_factory()
    assert await second.get("kept") == b"1"
    assert await second.get("expiring") is None


async def test_close_twice_and_use_after_close_are_harmless(cache_factory: CacheHarness) -> None:
    async with cache_factory() as cache:
        await cache.set("k", b"1")
        assert await cache.get("k") == b"1"
    await cache.close()  # a second time
    assert await cache.get("k") is None  # closed: a miss, never an error
    await cache.set("k", b"2")
    await cache.delete("k")


async def test_every_kind_is_a_cache(cache: Cache) -> None:
    assert isinstance(cache, MemoryCache | SQLiteCache | RedisCache)
    assert isinstance(cache, Cache)
