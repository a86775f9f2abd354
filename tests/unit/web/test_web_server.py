"""Starting the UI: which binds need a token, what the person is told, the catalog check, the package surface."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import tracktion_web
from tracktion_web.server import ServeError, check_bind, check_catalog, startup_lines
from tracktion_web.timefmt import clock


def test_a_public_bind_without_a_token_is_refused() -> None:
    check_bind("127.0.0.1", None)
    check_bind("localhost", None)
    check_bind("0.0.0.0", "a-token-of-enough-length")
    for host in ("0.0.0.0", "::", "192.168.1.10", "myhost.lan"):
        with pytest.raises(ServeError, match="TRACKTION_UI_TOKEN"):
            check_bind(host, None)


def test_startup_says_where_and_how_to_get_in_without_printing_the_token() -> None:
    token = "a-token-of-enough-length"
    lines = startup_lines("0.0.0.0", 8477, token, "postgresql://me:pw@db/tracktion")
    text = "\n".join(lines)
    assert "http://127.0.0.1:8477/" in text
    assert "Authorization: Bearer" in text
    assert "?token=" in text
    assert token not in text
    assert "pw" not in text
    assert "me:***@db" in text
    assert "only this machine" in "\n".join(startup_lines("127.0.0.1", 9000, None, "sqlite:////x.db"))


async def test_a_missing_catalog_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ServeError, match="tracktion scan FOLDER"):
        await check_catalog(f"sqlite:///{tmp_path / 'nothing.db'}")
    assert not (tmp_path / "nothing.db").exists()  # and the check did not create it


def test_clock() -> None:
    assert clock(None) is None
    assert clock(-1) is None
    assert clock(float("nan")) is None
    assert clock(0) == "0:00"
    assert clock(75.9) == "1:15"
    assert clock(3723.4) == "1:02:03"


def test_exports_are_exactly_the_public_names() -> None:
    public = {name for name in vars(tracktion_web) if not name.startswith("_")}
    modules = {name for name in public if inspect.ismodule(getattr(tracktion_web, name))}
    assert sorted(tracktion_web.__all__) == sorted(public - modules - {"annotations"})
