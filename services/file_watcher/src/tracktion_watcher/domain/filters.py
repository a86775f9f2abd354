"""Which paths under the watched folder are audio files the catalog should hear about.

Decided on names alone, so the scanner and the live event handler agree without touching the disk: an audio
extension (case-insensitive), not hidden (``.name``, ``~name`` -- editors' and sync tools' temporary files), not
inside a hidden directory (``.Trash-1000``, ``.sync``) or a partial-download bundle (Safari's ``x.mp3.download/``).
Partial downloads (``x.mp3.part``, ``x.mp3.crdownload``) end in a non-audio suffix and are therefore ignored too;
when they are renamed to their final name the watcher sees a move from an ignored name to an audio name, which is a
discovery.
"""

from __future__ import annotations

import os

__all__ = [
    "AUDIO_EXTENSIONS",
    "PARTIAL_SUFFIXES",
    "is_audio_name",
    "is_encodable",
    "is_ignored_dir_name",
    "is_watched_path",
    "printable_path",
]

#: the audio formats tracktion catalogs (compared lower-case).
AUDIO_EXTENSIONS: frozenset[str] = frozenset(
    {".mp3", ".flac", ".wav", ".aiff", ".aif", ".m4a", ".mp4", ".aac", ".ogg", ".opus", ".wma"}
)

#: suffixes browsers, torrent clients and copy tools give files (or bundles) that are still being written.
PARTIAL_SUFFIXES: frozenset[str] = frozenset(
    {
        ".part",
        ".partial",
        ".crdownload",
        ".download",
        ".tmp",
        ".temp",
        ".filepart",
        ".opdownload",
        ".aria2",
        ".!qb",
        ".!ut",
        ".!sync",
        ".dtapart",
        ".syncthing",
    }
)

_HIDDEN_PREFIXES = (".", "~")


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def is_audio_name(name: str) -> bool:
    """True for a file name the watcher reports: an audio extension, not hidden, not a temporary file."""
    if not name or name.startswith(_HIDDEN_PREFIXES):
        return False
    return _suffix(name) in AUDIO_EXTENSIONS


def is_ignored_dir_name(name: str) -> bool:
    """True for a directory whose contents are never reported: hidden ones and partial-download bundles."""
    return name.startswith(".") or _suffix(name) in PARTIAL_SUFFIXES


def is_watched_path(root: str, path: str) -> bool:
    """True when ``path`` (absolute, under ``root``) names an audio file outside any ignored directory."""
    prefix = root if root.endswith(os.sep) else root + os.sep
    if not path.startswith(prefix):
        return False
    parts = path[len(prefix) :].split(os.sep)
    return is_audio_name(parts[-1]) and not any(is_ignored_dir_name(part) for part in parts[:-1])


def is_encodable(path: str) -> bool:
    """False for a name with bytes that are not UTF-8 (Linux hands them over as surrogate escapes).

    Such a path cannot be written into a JSON message, so the watcher skips the file and says why.
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable_path(path: str) -> str:
    """``path`` safe to print or log: undecodable bytes shown as ``\\xff`` escapes instead of crashing the writer."""
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that did not come from an undecodable byte
        return path.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")
