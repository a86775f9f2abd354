"""Taking turns on the embedded graph's file across processes: an advisory lock, and a turnstile in front of it.

LadybugDB lets one process open its file for writing, and a read-only open beside a live writer may crash or read
wrong data (LadybugDB issues #666, #766), so the processes that use the file -- a scan or watch writing it, ``tracktion
graph`` and the web UI asking it -- hold a :class:`FileTurn` while they have it open: ``flock`` on ``<file>.lock``,
shared for readers, exclusive for the writer.

Readers that come one right after another could keep a writer out for good (a lock that is never free between them
is never free for it), so the lock is reached through a turnstile, ``<file>.turnstile``: each process takes it in
its own mode while it waits for the lock, then lets go. A waiting writer holds it exclusively, so new readers queue
behind it while the readers already in finish.

Waiting polls (a blocking ``flock`` cannot time out on a thread) for up to a timeout, then gives up with
:class:`GraphBusy`, a :class:`~tracktion_shared.errors.TemporaryError`, so the bus retries a write later; setting
the ``closing`` event ends a wait at once. An ``flock`` belongs to an open file, not to a process, so two turns on one
file in one process exclude each other too; the lock is given back explicitly, not only by closing, so a copy of the
descriptor (a forked child) cannot keep it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tracktion_shared.errors import TemporaryError

__all__ = ["LOCK_TIMEOUT", "FileTurn", "GraphBusy", "lock_path", "turnstile_path"]

#: seconds to wait for the lock before giving up (GraphBusy)
LOCK_TIMEOUT = 10.0
# polled first often, then every 20 ms: well inside the writer's pause between two of its turns, and cheap
_FIRST_POLL, _LAST_POLL = 0.002, 0.02


class GraphBusy(TemporaryError):
    """The graph's lock was not free in time: another process kept the file (a write is retried later)."""


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The advisory lock file of the graph file ``path``: ``<path>.lock`` beside it."""
    path = Path(path)
    return path.with_name(path.name + ".lock")


def turnstile_path(path: str | os.PathLike[str]) -> Path:
    """The lock file a writer waits at, keeping new readers back: ``<path>.turnstile`` beside it."""
    path = Path(path)
    return path.with_name(path.name + ".turnstile")


class FileTurn:
    """One user's turn on the graph file at ``path``: shared (a reader) or exclusive (the writer). Blocking calls;
    the graph runs them on its worker thread."""

    def __init__(self, path: Path, *, shared: bool, timeout: float, closing: threading.Event) -> None:
        self.path = path
        self.shared = shared
        self.timeout = timeout
        self._closing = closing
        # read access is enough for flock, even on another user's file
        self._flags, self._mode = (os.O_RDONLY, fcntl.LOCK_SH) if shared else (os.O_RDWR, fcntl.LOCK_EX)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def take(self) -> None:
        """Wait for the lock through the turnstile, up to ``timeout`` seconds; :class:`GraphBusy` when it stays taken
        or the graph is closing meanwhile."""
        deadline = time.monotonic() + self.timeout
        fd = self._open(lock_path(self.path))
        try:
            with self._turnstile() as turnstile:
                self._wait_for(turnstile, deadline)  # behind a writer that is waiting already
                self._wait_for(fd, deadline)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def give_back(self) -> None:
        """Unlock and close the lock file; nothing when not held."""
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    @contextlib.contextmanager
    def _turnstile(self) -> Iterator[int]:
        fd = self._open(turnstile_path(self.path))
        try:
            yield fd
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _open(self, path: Path) -> int:
        try:
            return os.open(path, self._flags | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as error:
            raise TemporaryError(f"cannot open the graph's lock file {path}: {error}") from error

    def _wait_for(self, fd: int, deadline: float) -> None:
        pause = _FIRST_POLL
        while True:
            try:
                fcntl.flock(fd, self._mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            except OSError as error:
                raise TemporaryError(f"cannot lock the graph's lock file beside {self.path}: {error}") from error
            left = deadline - time.monotonic()
            if left <= 0:
                raise GraphBusy(
                    f"the graph {self.path} is busy: another tracktion process (a scan or watch) "
                    f"kept it for {self.timeout:g} s"
                )
            if self._closing.wait(min(pause, left)):
                raise GraphBusy(f"the graph {self.path} was closed while waiting for its lock")
            pause = min(pause * 2, _LAST_POLL)
