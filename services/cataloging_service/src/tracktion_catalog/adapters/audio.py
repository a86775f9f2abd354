"""What an audio file says about itself, through mutagen: tags, duration, bitrate, sample rate, channels.

Every way mutagen can fail on a bad file (``None`` for an unknown format, its own errors, and the occasional
``struct.error`` or ``IndexError`` from a corrupt header) becomes :class:`~tracktion_catalog.errors.BadFile` here,
with a sentence a person can act on. Tag values are taken as ``str`` whatever mutagen decoded them from and cleaned
by the domain; WAV/AIFF text chunks, which mutagen skips, fill in tags the ID3 chunk (if any) does not have.

A file that holds less audio than it declares is a :class:`BadFile` too, by one rule for every format
(:mod:`tracktion_catalog.adapters.extent`): ``truncated: 12.0 s of 20.0 s present``. Rejected, not cataloged with
the shorter length, because a cut-off copy is a broken file the DJ should replace, not a shorter recording.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, BinaryIO

import mutagen
from mutagen.aiff import AIFF
from mutagen.wave import WAVE

from tracktion_catalog.adapters.containers import mp4_cut_short, read_aiff_text, read_riff_info
from tracktion_catalog.adapters.extent import missing_audio
from tracktion_catalog.domain.audio import unterminated
from tracktion_catalog.domain.facts import AudioFacts
from tracktion_catalog.domain.tags import pick_tags
from tracktion_catalog.errors import BadFile

__all__ = ["read_audio"]


def read_audio(stream: BinaryIO, size: int) -> AudioFacts:
    """Tags and stream properties of the open file ``stream`` (``size`` bytes long), or :class:`BadFile`.

    ``stream`` must have a ``name`` (mutagen weighs the file extension when it guesses the format).
    """
    parsed = _parse(stream)
    info = parsed.info
    problem = missing_audio(parsed, stream, size)
    if problem is not None:
        raise BadFile(problem)
    raw = _flatten(parsed.tags)
    if isinstance(parsed, WAVE | AIFF):
        container = read_riff_info(stream) if isinstance(parsed, WAVE) else read_aiff_text(stream)
        for key, values in container.items():
            raw.setdefault(key, values)
    return AudioFacts(
        tags=pick_tags(raw),
        duration=_float(info, "length"),
        bitrate=_int(info, "bitrate"),
        sample_rate=_int(info, "sample_rate"),
        channels=_int(info, "channels"),
    )


def _parse(stream: BinaryIO) -> Any:
    try:
        parsed = mutagen.File(stream, easy=True)
    except mutagen.MutagenError as exc:
        if mp4_cut_short(stream):  # cut off before its index: mutagen only says "not a MP4 file"
            raise BadFile(unterminated(None)) from exc
        raise BadFile(f"not readable as audio: {_reason(exc)}") from exc
    except Exception as exc:  # mutagen lets low-level parse errors of corrupt headers escape
        raise BadFile(f"not readable as audio: corrupt header ({type(exc).__name__}: {_reason(exc)})") from exc
    if parsed is None:
        raise BadFile("not a recognised audio format")
    if getattr(parsed, "info", None) is None:
        raise BadFile("no audio stream found")
    return parsed


def _reason(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__


def _flatten(tags: Any) -> dict[str, list[str]]:
    """Any mutagen tag container as lower-cased name -> list of texts (ID3 frames, MP4 atoms, Vorbis, APE, ASF)."""
    if tags is None:
        return {}
    flat: dict[str, list[str]] = {}
    try:
        items = list(tags.items())
    except Exception:  # a tag block too damaged to list is treated as no tags, not as a bad file
        return {}
    for key, value in items:
        flat.setdefault(str(key).lower(), []).extend(_texts(value))
    return flat


def _texts(value: Any) -> list[str]:
    if hasattr(value, "genres") and value.genres:  # ID3 TCON: "(17)" -> "Rock"
        return [str(genre) for genre in value.genres]
    if hasattr(value, "text"):  # ID3 text frames
        value = value.text
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        value = [value]
    return [_text(item) for item in value]


def _text(item: Any) -> str:
    if isinstance(item, bytes):
        return item.decode("utf-8", "replace")
    return str(item)


def _float(info: Any, name: str) -> float | None:
    """A finite number from the stream info, or None (a corrupt header can claim NaN or infinite lengths)."""
    value: Any = getattr(info, name, None)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _int(info: Any, name: str) -> int | None:
    number = _float(info, name)
    return None if number is None else int(number)
