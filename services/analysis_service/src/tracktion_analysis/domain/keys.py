"""Musical keys: names, Camelot and Open Key notation, and key estimation from pitch class profiles.

Pure functions over numpy arrays; no essentia here (the adapter computes the profiles).

Pitch classes are numbered from C (C=0 ... B=11) and spelled with sharps, the canonical spelling tracktion reports
(``A#``, never ``Bb``). Camelot and Open Key are the two wheel notations DJ software uses for harmonic mixing:
neighbouring numbers (and the same number across letters) mix well.

Two estimators vote on a recording's key (:func:`fuse_with_reference`): tracktion's own profile correlation below,
and essentia's ``KeyExtractor`` with its "bgate" profile (harmonic HPCP, computed in the same decoding pass). On real
recordings the second is far better at telling a major key from its relative minor and a mediant (0.73 against 0.46
exact on ``../shared/audio/real-dev``), on the generated corpus the first reads detuned and noisy tracks better; the
reference key wins unless tracktion's own correlation prefers another key by a clear margin.

Key estimation first estimates the tuning of the recording from a 36-bin (third of a semitone) profile and reads
the chroma at the tuned positions, so a record mastered at A=432 Hz or pitched on a turntable does not smear across
two semitones; then it correlates the 12-bin chroma with the major and minor key profiles of one or more published
profile sets (z-scored correlations summed when several are given). What was measured on tracktion's generated
corpus (``benchmarks/analysis``) decided the defaults: tuning correction fixes most errors on detuned records;
Faraldo's EDM-derived "edma" profile alone did as well as a consensus of edma, Krumhansl and Shaath (so the
default is the simpler one); adding a bass-register chroma made things worse (kick drums have pitch too).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "CAMELOT",
    "NOTE_NAMES",
    "OPEN_KEY",
    "KeyEstimate",
    "Scale",
    "camelot",
    "canonical_note",
    "chroma_from_hpcp",
    "estimate_key",
    "fuse_with_reference",
    "key_scores",
    "mirex_score",
    "open_key",
    "parse_key",
    "pitch_class",
    "tuning_offset",
]

Scale = Literal["major", "minor"]
Floats = npt.NDArray[np.float64]

NOTE_NAMES: tuple[str, ...] = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

_ALIASES = {
    "DB": "C#",
    "EB": "D#",
    "GB": "F#",
    "AB": "G#",
    "BB": "A#",
    "CB": "B",
    "FB": "E",
    "E#": "F",
    "B#": "C",
}


def canonical_note(name: str) -> str:
    """``"Bb"`` -> ``"A#"``, ``"c#"`` -> ``"C#"``; :class:`ValueError` for anything that is not a note name."""
    cleaned = name.strip().replace("♯", "#").replace("♭", "b")
    upper = cleaned[:1].upper() + cleaned[1:].upper()
    upper = _ALIASES.get(upper, upper)
    if upper not in NOTE_NAMES:
        raise ValueError(f"not a note name: {name!r}")
    return upper


def pitch_class(name: str) -> int:
    """C=0 ... B=11, accepting flats and sharps."""
    return NOTE_NAMES.index(canonical_note(name))


def camelot(tonic: str, scale: Scale) -> str:
    """Camelot code: ``("A", "minor")`` -> ``"8A"``, ``("C", "major")`` -> ``"8B"``."""
    return CAMELOT[(canonical_note(tonic), scale)]


def open_key(tonic: str, scale: Scale) -> str:
    """Open Key code: ``("C", "major")`` -> ``"1d"``, ``("A", "minor")`` -> ``"1m"``."""
    return OPEN_KEY[(canonical_note(tonic), scale)]


def _wheel_number(pc: int, scale: Scale) -> int:
    """Position on the circle of fifths, 1..12, with C major / A minor at Camelot 8."""
    major_pc = pc if scale == "major" else (pc + 3) % 12
    return (7 * major_pc % 12 + 7) % 12 + 1


CAMELOT: dict[tuple[str, Scale], str] = {
    (NOTE_NAMES[pc], scale): f"{_wheel_number(pc, scale)}{'B' if scale == 'major' else 'A'}"
    for pc in range(12)
    for scale in ("major", "minor")
}
OPEN_KEY: dict[tuple[str, Scale], str] = {
    (NOTE_NAMES[pc], scale): f"{(_wheel_number(pc, scale) - 8) % 12 + 1}{'d' if scale == 'major' else 'm'}"
    for pc in range(12)
    for scale in ("major", "minor")
}


def parse_key(text: str) -> tuple[str, Scale]:
    """``"A minor"``, ``"Am"``, ``"8A"``, ``"1m"``, ``"Bbmaj"`` -> ``(tonic, scale)`` in canonical spelling."""
    value = text.strip()
    for table in (CAMELOT, OPEN_KEY):
        for key, code in table.items():
            if code.lower() == value.lower():
                return key
    lowered = value.lower()
    for suffix in (" minor", "minor", "min", "m"):
        if lowered.endswith(suffix):
            return canonical_note(value[: -len(suffix)]), "minor"
    for suffix in (" major", "major", "maj", ""):
        if lowered.endswith(suffix):
            return canonical_note(value[: len(value) - len(suffix)] if suffix else value), "major"
    raise ValueError(f"not a key: {text!r}")  # pragma: no cover - the empty suffix always matches


def mirex_score(true_key: tuple[str, Scale], estimate: tuple[str, Scale]) -> float:
    """MIREX key score: 1 exact, 0.5 a fifth away (same mode), 0.3 relative, 0.2 parallel, 0 otherwise."""
    t_pc, t_scale = pitch_class(true_key[0]), true_key[1]
    e_pc, e_scale = pitch_class(estimate[0]), estimate[1]
    if t_scale == e_scale:
        if t_pc == e_pc:
            return 1.0
        if (e_pc - t_pc) % 12 in (5, 7):
            return 0.5
        return 0.0
    if t_pc == e_pc:
        return 0.2
    relative = (t_pc - 3) % 12 if t_scale == "major" else (t_pc + 3) % 12
    return 0.3 if e_pc == relative else 0.0


# -- estimation ----------------------------------------------------------------------------------------------------

# Key profiles (major, minor), tonic first, as published: Krumhansl & Kessler (1982), Temperley (1999),
# Shaath (2011, tuned for popular/electronic music) and Faraldo et al. (2016, "edma", derived from EDM).
_PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "krumhansl": (
        (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
        (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
    ),
    "temperley": (
        (5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0),
        (5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0),
    ),
    "shaath": (
        (6.6, 2.0, 3.5, 2.3, 4.6, 4.0, 2.5, 5.2, 2.4, 3.7, 2.3, 3.4),
        (6.5, 2.7, 3.5, 5.4, 2.6, 3.5, 2.5, 5.2, 4.0, 2.7, 4.3, 3.2),
    ),
    "edma": (
        (0.1652, 0.0475, 0.0829, 0.0669, 0.0999, 0.0927, 0.0529, 0.1316, 0.0522, 0.0744, 0.0694, 0.0643),
        (0.1724, 0.0534, 0.0761, 0.1004, 0.0562, 0.0853, 0.0498, 0.1345, 0.0746, 0.0500, 0.0919, 0.0555),
    ),
}

#: the profile sets whose consensus :func:`estimate_key` uses by default.
DEFAULT_PROFILES: tuple[str, ...] = ("edma",)


@dataclass(frozen=True)
class KeyEstimate:
    """The best key, its ``strength`` (0..1: the chroma's correlation with that key's profile), and the tuning (cents
    from A=440 Hz) it was read at."""

    tonic: str
    scale: Scale
    strength: float
    tuning_cents: float

    @property
    def camelot(self) -> str:
        return camelot(self.tonic, self.scale)

    @property
    def open_key(self) -> str:
        return open_key(self.tonic, self.scale)


def tuning_offset(hpcp36: npt.ArrayLike) -> float:
    """Deviation of the recording's tuning from A=440 Hz in cents (-50..50), from a 36-bin profile.

    Each semitone spans three bins; the energy-weighted circular mean of the bins' positions within their semitone
    says where the notes really sit.
    """
    h = np.asarray(hpcp36, dtype=np.float64)
    if h.shape != (36,) or not np.any(h > 0):
        return 0.0
    phase = np.angle(np.sum(h * np.exp(2j * np.pi * np.arange(36) / 3)))
    return float(phase / (2 * np.pi) * 100.0)


def chroma_from_hpcp(hpcp36: npt.ArrayLike, tuning_cents: float = 0.0) -> Floats:
    """Fold a 36-bin HPCP whose bin 0 is A (essentia's layout) to 12 bins from C, read at the tuned positions."""
    h = np.asarray(hpcp36, dtype=np.float64)
    if h.shape != (36,):
        raise ValueError(f"expected 36 bins, got shape {h.shape}")
    shift = tuning_cents / 100.0 * 3  # in bins
    positions = (np.arange(12)[:, None] * 3 + shift + np.array([-1.0, 0.0, 1.0])[None, :]) % 36
    lower = np.floor(positions).astype(int)
    frac = positions - lower
    values = (1 - frac) * h[lower % 36] + frac * h[(lower + 1) % 36]
    weights = np.array([0.5, 1.0, 0.5])  # the semitone's centre bin counts most; its neighbours catch vibrato
    from_a = values @ weights
    return np.roll(from_a, 9)  # index 0 = A -> index 9; C (3 semitones above A) lands at 0


@functools.cache
def _rotations(name: str) -> Floats:
    """The profile set's 24 rotations (12 major, then 12 minor), each centred and scaled to unit norm."""
    major, minor = _PROFILES[name]
    rows = [np.roll(np.asarray(major), pc) for pc in range(12)] + [np.roll(np.asarray(minor), pc) for pc in range(12)]
    matrix = np.array(rows, dtype=np.float64)
    matrix -= matrix.mean(axis=1, keepdims=True)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix.flags.writeable = False
    return matrix


def key_scores(chroma: npt.ArrayLike, profiles: tuple[str, ...] = DEFAULT_PROFILES) -> Floats:
    """Consensus score of all 24 keys: index ``pc`` is ``NOTE_NAMES[pc]`` major, ``12 + pc`` its minor.

    For each profile set, the Pearson correlation of the chroma with the profile rotated to every tonic; the
    correlations of each set are z-scored across the 24 keys (so no set dominates by scale) and summed.
    """
    c = np.asarray(chroma, dtype=np.float64)
    if c.shape != (12,):
        raise ValueError(f"expected 12 bins, got shape {c.shape}")
    total = np.zeros(24)
    centred = c - c.mean()
    norm = float(np.linalg.norm(centred))
    if norm <= 1e-12 * max(1.0, float(np.abs(c).max())):
        return total
    for name in profiles:
        corr = _rotations(name) @ (centred / norm)  # Pearson correlation with all 24 rotated profiles at once
        std = corr.std()
        total += (corr - corr.mean()) / (std if std > 0 else 1.0)
    return total / len(profiles)


def estimate_key(
    hpcp36: npt.ArrayLike, *, profiles: tuple[str, ...] = DEFAULT_PROFILES, tune: bool = True
) -> KeyEstimate | None:
    """The key of summed/averaged HPCP frames (36 bins, bin 0 = A); None when there is no pitched content."""
    h = np.asarray(hpcp36, dtype=np.float64)
    if h.shape != (36,) or not np.any(h > 0):
        return None
    cents = tuning_offset(h) if tune else 0.0
    chroma = chroma_from_hpcp(h, cents)
    scores = key_scores(chroma, profiles)
    best = int(np.argmax(scores))
    pc = best % 12
    scale: Scale = "major" if best < 12 else "minor"
    centred = chroma - chroma.mean()
    norm = float(np.linalg.norm(centred))
    strength = float(_rotations(profiles[0])[best] @ centred / norm) if norm > 0 else 0.0
    return KeyEstimate(NOTE_NAMES[pc], scale, max(0.0, min(1.0, strength)), round(cents, 1))


#: how far (in z-scored correlation) tracktion's own best key must lead the reference key to overrule it
REFERENCE_MARGIN = 0.1


def fuse_with_reference(
    hpcp36: npt.ArrayLike, reference: tuple[str, Scale, float] | None
) -> tuple[KeyEstimate | None, float | None]:
    """The key of a recording from its averaged 36-bin HPCP and the reference estimator's (tonic, scale, strength),
    with a confidence (0-1): the key's strength, halved when the two estimators disagree."""
    own = estimate_key(hpcp36)
    if reference is None or own is None:
        return own, round(own.strength, 3) if own else None
    ref_tonic, ref_scale, ref_strength = canonical_note(reference[0]), reference[1], float(reference[2])
    if (own.tonic, own.scale) == (ref_tonic, ref_scale):
        return own, round(float(np.clip((own.strength + ref_strength) / 2, 0.0, 1.0)), 3)
    h = np.asarray(hpcp36, dtype=np.float64)
    scores = key_scores(chroma_from_hpcp(h, own.tuning_cents))
    ref_index = pitch_class(ref_tonic) + (0 if ref_scale == "major" else 12)
    if scores[ref_index] >= float(scores.max()) - REFERENCE_MARGIN:
        chosen = KeyEstimate(ref_tonic, ref_scale, float(np.clip(ref_strength, 0.0, 1.0)), own.tuning_cents)
    else:
        chosen = own
    return chosen, round(chosen.strength / 2, 3)
