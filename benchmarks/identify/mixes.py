"""DJ-style mixes with exact ground truth, for benchmarking the audio fingerprint identifier.

The identifier has to say which library tracks play inside a recorded DJ set, and when. Recorded sets come without a
timed tracklist, let alone the tempo and pitch each track was played at, so this module makes its own: it takes a pool
of tracks (rendered with :mod:`tracktion_analysis.synth`, plus the real-music clips of ``../shared/audio/real-dev``),
indexes most of them (the library), keeps a fixed subset back as distractors (played but never indexed, so that a
"not in the library" answer can be scored too), and mixes them the way DJs do. Every time in the truth comes from the
sample positions the mixer itself used, so it is exact, up to the MP3 encoder's delay (about 25 ms) and the time
stretcher's transient smearing (a few ms).

What a mix contains, and why:

* 10-25 tracks (fewer when the pool is small), none twice, about ``distractor_fraction`` of them distractors.
* Tempo changes as in real sets (Kim et al., "A computational analysis of real-world DJ mixes using mix-to-track
  subsequence alignment", ISMIR 2020): 86 % of tracks within +-5 %, 94.5 % within +-10 %, the rest up to +-16 %.
  The bands are allotted per mix (at least one track in each outer band), so every band is measured in every mix.
  Tempo is changed with key lock (rubberband time stretching), as CDJs and DJ software do; about 5 % of tracks are
  also transposed by a semitone (key-matching DJs do that), and about 10 % are played "vinyl mode", resampled so that
  pitch follows tempo, as a turntable's pitch fader does.
* Crossfades of 8-64 bars of the outgoing track's played tempo (shorter where the tracks are short: at least 40 % of
  each track plays alone, or the question "which track is this" would have no clean answer anywhere), with a bass
  swap at the midpoint and, on some transitions, a filter sweep; equal-power volume curves.
* About 20 % of tracks start from a cue point 2-15 s in; about half of the longer ones are mixed out before their end.
* Whole-mix processing as on a recording of a club set: a gain drive into a look-ahead limiter, crowd noise (pink, about
  25 dB below the music) with occasional applause, and MP3 at 128 kbps.

Output is mono, 44.1 kHz. Everything is deterministic for a given ``seed`` and is written under ``workdir``; a built
corpus is found again by its manifest (``corpus-.../manifest.json``) and reused. ``python -m benchmarks.identify.mixes
DIR`` builds one and checks it (see :func:`check_corpus`).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import logging
import math
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import soundfile
from numpy.lib.stride_tricks import sliding_window_view

from tracktion_analysis.synth import STYLE_TEMPO_RANGES, STYLES, Section, write_sections

__all__ = [
    "REAL_DEV_DIR",
    "Corpus",
    "Mix",
    "Placement",
    "TrackSource",
    "build_corpus",
    "check_corpus",
]

#: the real-music development set's default place: ``shared/audio/real-dev`` next to the repository's checkout.
REAL_DEV_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "audio" / "real-dev"

SR = 44100
#: bumped whenever the generator changes what it writes, so that an old cache is not taken for a new corpus.
_VERSION = 1
_FFMPEG = "ffmpeg"
_QUIET = ("-nostdin", "-v", "error")
#: raw mono float32 at 44.1 kHz, as an input or output format
_RAW = ("-f", "f32le", "-ar", str(SR), "-ac", "1")

_log = logging.getLogger(__name__)

Audio = npt.NDArray[np.float32]
Floats = npt.NDArray[np.float64]


# -- the truth ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackSource:
    """One track's audio file: ``kind`` is ``"real"`` (a real-dev clip, read in place) or ``"generated"``."""

    path: Path
    kind: str
    duration_s: float


@dataclass(frozen=True)
class Placement:
    """One track inside a mix: what the identifier should find, and how hard it was made to find it.

    ``start_s`` / ``end_s`` are on the final mix's time axis: where the track's audio begins (the start of its fade-in)
    and ends (the end of its fade-out); a track overlaps only its neighbours, during the crossfades. ``in_library`` is
    False for a distractor, a track that is played but not indexed. ``source_offset_s`` is where in the source file
    playback began (a cue point; 0.0 normally). ``tempo_ratio`` is played tempo / original tempo.

    ``semitones`` is the pitch change heard. With key lock (the normal case) it is the transposition applied on top of
    the time stretch: 0, +1 or -1. In vinyl mode (no key lock: the audio is resampled, so pitch follows tempo, as on a
    turntable) it is ``12 * log2(tempo_ratio)``, which is how :attr:`vinyl` tells the two apart.
    """

    track: Path
    in_library: bool
    start_s: float
    end_s: float
    source_offset_s: float
    tempo_ratio: float
    semitones: float

    @property
    def vinyl(self) -> bool:
        """True when tempo and pitch changed together (no key lock); see the class docstring."""
        return self.tempo_ratio != 1.0 and abs(self.semitones - 12 * math.log2(self.tempo_ratio)) < 1e-6


@dataclass(frozen=True)
class Mix:
    """The final MP3 (128 kbps, mono) of one mix, its length in seconds and its placements, sorted by start."""

    path: Path
    duration_s: float
    placements: tuple[Placement, ...]


@dataclass(frozen=True)
class Corpus:
    """The tracks to index (``library``), the ones played but never indexed (``distractors``), and the mixes."""

    library: tuple[TrackSource, ...]
    distractors: tuple[TrackSource, ...]
    mixes: tuple[Mix, ...]


# -- mix design figures ------------------------------------------------------------------------------------------

MIN_TRACKS, MAX_TRACKS = 10, 25
MIN_MIX_S, MAX_MIX_S = 5 * 60.0, 20 * 60.0
#: (share of tracks, lowest and highest tempo deviation) per band, after Kim et al. (ISMIR 2020).
TEMPO_BANDS = ((0.86, 0.0, 0.05), (0.085, 0.05, 0.10), (0.055, 0.10, 0.16))
VINYL_SHARE = 0.10
TRANSPOSED_SHARE = 0.05
CUE_SHARE = 0.20
#: crossfade lengths in bars, and how often DJs pick each (phrases are 8, 16 or 32 bars; 64 for long blends).
FADE_BARS = (8, 16, 32, 64)
FADE_BARS_P = (0.3, 0.35, 0.25, 0.1)
#: at most this share of a track's played length is one crossfade, so at least 40 % of it plays alone.
FADE_CAP = 0.3
BASS_SWAP_HZ = 150.0
#: how often a transition has a filter sweep: a low-pass opening on the incoming track, or a high-pass closing in on
#: the outgoing one.
SWEEP_P = {"none": 0.6, "lowpass_in": 0.2, "highpass_out": 0.2}
TARGET_RMS_DB = -18.0
CROWD_DB = -25.0
APPLAUSE_EVERY_S = 180.0
#: the limiter's ceiling, -1.5 dBFS: MP3 decoding overshoots peaks by a few per cent
LIMIT = 10 ** (-1.5 / 20)
KNEE, CEILING = 0.85, 0.95

Sweep = Literal["none", "lowpass_in", "highpass_out"]


# -- the pool of tracks ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Track:
    """A source with what the mixer needs besides the file: the tempo a DJ counts bars in."""

    source: TrackSource
    bpm: float
    in_library: bool


def _generate_tracks(folder: Path, count: int, seed: int) -> list[tuple[TrackSource, float]]:
    """``count`` synthetic tracks, 60-150 s, styles in turn, tempo, key, structure and noise drawn per track.

    Each track depends only on ``seed`` and its index, and its file name says so, so files from an earlier run (or a
    corpus with other parameters) are reused rather than rendered again.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tracks = []
    for index in range(count):
        rng = np.random.default_rng([seed, 1000 + index])
        style = STYLES[index % len(STYLES)]
        low, high = STYLE_TEMPO_RANGES[style]
        bpm = round(float(rng.uniform(low, high)), 2)
        tonic = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")[int(rng.integers(12))]
        scale: Literal["major", "minor"] = "minor" if rng.uniform() < 0.6 else "major"
        seconds = round(float(rng.uniform(60.0, 150.0)), 1)
        # one to three parts, each with its own voicing (progression, pad, melody on or off), split on bar lines so
        # the beat grid runs on unbroken: real tracks have an intro, a main part and a breakdown, not one loop
        bar = 240.0 / bpm
        bars = int(seconds / bar)
        parts = int(rng.integers(1, 4))
        cuts = sorted(int(c) for c in rng.choice(np.arange(4, max(5, bars - 4)), size=parts - 1, replace=False))
        edges = [0, *cuts, bars]
        lengths = [(b - a) * bar for a, b in itertools.pairwise(edges)]
        lengths[-1] += seconds - bars * bar
        sections = [Section(length, bpm, tonic, scale, style) for length in lengths if length > 0]
        noise_db = float(rng.uniform(25.0, 45.0)) if rng.uniform() < 0.5 else None
        cents = float(rng.uniform(-20.0, 20.0)) if rng.uniform() < 0.5 else 0.0
        path = folder / f"gen-s{seed}-{index:03d}-{style}-{bpm:.2f}bpm.flac"
        if not path.exists():
            partial = path.with_suffix(".partial.flac")
            write_sections(partial, sections, sr=SR, seed=seed * 100_003 + index, noise_db=noise_db, tuning_cents=cents)
            partial.replace(path)
        tracks.append((TrackSource(path, "generated", seconds), bpm))
    return tracks


def _real_tracks(real_dir: Path | None) -> list[tuple[TrackSource, float]]:
    """The real-dev clips with their annotated tempo (120 BPM where the truth has none), or none when absent."""
    if real_dir is None:
        return []
    truth_file = real_dir / "truth.json"
    if not truth_file.is_file():
        _log.warning("real-music set not found (no %s): building the corpus from generated tracks only", truth_file)
        return []
    entries = {e["file"]: e for e in json.loads(truth_file.read_text())}
    tracks = []
    for path in sorted(real_dir.glob("*.mp3")):
        entry = entries.get(path.name, {})
        duration = entry.get("duration_s") or _probe_duration(path)
        tracks.append((TrackSource(path.resolve(), "real", float(duration)), float(entry.get("bpm") or 120.0)))
    return tracks


# -- audio in and out --------------------------------------------------------------------------------------------


def _ffmpeg_filter(audio: Audio, chain: str) -> Audio:
    """``audio`` through an ffmpeg filter chain (raw float32 in and out: no format conversion on the way)."""
    done = subprocess.run(
        [_FFMPEG, *_QUIET, *_RAW, "-i", "pipe:0", "-af", chain, *_RAW, "pipe:1"],
        input=audio.tobytes(),
        capture_output=True,
        check=True,
    )
    return np.frombuffer(done.stdout, dtype=np.float32).copy()


def _load(source: TrackSource) -> Audio:
    """The whole source, mono at 44.1 kHz."""
    if source.kind == "generated":
        data, rate = soundfile.read(str(source.path), dtype="float32", always_2d=True)
        assert rate == SR, source.path
        return np.ascontiguousarray(data.mean(axis=1), dtype=np.float32)
    return _decode(source.path)


def _decode(path: Path) -> Audio:
    """Any file ffmpeg reads, mono at 44.1 kHz (for MP3 it honours LAME's gapless header: no encoder delay).

    Decoded through a temporary raw file, which numpy reads straight into one array: a pipe would hold the samples
    two or three times over (200 MB each for a 20-minute mix).
    """
    with tempfile.NamedTemporaryFile(suffix=".f32") as raw:
        args = [*_QUIET, "-y", "-i", str(path), *_RAW, raw.name]
        subprocess.run([_FFMPEG, *args], check=True)
        return np.fromfile(raw.name, dtype=np.float32)


def _probe_duration(path: Path) -> float:
    """The container's duration as ffprobe reports it: what a player (and the identifier's decoder) will see."""
    args = ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)]
    done = subprocess.run(["ffprobe", *args], capture_output=True, check=True, text=True)
    return float(done.stdout.strip())


def _encode_mp3(audio: Audio, path: Path) -> None:
    """Write ``audio`` as a 128 kbps MP3, fed to ffmpeg in slices so the mix is never copied whole."""
    partial = path.with_suffix(".partial.mp3")
    args = [*_QUIET, "-y", *_RAW, "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a", "128k", str(partial)]
    with subprocess.Popen([_FFMPEG, *args], stdin=subprocess.PIPE) as encoder:
        assert encoder.stdin is not None
        step = 1 << 20
        for at in range(0, audio.size, step):
            encoder.stdin.write(audio[at : at + step].data)
        encoder.stdin.close()
        if encoder.wait() != 0:
            raise RuntimeError(f"ffmpeg could not encode {path}")
    partial.replace(path)


# -- the DJ's hands ----------------------------------------------------------------------------------------------


@dataclass
class _Planned:
    """One track as the DJ will play it; fades are in samples of the played (stretched) audio."""

    track: _Track
    offset: int  # first source sample played
    length: int  # source samples played
    tempo_ratio: float
    semitones: float
    vinyl: bool
    gain_db: float
    fade_bars_out: int
    sweep_out: Sweep  # the filter sweep of the transition into the next track
    fade_in: int = 0
    fade_out: int = 0

    @property
    def played(self) -> int:
        """Samples in the mix: the source length over the tempo ratio (time stretching keeps that to a sample)."""
        return round(self.length / self.tempo_ratio)

    @property
    def bar(self) -> float:
        """A bar of the played tempo, in samples (what the DJ counts a crossfade in)."""
        return 4 * 60.0 / (self.track.bpm * self.tempo_ratio) * SR


def _tempo_ratios(rng: np.random.Generator, count: int) -> list[float]:
    """Ratios from :data:`TEMPO_BANDS`, allotted per mix so each outer band gets at least one track when it can."""
    wanted = [share * count for share, _, _ in TEMPO_BANDS]
    outer = [max(1, round(w)) if count >= len(TEMPO_BANDS) else 0 for w in wanted[1:]]
    counts = [count - sum(outer), *outer]
    magnitudes = np.concatenate(
        [rng.uniform(low, high, n) for n, (_, low, high) in zip(counts, TEMPO_BANDS, strict=True)]
    )
    ratios = 1.0 + rng.choice([-1.0, 1.0], size=count) * magnitudes
    rng.shuffle(ratios)
    return [round(float(r), 4) for r in ratios]


def _fade_samples(bars: int, bar: float, cap: float) -> int:
    """``bars`` bars, or the most whole bars that fit under ``cap`` (or ``cap`` itself when not even one does)."""
    if bars * bar <= cap:
        return round(bars * bar)
    whole = math.floor(cap / bar)
    return round(whole * bar) if whole >= 1 else int(cap)


def _set_fades(plan: list[_Planned], first_bars: int, last_bars: int) -> None:
    """Crossfade lengths from the bar counts, each capped at :data:`FADE_CAP` of both tracks' played lengths."""
    for i, item in enumerate(plan):
        if i == 0:
            item.fade_in = _fade_samples(first_bars, item.bar, 0.1 * item.played)
        else:
            item.fade_in = plan[i - 1].fade_out
        cap = FADE_CAP * (item.played if i == len(plan) - 1 else min(item.played, plan[i + 1].played))
        item.fade_out = _fade_samples(last_bars if i == len(plan) - 1 else item.fade_bars_out, item.bar, cap)


def _mix_length(plan: Sequence[_Planned], lead: int, tail: int) -> int:
    """The planned mix's length in samples: lead-in, every track, minus the crossfades, plus the tail."""
    return lead + sum(p.played for p in plan) - sum(p.fade_out for p in plan[:-1]) + tail


def _plan_mix(
    rng: np.random.Generator, library: Sequence[_Track], distractors: Sequence[_Track], fraction: float
) -> tuple[list[_Planned], int, int]:
    """Which tracks play in which order, how, and with which transitions; plus the lead-in and tail, in samples."""
    pool = len(library) + len(distractors)
    count = min(int(rng.integers(MIN_TRACKS, MAX_TRACKS + 1)), pool)
    n_distractors = min(len(distractors), max(1, round(fraction * count))) if fraction > 0 and distractors else 0
    n_library = min(len(library), count - n_distractors)
    picked = [library[int(i)] for i in rng.choice(len(library), n_library, replace=False)]
    picked += [distractors[int(i)] for i in rng.choice(len(distractors), n_distractors, replace=False)]
    tracks = [picked[int(i)] for i in rng.permutation(len(picked))]
    count = len(tracks)

    ratios = _tempo_ratios(rng, count)
    order = rng.permutation(count)
    n_vinyl = max(1, round(VINYL_SHARE * count))
    n_transposed = max(1, round(TRANSPOSED_SHARE * count))
    vinyl = {int(i) for i in order[:n_vinyl]}
    transposed = {int(i) for i in order[n_vinyl : n_vinyl + n_transposed]}
    cued = {int(i) for i in rng.choice(count, round(CUE_SHARE * count), replace=False)}

    plan = []
    for i, track in enumerate(tracks):
        duration = track.source.duration_s
        ratio = ratios[i]
        if i in vinyl:
            ratio = round(SR * ratio) / SR  # asetrate takes whole sample rates: the truth is the rate used
        offset = min(float(rng.uniform(2.0, 15.0)), 0.3 * duration) if i in cued else 0.0
        remaining = duration - offset
        if remaining > 45.0 and rng.uniform() < 0.5:
            remaining *= float(rng.uniform(0.6, 0.95))  # mixed out before the end, as DJs mostly do
        semitones = 12 * math.log2(ratio) if i in vinyl else float(rng.choice([-1.0, 1.0])) if i in transposed else 0.0
        plan.append(
            _Planned(
                track=track,
                offset=round(offset * SR),
                length=int(remaining * SR),
                tempo_ratio=ratio,
                semitones=semitones,
                vinyl=i in vinyl,
                gain_db=float(rng.uniform(-1.5, 1.5)),  # DJs match levels by ear, not exactly
                fade_bars_out=int(rng.choice(FADE_BARS, p=FADE_BARS_P)),
                sweep_out=cast(Sweep, str(rng.choice(list(SWEEP_P), p=list(SWEEP_P.values())))),
            )
        )
    first_bars, last_bars = int(rng.choice([1, 2])), int(rng.choice([4, 8, 16]))
    lead, tail = round(float(rng.uniform(1.0, 4.0)) * SR), round(float(rng.uniform(5.0, 9.0)) * SR)

    # keep the mix within MAX_MIX_S: shorten the longest-playing tracks first (never below 40 s), then drop tracks
    _set_fades(plan, first_bars, last_bars)
    while _mix_length(plan, lead, tail) > MAX_MIX_S * SR:
        longest = max(plan, key=lambda p: p.played)
        if longest.played > 40 * SR * 1.1:
            longest.length = max(round(40 * SR * longest.tempo_ratio), round(longest.length * 0.9))
        elif len(plan) > MIN_TRACKS:
            plan.pop()
        else:
            break
        _set_fades(plan, first_bars, last_bars)
    return plan, lead, tail


# -- EQ and filters ----------------------------------------------------------------------------------------------

_FRAME = 2048
_HOP = _FRAME // 4
_WINDOW = np.hanning(_FRAME + 1)[:-1]  # periodic: its square sums to exactly 1.5 at a quarter-frame hop
_FREQS = np.fft.rfftfreq(_FRAME, 1.0 / SR)


def _spectral_filter(segment: Audio, gains: Callable[[Floats], Floats]) -> Audio:
    """``segment`` through a magnitude response that changes from frame to frame (short-time Fourier, overlap-add).

    ``gains(centres)`` gives, for frame centres in samples from the segment's start, one gain per frequency bin
    (``(frames, bins)``). Where the gains are all 1 the output equals the input exactly, so a filtered segment can be
    spliced back into its track without a seam. A mixer's EQ is a set of IIR filters; per-frame spectral gains with
    the same magnitude responses sound alike and are vectorised, where a sample-by-sample biquad in Python is not.
    """
    pad = _FRAME
    padded = np.concatenate([np.zeros(pad, np.float32), segment, np.zeros(pad, np.float32)])
    n_frames = (padded.size - _FRAME) // _HOP + 1
    out = np.zeros(padded.size, dtype=np.float64)
    offsets = np.arange(_FRAME)
    for first in range(0, n_frames, 256):
        starts = np.arange(first, min(n_frames, first + 256)) * _HOP
        frames = padded[starts[:, None] + offsets] * _WINDOW
        spectrum = np.fft.rfft(frames, axis=1) * gains((starts + _FRAME // 2 - pad).astype(np.float64))
        shaped = np.fft.irfft(spectrum, n=_FRAME, axis=1) * _WINDOW
        for start, row in zip(starts, shaped, strict=True):
            out[start : start + _FRAME] += row
    return (out[pad : pad + segment.size] / 1.5).astype(np.float32)


def _highpass(cutoff: Floats | float, order: int) -> Floats:
    """Butterworth high-pass magnitude at every bin, for one cutoff or one per frame (``(frames, bins)``)."""
    f = np.maximum(_FREQS, 1.0)
    c = np.asarray(cutoff, dtype=np.float64)[..., None]
    return np.asarray(1.0 / np.sqrt(1.0 + (c / f) ** (2 * order)))


def _lowpass(cutoff: Floats, order: int) -> Floats:
    """Butterworth low-pass magnitude at every bin, one row per frame's cutoff."""
    c = np.asarray(cutoff, dtype=np.float64)[..., None]
    return np.asarray(1.0 / np.sqrt(1.0 + (_FREQS / c) ** (2 * order)))


def _smoothstep(x: Floats) -> Floats:
    """0 below 0, 1 above 1, an S-curve between: a knob turned by hand, with no corner to click."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _crossfade_eq(segment: Audio, fade: int, beat: float, role: Literal["in", "out"], sweep: Sweep) -> Audio:
    """The mixer's EQ over one side of a crossfade: bass swap at the midpoint, and the transition's sweep, if any.

    ``segment`` is the fade plus one frame of the track beyond it (after it for ``in``, before it for ``out``), where
    the response is flat, so the result joins the rest of the track seamlessly. The bass swap is what DJs do so two
    kick drums and bass lines never play at once: the incoming track's lows stay cut until the midpoint, then the
    outgoing track's are cut, over about one beat.
    """
    margin = segment.size - fade
    low_kill = _highpass(BASS_SWAP_HZ, 4)

    def gains(centres: Floats) -> Floats:
        progress = centres / fade if role == "in" else (centres - margin) / fade
        swap = _smoothstep((progress - 0.5) * fade / beat + 0.5)  # 0 before the midpoint, 1 after
        cut = 1.0 - swap if role == "in" else swap
        cut = np.where((progress < 0) | (progress > 1), 0.0, cut)
        response = 1.0 - cut[:, None] * (1.0 - low_kill)
        if sweep == "lowpass_in" and role == "in":
            opening = np.clip(progress / 0.85, 0.0, 1.0)
            lowpass = _lowpass(250.0 * (88_000 / 250) ** opening, 2)
            response = response * np.where(progress[:, None] >= 1.0, 1.0, lowpass)
        elif sweep == "highpass_out" and role == "out":
            closing = np.clip((progress - 0.15) / 0.85, 0.0, 1.0)
            highpass = _highpass(10.0 * (2500 / 10) ** closing, 2)
            response = response * np.where(progress[:, None] < 0.0, 1.0, highpass)
        return response

    return _spectral_filter(segment, gains)


def _play(item: _Planned, previous: _Planned | None, last: bool) -> Audio:
    """One track as it leaves the DJ's channel: cued, stretched (or resampled), level-matched, faded and EQ'd.

    ``previous`` is the track mixed out while this one comes in (None for the first): the crossfade is counted in its
    bars, and its transition says whether a filter sweep plays.
    """
    audio = _load(item.track.source)[item.offset : item.offset + item.length]
    if item.vinyl:
        audio = _ffmpeg_filter(audio, f"asetrate={round(SR * item.tempo_ratio)},aresample={SR}")
    elif item.tempo_ratio != 1.0 or item.semitones:
        audio = _ffmpeg_filter(audio, f"rubberband=tempo={item.tempo_ratio:.4f}:pitch={2 ** (item.semitones / 12):.6f}")
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) or 1.0
    audio *= np.float32(10 ** ((TARGET_RMS_DB + item.gain_db) / 20) / rms)

    fade_in, fade_out = min(item.fade_in, audio.size // 2), min(item.fade_out, audio.size // 2)
    if previous is not None and fade_in:
        span = min(audio.size, fade_in + _FRAME)
        audio[:span] = _crossfade_eq(audio[:span], fade_in, previous.bar / 4, "in", previous.sweep_out)
    if not last and fade_out:
        span = min(audio.size, fade_out + _FRAME)
        audio[-span:] = _crossfade_eq(audio[-span:], fade_out, item.bar / 4, "out", item.sweep_out)
    # equal-power curves: two uncorrelated tracks sum to a steady loudness through the fade
    if fade_in:
        audio[:fade_in] *= np.sin(0.5 * np.pi * (np.arange(fade_in) + 0.5) / fade_in).astype(np.float32)
    if fade_out:
        audio[-fade_out:] *= np.cos(0.5 * np.pi * (np.arange(fade_out) + 0.5) / fade_out).astype(np.float32)
    return audio


# -- the master bus and the room ---------------------------------------------------------------------------------


def _limit(mix: Audio, drive_db: float) -> None:
    """Drive ``mix`` by ``drive_db`` into a look-ahead peak limiter at :data:`LIMIT`, in place.

    Gains are computed per 256-sample block: the gain each block's peak needs, a moving minimum and then a moving
    average over about 80 ms, so the gain falls before a peak and recovers after it without a step (the minimum's
    window is two blocks wider than the average's, which keeps every sample's gain at or below what its block needs).
    """
    block = 256
    n_blocks = -(-mix.size // block)
    peaks = np.empty(n_blocks, dtype=np.float64)
    step = 4096
    for first in range(0, n_blocks, step):
        chunk = mix[first * block : (first + step) * block]
        padded = np.pad(chunk, (0, -chunk.size % block))
        peaks[first : first + step] = np.abs(padded.reshape(-1, block)).max(axis=1)
    drive = 10 ** (drive_db / 20)
    need = np.minimum(1.0, LIMIT / np.maximum(peaks * drive, 1e-9))
    width = round(0.08 * SR / block) | 1
    half = width // 2 + 1
    floor = sliding_window_view(np.pad(need, half, constant_values=1.0), 2 * half + 1).min(axis=1)
    sums = np.concatenate([[0.0], np.cumsum(np.pad(floor, width // 2, mode="edge"))])
    smooth = (sums[width:] - sums[:-width]) / width
    centres = np.arange(n_blocks) * block + block / 2
    for at in range(0, mix.size, 1 << 20):
        index = np.arange(at, min(mix.size, at + (1 << 20)))
        mix[at : at + index.size] *= (np.interp(index, centres, smooth) * drive).astype(np.float32)


def _pink_noise(rng: np.random.Generator, size: int) -> Floats:
    """Unit-RMS pink-ish noise (1/f power from 20 Hz, rolled off above 8 kHz as a room microphone hears a crowd)."""
    spectrum = np.fft.rfft(rng.standard_normal(size))
    freqs = np.fft.rfftfreq(size, 1.0 / SR)
    spectrum *= 1.0 / np.sqrt(np.maximum(freqs, 20.0)) / np.sqrt(1.0 + (freqs / 8000.0) ** 4)
    noise = np.fft.irfft(spectrum, n=size)
    return np.asarray(noise / (np.sqrt(np.mean(noise**2)) or 1.0))


def _add_crowd(mix: Audio, level: float, rng: np.random.Generator) -> None:
    """Add crowd murmur at RMS ``level`` (slowly swelling by a few dB), in place, in overlapping blocks.

    Blocks of noise under sine windows at half overlap: the windows' squares add to one and the blocks are
    independent, so the noise is stationary with no seams, and memory stays at a few blocks.
    """
    half = 1 << 16
    window = np.sin(np.pi * (np.arange(2 * half) + 0.5) / (2 * half))
    swell_every = 2 * SR
    swell_db = rng.uniform(-3.0, 3.0, mix.size // swell_every + 2)
    for k in range(-1, mix.size // half + 1):
        start = k * half
        block = _pink_noise(rng, 2 * half) * window
        where = np.arange(start, start + 2 * half)
        envelope = 10 ** (np.interp(where, np.arange(swell_db.size) * swell_every, swell_db) / 20)
        lo, hi = max(0, start), min(mix.size, start + 2 * half)
        if lo < hi:
            mix[lo:hi] += (block * envelope * level)[lo - start : hi - start].astype(np.float32)


def _applause(rng: np.random.Generator, seconds: float) -> Floats:
    """Unit-RMS applause: dozens of hand claps a second (short band-passed noise bursts), swelling and dying away."""
    size = round(seconds * SR)
    rate = float(rng.uniform(30.0, 90.0))
    impulses = np.zeros(size)
    hits = rng.integers(0, size, int(rng.poisson(rate * seconds)))
    np.add.at(impulses, hits, rng.uniform(0.3, 1.0, hits.size))
    decay = np.exp(-np.arange(round(0.03 * SR)) / (0.004 * SR))
    n = 1 << math.ceil(math.log2(size + decay.size))
    envelope = np.fft.irfft(np.fft.rfft(impulses, n) * np.fft.rfft(decay, n), n)[:size]
    spectrum = np.fft.rfft(rng.standard_normal(size))
    freqs = np.fft.rfftfreq(size, 1.0 / SR)
    spectrum *= _band(freqs, 600.0, 5000.0)
    claps = np.fft.irfft(spectrum, n=size) * envelope
    t = np.arange(size) / SR
    shape = np.minimum(1.0, t / 0.4) * np.minimum(1.0, (seconds - t) / (0.4 * seconds))
    claps *= shape
    return np.asarray(claps / (np.sqrt(np.mean(claps**2)) or 1.0))


def _band(freqs: npt.NDArray[np.floating[Any]], low: float, high: float) -> Floats:
    """A second-order band-pass magnitude: where hand claps have their energy."""
    f = np.maximum(freqs, 1.0)
    return np.asarray(1.0 / np.sqrt(1.0 + (low / f) ** 4) / np.sqrt(1.0 + (f / high) ** 4))


def _add_room(mix: Audio, music_rms: float, music_end: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """Crowd noise and applause over the whole recording, in place; returns the applause bursts (start, seconds)."""
    _add_crowd(mix, music_rms * 10 ** (CROWD_DB / 20), rng)
    length_s = mix.size / SR
    during = rng.poisson(length_s / APPLAUSE_EVERY_S) if length_s > 30 else 0
    bursts = [(float(t), float(rng.uniform(3.0, 8.0))) for t in np.sort(rng.uniform(10.0, length_s - 15.0, during))]
    bursts.append((music_end / SR - 1.5, length_s - music_end / SR + 1.4))  # the crowd cheers the last track
    for start_s, seconds in bursts:
        level = music_rms * 10 ** (float(rng.uniform(-14.0, -6.0)) / 20)
        burst = _applause(rng, seconds) * level
        at = round(start_s * SR)
        end = min(mix.size, at + burst.size)
        mix[at:end] += burst[: end - at].astype(np.float32)
    return bursts


def _soft_clip(mix: Audio) -> None:
    """Bend what the noise pushed past the limiter's ceiling smoothly towards 0.95, in place, instead of clipping."""
    for at in range(0, mix.size, 1 << 20):
        chunk = mix[at : at + (1 << 20)]
        over = np.abs(chunk) > KNEE
        if over.any():
            x = chunk[over]
            room = CEILING - KNEE
            chunk[over] = np.sign(x) * (KNEE + room * np.tanh((np.abs(x) - KNEE) / room))


def _rms(audio: Audio) -> float:
    """RMS of a long signal, summed in slices so that no float64 copy of a whole mix is made."""
    total = 0.0
    for at in range(0, audio.size, 1 << 20):
        total += float(np.sum(np.square(audio[at : at + (1 << 20)], dtype=np.float64)))
    return math.sqrt(total / max(1, audio.size))


# -- one mix -----------------------------------------------------------------------------------------------------


def _render_mix(
    plan: list[_Planned], lead: int, tail: int, path: Path, rng: np.random.Generator
) -> tuple[Mix, dict[str, Any]]:
    """Play the plan into one buffer, master it, write the MP3; the truth comes from the positions actually used.

    Tracks are prepared two at a time (ffmpeg's time stretching runs outside Python), at most three ahead of the mixer,
    so memory holds the mix and a few tracks.
    """
    mix = np.zeros(_mix_length(plan, lead, tail) + 10 * SR, dtype=np.float32)
    placements: list[Placement] = []
    extras: list[dict[str, Any]] = []
    last = len(plan) - 1
    end = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: deque[Future[Audio]] = deque()
        submitted = 0

        def submit() -> None:
            nonlocal submitted
            i = submitted
            pending.append(pool.submit(_play, plan[i], plan[i - 1] if i else None, i == last))
            submitted += 1

        for _ in range(min(3, len(plan))):
            submit()
        start = lead
        for i, item in enumerate(plan):
            audio = pending.popleft().result()
            if submitted < len(plan):
                submit()
            if i:
                start = end - item.fade_in
            end = start + audio.size
            if start + audio.size > mix.size:
                mix = np.concatenate([mix, np.zeros(start + audio.size - mix.size + 10 * SR, np.float32)])
            mix[start : start + audio.size] += audio
            placements.append(
                Placement(
                    track=item.track.source.path,
                    in_library=item.track.in_library,
                    start_s=start / SR,
                    end_s=end / SR,
                    source_offset_s=item.offset / SR,
                    tempo_ratio=item.tempo_ratio,
                    semitones=item.semitones,
                )
            )
            extras.append(
                {
                    "vinyl": item.vinyl,
                    "bpm": item.track.bpm,
                    "fade_in_s": item.fade_in / SR,
                    "fade_out_s": item.fade_out / SR,
                    "sweep_out": item.sweep_out if i < last else "none",
                    "source_played_s": item.length / SR,
                }
            )
    mix = mix[: end + tail]
    drive_db = float(rng.uniform(3.0, 7.0))
    _limit(mix, drive_db)
    music_rms = _rms(mix[lead:end])
    bursts = _add_room(mix, music_rms, end, rng)
    _soft_clip(mix)
    _encode_mp3(mix, path)
    details = {
        "placements": extras,
        "drive_db": drive_db,
        "music_rms_dbfs": 20 * math.log10(music_rms),
        "applause": bursts,
    }
    return Mix(path, mix.size / SR, tuple(placements)), details


# -- the corpus --------------------------------------------------------------------------------------------------


def build_corpus(
    workdir: Path,
    *,
    mixes: int = 6,
    seed: int = 7,
    generated_tracks: int = 40,
    real_dir: Path | None = REAL_DEV_DIR,
    distractor_fraction: float = 0.15,
) -> Corpus:
    """Build (or find again under ``workdir``) a library, its distractors and ``mixes`` mixes with their truth.

    Generated tracks go to ``workdir/generated-v*``, shared by corpora with the same ``seed``; each corpus (mixes and
    manifest) goes to its own ``workdir/corpus-*`` folder named by its parameters, so a quick run and a full run can
    sit side by side. The manifest is written last, so an interrupted build is never reused. Real clips are read where
    they are; without ``real_dir`` (or when it is absent, which is logged) the pool is generated tracks only.
    """
    workdir = workdir.resolve()
    real = _real_tracks(real_dir)
    if real_dir is None:
        _log.info("no real-music set asked for: building the corpus from generated tracks only")
    params = {
        "version": _VERSION,
        "mixes": mixes,
        "seed": seed,
        "generated_tracks": generated_tracks,
        "real_dir": str(real_dir.resolve()) if real and real_dir else None,
        "real_files": [t.path.name for t, _ in real],
        "distractor_fraction": distractor_fraction,
    }
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:10]
    folder = workdir / f"corpus-m{mixes}-s{seed}-g{generated_tracks}-r{len(real)}-{digest}"
    manifest = folder / "manifest.json"
    cached = _read_manifest(manifest, params)
    if cached is not None:
        _log.info("reusing the corpus in %s", folder)
        return cached

    began = time.perf_counter()
    _log.info("building the corpus in %s (%d generated tracks, %d real clips)", folder, generated_tracks, len(real))
    generated = _generate_tracks(workdir / f"generated-v{_VERSION}", generated_tracks, seed)
    if not generated and not real:
        raise ValueError("no tracks: generated_tracks is 0 and the real-music set is absent")
    rng = np.random.default_rng([seed, 2])
    held_back: set[Path] = set()
    for group in (generated, real):
        n = round(distractor_fraction * len(group))
        held_back |= {group[int(i)][0].path for i in rng.choice(len(group), n, replace=False)}
    pool = [_Track(source, bpm, source.path not in held_back) for source, bpm in [*generated, *real]]
    library = [t for t in pool if t.in_library]
    distractors = [t for t in pool if not t.in_library]

    folder.mkdir(parents=True, exist_ok=True)
    built: list[Mix] = []
    details: list[dict[str, Any]] = []
    for index in range(mixes):
        started = time.perf_counter()
        plan, lead, tail = _plan_mix(np.random.default_rng([seed, 3, index]), library, distractors, distractor_fraction)
        mix, extra = _render_mix(
            plan, lead, tail, folder / f"mix-{index:02d}.mp3", np.random.default_rng([seed, 4, index])
        )
        built.append(mix)
        details.append(extra)
        if mix.duration_s < MIN_MIX_S:
            _log.info("mix %d is %.1f min, under %.0f: the pool is small", index, mix.duration_s / 60, MIN_MIX_S / 60)
        _log.info(
            "mix %d: %d tracks, %.1f min, built in %.0f s",
            index,
            len(plan),
            mix.duration_s / 60,
            time.perf_counter() - started,
        )
    corpus = Corpus(tuple(t.source for t in library), tuple(t.source for t in distractors), tuple(built))
    _write_manifest(manifest, params, corpus, details, {t.source.path: t.bpm for t in pool})
    _log.info("corpus built in %.0f s", time.perf_counter() - began)
    return corpus


def _write_manifest(
    path: Path, params: dict[str, Any], corpus: Corpus, details: list[dict[str, Any]], bpm: dict[Path, float]
) -> None:
    """The corpus as JSON, with what the dataclasses leave out (tempo, vinyl, fades, sweeps, applause) for reading."""

    def source(s: TrackSource) -> dict[str, Any]:
        return {"path": str(s.path), "kind": s.kind, "duration_s": s.duration_s, "bpm": bpm[s.path]}

    body = {
        "params": params,
        "library": [source(s) for s in corpus.library],
        "distractors": [source(s) for s in corpus.distractors],
        "mixes": [
            {
                "path": str(m.path),
                "duration_s": m.duration_s,
                **extra,
                "placements": [
                    {**asdict(p), "track": str(p.track), **more}
                    for p, more in zip(m.placements, extra["placements"], strict=True)
                ],
            }
            for m, extra in zip(corpus.mixes, details, strict=True)
        ],
    }
    partial = path.with_suffix(".partial.json")
    partial.write_text(json.dumps(body, indent=1))
    partial.replace(path)


def _read_manifest(path: Path, params: dict[str, Any]) -> Corpus | None:
    """The corpus a manifest describes, if it was built with ``params`` and all its files are still there."""
    if not path.is_file():
        return None
    body = json.loads(path.read_text())
    if body.get("params") != params:
        return None

    def source(entry: dict[str, Any]) -> TrackSource:
        return TrackSource(Path(entry["path"]), entry["kind"], float(entry["duration_s"]))

    def placement(entry: dict[str, Any]) -> Placement:
        return Placement(
            track=Path(entry["track"]),
            in_library=bool(entry["in_library"]),
            start_s=float(entry["start_s"]),
            end_s=float(entry["end_s"]),
            source_offset_s=float(entry["source_offset_s"]),
            tempo_ratio=float(entry["tempo_ratio"]),
            semitones=float(entry["semitones"]),
        )

    corpus = Corpus(
        tuple(source(e) for e in body["library"]),
        tuple(source(e) for e in body["distractors"]),
        tuple(
            Mix(Path(m["path"]), float(m["duration_s"]), tuple(placement(p) for p in m["placements"]))
            for m in body["mixes"]
        ),
    )
    files = [s.path for s in (*corpus.library, *corpus.distractors)] + [m.path for m in corpus.mixes]
    return corpus if all(f.is_file() for f in files) else None


# -- checking ----------------------------------------------------------------------------------------------------


def check_corpus(corpus: Corpus) -> list[str]:
    """Problems with a corpus's truth and files (an empty list when there are none), for a quick look after a build.

    Checks that every MP3 decodes to the length the truth says, that placements are sorted, inside the mix, overlap
    only their neighbours and leave at least 40 % of each track alone, that ``in_library`` matches the library, and
    that every placement's solo part is loud (well above the crowd noise) where the lead-in is not.
    """
    problems = []
    library = {s.path for s in corpus.library}
    distractors = {s.path for s in corpus.distractors}
    for mix in corpus.mixes:
        name = mix.path.name
        probed = _probe_duration(mix.path)
        if abs(probed - mix.duration_s) > 0.1:
            problems.append(f"{name}: ffprobe says {probed:.2f} s, the truth {mix.duration_s:.2f} s")
        p = mix.placements
        for i, item in enumerate(p):
            if not 0 <= item.start_s < item.end_s <= mix.duration_s:
                problems.append(f"{name} #{i}: {item.start_s:.2f}-{item.end_s:.2f} s is outside the mix")
            if item.in_library != (item.track in library) or (not item.in_library and item.track not in distractors):
                problems.append(f"{name} #{i}: in_library is wrong for {item.track.name}")
            if i and item.start_s < p[i - 1].start_s:
                problems.append(f"{name} #{i}: not sorted by start")
            if i >= 2 and item.start_s < p[i - 2].end_s:
                problems.append(f"{name} #{i}: overlaps a track that is not its neighbour")
            overlap = max(0.0, p[i - 1].end_s - item.start_s if i else 0.0)
            overlap += max(0.0, item.end_s - p[i + 1].start_s if i + 1 < len(p) else 0.0)
            if overlap > 0.6 * (item.end_s - item.start_s) + 0.01:
                problems.append(f"{name} #{i}: only {1 - overlap / (item.end_s - item.start_s):.0%} plays alone")
        if len({item.track for item in p}) != len(p):
            problems.append(f"{name}: a track plays twice")
        audio = _decode(mix.path)
        overall = _rms(audio)
        lead = _rms(audio[: round(p[0].start_s * SR)]) if p else 0.0
        if lead > overall * 10 ** (-12 / 20):
            problems.append(f"{name}: the lead-in is as loud as the music ({20 * math.log10(lead / overall):.1f} dB)")
        for i, item in enumerate(p):
            solo_from = max(item.start_s, p[i - 1].end_s if i else 0.0)
            solo_to = min(item.end_s, p[i + 1].start_s if i + 1 < len(p) else item.end_s)
            level = _rms(audio[round(solo_from * SR) : round(solo_to * SR)])
            if level < overall * 10 ** (-10 / 20):
                problems.append(f"{name} #{i}: its solo part is {20 * math.log10(level / overall + 1e-12):.1f} dB")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Build a corpus, print its mixes, and check it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--mixes", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--generated-tracks", type=int, default=40)
    parser.add_argument("--distractor-fraction", type=float, default=0.15)
    parser.add_argument("--real-dir", type=Path, default=REAL_DEV_DIR)
    parser.add_argument("--no-real", action="store_true", help="generated tracks only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    began = time.perf_counter()
    corpus = build_corpus(
        args.workdir,
        mixes=args.mixes,
        seed=args.seed,
        generated_tracks=args.generated_tracks,
        real_dir=None if args.no_real else args.real_dir,
        distractor_fraction=args.distractor_fraction,
    )
    print(
        f"{len(corpus.library)} library tracks, {len(corpus.distractors)} distractors, "
        f"{time.perf_counter() - began:.0f} s"
    )
    for mix in corpus.mixes:
        print(f"\n{mix.path}  {mix.duration_s / 60:.1f} min, {len(mix.placements)} tracks")
        for p in mix.placements:
            mode = "vinyl" if p.vinyl else f"{p.semitones:+.0f} st" if p.semitones else "key lock"
            print(
                f"  {p.start_s:7.1f}-{p.end_s:7.1f} s  x{p.tempo_ratio:.4f} {mode:9} from {p.source_offset_s:4.1f} s"
                f"  {'' if p.in_library else '[distractor] '}{p.track.name}"
            )
    problems = check_corpus(corpus)
    print("\n" + ("\n".join(problems) if problems else "checks passed"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
