"""``python -m tracktion_watcher [FOLDER]``: run the watcher service (other settings from ``TRACKTION_*``)."""

from __future__ import annotations

import sys

from tracktion_shared.runtime import run_service
from tracktion_watcher.service import main_for

if __name__ == "__main__":
    run_service("watcher", main_for(sys.argv[1:]))
