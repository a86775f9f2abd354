"""``python -m tracktion_analysis``: run the analysis service (settings from ``TRACKTION_*`` variables)."""

from __future__ import annotations

from tracktion_analysis.service import main
from tracktion_shared.runtime import run_service

if __name__ == "__main__":
    run_service("analysis", main)
