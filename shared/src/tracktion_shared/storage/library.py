"""Keeping the ``library`` read model (:class:`~tracktion_shared.storage.models.LibraryEntry`) equal to its sources.

A row is never patched field by field: it is recomputed from ``recordings``, ``metadata`` and ``files`` in one
``INSERT … SELECT … ON CONFLICT DO UPDATE`` for every recording a transaction touched. Recomputing is what makes it
impossible to drift (whatever order the catalog's writes came in, the row ends as a function of the tables), and one
set-based statement per transaction keeps the cost flat however many recordings a batch wrote.

The metadata keys read here are the catalog's (tags, ``duration``) and the analysis and tracklist stages' (``bpm``,
``camelot``, ``analysis_status`` ...); numbers are stored as decimal text, so they are cast on the way in.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Double, ScalarSelect, Select, case, cast, exists, func, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tracktion_shared.storage.models import FileEntry, LibraryEntry, MetadataEntry, Recording

__all__ = ["LibraryRepository"]

#: how many recordings one refresh statement names (SQLite allows 32,766 bound parameters per statement)
CHUNK = 5_000

_TEXT_KEYS = ("artist", "title", "album", "genre", "key", "scale", "camelot", "open_key", "mood", "analysis_error")
_NUMBER_KEYS = ("duration", "bpm", "energy")


def _value(key: str) -> ScalarSelect[str]:
    """The recording's metadata value for ``key`` (a correlated sub-select on the (recording_id, key) unique index)."""
    return (
        select(MetadataEntry.value)
        .where(MetadataEntry.recording_id == Recording.id, MetadataEntry.key == key)
        .scalar_subquery()
    )


def _rows(recording_ids: Collection[uuid.UUID] | None) -> Select[*tuple[Any, ...]]:
    """What the library rows of ``recording_ids`` (all recordings for None) should be, as a SELECT."""
    text = {key: _value(key) for key in _TEXT_KEYS}
    numbers = {key: cast(_value(key), Double) for key in _NUMBER_KEYS}
    analysis_status = _value("analysis_status")
    present = exists().where(FileEntry.recording_id == Recording.id, FileEntry.status == "present")
    status = case(
        (~present, "missing"),
        (analysis_status == "failed", "failed"),
        (analysis_status == "analysed", "analysed"),
        else_="cataloged",
    )
    search_text: ColumnElement[str] = Recording.file_name.expression
    for part in ("genre", "album", "title", "artist"):
        search_text = func.coalesce(text[part], "") + " " + search_text
    statement = select(
        Recording.id.label("recording_id"),
        Recording.file_path,
        Recording.file_name,
        *(value.label(key) for key, value in text.items()),
        *(value.label(key) for key, value in numbers.items()),
        status.label("status"),
        _value("tracklist_status").label("tracklist_status"),
        func.lower(search_text).label("search_text"),
        Recording.created_at,
        func.now().label("updated_at"),
    )
    # always a WHERE: SQLite would read the ON of "… FROM recordings ON CONFLICT" as a join constraint
    return statement.where(true() if recording_ids is None else Recording.id.in_(recording_ids))


class LibraryRepository:
    """Refreshes library rows; reading them is plain ``select(LibraryEntry)`` by whoever shows them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def refresh(self, recording_ids: Collection[uuid.UUID]) -> None:
        """Recompute the rows of ``recording_ids``; ids of deleted recordings are simply absent (FK cascade)."""
        ids = list(recording_ids)
        for start in range(0, len(ids), CHUNK):
            await self._upsert(ids[start : start + CHUNK])

    async def rebuild(self) -> None:
        """Recompute every row (after a migration, or to repair a database edited by hand)."""
        await self._upsert(None)

    async def _upsert(self, recording_ids: Collection[uuid.UUID] | None) -> None:
        rows = _rows(recording_ids)
        names = [column.name for column in rows.selected_columns]
        dialect = self._session.get_bind().dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LibraryEntry)
        statement = insert.from_select(names, rows)
        statement = statement.on_conflict_do_update(
            index_elements=[LibraryEntry.recording_id],
            set_={name: statement.excluded[name] for name in names if name != "recording_id"},
        )
        await self._session.execute(statement)
