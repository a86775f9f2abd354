"""``python -m tracktion_catalog``: run the catalog service (settings from ``TRACKTION_*`` variables)."""

from __future__ import annotations

from tracktion_catalog.service import main
from tracktion_shared.runtime import run_service

if __name__ == "__main__":
    run_service("catalog", main)
