"""tracktion's catalog: knows every audio file under the watched folders, by content, and keeps that exactly right.

It consumes the watcher's file messages (discovered, changed, moved, deleted, scan completed), reads each new or
changed file once (SHA-256 + XXH3-128 in one pass, tags through mutagen), and keeps one recording per distinct
content with every path that holds it. New or changed audio is announced as ``RecordingCataloged`` through the
outbox. Bad files are recorded with the reason, never fatal.

The embedded CLI calls :func:`register` and the functions of :mod:`tracktion_catalog.queries`; the service entry
point is :func:`tracktion_catalog.service.main`.
"""

from __future__ import annotations

from tracktion_catalog.errors import BadFile, CatalogError, FileInFlux, SchemaNotCurrent
from tracktion_catalog.queries import (
    CatalogSummary,
    FileView,
    RecordingView,
    get_file,
    get_recording,
    list_recordings,
    scan_progress,
    summary,
)
from tracktion_catalog.service import register, require_current_schema
from tracktion_catalog.settings import CatalogSettings

__all__ = [
    "BadFile",
    "CatalogError",
    "CatalogSettings",
    "CatalogSummary",
    "FileInFlux",
    "FileView",
    "RecordingView",
    "SchemaNotCurrent",
    "get_file",
    "get_recording",
    "list_recordings",
    "register",
    "require_current_schema",
    "scan_progress",
    "summary",
]
