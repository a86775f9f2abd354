"""Judging audio from its own numbers: is a file shorter than its headers say it is?

An MP3 encoder writes a Xing/Info header with the frame count (and the byte count) of the whole stream. A copy that
was cut off still carries that header, so its declared duration times its bitrate promises more bytes than the file
has. A file missing more than :data:`TRUNCATION_TOLERANCE` of what it promises is truncated; the slack covers the
encoder delay and padding that the duration leaves out.
"""

from __future__ import annotations

__all__ = ["TRUNCATION_TOLERANCE", "truncation"]

#: a file may hold up to this fraction less audio than its headers imply before it counts as truncated
TRUNCATION_TOLERANCE = 0.05


def truncation(expected_audio_bytes: float, actual_audio_bytes: int) -> str | None:
    """Why the audio is truncated, or None when the file holds (about) what its headers promise."""
    if expected_audio_bytes <= 0 or actual_audio_bytes >= expected_audio_bytes * (1 - TRUNCATION_TOLERANCE):
        return None
    return f"truncated: expected ~{round(expected_audio_bytes)} bytes of audio, file has {actual_audio_bytes}"
