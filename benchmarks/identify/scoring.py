"""Scoring detections against a mix's truth, the same way for tracktion and for the peers.

A truth placement of a library track is *found* when a detection names the same track and overlaps the placement
in time; each detection can find one placement. A detection is *correct* when it found a placement; every other
detection (a track not playing then, a distractor matched to a library track, a second report of a found track)
counts against precision. Start error is measured on found placements: detection start minus truth start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.identify.mixes import Placement

__all__ = ["BANDS", "Detected", "Score", "score_mix"]

#: tempo-change bands of the issue: |tempo ratio - 1| below 5 %, 5-10 %, 10-16 % (and beyond, if any)
BANDS = ((0.0, 0.05), (0.05, 0.10), (0.10, 0.1601))


@dataclass(frozen=True)
class Detected:
    track: Path
    start_s: float
    end_s: float
    tempo_ratio: float | None = None


@dataclass
class Score:
    found: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(len(BANDS)), 0))
    total: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(len(BANDS)), 0))
    correct: int = 0
    detections: int = 0
    start_errors: list[float] = field(default_factory=list)
    tempo_errors: list[float] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for band in self.found:
            self.found[band] += other.found[band]
            self.total[band] += other.total[band]
        self.correct += other.correct
        self.detections += other.detections
        self.start_errors += other.start_errors
        self.tempo_errors += other.tempo_errors

    def recall(self, bands: Sequence[int]) -> float:
        total = sum(self.total[b] for b in bands)
        return sum(self.found[b] for b in bands) / total if total else float("nan")

    def precision(self) -> float:
        return self.correct / self.detections if self.detections else float("nan")

    def start_error(self, quantile: float) -> float:
        errors = np.abs(self.start_errors)
        return float(np.quantile(errors, quantile)) if errors.size else float("nan")


def _band(tempo_ratio: float) -> int:
    change = abs(tempo_ratio - 1.0)
    for index, (lo, hi) in enumerate(BANDS):
        if lo <= change < hi:
            return index
    return len(BANDS) - 1


def score_mix(placements: Sequence[Placement], detections: Sequence[Detected]) -> Score:
    """Score one mix against its truth."""
    score = Score(detections=len(detections))
    used: set[int] = set()
    for placement in placements:
        if not placement.in_library:
            continue
        band = _band(placement.tempo_ratio)
        score.total[band] += 1
        start, end, track = placement.start_s, placement.end_s, placement.track
        best: int | None = None
        for index, detection in enumerate(detections):
            if index in used or detection.track != track:
                continue
            overlaps = detection.start_s < end and start < detection.end_s
            if overlaps and (best is None or abs(detection.start_s - start) < abs(detections[best].start_s - start)):
                best = index
        if best is None:
            continue
        used.add(best)
        score.found[band] += 1
        score.correct += 1
        score.start_errors.append(detections[best].start_s - start)
        if detections[best].tempo_ratio is not None:
            score.tempo_errors.append(abs(float(detections[best].tempo_ratio or 0) - placement.tempo_ratio))
    return score
