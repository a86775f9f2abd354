"""How the analysis benchmark scores tempo and key estimates -- one set of rules for every corpus and every system.

Pure functions over plain data (no audio, no essentia), so the generated corpus and the real-music development set
(``../shared/audio/real-dev``) are scored identically, and a score can be recomputed from a saved ``--json`` file.

Tempo, as MIREX scores it: **Acc1** is an estimate within 4 % of the truth's ``bpm`` or of one of its alternative
readings (``bpm_alt``: the half-time reading of a fast notated tempo); **Acc2** also accepts 2, 1/2, 3 and 1/3 times
the truth (octave errors). A file whose truth has no tempo (``bpm`` null) is left out of both; a system that returns
no tempo is wrong, and counted separately as "no estimate" so a silent failure is not mistaken for a bad guess.

Key: the truth's ``"A minor"`` / ``"F# major"`` and the estimate are both normalised to tracktion's sharp spelling
(essentia answers ``"Eb"``), then compared exactly and by the MIREX weighted score (fifth 0.5, relative 0.3,
parallel 0.2). A file whose truth has no key is left out; no estimate scores 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tracktion_analysis.domain import keys

TOLERANCE = 0.04
OCTAVE_FACTORS: tuple[float, ...] = (2.0, 0.5, 3.0, 1 / 3)

Key = tuple[str, keys.Scale]


@dataclass(frozen=True)
class Truth:
    """What one file is known to be: ``groups`` holds the labels results are broken down by (genre, style ...)."""

    file: str
    path: str
    seconds: float
    bpm: float | None
    bpm_alt: tuple[float, ...] = ()
    key: Key | None = None
    groups: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reading:
    """What one system said about one file, and the CPU seconds it spent (decoding included)."""

    bpm: float | None
    tonic: str | None
    scale: str | None
    cpu_s: float
    bpm_alternative: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class Summary:
    """One system's scores on one corpus; a rate is None when no file of the corpus has that kind of truth."""

    files: int
    tempo_files: int
    key_files: int
    acc1: float | None
    acc2: float | None
    acc1_either: float | None  # Acc1 if the system's second reading (bpm_alternative) also counted; informational
    no_tempo: int
    key_exact: float | None
    key_mirex: float | None
    no_key: int
    errors: int
    cpu_per_min: float


@dataclass(frozen=True)
class GroupScore:
    tempo_files: int
    acc1: float | None
    key_files: int
    key_exact: float | None


@dataclass(frozen=True)
class TempoMiss:
    file: str
    truth: float
    estimate: float | None
    octave_ok: bool  # wrong at Acc1, right at Acc2


@dataclass(frozen=True)
class KeyMiss:
    file: str
    truth: Key
    estimate: Key | None
    relation: str  # "fifth", "relative", "parallel", "other" or "none"


def _within(estimate: float, target: float) -> bool:
    return abs(estimate - target) <= TOLERANCE * target


def tempo_acc1(estimate: float | None, truth: float, alternatives: Sequence[float] = ()) -> bool:
    """Within 4 % of the truth or of one of its alternative readings."""
    return estimate is not None and any(_within(estimate, t) for t in (truth, *alternatives))


def tempo_acc2(estimate: float | None, truth: float, alternatives: Sequence[float] = ()) -> bool:
    """Acc1, or within 4 % of 2, 1/2, 3 or 1/3 times the truth."""
    if tempo_acc1(estimate, truth, alternatives):
        return True
    return estimate is not None and any(_within(estimate, truth * f) for f in OCTAVE_FACTORS)


def normalise_key(tonic: str | None, scale: str | None) -> Key | None:
    """``("Eb", "minor")`` -> ``("D#", "minor")``; None for no estimate or anything that is not a major/minor key."""
    if not tonic or scale not in ("major", "minor"):
        return None
    try:
        return keys.canonical_note(tonic), "major" if scale == "major" else "minor"
    except ValueError:
        return None


def parse_truth_key(text: str | None) -> Key | None:
    """``"F# major"`` -> ``("F#", "major")``; None for a null truth."""
    return keys.parse_key(text) if text else None


def key_relation(truth: Key, estimate: Key | None) -> str:
    """Names the MIREX category of an estimate, so a list of misses says which kind of mistake each one is."""
    if estimate is None:
        return "none"
    return {1.0: "exact", 0.5: "fifth", 0.3: "relative", 0.2: "parallel"}.get(
        keys.mirex_score(truth, estimate), "other"
    )


def _rate(flags: Sequence[bool | float]) -> float | None:
    return sum(float(f) for f in flags) / len(flags) if flags else None


def summarise(truths: Sequence[Truth], readings: Sequence[Reading]) -> Summary:
    pairs = list(zip(truths, readings, strict=True))
    tempo = [(t, r) for t, r in pairs if t.bpm is not None]
    keyed = [(t, r, normalise_key(r.tonic, r.scale)) for t, r in pairs if t.key is not None]
    minutes = sum(t.seconds for t in truths) / 60
    return Summary(
        files=len(pairs),
        tempo_files=len(tempo),
        key_files=len(keyed),
        acc1=_rate([tempo_acc1(r.bpm, t.bpm, t.bpm_alt) for t, r in tempo if t.bpm is not None]),
        acc2=_rate([tempo_acc2(r.bpm, t.bpm, t.bpm_alt) for t, r in tempo if t.bpm is not None]),
        acc1_either=_rate(
            [
                tempo_acc1(r.bpm, t.bpm, t.bpm_alt) or tempo_acc1(r.bpm_alternative, t.bpm, t.bpm_alt)
                for t, r in tempo
                if t.bpm is not None
            ]
        ),
        no_tempo=sum(r.bpm is None for _, r in tempo),
        key_exact=_rate([guess == t.key for t, _, guess in keyed]),
        key_mirex=_rate([keys.mirex_score(t.key, guess) if guess and t.key else 0.0 for t, _, guess in keyed]),
        no_key=sum(guess is None for _, _, guess in keyed),
        errors=sum(r.error is not None for _, r in pairs),
        cpu_per_min=sum(r.cpu_s for _, r in pairs) / minutes if minutes else 0.0,
    )


def by_group(truths: Sequence[Truth], readings: Sequence[Reading], label: str) -> dict[str, GroupScore]:
    """Acc1 and key exact per value of ``truth.groups[label]`` (files without that label are left out)."""
    values = sorted({t.groups[label] for t in truths if label in t.groups})
    scores: dict[str, GroupScore] = {}
    for value in values:
        members = [(t, r) for t, r in zip(truths, readings, strict=True) if t.groups.get(label) == value]
        tempo = [tempo_acc1(r.bpm, t.bpm, t.bpm_alt) for t, r in members if t.bpm is not None]
        exact = [normalise_key(r.tonic, r.scale) == t.key for t, r in members if t.key is not None]
        scores[value] = GroupScore(len(tempo), _rate(tempo), len(exact), _rate(exact))
    return scores


def tempo_misses(truths: Sequence[Truth], readings: Sequence[Reading]) -> list[TempoMiss]:
    return [
        TempoMiss(t.file, t.bpm, r.bpm, tempo_acc2(r.bpm, t.bpm, t.bpm_alt))
        for t, r in zip(truths, readings, strict=True)
        if t.bpm is not None and not tempo_acc1(r.bpm, t.bpm, t.bpm_alt)
    ]


def key_misses(truths: Sequence[Truth], readings: Sequence[Reading]) -> list[KeyMiss]:
    misses = []
    for t, r in zip(truths, readings, strict=True):
        guess = normalise_key(r.tonic, r.scale)
        if t.key is not None and guess != t.key:
            misses.append(KeyMiss(t.file, t.key, guess, key_relation(t.key, guess)))
    return misses
