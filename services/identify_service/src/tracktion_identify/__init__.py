"""tracktion_identify: which library tracks play inside a recorded set, found from the audio alone.

Tempo- and pitch-robust fingerprints (spectral-peak quads hashed by semitone differences and time ratios), an index
in SQLite (embedded) or PostgreSQL (cluster), Hough matching into segments. The public surface is re-exported here.
"""

from __future__ import annotations

from tracktion_identify.adapters.index import FINGERPRINT_VERSION, FingerprintIndex, IndexedRecording
from tracktion_identify.domain.result import FoundTrack, Identification, Span
from tracktion_identify.errors import (
    AudioNotFound,
    IndexUnavailable,
    TooShortAudio,
    UnfingerprintableAudio,
    UnreadableAudio,
)
from tracktion_identify.identifier import Fingerprint, find_in_sets, fingerprint, identify
from tracktion_identify.service import main, open_index, register
from tracktion_identify.settings import IdentifySettings

__all__ = [
    "FINGERPRINT_VERSION",
    "AudioNotFound",
    "Fingerprint",
    "FingerprintIndex",
    "FoundTrack",
    "Identification",
    "IdentifySettings",
    "IndexUnavailable",
    "IndexedRecording",
    "Span",
    "TooShortAudio",
    "UnfingerprintableAudio",
    "UnreadableAudio",
    "find_in_sets",
    "fingerprint",
    "identify",
    "main",
    "open_index",
    "register",
]
