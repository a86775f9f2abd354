"""Settings come from TRACKTION_* variables only, default to the embedded stand-ins, and never print secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tracktion_shared.config import Settings, default_data_dir, redact_url


def test_defaults_select_embedded_stand_ins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("DATABASE_URL", "AMQP_URL", "REDIS_URL", "NEO4J_URL", "DATA_DIR"):
        monkeypatch.delenv(f"TRACKTION_{var}", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings = Settings()
    assert settings.amqp_url is None
    assert settings.redis_url is None
    assert settings.neo4j_url is None
    assert settings.data_dir == tmp_path / "tracktion"
    assert settings.database_url_value() == f"sqlite:///{tmp_path / 'tracktion' / 'tracktion.db'}"


def test_data_dir_falls_back_to_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert default_data_dir() == Path.home() / ".local" / "share" / "tracktion"


def test_urls_from_environment_are_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKTION_DATABASE_URL", "postgresql://dj:hunter2@db:5432/music")
    monkeypatch.setenv("TRACKTION_AMQP_URL", "amqp://guest:s3cret@mq:5672/")
    settings = Settings()
    assert settings.database_url_value() == "postgresql://dj:hunter2@db:5432/music"
    assert Settings.secret(settings.amqp_url) == "amqp://guest:s3cret@mq:5672/"
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    assert "hunter2" not in shown
    assert "s3cret" not in shown


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKTION_BUS_MAX_RETRIES", "-1")
    with pytest.raises(ValidationError, match="bus_max_retries"):
        Settings()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://u:pw@h/db", "postgresql://u:***@h/db"),
        (
            "see amqp://guest:guest@127.0.0.1:5672/ and redis://:pw@r:6379/0",
            "see amqp://guest:***@127.0.0.1:5672/ and redis://:***@r:6379/0",
        ),
        ("redis://r:6379/0", "redis://r:6379/0"),
        ("/music/Artist - Title.mp3", "/music/Artist - Title.mp3"),
    ],
)
def test_redact_url(text: str, expected: str) -> None:
    assert redact_url(text) == expected
