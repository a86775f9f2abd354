"""Putting a rendered CUE sheet on disk: where it goes, and writing it so that nothing else can be touched.

Where: beside the audio file, named after the audio file (``set.mp3`` -> ``set.cue``), or -- when the music is
mounted read-only, as in the cluster -- under a writable ``cue_dir`` that mirrors the library layout
(``<library_root>/2023/set.mp3`` -> ``<cue_dir>/2023/set.cue``; audio outside the library root goes straight into
``cue_dir``). The name always comes from the audio file, never from a tracklist title, so a title like
``../../etc/passwd`` can at most appear inside the sheet. Before writing, the target folder's real path (symlinks
resolved) must still lie inside the allowed base folder; otherwise :class:`CueWriteError`.

How: a temporary file in the same folder, fsync'ed, then ``os.replace`` onto the target. A reader sees the old sheet
or the new one, never half of one; a failed write leaves no temporary file behind. An existing symlink at the target
is replaced, not followed. Bytes are UTF-8 without a BOM.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tracktion_shared.cue.sheet import CueSheet, CueTracklist, render_cue
from tracktion_shared.errors import PermanentError

__all__ = ["CueWriteError", "WrittenCue", "cue_path_for", "write_cue", "write_cue_text"]


class CueWriteError(PermanentError):
    """The cue sheet cannot be written to its one allowed place (outside the folder, read-only, ...).

    Permanent: the same place fails the same way, and no other place is ever tried instead.
    """


@dataclass(frozen=True)
class WrittenCue:
    """Where the sheet was written, and the sheet itself (its text, which tracks went in and which did not)."""

    path: Path
    sheet: CueSheet


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(os.path.expanduser(path)))


def _base_and_folder(audio: Path, cue_dir: Path | None, library_root: Path | None) -> tuple[Path, Path]:
    if cue_dir is None:
        return audio.parent, audio.parent
    base = _absolute(cue_dir)
    if library_root is not None:
        root = _absolute(library_root)
        with contextlib.suppress(ValueError):
            return base, base / audio.parent.relative_to(root)
    return base, base


def cue_path_for(audio: Path, *, cue_dir: Path | None = None, library_root: Path | None = None) -> Path:
    """Where the sheet for ``audio`` goes (see the module docstring); computes only, touches nothing."""
    audio = _absolute(audio)
    _, folder = _base_and_folder(audio, cue_dir, library_root)
    return folder / f"{audio.stem}.cue"


def write_cue(
    tracklist: CueTracklist,
    audio: Path,
    *,
    cue_dir: Path | None = None,
    library_root: Path | None = None,
    output: Path | None = None,
) -> WrittenCue:
    """Render and write the sheet for ``audio``; ``output`` (an explicit path a person chose) overrides the placement.

    The FILE line names the audio relative to the sheet's folder, so a player opening the sheet finds the audio.
    """
    audio = _absolute(audio)
    if output is not None:
        target = _absolute(output)
        base = target.parent
    else:
        base, folder = _base_and_folder(audio, cue_dir, library_root)
        target = folder / f"{audio.stem}.cue"
    file_value = audio.name if target.parent == audio.parent else os.path.relpath(audio, target.parent)
    sheet = render_cue(tracklist, file_value)
    write_cue_text(sheet.text, target, base=base, create=cue_dir is not None and output is None)
    return WrittenCue(target, sheet)


def write_cue_text(text: str, target: Path, *, base: Path, create: bool = False) -> None:
    """Atomically write ``text`` (UTF-8, no BOM) to ``target``, which must stay inside ``base``.

    The file always ends with a line break (CRLF, as the sheet's lines do), whoever made ``text``.
    """
    if not text.endswith(("\r\n", "\n")):
        text += "\r\n"
    folder = target.parent
    if target.name in ("", ".", "..") or "/" in target.name or "\x00" in target.name:
        raise CueWriteError(f"refusing to write a cue sheet named {target.name!r}")
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        real_base = os.path.realpath(base)
        real_folder = os.path.realpath(folder)
    except OSError as exc:
        raise CueWriteError(f"cannot prepare {folder}: {exc.strerror or exc}") from exc
    if os.path.commonpath([real_base, real_folder]) != real_base:
        raise CueWriteError(f"{folder} resolves to {real_folder}, outside {real_base}; not writing there")
    if target.is_dir():
        raise CueWriteError(f"{target} is a directory")
    data = text.encode("utf-8")
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem[:50]}.", suffix=".cue.tmp", dir=real_folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, os.path.join(real_folder, target.name))
        tmp_name = None
    except OSError as exc:
        raise CueWriteError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
