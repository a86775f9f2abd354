"""The catalog's errors, and what each means for the message being handled.

    TracktionError
    ├── CatalogError
    │   ├── BadFile (also PermanentError)   the file itself cannot be cataloged: empty, not audio, truncated,
    │   │                                   unreadable. Recorded on the file's row as ``failed``; never retried.
    │   └── UnknownRecording (also PermanentError)
    │                                       a result names a recording the catalog does not have: dead-lettered
    ├── ConfigError
    │   └── SchemaNotCurrent                the database is not migrated to this build's head
    └── TemporaryError
        └── FileInFlux                      the file changed while it was read, or the disk hiccuped: the bus
                                            redelivers the message later

A bad file is not an error of the message: the handler records it and acknowledges. Only what may go away by itself
reaches the bus as an exception.
"""

from __future__ import annotations

from tracktion_shared.errors import ConfigError, PermanentError, TemporaryError, TracktionError

__all__ = ["BadFile", "CatalogError", "FileInFlux", "SchemaNotCurrent", "UnknownRecording"]


class CatalogError(TracktionError):
    """Base of the catalog's own errors."""


class BadFile(CatalogError, PermanentError):
    """The file cannot be cataloged as it is; the message says why, in words a person can act on."""


class UnknownRecording(CatalogError, PermanentError):
    """A message is about a recording id the catalog has never had (or has deleted); retrying cannot help."""


class FileInFlux(TemporaryError):
    """Reading the file gave no stable answer (it changed underneath, or an I/O error that may pass)."""


class SchemaNotCurrent(ConfigError):
    """The database schema is not the one this build expects; run ``tracktion db upgrade``."""
