"""The .cue sheet of a set identified from its audio, written where the tracklist service writes its sheets.

One sheet per set, named after the audio (``set.mp3`` -> ``set.cue``, placed by :func:`tracktion_shared.cue.write_cue`).
A sheet that is already there and was not written from the fingerprints is kept: a tracklist from 1001tracklists
or typed by hand names every track (also those the library lacks), and a sheet the DJ made is theirs. The
fingerprint's tracklist is stored by the catalog either way, with its times; only the file is not written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tracktion_shared.cue import CueWriteError, cue_path_for, write_cue
from tracktion_shared.messages import TracklistTrack

__all__ = ["write_identified_cue"]

log = logging.getLogger("tracktion.identify")

_SOURCE = re.compile(r'^REM COMMENT "source: ([^"]*)"', re.MULTILINE)
#: how much of an existing sheet is read to find its source (the header comes first)
_HEAD_BYTES = 4096


@dataclass(frozen=True)
class _Row:
    position: int
    artist: str
    title: str
    start_s: float | None
    mashup_linked: bool = False


@dataclass(frozen=True)
class _Sheet:
    tracks: tuple[_Row, ...]
    title: str | None
    source: str
    djs: tuple[str, ...] = ()
    url: str | None = None
    date: str | None = None
    genres: tuple[str, ...] = ()


def _source_of(sheet: Path) -> str | None:
    """The source an existing sheet names, "" for a sheet naming none, None when there is no sheet."""
    try:
        with sheet.open("rb") as handle:
            head = handle.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError:
        return ""  # unreadable: not ours to replace
    found = _SOURCE.search(head)
    return found.group(1) if found else ""


def write_identified_cue(
    audio: Path,
    rows: Sequence[TracklistTrack],
    *,
    source: str,
    title: str,
    artist: str = "",
    cue_dir: Path | None = None,
    library_root: Path | None = None,
) -> Path | None:
    """Write the sheet of ``rows`` for ``audio``; its path, or None when it is not written (and why is logged)."""
    target = cue_path_for(audio, cue_dir=cue_dir, library_root=library_root)
    existing = _source_of(target)
    if existing is not None and existing != source:
        log.info("%s: keeping the cue sheet there (%s)", target, f"source: {existing}" if existing else "not ours")
        return None
    sheet = _Sheet(
        tracks=tuple(_Row(r.position, r.artist, r.title, r.start_seconds) for r in rows),
        title=title,
        source=source,
        djs=(artist,) if artist else (),
    )
    try:
        return write_cue(sheet, audio, cue_dir=cue_dir, library_root=library_root).path
    except CueWriteError as error:
        log.warning("%s: tracklist found but no cue sheet written: %s", audio, error)
        return None
