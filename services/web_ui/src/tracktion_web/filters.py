"""What a library request asks for, checked and normalised before any SQL is built (pure, no I/O).

Tempo filters understand half and double time: drum & bass is often detected at 87 BPM instead of 174, so with
``half_double`` a 170-178 filter also matches 85-89 and 340-356 (the same music counted at another beat level).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from tracktion_shared.graph.domain import parse_camelot

__all__ = [
    "CAMELOT_KEYS",
    "SORT_COLUMNS",
    "BpmRange",
    "FilterError",
    "LibraryFilter",
    "SortColumn",
    "bpm_ranges",
    "normalise_camelot",
    "search_words",
]

#: the columns the library can be sorted by (anything else is refused, never interpolated)
SortColumn = Literal[
    "artist", "title", "file_name", "bpm", "camelot", "mood", "energy", "duration", "status", "created_at"
]
SORT_COLUMNS: tuple[str, ...] = get_args(SortColumn)
#: every Camelot key, in wheel order
CAMELOT_KEYS = tuple(f"{number}{letter}" for number in range(1, 13) for letter in "AB")
#: longest text search the library accepts
MAX_SEARCH_LENGTH = 200

BpmRange = tuple[float | None, float | None]


class FilterError(ValueError):
    """The request's filters contradict themselves or name something that does not exist."""


def bpm_ranges(low: float | None, high: float | None, half_double: bool) -> list[BpmRange]:
    """The tempo ranges a filter matches: ``[(low, high)]``, plus halved and doubled when ``half_double``.

    No bound at all matches everything, so it yields no range (no condition) rather than an open one.
    """
    if low is None and high is None:
        return []
    if low is not None and high is not None and low > high:
        raise FilterError(f"bpm_min {low:g} is above bpm_max {high:g}")
    ranges: list[BpmRange] = [(low, high)]
    if half_double:
        for factor in (0.5, 2.0):
            ranges.append((None if low is None else low * factor, None if high is None else high * factor))
    return ranges


def normalise_camelot(values: Iterable[str]) -> tuple[str, ...]:
    """``["8a", " 08A", "9B"]`` -> ``("8A", "9B")`` (wheel order, no repeats); an unknown key is a FilterError."""
    keys = set()
    for value in values:
        for part in value.split(","):
            if not part.strip():
                continue
            camelot = parse_camelot(part)
            if camelot is None:
                raise FilterError(f"{part.strip()!r} is not a Camelot key (1A-12B)")
            keys.add(str(camelot))
    return tuple(key for key in CAMELOT_KEYS if key in keys)


def search_words(text: str | None) -> tuple[str, ...]:
    """The words of a text search, lower-cased; every one must occur in a row (artist, title, album, genre, file)."""
    if not text:
        return ()
    if len(text) > MAX_SEARCH_LENGTH:
        raise FilterError(f"the search text is longer than {MAX_SEARCH_LENGTH} characters")
    return tuple(dict.fromkeys(word.lower() for word in text.split()))


@dataclass(frozen=True, slots=True)
class LibraryFilter:
    """A validated library request: filters, sort and page."""

    words: tuple[str, ...] = ()
    bpm: Sequence[BpmRange] = field(default_factory=list)
    camelot: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    sort: str = "artist"
    order: Literal["asc", "desc"] = "asc"
    limit: int = 50
    offset: int = 0

    @classmethod
    def build(
        cls,
        *,
        q: str | None = None,
        bpm_min: float | None = None,
        bpm_max: float | None = None,
        half_double: bool = False,
        camelot: Iterable[str] = (),
        mood: Iterable[str] = (),
        status: Iterable[str] = (),
        sort: str = "artist",
        order: Literal["asc", "desc"] = "asc",
        limit: int = 50,
        offset: int = 0,
    ) -> LibraryFilter:
        """Check and normalise the raw request values; raises :class:`FilterError` saying what is wrong."""
        if sort not in SORT_COLUMNS:
            raise FilterError(f"cannot sort by {sort!r}; choose one of {', '.join(SORT_COLUMNS)}")
        return cls(
            words=search_words(q),
            bpm=bpm_ranges(bpm_min, bpm_max, half_double),
            camelot=normalise_camelot(camelot),
            moods=tuple(dict.fromkeys(m.strip() for m in mood if m.strip())),
            statuses=tuple(dict.fromkeys(s.strip() for s in status if s.strip())),
            sort=sort,
            order=order,
            limit=limit,
            offset=offset,
        )
