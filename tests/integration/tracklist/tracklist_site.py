"""Helpers for the tracklist integration tests: the fixture pages written for tracktion's tests (tests/unit/tracklist/
fixtures). A module with a unique name, so test files can import it whatever else pytest has put on sys.path."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parents[2] / "unit" / "tracklist" / "fixtures"


def fixture_page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")
