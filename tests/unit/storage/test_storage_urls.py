"""The URL a user types must reach the right driver, and a URL tracktion cannot use must say why at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import URL, text

from tracktion_shared.config import Settings
from tracktion_shared.errors import ConfigError
from tracktion_shared.storage import Database, async_url, backend_of, sync_url


def rendered(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest.mark.parametrize(
    ("given_url", "expected"),
    [
        ("postgresql://dj:pw@db:5432/music", "postgresql+psycopg://dj:pw@db:5432/music"),
        ("postgres://dj:pw@db/music", "postgresql+psycopg://dj:pw@db/music"),
        ("postgresql+psycopg://dj@db/music?sslmode=require", "postgresql+psycopg://dj@db/music?sslmode=require"),
        ("sqlite:///relative/tracktion.db", "sqlite+aiosqlite:///relative/tracktion.db"),
        ("sqlite:////abs/tracktion.db", "sqlite+aiosqlite:////abs/tracktion.db"),
        ("sqlite+aiosqlite:////abs/tracktion.db", "sqlite+aiosqlite:////abs/tracktion.db"),
    ],
)
def test_async_url_picks_the_asyncio_driver(given_url: str, expected: str) -> None:
    assert rendered(async_url(given_url)) == expected


@pytest.mark.parametrize(
    ("given_url", "expected"),
    [
        ("postgres://dj:pw@db/music", "postgresql+psycopg://dj:pw@db/music"),
        ("postgresql+psycopg://dj:pw@db/music", "postgresql+psycopg://dj:pw@db/music"),
        ("sqlite:////abs/tracktion.db", "sqlite+pysqlite:////abs/tracktion.db"),
        ("sqlite+aiosqlite:////abs/tracktion.db", "sqlite+pysqlite:////abs/tracktion.db"),
    ],
)
def test_sync_url_picks_a_blocking_driver(given_url: str, expected: str) -> None:
    assert rendered(sync_url(given_url)) == expected


@pytest.mark.parametrize(
    ("given_url", "backend"),
    [("postgres://h/db", "postgresql"), ("postgresql://h/db", "postgresql"), ("sqlite:///x.db", "sqlite")],
)
def test_backend_of(given_url: str, backend: str) -> None:
    assert backend_of(given_url) == backend


@pytest.mark.parametrize(
    "given_url",
    [
        "mysql://dj:hunter2@db/music",
        "postgresql+asyncpg://dj:hunter2@db/music",
        "oracle://dj:hunter2@db/music",
        "http://dj:hunter2@example.com/",
    ],
)
def test_unknown_scheme_is_a_config_error_that_names_it_without_the_password(given_url: str) -> None:
    with pytest.raises(ConfigError, match="unsupported database URL scheme") as caught:
        async_url(given_url)
    assert given_url.split("://", maxsplit=1)[0] in str(caught.value)
    assert "postgresql://" in str(caught.value)  # says what would work
    assert "hunter2" not in str(caught.value)


def test_text_that_is_no_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a database URL"):
        async_url("just some words")


@pytest.mark.parametrize("given_url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_sqlite_is_refused(given_url: str) -> None:
    with pytest.raises(ConfigError, match="in-memory"):
        async_url(given_url)


@given(
    user=st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
    password=st.text(min_size=1, max_size=20),
    host=st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    port=st.integers(min_value=1, max_value=65535),
    database=st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True),
    scheme=st.sampled_from(["postgresql", "postgres", "postgresql+psycopg"]),
)
def test_translation_changes_nothing_but_the_driver(
    user: str, password: str, host: str, port: int, database: str, scheme: str
) -> None:
    original = URL.create(scheme, username=user, password=password, host=host, port=port, database=database)
    translated = async_url(rendered(original))
    assert translated.drivername == "postgresql+psycopg"
    assert translated.set(drivername=scheme) == original


async def test_the_default_sqlite_file_gets_its_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "not" / "yet" / "there", database_url=None)
    async with Database(settings.database_url_value()) as db, db.transaction() as uow:
        assert (await uow.session.execute(text("SELECT 1"))).scalar_one() == 1
    assert (tmp_path / "not" / "yet" / "there" / "tracktion.db").is_file()
