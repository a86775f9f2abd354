"""CUE sheets: rendering a set's tracklist as a ``.cue`` and writing it beside (or for) the audio file.

Shared because every source of a tracklist -- 1001tracklists, one typed by hand, audio fingerprints -- writes the
same sheet: one format, one set of quoting and length rules, one safe way onto the disk, whichever service found the
tracks. The services pass their own frozen tracklist dataclasses; anything with the read-only attributes of
:class:`CueTracklist` and :class:`CueTrack` is rendered as it is.

:mod:`tracktion_shared.cue.sheet` renders (pure text; the format and the choices behind it are in its docstring),
:mod:`tracktion_shared.cue.files` places and writes (atomically, never outside the allowed folder, else
:class:`CueWriteError`).
"""

from __future__ import annotations

from tracktion_shared.cue.files import CueWriteError, WrittenCue, cue_path_for, write_cue, write_cue_text
from tracktion_shared.cue.sheet import (
    FIELD_LIMIT,
    FRAMES_PER_SECOND,
    MAX_TRACKS,
    CueSheet,
    CueTrack,
    CueTracklist,
    escape,
    file_type,
    format_index,
    quote,
    render_cue,
    to_frames,
)

__all__ = [
    "FIELD_LIMIT",
    "FRAMES_PER_SECOND",
    "MAX_TRACKS",
    "CueSheet",
    "CueTrack",
    "CueTracklist",
    "CueWriteError",
    "WrittenCue",
    "cue_path_for",
    "escape",
    "file_type",
    "format_index",
    "quote",
    "render_cue",
    "to_frames",
    "write_cue",
    "write_cue_text",
]
