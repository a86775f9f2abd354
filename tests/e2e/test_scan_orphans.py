"""``kill -9`` of a ``tracktion scan`` leaves no process of its own running (its analysis workers die with it).

Real processes throughout: a scan of generated audio in a subprocess, its children read from ``/proc``, the parent
killed with SIGKILL mid-analysis. Linux only: elsewhere the workers' death signal is a no-op (see
``tracktion_analysis.adapters.workers``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tracktion_analysis.adapters.workers import die_with_parent

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; the death signal is Linux's prctl")

#: (pid, start time in clock ticks since boot): a pid alone may be reused by an unrelated process
Process = tuple[int, int]


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of ``pid`` from /proc, or None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name in parentheses may hold spaces
    return fields[0], int(fields[1]), int(fields[19])


def _descendants(root: int) -> set[Process]:
    """Every living process below ``root`` (children, their children ...)."""
    parents: dict[int, list[Process]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents.setdefault(stat[1], []).append((int(entry.name), stat[2]))
    found: set[Process] = set()
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child[0])
    return found


def _running(process: Process) -> bool:
    """True while the process exists and is not a zombie (an orphan's zombie waits for a reaper that may not come)."""
    stat = _stat(process[0])
    return stat is not None and stat[2] == process[1] and stat[0] != "Z"


def _is_worker(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return b"multiprocessing.spawn" in Path(f"/proc/{pid}/cmdline").read_bytes()
    return False


def _write_clips(folder: Path, count: int, seconds: float) -> None:
    """Noisy tones long enough that analysing them keeps a worker busy for a few seconds each."""
    rng = np.random.default_rng(7)
    sr = 22050
    t = np.arange(int(seconds * sr)) / sr
    for n in range(count):
        signal_ = 0.3 * np.sin(2 * np.pi * (110 + 40 * n) * t) + 0.05 * rng.standard_normal(t.size)
        soundfile.write(folder / f"clip-{n}.wav", signal_.astype(np.float32), sr)


def test_kill_9_of_a_scan_leaves_no_analysis_worker_running(tmp_path: Path) -> None:
    music = tmp_path / "Music"
    music.mkdir()
    _write_clips(music, count=6, seconds=90)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKTION_")}
    env |= {"TRACKTION_DATA_DIR": str(tmp_path / "data"), "TRACKTION_ANALYSIS_WORKERS": "2"}
    scan = subprocess.Popen(
        [sys.executable, "-m", "tracktion", "scan", str(music), "--json", "--no-tracklists"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so the finally below can end whatever it left
    )
    try:
        deadline = time.monotonic() + 120
        while len([pid for pid, _ in _descendants(scan.pid) if _is_worker(pid)]) < 2:
            assert scan.poll() is None, "the scan ended before its analysis workers started"
            assert time.monotonic() < deadline, "no analysis workers after 120 s"
            time.sleep(0.1)
        time.sleep(3)  # past the workers' start-up (essentia import): they are analysing now
        children = _descendants(scan.pid)
        assert scan.poll() is None, "the scan finished before it could be killed mid-analysis"

        os.kill(scan.pid, signal.SIGKILL)
        scan.wait(timeout=10)
        deadline = time.monotonic() + 10
        while (left := {child for child in children if _running(child)}) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left, f"still running 10 s after kill -9 of their parent: {sorted(pid for pid, _ in left)}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(scan.pid, signal.SIGKILL)  # the scan's group: what a failed assertion above leaves running
        scan.wait(timeout=10)


def _worker_of(parent: int) -> None:
    die_with_parent(parent)
    time.sleep(60)  # only reached while ``parent`` is alive


def test_a_worker_whose_parent_is_already_gone_exits_at_once() -> None:
    """The race the death signal cannot cover: a parent that died before the worker asked for the signal."""
    context = multiprocessing.get_context("spawn")
    orphan = context.Process(target=_worker_of, args=(os.getpid() + 1_000_000,))  # not this worker's parent
    orphan.start()
    orphan.join(timeout=30)
    try:
        assert orphan.exitcode == 1
    finally:
        if orphan.exitcode is None:
            orphan.kill()
            orphan.join()
