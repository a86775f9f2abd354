"""The library table: one page of the ``library`` read model, filtered and sorted in SQL on its indexed columns.

Paging is ``LIMIT``/``OFFSET`` with a total count, and unlike keyset paging it lets a person jump to any page; the
page is found by its row keys first and only then read whole (see :func:`page_statement`), which keeps deep and
filtered pages of 100,000 rows within the UI's budget (benchmarks/ui/run.py measures it). Every sort ends with the
row key, so rows with equal values never swap places between pages.

The confidences and the alternative tempo are shown, never filtered or sorted by, so they are not columns of the
read model: the page's rows read them from ``metadata`` (three look-ups per row on its (recording_id, key) index,
about 150 for a page) instead of a migration widening ``library`` for values no index would ever serve.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Label, Select, and_, func, literal_column, or_, select

from tracktion_shared.storage import LIBRARY_STATUSES, Database, LibraryEntry, MetadataEntry, UnitOfWork
from tracktion_web.filters import CAMELOT_KEYS, LibraryFilter
from tracktion_web.models import Facets, LibraryPage, LibraryRow
from tracktion_web.numbers import number

__all__ = ["facets", "library_page", "page_statement", "walk_sort_index", "where"]

_COLUMNS = (
    LibraryEntry.recording_id,
    LibraryEntry.file_path,
    LibraryEntry.file_name,
    LibraryEntry.artist,
    LibraryEntry.title,
    LibraryEntry.album,
    LibraryEntry.genre,
    LibraryEntry.duration,
    LibraryEntry.bpm,
    LibraryEntry.key,
    LibraryEntry.scale,
    LibraryEntry.camelot,
    LibraryEntry.open_key,
    LibraryEntry.mood,
    LibraryEntry.energy,
    LibraryEntry.status,
    LibraryEntry.tracklist_status,
)

#: metadata keys a page's rows show that the read model does not hold (numbers, read as text: see :func:`_row`)
_SHOWN_KEYS = ("bpm_confidence", "bpm_alternative", "key_confidence")


def _shown(key: str) -> Label[str]:
    """The row's metadata value for ``key`` (a sub-select correlated with the page's ``library`` row)."""
    return (
        select(MetadataEntry.value)
        .where(MetadataEntry.recording_id == LibraryEntry.recording_id, MetadataEntry.key == key)
        .scalar_subquery()
        .label(key)
    )


#: the library's indexed columns' index names (the sort can walk these)
_INDEXES = frozenset(str(index.name) for index in LibraryEntry.metadata.tables["library"].indexes)


def where(request: LibraryFilter, *, indexed: bool = True) -> list[ColumnElement[bool]]:
    """The SQL conditions of ``request`` (all must hold).

    ``indexed=False`` writes each filtered column as an expression (``bpm + 0``, ``camelot || ''``), equal in value
    but not usable through an index: SQLite's documented way to keep its planner off the filters' indexes.
    """
    bpm: Any = LibraryEntry.bpm if indexed else LibraryEntry.bpm + 0
    camelot, mood, status = (
        (LibraryEntry.camelot, LibraryEntry.mood, LibraryEntry.status)
        if indexed
        else (LibraryEntry.camelot.concat(""), LibraryEntry.mood.concat(""), LibraryEntry.status.concat(""))
    )
    conditions: list[ColumnElement[bool]] = []
    for word in request.words:
        conditions.append(_contains(word))
    if request.bpm:
        ranges = []
        for low, high in request.bpm:
            bounds = [bpm >= low] if low is not None else []
            bounds += [bpm <= high] if high is not None else []
            ranges.append(and_(*bounds))
        conditions.append(or_(*ranges))
    if request.camelot:
        conditions.append(camelot.in_(request.camelot))
    if request.moods:
        conditions.append(mood.in_(request.moods))
    if request.statuses:
        conditions.append(status.in_(request.statuses))
    return conditions


def _contains(word: str) -> ColumnElement[bool]:
    """``search_text`` contains ``word`` (lower-cased). SQLite's ``lower()`` and ``LIKE`` fold ASCII only, so its
    search text keeps "Ü" upper-case: a non-ASCII word is also looked for capitalised and in capitals."""
    if word.isascii():
        return LibraryEntry.search_text.contains(word, autoescape=True)
    spellings = dict.fromkeys((word, word.capitalize(), word.upper()))
    return or_(*(LibraryEntry.search_text.contains(spelling, autoescape=True) for spelling in spellings))


def _row_key(dialect: str) -> ColumnElement[Any]:
    """What identifies a row for the tie-break and the page's second step: SQLite's ``rowid``, which every one of
    its indexes carries (so sorting by an indexed column and then the key needs no table look-up), else the id."""
    if dialect == "sqlite":
        return literal_column("library.rowid")
    key: ColumnElement[Any] = LibraryEntry.__table__.c.recording_id
    return key


def walk_sort_index(matches: int, rows: int, request: LibraryFilter) -> bool:
    """Whether walking the sort column's index (checking the filters row by row) finds the page sooner than reading
    every match through a filter's index and sorting them.

    The walk visits about ``(offset + limit) * rows / matches`` rows, the other way ``matches`` rows plus a sort;
    SQLite without statistics (the embedded catalog never runs ANALYZE) always picks the filter's index, which is
    right for a rare match and slow for a common one (13,000 BPM matches sorted by artist: ~40 ms instead of ~2 ms).
    """
    filtered = {
        "bpm": bool(request.bpm),
        "camelot": bool(request.camelot),
        "mood": bool(request.moods),
        "status": bool(request.statuses),
    }
    if matches == 0 or matches >= rows or filtered.get(request.sort, False):
        return False  # nothing to find, nothing to skip, or the filter's own index is already in sort order
    return (request.offset + request.limit) * rows < matches * matches


def page_statement(request: LibraryFilter, dialect: str, *, walk_index: bool = False) -> Select[*tuple[Any, ...]]:
    """The page's rows in two steps: first the keys of the page (narrow: sort column and key, often from an index
    alone), then those 50 rows. Sorting or skipping thousands of whole rows is what made filtered and deep pages slow.
    ``walk_index`` (SQLite) makes the first step read the sort column's index (see :func:`walk_sort_index`).
    """
    column = getattr(LibraryEntry, request.sort)
    key = _row_key(dialect)
    ordering = (column.desc(), key.desc()) if request.order == "desc" else (column.asc(), key.asc())
    walk = walk_index and dialect == "sqlite" and f"idx_library_{request.sort}" in _INDEXES
    keys = (
        select(key)
        .select_from(LibraryEntry)
        .where(*where(request, indexed=not walk))
        .order_by(*ordering)
        .limit(request.limit)
        .offset(request.offset)
    )
    # correlate(None): the inner query reads the table on its own, it is not a per-row sub-query of the outer one
    shown = (_shown(name) for name in _SHOWN_KEYS)
    return select(*_COLUMNS, *shown).where(key.in_(keys.correlate(None))).order_by(*ordering)


def _row(values: dict[str, Any]) -> LibraryRow:
    """A page row; the metadata values are text, parsed leniently (one that does not parse is shown as unknown)."""
    return LibraryRow.model_validate(values | {name: number(values.get(name)) for name in _SHOWN_KEYS})


async def library_page(db: Database, request: LibraryFilter) -> LibraryPage:
    """The page of the library that ``request`` asks for, with how many rows match in all."""
    conditions = where(request)
    count_statement = select(func.count()).select_from(LibraryEntry).where(*conditions)

    async def read(uow: UnitOfWork) -> LibraryPage:
        total = await uow.session.scalar(count_statement) or 0
        dialect = uow.session.get_bind().dialect.name
        walk = False
        if conditions and dialect == "sqlite":
            rows = await uow.session.scalar(select(func.count()).select_from(LibraryEntry)) or 0
            walk = walk_sort_index(total, rows, request)
        statement = page_statement(request, dialect, walk_index=walk)
        found = (await uow.session.execute(statement)).mappings().all() if total > request.offset else []
        return LibraryPage(
            total=total,
            limit=request.limit,
            offset=request.offset,
            sort=request.sort,
            order=request.order,
            items=[_row(dict(row)) for row in found],
        )

    return await db.run(read)


async def facets(db: Database) -> Facets:
    """The choices of the filters: every Camelot key, the moods the library has, every state."""

    async def read(uow: UnitOfWork) -> Facets:
        statement = (
            select(LibraryEntry.mood).distinct().where(LibraryEntry.mood.is_not(None)).order_by(LibraryEntry.mood)
        )
        moods = [mood for mood in (await uow.session.scalars(statement)).all() if mood]
        return Facets(camelot=list(CAMELOT_KEYS), moods=moods, statuses=list(LIBRARY_STATUSES))

    return await db.run(read)
