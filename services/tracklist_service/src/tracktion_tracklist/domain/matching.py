"""Which set is this recording, and which search result is that set: pure functions, no I/O.

A recording is known by its tags (artist, title, album, date) and its file name, which for DJ sets is usually the
richer source: ``Matroda @ Club Space Miami 2023-08-05 [4hr set].mp3``,
``Carl_Cox_-_Live_at_Space_Ibiza_2016-09-20_(4hr_set)_320kbps.mp3``, ``2019.12.05 - Solomun - Boiler Room.flac``.
:func:`describe_recording` pulls out the DJ, the event words and the date; everything else (set lengths, "live",
"full set", bitrates, format names) is noise that would only make a search or a comparison worse.

Scoring compares words, not strings: the site lists "Matroda @ Club Space Miami, United States" with the date apart,
so a file name's date or "4hr set" must not drag a real match down. The date is a separate signal instead: the same
date lifts a candidate, a different one pushes it down (the same DJ plays the same club every year).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from rapidfuzz import fuzz

from tracktion_shared.printable import clean_text
from tracktion_tracklist.domain.models import SearchCandidate

__all__ = [
    "MIN_QUERY_LENGTH",
    "Match",
    "SetDescription",
    "best_score",
    "build_queries",
    "describe_recording",
    "extract_date",
    "normalise",
    "pick_best",
    "score",
]

#: the site refuses shorter search terms
MIN_QUERY_LENGTH = 5
MAX_QUERY_LENGTH = 120

_Y = r"(?P<y>(?:19|20)\d\d)"
_M = r"(?P<m>0?[1-9]|1[0-2])"
_D = r"(?P<d>0?[1-9]|[12]\d|3[01])"
_SEP = r"[-._ /]"
_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"(?<!\d){_Y}{_SEP}{_M}{_SEP}{_D}(?!\d)"),
    re.compile(rf"(?<!\d){_D}{_SEP}{_M}{_SEP}{_Y}(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"),
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_NOISE = re.compile(
    r"\b(?:"
    r"\d+(?:[.,]\d+)?\s*(?:hrs?|hours?|h|mins?|minutes?)\b(?:\s*(?:dj\s*)?set)?"  # 4hr set, 2 hours, 90 min
    r"|full\s*(?:dj\s*)?set|dj\s*set|live\s*set|liveset|closing\s*set|opening\s*set|set|live|dj\s*mix|mix"
    r"|recording|recorded|rip|webrip|\d+\s*kbps|kbps|vbr|cbr|flac|mp3|wav|aac|m4a|ogg|hq|hd|uhd|4k|1080p|720p"
    r"|official|audio|video|stream|livestream|broadcast|part\s*\d+|pt\.?\s*\d+|cd\s*\d+|we\s*\d+|weekend\s*\d+"
    r"|at|the|and|of|in|on|from|with|for|presents|pres|b2b|vs|feat|ft"
    r")\b",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[^\w&]+", re.UNICODE)


@dataclass(frozen=True)
class SetDescription:
    """What a recording says about the set: the DJ (if any), the remaining event words, and its date."""

    dj: str | None
    event: str
    date: str | None  # ISO yyyy-mm-dd
    year: str | None


@dataclass(frozen=True)
class Match:
    candidate: SearchCandidate
    score: float


def extract_date(text: str) -> tuple[str | None, str]:
    """(ISO date or None, ``text`` with that date removed). Recognises y-m-d, d-m-y and yyyymmdd with -._/ or space."""
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if match:
            iso = f"{match['y']}-{int(match['m']):02d}-{int(match['d']):02d}"
            rest = clean_text(text[: match.start()] + " " + text[match.end() :])
            return iso, rest.strip(" -_@.,")
    return None, text


def normalise(text: str) -> str:
    """Lower-case words without dates, years, noise words and punctuation: what is compared and searched."""
    _, text = extract_date(text)
    text = _YEAR.sub(" ", text)
    text = text.replace("_", " ")
    text = _NOISE.sub(" ", text)
    text = _WORDS.sub(" ", text.lower())
    text = re.sub(r"(?<!\w)&(?!\w)", " ", text)
    return clean_text(text)


def describe_recording(path: str, tags: Mapping[str, str]) -> SetDescription:
    """The DJ, event words and date of a recording, from its tags and file name (tags win where they have it)."""
    lowered = {k.lower(): clean_text(v) for k, v in tags.items() if isinstance(v, str)}
    stem = clean_text(PurePath(path).stem.replace("_", " ").replace("  ", " "))
    stem = re.sub(r"\s+-\s+|\s-\s*|\s*-\s+", " - ", stem)
    file_date, stem_wo_date = extract_date(stem)
    tag_text = " ".join(lowered.get(k, "") for k in ("title", "album"))
    tag_date, _ = extract_date(" ".join([lowered.get("date", ""), tag_text]))
    date = tag_date or file_date
    dj = lowered.get("artist") or lowered.get("albumartist") or None
    if dj is None:
        dj, event_text = _split_dj(stem_wo_date)
    else:
        event_text = tag_text if normalise(tag_text) else stem_wo_date
        if normalise(event_text).startswith(normalise(dj)):
            event_text = event_text[len(dj) :] if event_text.lower().startswith(dj.lower()) else event_text
    years = _YEAR.findall(" ".join([lowered.get("date", ""), tag_text, stem]))
    year = date[:4] if date else (years[0] if years else None)
    event = normalise(event_text)
    if dj and normalise(dj) and event.startswith(normalise(dj)):
        event = event[len(normalise(dj)) :].strip()
    return SetDescription(dj=dj or None, event=event, date=date, year=year)


def _split_dj(stem: str) -> tuple[str | None, str]:
    """ "DJ - Event" / "DJ @ Event" / "date - DJ - Event" -> (DJ, event)."""
    parts = [p.strip() for p in re.split(r"\s+-\s+|\s+@\s+|\s+live\s+(?:at|@)\s+", stem, flags=re.I) if p.strip()]
    parts = [p for p in parts if normalise(p)]
    if len(parts) >= 2:
        return parts[0], " ".join(parts[1:])
    return None, stem


def build_queries(description: SetDescription) -> list[str]:
    """Search terms to try in order: DJ plus event words, then the DJ alone. Empty when nothing is long enough."""
    queries: list[str] = []
    dj = normalise(description.dj or "") if description.dj else ""
    for text in (clean_text(f"{dj} {description.event}"), dj):
        query = text[:MAX_QUERY_LENGTH].strip()
        if len(query) >= MIN_QUERY_LENGTH and query not in queries:
            queries.append(query)
    return queries


def score(description: SetDescription, candidate: SearchCandidate) -> float:
    """0..1: how sure we are that ``candidate`` is the recording's set (see the module docstring)."""
    dj = normalise(description.dj or "")
    reference = clean_text(f"{dj} {description.event}")
    title = normalise(candidate.title)
    if not reference or not title:
        return 0.0
    similarity = (0.7 * fuzz.token_set_ratio(reference, title) + 0.3 * fuzz.token_sort_ratio(reference, title)) / 100
    if dj and fuzz.partial_ratio(dj, title) < 80:
        similarity *= 0.6
    candidate_date, _ = extract_date(candidate.title)
    candidate_date = candidate.date or candidate_date
    if description.date and candidate_date:
        similarity += 0.15 if description.date == candidate_date else -0.3
    elif description.year and candidate_date:
        similarity += 0.05 if candidate_date.startswith(description.year) else -0.2
    return round(min(1.0, max(0.0, similarity)), 4)


def pick_best(description: SetDescription, candidates: Sequence[SearchCandidate], threshold: float) -> Match | None:
    """The highest-scoring candidate at or above ``threshold`` (the first listed wins a tie), else None."""
    best: Match | None = None
    for candidate in candidates:
        value = score(description, candidate)
        if value >= threshold and (best is None or value > best.score):
            best = Match(candidate, value)
    return best


def best_score(description: SetDescription, candidates: Sequence[SearchCandidate]) -> Match | None:
    """The highest-scoring candidate whatever its score (for "not found" reasons that say how close it came)."""
    scored = [Match(c, score(description, c)) for c in candidates]
    return max(scored, key=lambda m: m.score, default=None)
