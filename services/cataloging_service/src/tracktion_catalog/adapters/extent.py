"""Is all the audio a file declares actually in it? One question for every format, answered from headers and tail.

The rule (see :mod:`tracktion_catalog.domain.audio`): the length the container declares against the length its bytes
present can hold. What each format declares, and how what is there is measured without reading the file again
(hashing reads every byte once; this costs a few seeks and at most a few hundred KB of the file's end):

* WAV, AIFF: the data chunk's (``data``, ``SSND``) declared size against the bytes after its header;
* MP4/M4A: the ``mdat`` box likewise; a copy cut off before its index (``moov`` at the end) cannot be parsed and
  is reported as truncated from its top-level boxes alone;
* FLAC: STREAMINFO's total samples against the last frame header in the tail (:mod:`.flac_tail`);
* MP3: the Xing/VBRI header's length against the frame bytes present at its bitrate (without such a header the
  length is itself estimated from the file's size, so there is nothing to compare);
* Ogg (Vorbis, Opus, FLAC, Speex): no declared length; its last page must carry the end-of-stream flag.

Anything a header does not say is not judged: the file is taken as complete.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from mutagen.aiff import AIFF
from mutagen.flac import FLAC
from mutagen.mp3 import MPEGInfo
from mutagen.mp4 import MP4
from mutagen.ogg import OggFileType, OggPage
from mutagen.wave import WAVE

from tracktion_catalog.adapters.containers import audio_data_extent
from tracktion_catalog.adapters.flac_tail import flac_samples_present
from tracktion_catalog.domain.audio import truncation, unterminated

__all__ = ["missing_audio"]

_OGG_MAX_PAGE = 27 + 255 + 255 * 255  # header, lacing values, data


def missing_audio(parsed: Any, stream: BinaryIO, size: int) -> str | None:
    """Why the audio in ``stream`` (parsed by mutagen, ``size`` bytes) is truncated, or None if it looks whole."""
    info = parsed.info
    declared = _seconds(getattr(info, "length", None))
    if isinstance(parsed, OggFileType):
        return None if _ogg_ends(stream, size) else unterminated(declared)
    if not declared:
        return None
    if isinstance(parsed, WAVE | AIFF | MP4):
        extent = audio_data_extent(stream)
        return None if extent is None else truncation(declared, declared * extent[1] / extent[0])
    if isinstance(parsed, FLAC):
        total, rate = getattr(info, "total_samples", 0), getattr(info, "sample_rate", 0)
        present = flac_samples_present(stream, size) if total and rate else None
        return None if present is None else truncation(total / rate, min(present, total) / rate)
    if isinstance(info, MPEGInfo) and info.bitrate:
        frame_bytes = size - int(getattr(info, "frame_offset", 0))
        return truncation(declared, frame_bytes * 8 / info.bitrate)
    return None


def _seconds(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if number > 0 and number != float("inf") else 0.0


def _ogg_ends(stream: BinaryIO, size: int) -> bool:
    """Whether the last complete Ogg page in the file carries the end-of-stream flag."""
    start = max(0, size - _OGG_MAX_PAGE)
    stream.seek(start)
    tail = stream.read(size - start)
    position = len(tail)
    while (position := tail.rfind(b"OggS", 0, position)) >= 0:
        page = _page(tail[position:])
        if page is not None:
            return bool(page.last)
    return False


def _page(data: bytes) -> Any:
    """The Ogg page at the start of ``data``; None for a partial one (where the copy was cut) or an "OggS" that is
    packet data, either of which means: look further back."""
    try:
        return OggPage(io.BytesIO(data))  # type: ignore[no-untyped-call]
    except Exception:
        return None
