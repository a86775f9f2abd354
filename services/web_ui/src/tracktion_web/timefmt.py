"""How times read on the pages and in the API: ``h:mm:ss`` (a set is hours long; cue sheets count in frames)."""

from __future__ import annotations

import math

__all__ = ["clock"]


def clock(seconds: float | None) -> str | None:
    """``3723.4`` -> ``"1:02:03"``, ``75`` -> ``"1:15"``; None (or not a finite time) -> None."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
