"""Decode any recording to mono samples at the fingerprint's rate, block by block, with PyAV (FFmpeg).

PyAV ships FFmpeg's decoders in its wheel, so MP3, FLAC, WAV, AIFF, M4A/AAC, Ogg Vorbis and Opus all decode
without a system FFmpeg, and its resampler turns whatever comes out into 8 kHz mono float. Blocks are yielded as they
are decoded, so the fingerprinter holds about a minute of a two-hour set, never the whole signal.

A file FFmpeg cannot open or that breaks mid-way raises :class:`UnreadableAudio` with FFmpeg's reason on one line;
a file that is not there, :class:`AudioNotFound`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from tracktion_identify.domain.fingerprint import SAMPLE_RATE
from tracktion_identify.errors import AudioNotFound, UnreadableAudio

__all__ = ["decode_blocks"]


def _reason(error: BaseException) -> str:
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(str(text).split())


def decode_blocks(path: Path) -> Iterator[npt.NDArray[np.float32]]:
    """Mono float32 blocks at :data:`SAMPLE_RATE` of ``path``'s first audio stream, in order."""
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except FileNotFoundError as error:
        raise AudioNotFound(f"{path}: file not found") from error
    except PermissionError as error:
        raise AudioNotFound(f"{path}: permission denied") from error
    except (av.FFmpegError, OSError, UnicodeDecodeError) as error:
        raise UnreadableAudio(f"{path}: cannot be decoded ({_reason(error)})") from error
    with container:
        if not container.streams.audio:
            raise UnreadableAudio(f"{path}: holds no audio stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    yield np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1)
            for out in resampler.resample(None):
                yield np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1)
        except (av.FFmpegError, OSError, ValueError) as error:
            raise UnreadableAudio(f"{path}: cannot be decoded ({_reason(error)})") from error
