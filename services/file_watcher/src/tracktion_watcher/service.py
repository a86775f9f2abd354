"""The watcher as a long-running service: watch one folder and publish to the configured bus.

Started by ``python -m tracktion_watcher [FOLDER]`` (the container's entry point) or ``tracktion service watcher``
(found through the ``tracktion.services`` entry point); both hand a main to
:func:`tracktion_shared.runtime.run_service`, which cancels it on SIGTERM -- that stops the observer and closes the
bus. The folder is ``TRACKTION_WATCH_ROOT`` unless the command line names one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tracktion_shared.bus import create_bus
from tracktion_shared.config import Settings
from tracktion_shared.runtime import ServiceMain
from tracktion_watcher.settings import WatcherSettings
from tracktion_watcher.watcher import Watcher

__all__ = ["USAGE", "main", "main_for"]

USAGE = "usage: python -m tracktion_watcher [FOLDER]   (without FOLDER: $TRACKTION_WATCH_ROOT)"


async def main(settings: Settings, root: Path | None = None) -> None:
    """Watch ``root`` (default: the folder named by ``TRACKTION_WATCH_ROOT``) until cancelled."""
    watch_settings = WatcherSettings()
    folder = root if root is not None else watch_settings.require_root()  # the Watcher makes it absolute
    async with create_bus(settings) as bus:
        await Watcher(folder, bus, watch_settings).watch()


def main_for(argv: Sequence[str]) -> ServiceMain:
    """The service main for command-line arguments: none, or the one folder to watch."""
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        raise SystemExit(USAGE)
    if not argv:
        return main
    root = Path(argv[0])

    async def main_with_root(settings: Settings) -> None:
        await main(settings, root)

    return main_with_root
