"""The public surface: what ``tracktion_catalog`` exports, its settings, and how the CLI finds the service."""

from __future__ import annotations

import inspect
from importlib.metadata import entry_points

import pytest

import tracktion_catalog
from tracktion_catalog import CatalogSettings
from tracktion_catalog.service import main


def test_exports_are_exactly_the_public_names() -> None:
    public = {name for name in vars(tracktion_catalog) if not name.startswith("_")}
    modules = {name for name in public if inspect.ismodule(getattr(tracktion_catalog, name))}
    assert sorted(tracktion_catalog.__all__) == sorted(public - modules - {"annotations"})


def test_the_service_is_registered_under_its_name() -> None:
    (entry,) = entry_points(group="tracktion.services", name="catalog")
    assert entry.load() is main


def test_settings_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = CatalogSettings()
    assert defaults.hash_chunk_size == 1024 * 1024
    assert defaults.concurrency >= 1
    monkeypatch.setenv("TRACKTION_CATALOG_HASH_CHUNK_SIZE", "262144")
    monkeypatch.setenv("TRACKTION_CATALOG_CONCURRENCY", "3")
    settings = CatalogSettings()
    assert (settings.hash_chunk_size, settings.concurrency) == (262144, 3)


def test_settings_refuse_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKTION_CATALOG_CONCURRENCY", "0")
    with pytest.raises(ValueError, match="concurrency"):
        CatalogSettings()
