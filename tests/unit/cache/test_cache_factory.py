"""Choosing the cache from the settings, RedisCache's URL handling (no server needed), and the package's exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

import tracktion_shared.cache
from tracktion_shared.cache import CACHE_FILE_NAME, RedisCache, SQLiteCache, create_cache
from tracktion_shared.config import Settings
from tracktion_shared.errors import ConfigError


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(**{"data_dir": tmp_path, "redis_url": None, **values})  # type: ignore[arg-type]


async def test_without_a_redis_url_the_cache_is_a_file_in_the_data_directory(tmp_path: Path) -> None:
    cache = create_cache(settings(tmp_path), namespace="tracklist")
    assert isinstance(cache, SQLiteCache)
    assert cache.path == tmp_path / CACHE_FILE_NAME == tmp_path / "cache.sqlite3"
    assert cache.namespace == "tracklist"
    await cache.close()


async def test_an_empty_redis_url_counts_as_unset(tmp_path: Path) -> None:
    cache = create_cache(settings(tmp_path, redis_url=""))
    assert isinstance(cache, SQLiteCache)
    assert cache.namespace == "tracktion"
    await cache.close()


async def test_with_a_redis_url_redis_is_used_and_the_password_stays_hidden(tmp_path: Path) -> None:
    cache = create_cache(
        settings(tmp_path, redis_url=SecretStr("redis://:hunter2@cache.example:6380/3")), namespace="a"
    )
    assert isinstance(cache, RedisCache)
    assert cache.namespace == "a"
    assert cache.url == "redis://:***@cache.example:6380/3"
    assert "hunter2" not in repr(cache)
    await cache.close()  # never connected: nothing to do, nothing raised


@pytest.mark.parametrize(
    "url", ["redis://localhost", "rediss://user:pw@host:6380/0", "unix:///run/redis.sock?db=2", "REDIS://HOST/1"]
)
async def test_the_usual_redis_urls_are_accepted(url: str) -> None:
    await RedisCache(url).close()


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("http://user:hunter2@host/", "must start with"),
        ("localhost:6379", "must start with"),
        ("redis://user:hunter2@host/0?socket_timeout=soon", "invalid Redis URL"),
        ("redis://user:hunter2@host/0?decode_responses=true", "decode_responses"),
    ],
)
def test_unusable_urls_are_config_errors_that_hide_the_password(url: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as info:
        RedisCache(url)
    assert "hunter2" not in str(info.value)
    assert info.value.__cause__ is None


def test_bad_namespaces_are_refused() -> None:
    with pytest.raises(ValueError, match="namespace"):
        RedisCache("redis://localhost", namespace="a b")
    with pytest.raises(ValueError, match="namespace"):
        SQLiteCache("/tmp/x.sqlite3", namespace="a*")


def test_the_package_exports_exactly_its_public_api() -> None:
    assert sorted(tracktion_shared.cache.__all__) == [
        "CACHE_FILE_NAME",
        "Cache",
        "MemoryCache",
        "RedisCache",
        "SQLiteCache",
        "create_cache",
    ]
    for name in tracktion_shared.cache.__all__:
        assert getattr(tracktion_shared.cache, name) is not None
