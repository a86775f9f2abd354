"""Which tags the catalog keeps, under which names, and how values are cleaned and written.

Every container names the same tag differently (ID3 ``TPE1``, MP4 ``©ART``, Vorbis ``artist``, RIFF ``IART``); the
adapters hand over whatever the file has, lower-cased, and :func:`pick_tags` maps it onto the catalog's five keys.
Values come from decoders that do not agree on encodings, so :func:`clean_text` makes any ``str`` storable: no NULs
(PostgreSQL refuses them), no lone surrogates (UTF-8 cannot carry them), whitespace collapsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from tracktion_catalog.domain.facts import AudioFacts

__all__ = [
    "MAX_TAG_LENGTH",
    "METADATA_KEYS",
    "TAG_ALIASES",
    "TAG_KEYS",
    "clean_text",
    "decimal_text",
    "metadata_values",
    "pick_tags",
]

#: the tags the catalog keeps, in the order people read them
TAG_KEYS = ("artist", "title", "album", "genre", "date")

#: every ``metadata`` key the catalog writes for a recording (tags, then stream properties)
METADATA_KEYS = (*TAG_KEYS, "duration", "bitrate", "sample_rate", "channels")

#: lower-cased source names per key, best first: Vorbis/easy names, ID3 frames, MP4 atoms, ASF, RIFF INFO, AIFF
TAG_ALIASES: dict[str, tuple[str, ...]] = {
    "artist": ("artist", "tpe1", "©art", "author", "riff:iart", "aiff:auth"),
    "title": ("title", "tit2", "©nam", "riff:inam", "aiff:name"),
    "album": ("album", "talb", "©alb", "wm/albumtitle", "riff:iprd"),
    "genre": ("genre", "tcon", "©gen", "wm/genre", "riff:ignr"),
    "date": ("date", "tdrc", "tyer", "©day", "year", "wm/year", "riff:icrd"),
}

#: a tag longer than this is cut: a catalog value, not a place for a whole embedded document
MAX_TAG_LENGTH = 1000

#: how several values of one tag (two artists) are joined into one text
JOIN = "; "


def clean_text(value: str) -> str:
    """``value`` without NULs or lone surrogates, with runs of whitespace made one space, stripped."""
    storable = value.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")
    return " ".join(storable.split())


def _join(values: Iterable[str]) -> str:
    cleaned: list[str] = []
    for value in values:
        text = clean_text(value)
        if text and text not in cleaned:
            cleaned.append(text)
    return JOIN.join(cleaned)[:MAX_TAG_LENGTH].strip()


def pick_tags(raw: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The catalog's tags from a file's own (lower-cased names -> values); a tag with no usable text is left out."""
    tags: dict[str, str] = {}
    for key, aliases in TAG_ALIASES.items():
        for alias in aliases:
            text = _join(raw.get(alias, ()))
            if text:
                tags[key] = text
                break
    return tags


def decimal_text(value: float) -> str:
    """A number as plain decimal text: ``320000``, ``5.042`` (milliseconds at most), never ``1e-05``."""
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def metadata_values(facts: AudioFacts) -> dict[str, str]:
    """The ``metadata`` rows for a recording: its tags plus the stream properties that are known (and not zero)."""
    values = dict(facts.tags)
    numbers: dict[str, float | None] = {
        "duration": facts.duration,
        "bitrate": facts.bitrate,
        "sample_rate": facts.sample_rate,
        "channels": facts.channels,
    }
    for key, number in numbers.items():
        if number is not None and number > 0:
            values[key] = decimal_text(number)
    return values
