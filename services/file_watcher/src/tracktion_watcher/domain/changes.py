"""What a file system event means for the catalog: the rules, kept apart from watchdog and the bus.

The observer adapter turns watchdog's events into :class:`FsEvent`; :class:`EventRules` applies one to the pending
files and returns the :data:`Effect` s the caller must carry out (announce a move or a deletion, log a skip).
Creations and modifications never produce a message directly: they make the path pending and the settle loop
reports it once it stops changing. The rules:

* created -> pending discovery; modified -> pending change (or, if already pending, its settle clock restarts);
* deleted -> FileDeleted, unless the path was a pending discovery the catalog never heard of;
* renamed audio -> audio: FileMoved (a pending discovery just follows the new name);
* renamed ignored -> audio (``x.part`` -> ``x.mp3``, or out of a hidden directory): a pending discovery;
* renamed audio -> ignored (or out of the folder): FileDeleted of the old path;
* a directory event needs no work of its own: watchdog reports the files of a moved or created directory one by one,
  and a deleted directory only drops whatever was pending inside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal
from uuid import UUID, uuid4

from tracktion_shared.messages import FileChanged, FileDiscovered
from tracktion_watcher.domain.filters import is_encodable, is_watched_path
from tracktion_watcher.domain.pending import Intent, PendingFiles, Ready, Reason
from tracktion_watcher.domain.skips import SkippedPath

__all__ = [
    "NOT_UTF8",
    "AnnounceDelete",
    "AnnounceMove",
    "Effect",
    "EventRules",
    "FsEvent",
    "settled_message",
]

#: the reason given for a file whose name cannot travel in a message.
NOT_UTF8 = "file name is not valid UTF-8 and cannot be sent in a message; rename it"


@dataclass(frozen=True, slots=True)
class FsEvent:
    """One change in the watched tree, as the observer saw it. ``dest`` is set for moves only."""

    kind: Literal["created", "modified", "moved", "deleted"]
    path: str
    dest: str | None = None
    is_dir: bool = False


@dataclass(frozen=True, slots=True)
class AnnounceMove:
    """Publish FileMoved ``old`` -> ``new`` (the caller stats ``new`` for its size and mtime)."""

    old: str
    new: str
    correlation_id: UUID


@dataclass(frozen=True, slots=True)
class AnnounceDelete:
    """Publish FileDeleted for ``path``."""

    path: str
    correlation_id: UUID


Effect = AnnounceMove | AnnounceDelete | SkippedPath


class EventRules:
    """Applies events under ``root`` to ``pending``; ``new_id`` makes correlation ids (fixed in tests)."""

    def __init__(self, root: str, pending: PendingFiles, new_id: Callable[[], UUID] = uuid4) -> None:
        self.root = root
        self.pending = pending
        self.new_id = new_id

    def _check(self, path: str) -> tuple[bool, SkippedPath | None]:
        """Whether ``path`` is a reportable audio file, and the skip to record when it is audio but unsendable."""
        if not is_watched_path(self.root, path):
            return False, None
        if not is_encodable(path):
            return False, SkippedPath(path, NOT_UTF8)
        return True, None

    def apply(self, event: FsEvent, now: float) -> list[Effect]:
        """Update the pending files for ``event`` (seen at monotonic time ``now``); returns what is left to do."""
        if event.is_dir:
            if event.kind == "deleted":
                return self._gone(self.pending.remove_under(event.path))
            return []
        if event.kind == "moved":
            return self._moved(event.path, event.dest or "", now)
        ok, skipped = self._check(event.path)
        if not ok:
            return [skipped] if skipped is not None and event.kind != "deleted" else []
        if event.kind == "created":
            self.pending.add(event.path, Reason(Intent.DISCOVERED, self.new_id()), now)
        elif event.kind == "modified":
            if not self.pending.touch(event.path, now):
                self.pending.add(event.path, Reason(Intent.CHANGED, self.new_id()), now)
        else:  # deleted
            reason = self.pending.remove(event.path)
            return self._gone([(event.path, reason)])
        return []

    def _gone(self, paths: Sequence[tuple[str, Reason | None]]) -> list[Effect]:
        """Deletions to announce: all but pending discoveries, which the catalog was never told about."""
        return [
            AnnounceDelete(path, reason.correlation_id if reason else self.new_id())
            for path, reason in paths
            if reason is None or reason.intent is Intent.CHANGED
        ]

    def _moved(self, src: str, dest: str, now: float) -> list[Effect]:
        src_ok, _ = self._check(src)
        dest_ok, dest_skipped = self._check(dest)
        effects: list[Effect] = [dest_skipped] if dest_skipped is not None else []
        if src_ok and dest_ok:
            if src == dest:
                return effects
            reason = self.pending.move(src, dest)
            if reason is None:
                self.pending.remove(dest)  # the rename replaced whatever was settling there
                effects.append(AnnounceMove(src, dest, self.new_id()))
            elif reason.intent is Intent.CHANGED:  # the catalog knows the old name; the new content follows later
                effects.append(AnnounceMove(src, dest, reason.correlation_id))
        elif src_ok:
            effects.extend(self._gone([(src, self.pending.remove(src))]))
        elif dest_ok:
            self.pending.add(dest, Reason(Intent.DISCOVERED, self.new_id()), now)
        return effects


def settled_message(ready: Ready) -> FileDiscovered | FileChanged:
    """The message that reports a pending file once it has settled."""
    kind = FileChanged if ready.reason.intent is Intent.CHANGED and ready.reason.scan_id is None else FileDiscovered
    return kind(
        path=ready.file.path,
        size=ready.file.size,
        mtime=ready.file.mtime,
        scan_id=ready.reason.scan_id,
        correlation_id=ready.reason.correlation_id,
    )
