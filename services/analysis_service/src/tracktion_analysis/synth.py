"""Synthetic music with a known tempo and key, for tests and benchmarks.

Accuracy claims need ground truth, and tests must never download audio, so tracktion renders its own: drum patterns
in several styles (four-on-the-floor, breakbeat, drum & bass, swung hip-hop, downtempo) over a chord progression in a
given key, with a bass line on the chord roots, an optional melody, noise and detuning. Everything is deterministic
for a given ``seed``. Rendering works bar by bar, so :func:`write_sections` can produce a two-hour file without ever
holding it in memory.

This module has no essentia dependency (numpy, plus soundfile for writing) and is not used by the analysis itself.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "STYLES",
    "STYLE_TEMPO_RANGES",
    "Section",
    "Style",
    "encode",
    "render",
    "render_chunks",
    "write_sections",
]

Style = Literal["four_on_the_floor", "breakbeat", "drum_and_bass", "hip_hop", "downtempo"]

STYLES: tuple[Style, ...] = ("four_on_the_floor", "breakbeat", "drum_and_bass", "hip_hop", "downtempo")

#: the tempo range each style is usually played at (what the accuracy corpus draws from).
STYLE_TEMPO_RANGES: dict[Style, tuple[float, float]] = {
    "four_on_the_floor": (118.0, 140.0),
    "breakbeat": (125.0, 140.0),
    "drum_and_bass": (165.0, 178.0),
    "hip_hop": (84.0, 98.0),
    "downtempo": (72.0, 108.0),
}

_NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

Audio = npt.NDArray[np.float32]

# Drum patterns on a 16-step grid per 4/4 bar: (step, velocity).
_PATTERNS: dict[Style, dict[str, tuple[tuple[int, float], ...]]] = {
    "four_on_the_floor": {
        "kick": ((0, 1.0), (4, 1.0), (8, 1.0), (12, 1.0)),
        "snare": ((4, 0.6), (12, 0.6)),
        "open_hat": ((2, 0.5), (6, 0.5), (10, 0.5), (14, 0.5)),
        "hat": tuple((s, 0.18) for s in range(16) if s % 2),
    },
    "breakbeat": {
        "kick": ((0, 1.0), (6, 0.7), (10, 0.9)),
        "snare": ((4, 0.95), (12, 0.95), (15, 0.3)),
        "hat": tuple((s, 0.35 if s % 2 == 0 else 0.18) for s in range(16)),
    },
    "drum_and_bass": {
        "kick": ((0, 1.0), (10, 0.9)),
        "snare": ((4, 1.0), (12, 1.0), (7, 0.22), (15, 0.22)),
        "hat": tuple((s, 0.4 if s % 2 == 0 else 0.2) for s in range(16)),
    },
    "hip_hop": {
        "kick": ((0, 1.0), (7, 0.7), (10, 0.85)),
        "snare": ((4, 1.0), (12, 1.0)),
        "hat": tuple((s, 0.32 if s % 4 == 0 else 0.18) for s in range(0, 16, 2)),
    },
    "downtempo": {
        "kick": ((0, 0.9), (10, 0.6)),
        "snare": ((8, 0.7),),
        "hat": tuple((s, 0.14) for s in range(0, 16, 2)),
    },
}

#: swing as a fraction of a 16th step by which off-beat 8ths (hip-hop) are delayed.
_SWING: dict[Style, float] = {"hip_hop": 0.33, "downtempo": 0.15}

# Progressions as (root in semitones above the tonic, chord quality); they start on the tonic and return to it.
# Some are the pop/EDM staples whose chords are the same as their relative key's (I-V-vi-IV vs i-VI-III-VII), where
# only the tonic's weight (first chord, bass, melody) tells them apart -- the hard cases for key detection.
_MAJOR_PROGRESSIONS = (
    ((0, "maj"), (5, "maj"), (7, "maj"), (0, "maj")),
    ((0, "maj"), (9, "min"), (5, "maj"), (7, "maj")),
    ((0, "maj"), (7, "maj"), (5, "maj"), (0, "maj")),
    ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),
    ((0, "maj"), (5, "maj"), (9, "min"), (7, "maj")),
)
_MINOR_PROGRESSIONS = (
    ((0, "min"), (5, "min"), (7, "maj"), (0, "min")),
    ((0, "min"), (8, "maj"), (10, "maj"), (0, "min")),
    ((0, "min"), (8, "maj"), (5, "min"), (7, "maj")),
    ((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),
    ((0, "min"), (10, "maj"), (8, "maj"), (10, "maj")),
)
_MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)


@dataclass(frozen=True)
class Section:
    """``seconds`` of music at ``bpm`` in ``tonic`` ``scale`` (sharps: ``"F#"``), drums in ``style``."""

    seconds: float
    bpm: float
    tonic: str
    scale: Literal["major", "minor"]
    style: Style = "four_on_the_floor"


def _pitch_class(name: str) -> int:
    flats = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#"}
    return _NOTE_NAMES.index(flats.get(name, name))


def _midi_hz(midi: float, tuning_cents: float) -> float:
    return float(440.0 * 2.0 ** ((midi - 69 + tuning_cents / 100.0) / 12.0))


# -- one-shots ---------------------------------------------------------------------------------------------------


_DRUM_SEEDS = {"kick": 1, "snare": 2, "hat": 3, "open_hat": 4}


@functools.cache
def _drum(name: str, sr: int) -> Audio:
    """A drum hit rendered once per sample rate; random parts use a fixed seed so every run sounds the same."""
    rng = np.random.default_rng(_DRUM_SEEDS[name])
    if name == "kick":
        t = np.arange(int(0.35 * sr)) / sr
        freq = 48.0 + 110.0 * np.exp(-t / 0.03)
        phase = 2 * np.pi * np.cumsum(freq) / sr
        out = np.sin(phase) * np.exp(-t / 0.12)
        out[: int(0.002 * sr)] += rng.standard_normal(int(0.002 * sr)) * 0.3
    elif name == "snare":
        t = np.arange(int(0.25 * sr)) / sr
        noise = rng.standard_normal(t.size)
        noise = np.convolve(noise, [1.0, -0.6], mode="same")
        out = 0.7 * noise * np.exp(-t / 0.06) + 0.5 * np.sin(2 * np.pi * 190.0 * t) * np.exp(-t / 0.04)
    elif name in ("hat", "open_hat"):
        length = 0.05 if name == "hat" else 0.18
        t = np.arange(int(length * sr)) / sr
        noise = rng.standard_normal(t.size)
        noise = np.diff(noise, prepend=0.0)  # crude high-pass: hats live above a few kHz
        out = 0.35 * noise * np.exp(-t / (0.012 if name == "hat" else 0.06))
    else:  # pragma: no cover - the patterns name only these
        raise ValueError(name)
    return out.astype(np.float32)


@functools.lru_cache(maxsize=256)
def _tone(freqs: tuple[float, ...], length: int, sr: int, harmonics: tuple[float, ...], decay: float | None) -> Audio:
    """A sum of harmonic tones (one per frequency) with short fades, optionally decaying (cached: bars repeat)."""
    t = np.arange(length, dtype=np.float64) / sr
    out = np.zeros(length, dtype=np.float64)
    nyquist = sr / 2
    for f in freqs:
        for k, amp in enumerate(harmonics, start=1):
            if f * k < nyquist * 0.9 and amp:
                out += amp * np.sin(2 * np.pi * f * k * t)
    fade = min(int(0.01 * sr), length // 2)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        out[:fade] *= ramp
        out[-fade:] *= ramp[::-1]
    if decay is not None:
        out *= np.exp(-t / decay)
    result = out.astype(np.float32)
    result.flags.writeable = False  # shared by the cache
    return result


# -- rendering ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Voice:
    """Per-section random choices (progression, timbre, melody), fixed by the seed."""

    progression: tuple[tuple[int, str], ...]
    pad_harmonics: tuple[float, ...]
    bass_harmonics: tuple[float, ...]
    melody: tuple[tuple[int, int], ...]  # (16th step, tone) per bar; tone 0-2: chord tone, 3: the next scale step
    with_melody: bool
    with_pad: bool
    pedal: bool  # the bass holds the tonic under every chord (techno, drones)


def _voice(section: Section, rng: np.random.Generator) -> _Voice:
    progressions = _MAJOR_PROGRESSIONS if section.scale == "major" else _MINOR_PROGRESSIONS
    progression = progressions[int(rng.integers(len(progressions)))]
    brightness = float(rng.uniform(0.4, 0.8))
    pad = tuple(float(brightness**k / k) for k in range(1, 7))
    bass = (1.0, float(rng.uniform(0.2, 0.5)), float(rng.uniform(0.0, 0.2)))
    steps = [0, *sorted(int(s) for s in rng.choice(np.arange(2, 16, 2), size=3, replace=False))]
    # the melody starts on the chord's root and mostly plays chord tones, with the odd passing note, as hooks do
    degrees = [0, *(int(rng.choice([0, 1, 2, 0, 1, 2, 3])) for _ in steps[1:])]
    with_pad = bool(rng.uniform() < 0.85)
    # at least one of pad and melody plays: without a third somewhere in the music its mode is undefined
    with_melody = bool(rng.uniform() < 0.7) or not with_pad
    return _Voice(
        progression,
        pad,
        bass,
        tuple(zip(steps, degrees, strict=True)),
        with_melody=with_melody,
        with_pad=with_pad,
        pedal=bool(rng.uniform() < 0.25),
    )


def _chord_pitches(tonic: int, root: int, quality: str) -> list[int]:
    third = 4 if quality == "maj" else 3
    base = 48 + (tonic + root) % 12  # octave 3
    return [base, base + third, base + 7]


def _step_above(scale: tuple[int, ...], root: int) -> int:
    """The scale degree (semitones above the tonic) that follows ``root`` in ``scale``."""
    higher = [d for d in scale if d > root % 12]
    return higher[0] if higher else scale[0] + 12


def _bar_events(style: Style, rng: np.random.Generator) -> list[tuple[str, int, float]]:
    events: list[tuple[str, int, float]] = []
    for name, hits in _PATTERNS[style].items():
        for step, velocity in hits:
            events.append((name, step, velocity * float(rng.uniform(0.85, 1.0))))
    return events


def _add_drums(out: Audio, section: Section, beat: float, sr: int, rng: np.random.Generator) -> None:
    swing = _SWING.get(section.style, 0.0)
    for name, step, velocity in _bar_events(section.style, rng):
        offset = step * beat / 4
        if swing and step % 4 == 2:
            offset += swing * beat / 4
        at = round(offset * sr)
        hit = _drum(name, sr) * velocity
        out[at : at + hit.size] += hit


def _add_tonal(
    out: Audio, section: Section, voice: _Voice, *, bar: int, length: int, beat: float, sr: int, tuning_cents: float
) -> None:
    """Pad, bass and melody of one bar."""
    tonic = _pitch_class(section.tonic)
    scale = _MAJOR_SCALE if section.scale == "major" else _MINOR_SCALE
    # the tonic chord is held twice as long as the others: the weight that makes it the tonic
    loop = (voice.progression[0], *voice.progression)
    root, quality = loop[bar % len(loop)]
    if voice.with_pad:
        freqs = tuple(_midi_hz(m, tuning_cents) for m in _chord_pitches(tonic, root, quality))
        out[:length] += 0.10 * _tone(freqs, length, sr, voice.pad_harmonics, None)
    bass_root = 0 if voice.pedal else root
    bass_hz = _midi_hz(36 + (tonic + bass_root) % 12, tuning_cents)  # octave 2 (C2..B2)
    note = _tone((bass_hz,), round(beat * 0.45 * sr), sr, voice.bass_harmonics, beat * 0.4)
    for step in (0, 6, 8, 14) if section.style != "downtempo" else (0, 8):
        at = round(step * beat / 4 * sr)
        out[at : at + note.size] += 0.35 * note
    if voice.with_melody:
        # chord tones, or (tone 3) the scale step above the chord's root
        tones = [p % 12 for p in _chord_pitches(tonic, root, quality)]
        tones.append((tonic + _step_above(scale, root)) % 12)
        for step, tone in voice.melody:
            at = round(step * beat / 4 * sr)
            hz = _midi_hz(72 + tones[tone], tuning_cents)
            note = _tone((hz,), round(beat * 0.5 * sr), sr, (1.0, 0.3), beat * 0.3)
            out[at : at + note.size] += 0.10 * note


def render_chunks(
    sections: Sequence[Section],
    *,
    sr: int = 44100,
    seed: int = 0,
    noise_db: float | None = None,
    tuning_cents: float = 0.0,
) -> Iterator[Audio]:
    """Yield the mono signal one bar at a time (float32, peak below 1), section after section.

    ``noise_db``: add white noise this many dB below the music's RMS (e.g. 20). ``tuning_cents``: detune every pitch
    (a record mastered at A=445 Hz is about +20 cents).
    """
    rng = np.random.default_rng(seed)
    carry = np.zeros(0, dtype=np.float32)  # tails of drum hits that ring into the next bar
    for section in sections:
        voice = _voice(section, rng)
        beat = 60.0 / section.bpm
        bar_seconds = 4 * beat
        n_bars = max(1, math.ceil(section.seconds / bar_seconds - 1e-9))
        total = round(section.seconds * sr)
        emitted = 0
        for bar in range(n_bars):
            # bar boundaries on the exact grid (no drift over a long section)
            length = round((bar + 1) * bar_seconds * sr) - round(bar * bar_seconds * sr)
            out = np.zeros(length + int(0.4 * sr), dtype=np.float32)
            out[: carry.size] += carry
            _add_drums(out, section, beat, sr, rng)
            _add_tonal(out, section, voice, bar=bar, length=length, beat=beat, sr=sr, tuning_cents=tuning_cents)
            carry = out[length:].copy()
            keep = min(length, total - emitted)
            if keep <= 0:
                break
            chunk = out[:keep]
            emitted += keep
            if noise_db is not None:
                rms = float(np.sqrt(np.mean(chunk.astype(np.float64) ** 2))) or 1e-3
                chunk = chunk + rng.standard_normal(chunk.size).astype(np.float32) * rms * 10 ** (-noise_db / 20)
            yield (0.3 * chunk).astype(np.float32)


def render(
    sections: Sequence[Section] | Section,
    *,
    sr: int = 44100,
    seed: int = 0,
    noise_db: float | None = None,
    tuning_cents: float = 0.0,
) -> Audio:
    """The whole mono signal in memory (for short clips; use :func:`write_sections` for long files)."""
    if isinstance(sections, Section):
        sections = [sections]
    chunks = list(render_chunks(sections, sr=sr, seed=seed, noise_db=noise_db, tuning_cents=tuning_cents))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)


def write_sections(
    path: Path,
    sections: Sequence[Section],
    *,
    sr: int = 44100,
    seed: int = 0,
    noise_db: float | None = None,
    tuning_cents: float = 0.0,
    subtype: str = "PCM_16",
) -> Path:
    """Write a (possibly hours-long) file bar by bar with soundfile; the format follows the suffix (wav/flac/ogg)."""
    import soundfile  # noqa: PLC0415 - only tests and benchmarks write audio

    with soundfile.SoundFile(str(path), "w", samplerate=sr, channels=1, subtype=subtype) as out:
        for chunk in render_chunks(sections, sr=sr, seed=seed, noise_db=noise_db, tuning_cents=tuning_cents):
            out.write(chunk)
    return path


def encode(source: Path, target: Path, *, bitrate: str = "160k") -> Path:
    """Convert ``source`` with the ``ffmpeg`` command (mp3, m4a, ogg, flac, ... by ``target``'s suffix).

    Tests and benchmarks use it for the formats soundfile cannot write; they skip when ``ffmpeg`` is not installed.
    """
    import subprocess  # noqa: PLC0415 - only tests and benchmarks encode

    codec = {".m4a": ["-c:a", "aac"], ".ogg": ["-c:a", "libvorbis"], ".mp3": ["-c:a", "libmp3lame"]}
    args = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source)]
    args += codec.get(target.suffix, [])
    if target.suffix in (".mp3", ".m4a", ".ogg"):
        args += ["-b:a", bitrate]
    subprocess.run([*args, str(target)], check=True)  # noqa: S603 - fixed arguments, paths from the caller
    return target
