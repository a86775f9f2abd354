"""The one error tree of tracktion.

Every failure is either worth retrying or not, and the code that meets it knows best which. Consumers turn the
answer into the fate of a message: a :class:`TemporaryError` (or any unexpected exception) is retried a bounded
number of times with growing delays; a :class:`PermanentError` goes to the dead-letter queue at once, because
repeating it can only fail the same way.

    TracktionError
    ├── ConfigError                 settings that cannot work (bad URL scheme, missing model file)
    ├── PermanentError              retrying cannot help
    │   ├── MessageError            a message body that cannot be decoded
    │   │   └── UnsupportedSchemaVersion
    │   └── CueWriteError           a .cue that cannot be written where it must go (in :mod:`tracktion_shared.cue`)
    └── TemporaryError(delay)       retrying later may help (server down, file still being copied)
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "MessageError",
    "PermanentError",
    "TemporaryError",
    "TracktionError",
    "UnsupportedSchemaVersion",
]


class TracktionError(Exception):
    """Base of every error tracktion raises on purpose."""


class ConfigError(TracktionError):
    """The configuration cannot work; fix the environment and start again."""


class PermanentError(TracktionError):
    """Retrying cannot help: the input itself is bad."""


class MessageError(PermanentError):
    """A message body that is not valid JSON, names an unknown type, or fails its schema."""


class UnsupportedSchemaVersion(MessageError):
    """A message written by a newer (or much older) tracktion than this one understands."""


class TemporaryError(TracktionError):
    """Retrying later may help; ``delay`` (seconds) asks for at least that long a wait."""

    def __init__(self, message: str, *, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay
