"""A decodable stand-in for recordings essentia's bundled FFmpeg cannot read: Ogg Opus, as a temporary FLAC.

essentia's FFmpeg is built without the Opus decoder (``AudioLoader: Unsupported codec!``), while libsndfile, behind
python-soundfile, reads Ogg Opus. :func:`readable_by_essentia` hands every other file through untouched and, for
Opus, converts it once into a mono 16-bit FLAC in a temporary directory, which essentia then decodes like any other
file. The copy is deleted when the block ends, also when it raises.

Opus is recognised by its bytes (an Ogg page whose first packet is ``OpusHead``), not by its extension, so an Opus
file named ``.ogg`` (or anything else) is converted too, and an Ogg Vorbis file, which FFmpeg reads, is not.

The conversion streams block by block (:data:`BLOCK_FRAMES` frames at a time), so memory stays at a few hundred KB
whatever the length: a two-hour set is never held in one array. Channels are averaged to mono (the analysis mixes
to mono anyway, and it halves the copy) and the sample rate is kept (essentia resamples on decoding). The copy
takes at most 5.8 MB of disk per minute at 48 kHz (less after FLAC's compression), and only while it is analysed.

libsndfile decodes a damaged Opus file without complaint up to the damage and then stops, so the analysis would
catalogue part of a recording as all of it. An Opus file therefore has to end with its end-of-stream page (checked
before converting: an interrupted copy or download fails at once) and decode to the length that page declares.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile

from tracktion_analysis.errors import AudioNotFound, ScratchSpaceError, UnreadableAudio

__all__ = ["BLOCK_FRAMES", "is_ogg_opus", "readable_by_essentia"]

#: frames converted per step: large enough that the per-call cost vanishes, small enough to be a few hundred KB.
BLOCK_FRAMES = 1 << 16

#: an Ogg page header: "OggS", version, flags, granule position, serial, sequence number, CRC, segment count
_PAGE_HEADER = struct.Struct("<4sBBqIIIB")
_END_OF_STREAM = 0x04
#: the largest possible Ogg page (header, 255 lacing values, 255 segments of 255 bytes)
_MAX_PAGE = _PAGE_HEADER.size + 255 + 255 * 255
#: the longest Opus packet, in seconds (RFC 6716)
_MAX_PACKET_S = 0.12
#: sndfile.h's SF_ERR_* codes, for when sf_strerror says nothing (it is empty for a failed write, say)
_LIBSNDFILE_ERRORS = {1: "format not recognised", 2: "system error", 3: "malformed file", 4: "unsupported encoding"}


@contextmanager
def readable_by_essentia(path: Path) -> Iterator[Path]:
    """``path`` itself if essentia can decode it, else (Ogg Opus) a temporary FLAC copy, deleted afterwards.

    Raises :class:`UnreadableAudio` for an Opus file that is corrupt or cut short, :class:`ScratchSpaceError` when
    the copy cannot be written, :class:`AudioNotFound` when ``path`` cannot be opened.
    """
    if not is_ogg_opus(path):
        yield path
        return
    _check_complete(path)
    try:
        scratch = tempfile.TemporaryDirectory(prefix="tracktion-opus-")
    except OSError as exc:
        raise ScratchSpaceError(
            f"{path.name}: cannot create a temporary directory for its FLAC copy ({exc.strerror or exc})"
        ) from exc
    with scratch as directory:
        copy = Path(directory) / "decoded.flac"
        _transcode(path, copy)
        yield copy


def is_ogg_opus(path: Path) -> bool:
    """Whether ``path`` starts with an Ogg page carrying an Opus identification header (RFC 7845 section 3)."""
    head = _read(path, _PAGE_HEADER.size + 255 + 8)
    if len(head) < _PAGE_HEADER.size:
        return False
    magic, version, *_, segments = _PAGE_HEADER.unpack_from(head)
    body = _PAGE_HEADER.size + segments
    return bool(magic == b"OggS" and version == 0 and head[body : body + 8] == b"OpusHead")


def _check_complete(path: Path) -> None:
    """Reject an Opus file that does not end with its end-of-stream page (an interrupted copy or download): one
    read of the last 64 KB, before minutes of converting."""
    tail = _read(path, _MAX_PAGE, from_end=True)
    start = tail.rfind(b"OggS")
    while start >= 0:  # "OggS" can occur inside packet data: the last page is the one that ends exactly at the end
        if len(tail) - start >= _PAGE_HEADER.size:
            _magic, _version, flags, *_, segments = _PAGE_HEADER.unpack_from(tail, start)
            lacing = tail[start + _PAGE_HEADER.size : start + _PAGE_HEADER.size + segments]
            if len(lacing) == segments and start + _PAGE_HEADER.size + segments + sum(lacing) == len(tail):
                if flags & _END_OF_STREAM:
                    return
                break
        start = tail.rfind(b"OggS", 0, start)
    raise UnreadableAudio(f"{path.name}: the Opus stream is cut short (the file ends without its last Ogg page)")


def _transcode(source: Path, target: Path) -> None:
    """Convert ``source`` to a mono 16-bit FLAC at ``target``, one block at a time."""
    name = source.name
    try:
        reader = soundfile.SoundFile(str(source))
    except (soundfile.SoundFileError, OSError) as exc:
        raise UnreadableAudio(f"{name}: cannot decode it as Opus ({_reason(exc)})") from exc
    with reader:
        try:
            with soundfile.SoundFile(
                str(target), "w", samplerate=reader.samplerate, channels=1, format="FLAC", subtype="PCM_16"
            ) as writer:
                block = np.empty((BLOCK_FRAMES, reader.channels), dtype=np.float32)
                decoded = 0
                while frames := _read_block(reader, block, name):
                    mono = block[:frames].mean(axis=1, dtype=np.float32)
                    # Opus decodes slightly past full scale on loud masters; libsndfile would wrap, not clip, those
                    writer.write(np.clip(mono, -1.0, 1.0, out=mono))
                    decoded += frames
        except (soundfile.SoundFileError, OSError) as exc:
            raise ScratchSpaceError(
                f"{name}: cannot write its temporary FLAC copy in {target.parent.parent} ({_reason(exc)}; "
                "is the disk full or TMPDIR not writable?)"
            ) from exc
        _check_decoded(name, decoded, reader.frames, reader.samplerate)


def _check_decoded(name: str, decoded: int, expected: int, rate: int) -> None:
    """A damaged page in the middle ends libsndfile's decoding early and silently; the length the last page
    declares tells. (An intact file decodes to exactly that length; a packet's worth of slack is allowed.)"""
    if expected - decoded > rate * _MAX_PACKET_S:
        raise UnreadableAudio(
            f"{name}: the Opus stream is corrupt: decoding stops at {decoded / rate:.1f} s of {expected / rate:.1f} s"
        )


def _read_block(reader: Any, block: npt.NDArray[np.float32], name: str) -> int:
    """Decode the next block into ``block``; the number of frames read (0 at the end)."""
    try:
        return len(reader.read(len(block), dtype="float32", always_2d=True, out=block))
    except (soundfile.SoundFileError, OSError) as exc:
        raise UnreadableAudio(f"{name}: cannot decode it as Opus, it is corrupt ({_reason(exc)})") from exc


def _read(path: Path, size: int, *, from_end: bool = False) -> bytes:
    """The first (or last) ``size`` bytes of ``path``; an unopenable file is :class:`AudioNotFound`."""
    try:
        with path.open("rb") as handle:
            if from_end:
                handle.seek(max(0, handle.seek(0, os.SEEK_END) - size))
            return handle.read(size)
    except OSError as exc:
        raise AudioNotFound(f"{path.name}: cannot open it ({exc.strerror or exc})") from exc


def _reason(exc: Exception) -> str:
    """A one-line reason without the file's path: libsndfile's text, which is often empty, else its error code's."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    if isinstance(exc, soundfile.LibsndfileError):
        text = " ".join(str(exc.error_string).split())
        return text or _LIBSNDFILE_ERRORS.get(exc.code, f"libsndfile error {exc.code}")
    return " ".join(str(exc).split()) or type(exc).__name__
