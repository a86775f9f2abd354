"""``python -m tracktion_tracklist``: run the tracklist service (settings from ``TRACKTION_*`` variables)."""

from __future__ import annotations

from tracktion_shared.runtime import run_service
from tracktion_tracklist.service import main

if __name__ == "__main__":
    run_service("tracklist", main)
