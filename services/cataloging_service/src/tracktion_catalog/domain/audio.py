"""Judging audio from its own numbers: does a file hold the audio its container declares?

One rule for every format: the length the container declares (a WAV/AIFF data chunk's size, a FLAC STREAMINFO's
sample count, an MP3 Xing/VBRI header, an MP4 ``mdat`` box) is compared with the length the bytes actually present
can hold. A file missing more than :data:`TRUNCATION_TOLERANCE` of what it declares is truncated; the slack covers
encoder delay and padding, which some declared lengths leave out. Ogg declares no total length, but its last page is
marked end-of-stream; a file whose last page is not was cut off wherever it stops.

A truncated file is rejected (a ``failed`` file with this reason), whatever its format: it is a broken copy the DJ
should replace, and cataloging it would give the broken copy a recording of its own. Every reason starts
``truncated:`` and says how much is present (``12.0 s of 20.0 s``), so they read (and sort) alike.
"""

from __future__ import annotations

__all__ = ["TRUNCATION_TOLERANCE", "truncation", "unterminated"]

#: a file may hold up to this fraction less audio than it declares before it counts as truncated
TRUNCATION_TOLERANCE = 0.05


def truncation(declared_seconds: float, present_seconds: float) -> str | None:
    """Why the audio is truncated, or None when the file holds (about) the length it declares."""
    if declared_seconds <= 0 or present_seconds >= declared_seconds * (1 - TRUNCATION_TOLERANCE):
        return None
    return f"truncated: {max(present_seconds, 0.0):.1f} s of {declared_seconds:.1f} s present"


def unterminated(present_seconds: float | None) -> str:
    """The reason for a stream that declares no length and stops before its end mark (Ogg)."""
    present = f"{max(present_seconds, 0.0):.1f} s" if present_seconds is not None else "some audio"
    return f"truncated: {present} present, the stream stops before its end"
