"""Numbers read back from the catalog's metadata, which holds them as text.

Read leniently: a value that does not parse, or is not finite, is shown as unknown instead of failing the page
(other stages wrote it, and a page must show what it can). Both the library table and the recording page use it.
"""

from __future__ import annotations

import math

__all__ = ["number"]


def number(value: str | None) -> float | None:
    """``"0.32"`` -> ``0.32``; None, ``"abc"``, ``"nan"`` or ``"inf"`` -> None."""
    try:
        parsed = float(value) if value is not None else None
    except ValueError:
        return None
    return parsed if parsed is not None and math.isfinite(parsed) else None
