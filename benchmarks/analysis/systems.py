"""The analysers the benchmark compares, each a function from an audio file to a tempo and a key.

* **tracktion**: ``tracktion_analysis.analyse_file`` with its default options (so mood and the timeline are paid
  for too: that is what the service spends on a file);
* **essentia multifeature+edma**: essentia as documented for electronic music -- ``MonoLoader`` at 44.1 kHz,
  ``RhythmExtractor2013(method="multifeature")``, ``KeyExtractor(profileType="edma")``;
* **essentia degara+bgate**: the other documented configuration -- ``RhythmExtractor2013(method="degara")``,
  ``KeyExtractor(profileType="bgate")``; with the first one it brackets what "plain essentia" means;
* **librosa** (only when it is installed; it is not a dependency): ``beat_track`` and the mean CQT chroma
  correlated with the Krumhansl-Kessler profiles.

Every system decodes the file itself, and its CPU time (``process_time``) covers decoding and analysis, because
decoding is part of what a collection analyser costs. :func:`run_all` runs the systems one after another on each
file in this process, so a background load that comes and goes affects them alike.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scoring import Reading, Truth

from tracktion_analysis import analyse_file
from tracktion_analysis.adapters import essentia_runtime
from tracktion_analysis.domain import keys

#: (bpm, bpm_alternative, tonic, scale) as a system reports them, before scoring.
Raw = tuple[float | None, float | None, str | None, str | None]


@dataclass(frozen=True)
class System:
    name: str  # as in tables and the JSON file
    essentia: bool  # one of the plain-essentia configurations the targets are measured against
    analyse: Callable[[str], Raw]


def _positive(value: float | None) -> float | None:
    """essentia and librosa say "no tempo" with 0."""
    return round(float(value), 2) if value is not None and value > 0 else None


def tracktion() -> System:
    def analyse(path: str) -> Raw:
        result = analyse_file(path)
        alternative = getattr(result, "bpm_alternative", None)  # newer analysers report a second reading
        return result.bpm, alternative, result.key, result.scale

    return System("tracktion", False, analyse)


def essentia(method: str, profile: str) -> System:
    es = essentia_runtime.load().standard
    rhythm = es.RhythmExtractor2013(method=method)
    key_extractor = es.KeyExtractor(profileType=profile)

    def analyse(path: str) -> Raw:
        audio = es.MonoLoader(filename=path, sampleRate=44100)()
        bpm = float(rhythm(audio)[0])
        tonic, scale, _strength = key_extractor(audio)
        return _positive(bpm), None, str(tonic), str(scale)

    return System(f"essentia {method}+{profile}", True, analyse)


def librosa() -> System | None:
    """None when librosa is not installed (imported by name so mypy and the lockfile need not know it)."""
    try:
        lr: Any = importlib.import_module("librosa")
    except ImportError:
        return None

    def analyse(path: str) -> Raw:
        y, sr = lr.load(path, sr=22050, mono=True)
        tempo, _beats = lr.beat.beat_track(y=y, sr=sr)
        chroma = np.asarray(lr.feature.chroma_cqt(y=y, sr=sr), dtype=np.float64).mean(axis=1)  # index 0 = C
        scores = keys.key_scores(chroma, ("krumhansl",))
        if not np.any(scores):
            return _positive(float(np.atleast_1d(tempo)[0])), None, None, None
        best = int(np.argmax(scores))
        return (
            _positive(float(np.atleast_1d(tempo)[0])),
            None,
            keys.NOTE_NAMES[best % 12],
            ("major", "minor")[best // 12],
        )

    return System("librosa", False, analyse)


def available() -> tuple[list[System], list[str]]:
    """The systems that can run here, and a note for each one left out."""
    essentia_runtime.load()  # the import is paid once per process, as in a worker, not by the first file
    systems = [tracktion(), essentia("multifeature", "edma"), essentia("degara", "bgate")]
    notes = []
    extra = librosa()
    if extra is None:
        notes.append("librosa: not installed, row left out")
    else:
        systems.append(extra)
    return systems, notes


def _timed(system: System, path: str) -> Reading:
    start = time.process_time()
    try:
        bpm, alternative, tonic, scale = system.analyse(path)
    except Exception as exc:  # one undecodable file must not end a run of minutes; it is reported as an error
        return Reading(None, None, None, time.process_time() - start, error=f"{type(exc).__name__}: {exc}")
    return Reading(bpm, tonic, scale, time.process_time() - start, bpm_alternative=alternative)


def run_all(systems: Sequence[System], truths: Sequence[Truth], *, label: str) -> dict[str, list[Reading]]:
    """Every system on every file, file by file; each system is warmed up once on the first file (not timed)."""
    readings: dict[str, list[Reading]] = {s.name: [] for s in systems}
    if not truths:
        return readings
    for system in systems:
        _timed(system, truths[0].path)  # first-call allocations and caches, as a long-running worker has them
    for n, truth in enumerate(truths, 1):
        for system in systems:
            readings[system.name].append(_timed(system, truth.path))
        if n % 10 == 0 or n == len(truths):
            print(f"  {label}: {n}/{len(truths)} files", file=sys.stderr)
    return readings
