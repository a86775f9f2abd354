"""tracktion's web UI and JSON API: browse the catalog by tempo, key and mood, set by set.

Read-only: it reads the catalog database through :mod:`tracktion_shared.storage` and asks the graph; it never writes
either. :func:`create_app` builds the FastAPI application; ``python -m tracktion_web`` (the image) and
``tracktion ui`` serve it.
"""

from __future__ import annotations

from tracktion_web.app import create_app
from tracktion_web.settings import UiSettings

__all__ = ["UiSettings", "create_app"]
