"""``python -m tracktion_identify``: run the identify service (settings from ``TRACKTION_*`` variables)."""

from __future__ import annotations

from tracktion_identify.service import main
from tracktion_shared.runtime import run_service

if __name__ == "__main__":
    run_service("identify", main)
