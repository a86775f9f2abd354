"""The identify service's errors, in tracktion's one error tree so callers know whether to retry.

    TracktionError
    ├── PermanentError
    │   └── UnfingerprintableAudio   this content cannot be fingerprinted; the same bytes fail the same way
    │       ├── AudioNotFound        the file is gone or cannot be opened
    │       ├── UnreadableAudio      not audio, corrupt, or a codec FFmpeg does not know
    │       └── TooShortAudio        too short or too quiet to hold a fingerprint (silence, a 2-second clip)
    └── TemporaryError
        └── IndexUnavailable         the fingerprint index cannot be reached (PostgreSQL restarting, disk full)

Every message is one line naming the file's problem: it ends up on a CLI's stderr and in a message's ``reason``.
"""

from __future__ import annotations

from tracktion_shared.errors import PermanentError, TemporaryError

__all__ = ["AudioNotFound", "IndexUnavailable", "TooShortAudio", "UnfingerprintableAudio", "UnreadableAudio"]


class UnfingerprintableAudio(PermanentError):
    """The recording's content cannot be fingerprinted (the subclass says why)."""


class AudioNotFound(UnfingerprintableAudio):
    """The file is gone or cannot be opened."""


class UnreadableAudio(UnfingerprintableAudio):
    """Not audio, corrupt, or a codec the decoder does not know."""


class TooShortAudio(UnfingerprintableAudio):
    """Too short or too quiet to hold enough spectral peaks to be found again."""


class IndexUnavailable(TemporaryError):
    """The fingerprint index cannot be read or written just now."""
