"""The analysis service's errors, placed in tracktion's one error tree so callers know whether to retry.

    TracktionError
    ├── PermanentError
    │   └── UnanalysableAudio        this content cannot be analysed; retrying the same bytes fails the same way
    │       ├── AudioNotFound        the file is gone or unreadable (permissions)
    │       ├── UnreadableAudio      not audio, corrupt, or a codec the decoder does not know
    │       ├── TooShortAudio        shorter than the minimum (5 s by default): no tempo or key to speak of
    │       └── SilentAudio          nothing above -60 dBFS
    ├── ConfigError
    │   └── MoodModelError           TRACKTION_MOOD_MODEL is missing, unreadable, or essentia-tensorflow is absent
    └── TemporaryError
        ├── AnalysisWorkerError      the worker process died (out of memory, killed); another attempt may succeed
        └── ScratchSpaceError        an Opus file's temporary FLAC copy cannot be written (disk full, TMPDIR)

Every message is one line that names the file's problem, because it ends up on a CLI's stderr and in an
``AnalysisFailed.reason``. The classes take only a message, so they survive pickling across the process pool.
"""

from __future__ import annotations

from tracktion_shared.errors import ConfigError, PermanentError, TemporaryError

__all__ = [
    "AnalysisWorkerError",
    "AudioNotFound",
    "MoodModelError",
    "ScratchSpaceError",
    "SilentAudio",
    "TooShortAudio",
    "UnanalysableAudio",
    "UnreadableAudio",
]


class UnanalysableAudio(PermanentError):
    """The recording's content cannot be analysed (the subclass says why)."""


class AudioNotFound(UnanalysableAudio):
    """The file does not exist (any more) or cannot be opened."""


class UnreadableAudio(UnanalysableAudio):
    """The decoder cannot read the file: not audio, corrupt or truncated beyond use, or an unknown codec."""


class TooShortAudio(UnanalysableAudio):
    """Too short for a tempo or key."""


class SilentAudio(UnanalysableAudio):
    """Digital silence or close to it."""


class MoodModelError(ConfigError):
    """The configured mood model cannot be used; fix TRACKTION_MOOD_MODEL or install the tensorflow extra."""


class AnalysisWorkerError(TemporaryError):
    """A worker process died while analysing; the pool is rebuilt and the message retried."""


class ScratchSpaceError(TemporaryError):
    """The temporary copy a format essentia cannot decode is converted to could not be written (disk full, TMPDIR
    not writable). Nothing is wrong with the recording, so it is not an :class:`UnanalysableAudio`: once space is
    freed, a retry succeeds."""
