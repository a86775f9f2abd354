"""Open audio fingerprinters that the identification benchmark runs beside tracktion's, each in its own virtualenv.

The benchmark has to show two open peers in the same run, on the same library and the same recorded mixes, so that
tracktion's figures mean something. Both come from the package registry (PyPI) at pinned versions and are never
committed: each is installed on demand into ``benchmarks/.cache/peers/<name>/venv`` (git ignores
``benchmarks/.cache/``) and runs only as a subprocess -- its own CLI or a small driver script written next to its
venv at run time -- so that its dependencies (qfp wants numpy < 2, audfprint2 numpy >= 2.3) never meet the
project's. Running them as children is also what makes their cost measurable apart from the benchmark's own: CPU
seconds and peak RSS are read from ``wait4`` for each child (its own usage plus that of the processes it waited for,
such as the ffmpeg that decodes for it), so a pip install or one peer's 400 MB table never shows up in another's
figures, which ``getrusage(RUSAGE_CHILDREN)``'s all-time maximum RSS would do.

**audfprint2 0.1.2** (a port of Dan Ellis' audfprint, landmark hashes). The library is indexed with its own CLI,
``audfprint new --maxtimebits 16 --list <file>``, at the CLI defaults otherwise: density 20 hashes/s, 11025 Hz,
fanout 3, 5 peaks per frame, freq-sd 30, 20-bit hashes, 100 entries per bucket, one shift. ``--maxtimebits 16``
instead of the default 14 is what its README advises for tracks longer than about 6 minutes (times alias beyond
2^14 frames of 23 ms); it leaves 16 bits for track ids (65,535 tracks). Its ``match`` command cannot report several
tracks over the time of a long mix: it fits one time skew per track for the whole query, which a mix where each
track comes and goes (and drifts when its tempo is changed) does not have, and it prints its results only as log
lines. So matching runs in a driver that uses audfprint2's own functions with exactly the options
``audfprint match --find-time-range --exact-count --max-matches 1000 --time-quantile 0.01`` would use (and the
CLI's other match defaults: four subframe shifts, match window 2 frames, at least 5 time-consistent hashes, search
depth 100). The time quantile is the share of matched hashes dropped at each end of a match before its time range
is taken: at the CLI's 0.05 that moved the start of a track beginning in a 30 s window 1.5-2.3 s late in the
try-outs; 0.01 is the value audfprint's README describes, and a chance hash at the same skew is too rare to need
more. The driver analyses each mix once and cuts its hashes into **30 s windows with a 15 s hop**; each window is
matched as one query (every track and alignment with at least 5 consistent hashes, not only the best). With
``--find-time-range`` each match says where in the query its consistent hashes begin and end, and that first hash
time is the detection's ``start_s`` -- better than the window's start. Cutting hashes rather than audio gives the
same hashes as cutting the audio would, without edge effects at the window borders.

**qfp 0.2.0** (quad hashes after Sonnleitner and Widmer, meant to survive tempo and pitch changes: the one peer
built for DJ sets). Its package says Python ``>=3.8,<3.11``, so pip on the project's Python 3.11 finds no
distribution at all; the venv is made from the newest Python 3.8-3.10 found on the machine (PATH, then pyenv), and
only when there is none, from this Python: its declared dependencies first, resolved as usual, then qfp alone with
``--no-deps --ignore-requires-python`` (that shows in ``PeerRun.settings``; it runs there too). The
library is indexed with ``ReferenceFingerprint`` + ``QfpDB.store`` (its sqlite database). A ``QueryFingerprint``
reads only the first 15 s of its file by design, so each mix is cut into **15 s windows with a 7.5 s hop**, written
as 8 kHz WAVs (the format qfp reads itself into) and queried with ``QfpDB.query`` at its default validation
threshold 0.5. qfp reports the track and where in the *track* the window begins, not where in the window the track
begins, so a detection's ``start_s`` is the start of the first window it is found in -- unless that position is
negative, i.e. qfp's own alignment puts the track's beginning inside the window; then it is the window's start plus
that much (not scaled by the tempo change qfp estimates but does not report: off by at most 16 % of 15 s).
qfp 0.2.0 raises ``IndexError`` in ``QfpDB._find_match_candidates`` whenever some track has hash matches but no time
bin with 4 of them (which happens on most queries: it crashed on the first window of the try-out); the driver works
around that one line by having ``_bin_times`` return a placeholder bin holding nothing instead of an empty dict,
which the very next filter drops, and counts how often it did so (``PeerRun.settings``).

Window detections of one track are merged into one :class:`PeerDetection` while they are no more than one hop apart
in the query: a track playing through a mix is then one detection with its first start, the last end and the best
window's score, as the benchmark compares against one entry per track played.

Run ``python benchmarks/identify/peers.py`` for a try-out on generated audio in a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import soundfile as sf

#: Where the peers' virtualenvs and driver scripts live; ignored by git, rebuilt on demand.
CACHE_DIR = Path(__file__).resolve().parents[1] / ".cache" / "peers"


@dataclass(frozen=True)
class PeerDetection:
    """One stretch of a query in which a peer says a library track plays."""

    track: Path  # the library file the peer says plays
    start_s: float  # where in the query it starts (the peer's best estimate; its match time offset)
    score: float  # the peer's own score (audfprint2: time-consistent hashes; qfp: its vScore, 0..1)
    end_s: float | None = None  # where in the query the peer last sees it, where it says so
    track_s: float | None = None  # where in the track the query is at start_s, where the peer says so


@dataclass(frozen=True)
class PeerRun:
    """What one peer did with one library and its queries; ``error`` set means it could not run at all."""

    name: str
    error: str | None  # why it could not run (then the rest is empty)
    index_cpu_s: float  # CPU seconds (children included) to index the library
    index_bytes: int  # size of its index on disk
    query_cpu_s: float  # CPU seconds for all queries
    peak_rss_bytes: int  # max RSS of its processes
    detections: dict[Path, list[PeerDetection]]  # per query file
    version: str = ""  # the installed distribution's version, for the benchmark's table
    settings: str = ""  # the options it ran with and anything that was worked around, one line


class Peer(Protocol):
    name: str

    def run(self, library: Sequence[Path], queries: Sequence[Path], workdir: Path) -> PeerRun: ...


def peers() -> list[Peer]:
    """The peers the benchmark shows beside tracktion, in table order."""
    return [Audfprint2(), Qfp()]


class PeerUnavailable(Exception):
    """A peer cannot be installed or run here; the message is the one-line reason that ends up in ``PeerRun``."""


# ----------------------------------------------------------------------------------------------------------------
# Running children and measuring them


@dataclass(frozen=True)
class _Child:
    returncode: int
    cpu_s: float
    maxrss_bytes: int
    stderr_tail: str  # last non-empty line of its stderr: for a Python traceback, the exception


def _child_env() -> dict[str, str]:
    """The environment without what would make a peer's Python see the project's packages."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run_child(argv: Sequence[str], cwd: Path, log_stem: Path, timeout_s: float | None = None) -> _Child:
    """Run ``argv`` to its end and return its exit code, CPU seconds and peak RSS as ``wait4`` reports them.

    The child is reaped here with ``wait4`` rather than by ``subprocess`` because that is the only call that gives
    one child's own resource usage (including its waited-for descendants); output goes to files so that no pipe can
    fill up while nothing reads it. A timeout kills the child's process group, which it leads (``start_new_session``),
    so that a decoder it started dies with it; the polling that makes a timeout possible costs the parent, not the
    child, and so does not show in the figures.
    """
    log_stem.parent.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_stem.with_suffix(".out"), log_stem.with_suffix(".err")
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=_child_env(),
            start_new_session=True,
        )
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, 0 if deadline is None else os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.monotonic() > deadline and not timed_out:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)  # tells Popen the child is reaped
    lines = [line.strip() for line in err_path.read_text(errors="replace").splitlines() if line.strip()]
    tail = f"timed out after {timeout_s:g} s" if timed_out else (lines[-1] if lines else "")
    return _Child(proc.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, tail)


def _check(child: _Child, what: str) -> None:
    if child.returncode != 0:
        raise PeerUnavailable(f"{what} failed (exit {child.returncode}): {child.stderr_tail[:300]}")


def _pip_reason(stderr: str) -> str:
    """pip's error lines, last first, on one line: 'No matching distribution', why versions were ignored, or the
    build error of a dependency (which pip indents inside its report, so it is looked for anywhere in a line)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR:").strip() for line in lines if "ERROR:" in line]
    errors = errors or [line for line in lines if line.startswith("error:")] or lines[-1:] or ["no output"]
    return "pip: " + "; ".join(reversed(errors))[:400]


# ----------------------------------------------------------------------------------------------------------------
# Virtualenvs


@dataclass(frozen=True)
class _Python:
    path: str
    version: tuple[int, int, int]
    note: str  # how it was found, for the settings line


def _probe_python(path: str) -> tuple[int, int, int] | None:
    try:
        out = subprocess.run(
            [path, "-c", "import sys, venv; print(*sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=30,
            env=_child_env(),
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    major, minor, micro = (int(part) for part in out)
    return major, minor, micro


def _find_python(accept: Callable[[tuple[int, int, int]], bool]) -> _Python | None:
    """The newest Python on this machine that ``accept`` takes: this one, versioned names on PATH, pyenv's.

    Every candidate is asked for its version rather than trusting its name, and the newest acceptable one wins, so
    that the choice does not depend on the order in which folders happen to list.
    """
    current = sys.version_info[:3]
    if accept(current):
        return _Python(sys.executable, current, "this Python")
    candidates: list[tuple[str, str]] = []
    for minor in range(13, 7, -1):
        found = shutil.which(f"python3.{minor}")
        if found:
            candidates.append((found, "PATH"))
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv_root.is_dir():
        for version_dir in sorted(pyenv_root.iterdir()):
            if (version_dir / "bin" / "python3").exists():
                candidates.append((str(version_dir / "bin" / "python3"), "pyenv"))
    best: _Python | None = None
    for path, note in candidates:
        version = _probe_python(path)
        if version is not None and accept(version) and (best is None or version > best.version):
            best = _Python(path, version, note)
    return best


def _ensure_venv(name: str, python: _Python, installs: Sequence[Sequence[str]]) -> Path:
    """The venv for ``name``, with each of ``installs`` (the arguments of one ``pip install``) run in turn from the
    registry, made once and reused.

    A marker file records what the venv was made with; when the installs or the interpreter change, or an earlier
    attempt broke off, the venv is made anew rather than patched, so that what runs is always exactly what the
    settings line says.
    """
    venv = CACHE_DIR / name / "venv"
    marker = venv / "tracktion-peer.json"
    wanted = {"python": python.path, "installs": [list(args) for args in installs]}
    venv_python = venv / "bin" / "python"
    if marker.exists() and venv_python.exists():
        try:
            if json.loads(marker.read_text()) == wanted:
                return venv
        except ValueError:
            pass
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(
        [python.path, "-m", "venv", str(venv)], capture_output=True, text=True, env=_child_env(), check=False
    )
    if made.returncode != 0:
        raise PeerUnavailable(
            f"cannot make a venv with {python.path}: {(made.stderr.strip().splitlines() or ['?'])[-1]}"
        )
    for args in installs:
        pip = subprocess.run(
            [str(venv_python), "-m", "pip", "install", "--quiet", *args],
            capture_output=True,
            text=True,
            env=_child_env(),
            check=False,
        )
        if pip.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            reason = _pip_reason(pip.stderr)
            raise PeerUnavailable(f"not installable from the package registry reachable here ({reason})")
    marker.write_text(json.dumps(wanted))
    return venv


def _write_driver(name: str, source: str) -> Path:
    """Write the driver script beside the peer's venv; rewritten every run so it is always this file's version."""
    path = CACHE_DIR / name / "driver.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    return path


# ----------------------------------------------------------------------------------------------------------------
# Turning window matches into detections


@dataclass(frozen=True)
class _WindowMatch:
    query: str
    track: str
    start_s: float
    end_s: float
    score: float
    track_s: float | None


def _merge(matches: Sequence[_WindowMatch], gap_s: float) -> dict[str, list[tuple[str, PeerDetection]]]:
    """Per query, one detection per run of window matches of a track that are at most ``gap_s`` apart.

    Overlapping windows see the same passage twice; merging keeps the benchmark from counting a track that plays for
    five minutes as twenty detections, and a track that comes back later in the mix stays a second detection.
    Returned with the track's name; the caller maps names back to the library's paths.
    """
    by_key: dict[tuple[str, str], list[_WindowMatch]] = defaultdict(list)
    for match in matches:
        by_key[match.query, match.track].append(match)
    merged: dict[str, list[tuple[str, PeerDetection]]] = defaultdict(list)
    for (query, track), group in by_key.items():
        group.sort(key=lambda m: m.start_s)
        runs: list[list[_WindowMatch]] = [[group[0]]]
        for match in group[1:]:
            if match.start_s <= max(m.end_s for m in runs[-1]) + gap_s:
                runs[-1].append(match)
            else:
                runs.append([match])
        for run in runs:
            first = run[0]
            detection = PeerDetection(
                track=Path(track),
                start_s=first.start_s,
                score=max(m.score for m in run),
                end_s=max(m.end_s for m in run),
                track_s=first.track_s,
            )
            merged[query].append((track, detection))
    for found in merged.values():
        found.sort(key=lambda item: item[1].start_s)
    return merged


# ----------------------------------------------------------------------------------------------------------------
# The shared shape of a peer: install, index, query, measure


@dataclass
class _Costs:
    index_cpu_s: float = 0.0
    index_bytes: int = 0
    query_cpu_s: float = 0.0
    peak_rss_bytes: int = 0
    version: str = ""
    settings: list[str] = field(default_factory=list)


class _VenvPeer(ABC):
    """Install into the cache, then index and query in children, and turn whatever goes wrong into ``error``."""

    name = ""
    hop_s = 0.0  # the query windows' hop: window matches this far apart still belong to one detection

    def __init__(self, timeout_s: float | None = None) -> None:
        self.timeout_s = timeout_s  # for each child (indexing, querying), so one hung peer cannot stall the benchmark

    def run(self, library: Sequence[Path], queries: Sequence[Path], workdir: Path) -> PeerRun:
        costs = _Costs()
        try:
            by_name = {str(path.resolve()): path for path in library}
            work = (workdir / self.name).resolve()
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
            matches = self._run(list(by_name), [str(q.resolve()) for q in queries], work, costs)
        except PeerUnavailable as exc:
            return self._failed(str(exc), costs)
        except Exception as exc:  # any failure of a peer is reported, not raised: that is the contract
            return self._failed(f"{type(exc).__name__}: {exc}", costs)
        merged = _merge(matches, gap_s=self.hop_s)
        detections: dict[Path, list[PeerDetection]] = {}
        for query in queries:
            found = merged.get(str(query.resolve()), [])
            detections[query] = [
                PeerDetection(by_name.get(name, Path(name)), d.start_s, d.score, d.end_s, d.track_s)
                for name, d in found
            ]
        return PeerRun(
            name=self.name,
            error=None,
            index_cpu_s=costs.index_cpu_s,
            index_bytes=costs.index_bytes,
            query_cpu_s=costs.query_cpu_s,
            peak_rss_bytes=costs.peak_rss_bytes,
            detections=detections,
            version=costs.version,
            settings="; ".join(costs.settings),
        )

    def _failed(self, reason: str, costs: _Costs) -> PeerRun:
        reason = " ".join(reason.split())
        return PeerRun(
            self.name, f"{self.name}: {reason}", 0.0, 0, 0.0, 0, {}, costs.version, "; ".join(costs.settings)
        )

    def _measure(self, argv: Sequence[str], work: Path, stem: str, what: str) -> _Child:
        child = _run_child(argv, work, work / "logs" / stem, self.timeout_s)
        _check(child, what)
        return child

    @abstractmethod
    def _run(self, library: list[str], queries: list[str], work: Path, costs: _Costs) -> list[_WindowMatch]:
        """Install the peer, index ``library`` and query each of ``queries``: every window match it reports."""


def _need_ffmpeg(paths: Sequence[str], always: bool) -> None:
    if (always or any(not p.lower().endswith(".wav") for p in paths)) and shutil.which("ffmpeg") is None:
        raise PeerUnavailable("needs ffmpeg on PATH to decode audio, and there is none")


# ----------------------------------------------------------------------------------------------------------------
# audfprint2

_AUDFPRINT2_DRIVER = r'''
"""Match mixes window by window with audfprint2's own analyzer and matcher, as `audfprint match` sets them up."""
import argparse
import json
from importlib.metadata import version

import numpy as np
from audfprint2 import cli
from audfprint2.core import hash_table


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dbase", required=True)
    parser.add_argument("--window-s", type=float, required=True)
    parser.add_argument("--hop-s", type=float, required=True)
    parser.add_argument("--match-args", required=True, help="JSON list of `audfprint match` options")
    parser.add_argument("--out", required=True)
    parser.add_argument("queries", nargs="+")
    a = parser.parse_args()
    # The CLI's own parser supplies every default, so the settings are exactly those of `audfprint match`.
    args = cli.parse_args(["match", "--dbase", a.dbase, *json.loads(a.match_args)])
    analyzer = cli.setup_analyzer(
        args.density, True, args.pks_per_frame, args.fanout, args.freq_sd, args.shifts, args.samplerate,
        args.continue_on_error, args.ffmpeg_path,
    )
    matcher = cli.setup_matcher(
        args.match_win, args.search_depth, args.min_count, args.max_matches, args.exact_count,
        args.find_time_range, args.time_quantile, args.sortbytime, False, False,
    )
    ht = hash_table.HashTable(a.dbase)
    t_hop = analyzer.n_hop / analyzer.target_sr
    win = max(1, round(a.window_s / t_hop))
    hop = max(1, round(a.hop_s / t_hop))
    rows = []
    nhashes = {}
    for query in a.queries:
        hashes = analyzer.wavfile2hashes(query)  # sorted by time
        nhashes[query] = len(hashes)
        if len(hashes) == 0:
            continue
        times = hashes[:, 0]
        last = int(times[-1])
        for start in range(0, max(last - win, 0) + hop, hop):
            lo, hi = np.searchsorted(times, [start, start + win])
            if hi - lo < matcher.threshcount:
                continue
            results = matcher.match_hashes(ht, hashes[lo:hi])[: matcher.max_returns]
            for track_id, count, skew, raw, rank, min_time, max_time in results.tolist():
                rows.append({
                    "query": query, "window_s": start * t_hop, "track": ht.names[track_id], "count": count,
                    "raw": raw, "rank": rank, "start_s": min_time * t_hop, "end_s": max_time * t_hop,
                    "track_s": (min_time + skew) * t_hop,
                })
    settings = {k: getattr(args, k) for k in (
        "density", "samplerate", "fanout", "pks_per_frame", "freq_sd", "match_win", "min_count", "search_depth",
        "max_matches", "exact_count", "find_time_range", "time_quantile")}
    settings["shifts"] = analyzer.shifts
    with open(a.out, "w") as f:
        json.dump({"version": version("audfprint2"), "settings": settings, "hashes": nhashes, "rows": rows}, f)


if __name__ == "__main__":
    main()
'''


class Audfprint2(_VenvPeer):
    """audfprint2 from PyPI: its CLI builds the database, the driver matches 30 s windows (see the module text)."""

    name = "audfprint2"
    requirement = "audfprint2==0.1.2"
    #: `audfprint new` options beyond the defaults: times up to 2^16 frames (25 min) instead of 6 min.
    index_args: tuple[str, ...] = ("--maxtimebits", "16")
    #: `audfprint match` options: all tracks and alignments per window, the exact count, and the matched time span.
    match_args: tuple[str, ...] = (
        "--find-time-range",
        "--exact-count",
        "--max-matches",
        "1000",
        "--time-quantile",
        "0.01",
    )

    def __init__(self, window_s: float = 30.0, hop_s: float = 15.0, timeout_s: float | None = None) -> None:
        super().__init__(timeout_s)
        self.window_s = window_s
        self.hop_s = hop_s

    def _run(self, library: list[str], queries: list[str], work: Path, costs: _Costs) -> list[_WindowMatch]:
        _need_ffmpeg(library + queries, always=True)  # audfprint2 decodes every file, WAV too, with ffmpeg
        python = _Python(sys.executable, sys.version_info[:3], "this Python")
        venv = _ensure_venv(self.name, python, [[self.requirement]])
        driver = _write_driver(self.name, _AUDFPRINT2_DRIVER)
        (work / "library.txt").write_text("".join(f"{p}\n" for p in library))
        dbase = work / "library.pklz"
        costs.settings.append(f"index: audfprint new {' '.join(self.index_args)} (other options at their defaults)")
        index = self._measure(
            # the list file right after the command: its parser takes positionals only before the options
            [str(venv / "bin" / "audfprint"), "new", "library.txt", "--list", "--dbase", str(dbase), *self.index_args],
            work,
            "index",
            "audfprint new",
        )
        costs.index_cpu_s = index.cpu_s
        costs.index_bytes = dbase.stat().st_size
        costs.peak_rss_bytes = index.maxrss_bytes
        out = work / "matches.json"
        query = self._measure(
            [
                str(venv / "bin" / "python"),
                str(driver),
                "--dbase",
                str(dbase),
                "--window-s",
                str(self.window_s),
                "--hop-s",
                str(self.hop_s),
                "--match-args",
                json.dumps(list(self.match_args)),
                "--out",
                str(out),
                *queries,
            ],
            work,
            "query",
            "matching",
        )
        costs.query_cpu_s = query.cpu_s
        costs.peak_rss_bytes = max(costs.peak_rss_bytes, query.maxrss_bytes)
        result = json.loads(out.read_text())
        costs.version = result["version"]
        settings = ", ".join(f"{k}={v}" for k, v in result["settings"].items())
        costs.settings.append(
            f"match: {' '.join(self.match_args)} on {self.window_s:g} s windows, {self.hop_s:g} s hop ({settings})"
        )
        return [
            _WindowMatch(r["query"], r["track"], r["start_s"], r["end_s"], float(r["count"]), r["track_s"])
            for r in result["rows"]
        ]


# ----------------------------------------------------------------------------------------------------------------
# qfp

_QFP_DRIVER = r'''
"""Index a library with qfp and query mixes with it in 15 s windows, the length a QueryFingerprint reads."""
import argparse
import inspect
import json
import os
import tempfile
from importlib.metadata import version

from pydub import AudioSegment
from qfp import QueryFingerprint, ReferenceFingerprint
from qfp.audio import _downsample
from qfp.db import QfpDB
from qfp.utils import stft

placeholder_bins = 0
_bin_times = QfpDB._bin_times


def _bin_times_never_empty(self, *args, **kwargs):
    """qfp 0.2.0 indexes the first bin of every track's bins, and raises IndexError when a track has none."""
    global placeholder_bins
    bins = _bin_times(self, *args, **kwargs)
    if bins:
        return bins
    placeholder_bins += 1
    return {None: []}  # too few entries to pass the very next filter: the track is dropped, as qfp means to


QfpDB._bin_times = _bin_times_never_empty


def index(a):
    db = QfpDB(a.db)
    with open(a.list) as f:
        paths = [line.rstrip("\n") for line in f if line.strip()]
    for path in paths:
        fp = ReferenceFingerprint(path)
        fp.create()
        db.store(fp, path)


def query(a):
    db = QfpDB(a.db)
    sample_rate = inspect.signature(_downsample).parameters["sampleRate"].default
    frame_s = inspect.signature(stft).parameters["hopsize"].default / sample_rate
    win_ms, hop_ms = round(a.window_s * 1000), round(a.hop_s * 1000)
    rows, failures, first_failure = [], 0, ""
    with tempfile.TemporaryDirectory() as tmp:
        window_path = os.path.join(tmp, "window.wav")
        for q in a.queries:
            audio = _downsample(AudioSegment.from_file(q))  # once per mix, as qfp's load_audio does per file
            for start_ms in range(0, max(len(audio) - win_ms, 0) + hop_ms, hop_ms):
                audio[start_ms:start_ms + win_ms].export(window_path, format="wav")
                fp = QueryFingerprint(window_path)
                try:
                    fp.create()
                    db.query(fp)
                except Exception as exc:  # a window qfp cannot handle (too short, too quiet) finds nothing
                    failures += 1
                    first_failure = first_failure or f"{type(exc).__name__}: {exc}"
                    continue
                for m in fp.matches:
                    rows.append({
                        "query": q, "track": m.record, "start_s": start_ms / 1000,
                        "end_s": min(start_ms + win_ms, len(audio)) / 1000, "vscore": m.vScore,
                        "track_s": m.offset * frame_s,
                    })
    with open(a.out, "w") as f:
        json.dump({
            "version": version("qfp"), "rows": rows, "window_failures": failures, "first_failure": first_failure,
            "placeholder_bins": placeholder_bins,
        }, f)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("index")
    p.add_argument("--db", required=True)
    p.add_argument("--list", required=True)
    p = sub.add_parser("query")
    p.add_argument("--db", required=True)
    p.add_argument("--window-s", type=float, required=True)
    p.add_argument("--hop-s", type=float, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("queries", nargs="+")
    a = parser.parse_args()
    index(a) if a.cmd == "index" else query(a)


if __name__ == "__main__":
    main()
'''


class Qfp(_VenvPeer):
    """qfp from PyPI on a Python it allows, queried in 15 s windows (see the module text)."""

    name = "qfp"
    requirement = "qfp==0.2.0"
    #: qfp 0.2.0's Requires-Dist, for the install on a Python it does not declare
    dependencies: tuple[str, ...] = (
        "bitstring>=3.1.9,<4",
        "numpy>=1.22.1,<2",
        "pydub>=0.25.1,<0.26",
        "scipy>=1.7.3,<2",
    )

    def __init__(self, window_s: float = 15.0, hop_s: float = 7.5, timeout_s: float | None = None) -> None:
        super().__init__(timeout_s)
        self.window_s = window_s  # QueryFingerprint.create reads 15 s; a longer window would only be cut
        self.hop_s = hop_s

    def _run(self, library: list[str], queries: list[str], work: Path, costs: _Costs) -> list[_WindowMatch]:
        _need_ffmpeg(library + queries, always=False)  # pydub reads WAV itself and everything else with ffmpeg
        python = _find_python(lambda v: (3, 8) <= v[:2] < (3, 11))  # the package's Requires-Python
        installs: list[list[str]] = [[self.requirement]]
        fallback = ""
        if python is None:
            # --ignore-requires-python would let pip take dependencies that need a newer Python too (scipy 1.18 for
            # 3.12, built from source): so the dependencies are resolved as usual first, then qfp alone is let in.
            python = _Python(sys.executable, sys.version_info[:3], "this Python")
            installs = [list(self.dependencies), ["--no-deps", "--ignore-requires-python", self.requirement]]
            fallback = ", --ignore-requires-python: no Python 3.8-3.10 here"
        shown = ".".join(map(str, python.version))
        costs.settings.append(f"Python {shown} ({python.note}{fallback})")
        venv = _ensure_venv(self.name, python, installs)
        driver = _write_driver(self.name, _QFP_DRIVER)
        venv_python = str(venv / "bin" / "python")
        (work / "library.txt").write_text("".join(f"{p}\n" for p in library))
        db = work / "library.qfp.sqlite"
        index = self._measure(
            [venv_python, str(driver), "index", "--db", str(db), "--list", "library.txt"], work, "index", "indexing"
        )
        costs.index_cpu_s = index.cpu_s
        costs.index_bytes = db.stat().st_size
        costs.peak_rss_bytes = index.maxrss_bytes
        out = work / "matches.json"
        argv = [venv_python, str(driver), "query", "--db", str(db), "--window-s", str(self.window_s)]
        argv += ["--hop-s", str(self.hop_s), "--out", str(out), *queries]
        query = self._measure(argv, work, "query", "querying")
        costs.query_cpu_s = query.cpu_s
        costs.peak_rss_bytes = max(costs.peak_rss_bytes, query.maxrss_bytes)
        result = json.loads(out.read_text())
        costs.version = result["version"]
        costs.settings.append(
            f"query: {self.window_s:g} s windows, {self.hop_s:g} s hop, vScore >= 0.5 (its default); "
            f"empty-bin IndexError worked around {result['placeholder_bins']} times"
        )
        if result["window_failures"]:
            costs.settings.append(f"{result['window_failures']} windows failed ({result['first_failure'][:120]})")
        # A negative position in the track means qfp aligns the track's beginning after the window's start.
        return [
            _WindowMatch(
                r["query"],
                r["track"],
                r["start_s"] + max(0.0, -r["track_s"]),
                r["end_s"],
                float(r["vscore"]),
                max(0.0, r["track_s"]),
            )
            for r in result["rows"]
        ]


# ----------------------------------------------------------------------------------------------------------------
# Try-out


def _synth_track(seed: int, seconds: float, sample_rate: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    """A stand-in for music: chords of harmonic tones with decaying envelopes and noise bursts, different per seed.

    Tones give the spectral peaks both peers hash; the random note lengths make each track's peak pattern unique, so
    a match can only come from the right track at the right time.
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * sample_rate)
    y = np.zeros(n)
    t0 = 0.0
    while t0 < seconds:
        length = rng.uniform(0.15, 0.5)
        i0 = int(t0 * sample_rate)
        m = min(int(length * sample_rate), n - i0)
        tt = np.arange(m) / sample_rate
        env = np.exp(-tt * rng.uniform(3.0, 10.0))
        for f0 in 110.0 * 2.0 ** (rng.integers(0, 48, size=3) / 12.0):
            for harmonic in (1, 2, 3):
                y[i0 : i0 + m] += env * np.sin(2 * np.pi * f0 * harmonic * tt + rng.uniform(0, 2 * np.pi)) / harmonic
        if rng.random() < 0.3:
            y[i0 : i0 + m] += 0.5 * env * rng.standard_normal(m)
        t0 += length
    return np.asarray(0.9 * y / np.abs(y).max(), dtype=np.float32)


def _try_out() -> int:
    """Three 30 s tracks, a query of 10 s of track 0 (from 5 s) then 10 s of track 1 (from 10 s); run both peers.

    Passes when audfprint2 reports track 0 near 0 s and track 1 near 10 s of the query and nothing else.
    """
    sample_rate = 11025
    expected = {0: (0.0, 5.0), 1: (10.0, 10.0)}  # track index -> (start in query, position in track)
    with tempfile.TemporaryDirectory(prefix="peers-try-") as tmp:
        root = Path(tmp)
        tracks = [_synth_track(seed, 30.0, sample_rate) for seed in (1, 2, 3)]
        library = []
        for i, track in enumerate(tracks):
            library.append(root / f"track{i}.wav")
            sf.write(library[-1], track, sample_rate)
        query = root / "query.wav"
        pieces = [tracks[i][int(t * sample_rate) : int((t + 10.0) * sample_rate)] for i, (_, t) in expected.items()]
        sf.write(query, np.concatenate(pieces), sample_rate)
        ok = True
        for peer in peers():
            wall = time.monotonic()
            run = peer.run(library, [query], root / "work")
            wall = time.monotonic() - wall
            print(
                f"== {run.name} {run.version}: {run.error or 'ran'} ({wall:.1f} s wall, venv check or set-up included)"
            )
            print(f"   settings: {run.settings}")
            if run.error:
                ok = ok and run.name != "audfprint2"
                continue
            print(
                f"   index {run.index_cpu_s:.2f} CPU-s, {run.index_bytes / 1e6:.2f} MB on disk; "
                f"queries {run.query_cpu_s:.2f} CPU-s; peak RSS {run.peak_rss_bytes / 2**20:.0f} MiB"
            )
            for d in run.detections[query]:
                print(
                    f"   {d.track.name}: {d.start_s:5.2f}-{d.end_s or 0:5.2f} s in the query, "
                    f"at {d.track_s or 0:5.2f} s in the track, score {d.score:.3g}"
                )
            if run.name == "audfprint2":
                found = {library.index(d.track): d for d in run.detections[query]}
                good = set(found) == set(expected) and all(
                    abs(found[i].start_s - start) < 1.5 and abs((found[i].track_s or -99) - pos) < 1.0
                    for i, (start, pos) in expected.items()
                )
                print(f"   audfprint2 finds both pieces at their times: {'yes' if good else 'NO'}")
                ok = ok and good
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(_try_out())
