"""The graph's decisions as pure functions: which tracks are "the same", which recordings mix into each other.

No I/O here, so every rule is tested exhaustively without a database, and both backends rank answers the same way
(they fetch candidates; these functions decide).

* :func:`track_key` de-duplicates tracks across tracklists written by different people: "Artist - Title (Original
  Mix)", "ARTIST feat. X - Title" and "Ártist - Title" are one track.
* :func:`match_score` is the fuzzy match of a user's query against a track key.
* :func:`camelot_relation` and :func:`bpm_distance` say whether two recordings mix harmonically and in tempo.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "DEFAULT_BPM_TOLERANCE",
    "MIN_MATCH_SCORE",
    "Camelot",
    "KeyRelation",
    "bpm_distance",
    "camelot_relation",
    "match_score",
    "normalise",
    "parse_camelot",
    "query_tokens",
    "track_key",
]

#: tempo tolerance of ``compatible``: ±6% is about what a DJ deck's pitch fader covers without audible artefacts
DEFAULT_BPM_TOLERANCE = 0.06
#: below this a fuzzy match is noise (half the query's words missing)
MIN_MATCH_SCORE = 0.6

# Version/mix suffixes that name the default version: they say nothing about which track it is.
_NOISE = re.compile(r"[(\[]\s*(original|extended|radio)(\s+(mix|edit|version))?\s*[)\]]")
# "feat. X" inside brackets, or trailing after the name: featured artists are credited inconsistently.
_FEAT_BRACKETED = re.compile(r"[(\[]\s*(feat|ft|featuring)\b\.?[^)\]]*[)\]]")
_FEAT_WORDS = frozenset({"feat", "ft", "featuring"})
_NON_WORD = re.compile(r"[^\w]+")
_CAMELOT = re.compile(r"^\s*0?([1-9]|1[0-2])\s*([ABab])\s*$")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """Casefolded, accent-free, punctuation-free, single-spaced ``text`` without "(Original Mix)" or "feat." credits."""
    # casefold on both sides: casefolding can add combining marks (U+0130), decomposing can give capitals (U+210C)
    text = _strip_accents(_strip_accents(text.casefold()).casefold())
    text = text.replace("&", " and ").replace("_", " ")
    text = _NOISE.sub(" ", text)
    text = _FEAT_BRACKETED.sub(" ", text)
    words = _NON_WORD.sub(" ", text).split()
    # a trailing "feat. X" (never the first word: an artist may be called "Feat")
    cut = next((i for i, word in enumerate(words) if i > 0 and word in _FEAT_WORDS), len(words))
    return " ".join(words[:cut])


def track_key(artist: str, title: str) -> str:
    """The identity of a track across tracklists: ``"<artist> - <title>"``, both normalised; "" when unknown.

    Unidentified rows ("ID - ID") and rows with an empty title get "": they are no track anyone can look up, and
    merging them would make every unknown track "played after" every other.
    """
    a, t = normalise(artist), normalise(title)
    if not t or t == "id" or (a, t) == ("id", "id"):
        return ""
    return f"{a} - {t}"


def query_tokens(query: str) -> list[str]:
    """The words of a user's query, normalised like track keys (so "Dj Kåze, Tïtle" finds "dj kaze - title")."""
    return normalise(query).split()


def match_score(query: str, key: str) -> float:
    """How well ``query`` matches the track ``key``, 0..1: 1 for the whole key, less the more is missing or extra.

    Containment of the normalised query wins (so "where ya at" finds "tobehonest - where ya at"); otherwise the share
    of the query's words found in the key, so words in another order ("title artist") still match. A small penalty
    for extra words ranks the tighter match first among several that contain the query.
    """
    tokens = query_tokens(query)
    key_tokens = key.replace(" - ", " ").split()
    if not tokens or not key_tokens:
        return 0.0
    found = set(key_tokens)
    coverage = sum(1 for t in tokens if t in found) / len(tokens)
    if coverage < 1.0 and " ".join(tokens) in " ".join(key_tokens):
        coverage = 1.0
    extra = max(0, len(key_tokens) - len(tokens)) / len(key_tokens)
    return round(coverage * (1.0 - 0.2 * extra), 6)


# -- harmonic mixing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Camelot:
    """A Camelot wheel position: ``number`` 1-12, ``letter`` "A" (minor) or "B" (major)."""

    number: int
    letter: str

    def __str__(self) -> str:
        return f"{self.number}{self.letter}"


class KeyRelation(IntEnum):
    """How two keys mix; the value is the key distance used for ranking (lower mixes better)."""

    SAME = 0
    ADJACENT = 1  # ±1 on the wheel, same letter: a fifth up or down
    RELATIVE = 2  # same number, other letter: relative major/minor


def parse_camelot(value: str | None) -> Camelot | None:
    """``"8A"``, ``"08a"``, ``" 12B "`` -> a :class:`Camelot`; anything else (None, "13A", "C#m") -> None."""
    if value is None:
        return None
    match = _CAMELOT.match(value)
    if match is None:
        return None
    return Camelot(int(match[1]), match[2].upper())


def camelot_relation(a: Camelot, b: Camelot) -> KeyRelation | None:
    """The :class:`KeyRelation` of two keys, or None when they clash (the wheel wraps: 12A is next to 1A)."""
    if a == b:
        return KeyRelation.SAME
    if a.letter == b.letter and (a.number - b.number) % 12 in (1, 11):
        return KeyRelation.ADJACENT
    if a.number == b.number:
        return KeyRelation.RELATIVE
    return None


def bpm_distance(reference: float, candidate: float) -> float:
    """Relative tempo difference, aware of half and double time: the smallest of ``|c*f - r| / r`` for f in 1, 2, ½.

    A 87 BPM track mixes into a 174 BPM one (drum & bass is often detected at half tempo), so each is compared at
    its own, doubled and halved tempo. Non-positive tempos are never compatible (``inf``).
    """
    if reference <= 0 or candidate <= 0:
        return float("inf")
    return min(abs(candidate * factor - reference) / reference for factor in (1.0, 2.0, 0.5))
