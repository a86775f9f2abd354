"""Text chunks of WAV and AIFF files, which mutagen does not read; and how much of their audio chunk is there.

mutagen reads ID3 tags inside WAV/AIFF, but many tools (libsndfile, ffmpeg, DAWs) write the containers' own text
chunks instead: RIFF ``LIST/INFO`` (``IART``, ``INAM`` ...) and AIFF ``NAME``/``AUTH``. This walks the chunk headers
(seeking over the audio, so a 2 GB WAV costs a few reads) and returns their text under ``riff:``/``aiff:`` names for
:func:`tracktion_catalog.domain.tags.pick_tags`. Malformed chunk lists end the walk; they never raise. The same walk
(and one over MP4's top-level boxes) finds the audio data chunk whose declared size judges truncation.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

__all__ = ["read_aiff_text", "read_riff_info"]

_MAX_CHUNKS = 1000  # a real file has a handful; a garbage one must not keep us walking
_MAX_TEXT_CHUNK = 64 * 1024
_AIFF_TEXT = {b"NAME": "aiff:name", b"AUTH": "aiff:auth", b"ANNO": "aiff:anno", b"(c) ": "aiff:copyright"}


def _decode(data: bytes) -> str:
    """Chunk text has no declared encoding: UTF-8 when it is valid, else Windows-1252 (what most tools wrote)."""
    data = data.split(b"\x00", 1)[0]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _chunks(stream: BinaryIO, start: int, end: int, endian: str) -> list[tuple[bytes, int, int]]:
    """``(id, data offset, size)`` of the chunks between ``start`` and ``end``, without reading their data."""
    found: list[tuple[bytes, int, int]] = []
    position = start
    while position + 8 <= end and len(found) < _MAX_CHUNKS:
        stream.seek(position)
        header = stream.read(8)
        if len(header) < 8:
            break
        chunk_id, size = struct.unpack(f"{endian}4sI", header)
        found.append((chunk_id, position + 8, size))
        position += 8 + size + (size & 1)  # chunks are padded to an even length
    return found


def _file_end(stream: BinaryIO) -> int:
    stream.seek(0, 2)
    return stream.tell()


def read_riff_info(stream: BinaryIO) -> dict[str, list[str]]:
    """The ``LIST/INFO`` entries of a RIFF/WAVE file as ``{"riff:iart": [...], ...}``; empty when there are none."""
    end = _file_end(stream)
    stream.seek(0)
    if stream.read(12)[8:12] != b"WAVE":
        return {}
    found: dict[str, list[str]] = {}
    for chunk_id, offset, size in _chunks(stream, 12, end, "<"):
        if chunk_id != b"LIST" or size < 4:
            continue
        stream.seek(offset)
        if stream.read(4) != b"INFO":
            continue
        for entry_id, entry_offset, entry_size in _chunks(stream, offset + 4, min(offset + size, end), "<"):
            stream.seek(entry_offset)
            text = _decode(stream.read(min(entry_size, _MAX_TEXT_CHUNK)))
            key = "riff:" + entry_id.decode("latin-1").strip().lower()
            found.setdefault(key, []).append(text)
    return found


def read_aiff_text(stream: BinaryIO) -> dict[str, list[str]]:
    """The text chunks of an AIFF/AIFC file (``NAME``, ``AUTH``, ...) as ``{"aiff:name": [...], ...}``."""
    end = _file_end(stream)
    stream.seek(0)
    head = stream.read(12)
    if head[:4] != b"FORM" or head[8:12] not in (b"AIFF", b"AIFC"):
        return {}
    found: dict[str, list[str]] = {}
    for chunk_id, offset, size in _chunks(stream, 12, end, ">"):
        key = _AIFF_TEXT.get(chunk_id)
        if key is not None:
            stream.seek(offset)
            found.setdefault(key, []).append(_decode(stream.read(min(size, _MAX_TEXT_CHUNK))))
    return found


def audio_data_extent(stream: BinaryIO) -> tuple[int, int] | None:
    """``(declared, present)`` bytes of the audio data chunk: WAV ``data``, AIFF ``SSND`` or MP4 ``mdat``.

    What truncation is judged by for these containers: a copy that was cut off keeps the chunk header that declares
    the whole size. None when there is no such chunk, or its size is a placeholder (0, or RF64's 0xFFFFFFFF).
    """
    end = _file_end(stream)
    stream.seek(0)
    head = stream.read(12)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        wanted, chunks = b"data", _chunks(stream, 12, end, "<")
    elif head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        wanted, chunks = b"SSND", _chunks(stream, 12, end, ">")
    elif head[4:8] == b"ftyp":
        wanted, chunks = b"mdat", _boxes(stream, end)
    else:
        return None
    for chunk_id, offset, size in chunks:
        if chunk_id == wanted and 0 < size < 0xFFFFFFFF:
            return size, max(0, min(size, end - offset))
    return None


def mp4_cut_short(stream: BinaryIO) -> bool:
    """Whether an MP4 file's top-level boxes run past its end: a copy cut off before its index (``moov``) could be
    parsed at all, which mutagen reports as "not a MP4 file"."""
    end = _file_end(stream)
    stream.seek(0)
    if stream.read(8)[4:8] != b"ftyp":
        return False
    return any(offset + size > end for _, offset, size in _boxes(stream, end))


def _boxes(stream: BinaryIO, end: int) -> list[tuple[bytes, int, int]]:
    """``(type, data offset, data size)`` of an MP4 file's top-level boxes (32- or 64-bit sizes; 0 = to the end)."""
    found: list[tuple[bytes, int, int]] = []
    position = 0
    while position + 8 <= end and len(found) < _MAX_CHUNKS:
        stream.seek(position)
        size, box = struct.unpack(">I4s", stream.read(8))
        header = 8
        if size == 1:
            extended = stream.read(8)
            if len(extended) < 8:
                break
            (size,), header = struct.unpack(">Q", extended), 16
        elif size == 0:
            size = end - position
        if size < header:
            break
        found.append((box, position + header, size - header))
        position += size
    return found
