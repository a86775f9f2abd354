"""The watcher's errors. Only a folder that cannot be watched at all is an error; odd files are skipped instead.

    TracktionError
    └── ConfigError
        └── WatchFolderError   the watched folder is missing, not a directory or cannot be listed

A scan that cannot list its root must not report ``ScanCompleted``: the catalog would mark every known file missing
because an NFS share was not mounted. So this is raised instead, and the caller decides (the CLI prints it, the
service's sweep logs it and tries again next time).
"""

from __future__ import annotations

from tracktion_shared.errors import ConfigError

__all__ = ["WatchFolderError"]


class WatchFolderError(ConfigError):
    """The folder to watch is missing, not a directory, or cannot be listed."""
