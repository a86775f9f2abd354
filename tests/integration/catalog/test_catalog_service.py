"""The standalone service: refuses a database that is not migrated, and otherwise runs until cancelled."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from pydantic import SecretStr

from tracktion_catalog import SchemaNotCurrent, require_current_schema
from tracktion_catalog.service import main
from tracktion_shared.config import Settings
from tracktion_shared.storage import Database, downgrade, head_revision


async def test_the_service_refuses_a_database_that_is_not_at_head(database_url: str, database: Database) -> None:
    await downgrade(database_url, "0003")
    with pytest.raises(SchemaNotCurrent, match=f"at schema revision 0003, this build needs {head_revision()}"):
        await main(Settings(database_url=SecretStr(database_url)))


async def test_an_empty_database_names_the_command_to_run(tmp_path: Path) -> None:
    with pytest.raises(SchemaNotCurrent, match=r"revision none.*tracktion db upgrade"):
        await require_current_schema(f"sqlite:///{tmp_path / 'empty.db'}")


async def test_the_service_runs_until_cancelled(database_url: str, database: Database, tmp_path: Path) -> None:
    settings = Settings(database_url=SecretStr(database_url), data_dir=tmp_path)
    service = asyncio.create_task(main(settings))
    await asyncio.sleep(0.3)
    assert not service.done(), service.exception() if service.done() else None
    service.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(service, 10)
    assert service.cancelled()
