"""Small generated music for the identify tests: unique per seed, tonal, with a beat; and the DJ's treatments.

Each "track" is a seeded sequence of chords and melody notes (harmonic partials with decaying envelopes) over
noise-burst percussion, at 8 kHz (the fingerprint's own rate, so tests skip the resampler). Different seeds give
different music, so a match means the fingerprint found the right track, not a shared drum sample.

The treatments are what a mix does to a track: speed change (vinyl: tempo and pitch together), crossfades, an EQ
sweep, a limiter, crowd noise; key-locked stretching and transposition and MP3 encoding go through ffmpeg, which
the tests that need it require (CI installs it).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt

SR = 8000
Audio = npt.NDArray[np.float32]

__all__ = ["SR", "crossfade", "crowd", "ffmpeg_filter", "filter_sweep", "limiter", "to_mp3", "track", "vinyl"]


def track(seed: int, seconds: float = 40.0) -> Audio:
    """A seeded piece of music ``seconds`` long."""
    rng = np.random.default_rng(seed)
    n = round(seconds * SR)
    out = np.zeros(n, dtype=np.float64)
    beat = 60.0 / rng.uniform(95, 135)
    scale = rng.choice([[0, 2, 3, 5, 7, 8, 10], [0, 2, 4, 5, 7, 9, 11]])
    root = rng.uniform(150, 260)
    t = 0.0
    while t < seconds:
        length = beat * rng.choice([0.5, 1.0, 1.5, 2.0])
        notes = rng.choice(scale, size=rng.integers(1, 4)) + 12 * rng.integers(0, 3, size=1)
        start, stop = round(t * SR), min(n, round((t + length) * SR))
        time = np.arange(stop - start) / SR
        envelope = np.exp(-time * rng.uniform(1.5, 4.0))
        for step in notes:
            f0 = root * 2 ** (step / 12)
            for harmonic in range(1, 5):
                if f0 * harmonic < SR / 2 - 100:
                    out[start:stop] += envelope * np.sin(2 * np.pi * f0 * harmonic * time) / harmonic
        t += length
    hits = np.arange(0, seconds, beat / 2)
    for when in hits:
        start = round(when * SR)
        burst = rng.normal(0, 0.6, min(400, n - start)) * np.exp(-np.arange(min(400, n - start)) / 60)
        out[start : start + burst.size] += burst
    out /= np.max(np.abs(out)) + 1e-9
    return (0.7 * out).astype(np.float32)


def vinyl(audio: Audio, tempo_ratio: float) -> Audio:
    """Played ``tempo_ratio`` times as fast without key lock: tempo and pitch move together, as on a turntable.

    Resampled by ffmpeg's band-limited resampler (a linear interpolation would add aliasing no turntable makes).
    """
    return ffmpeg_filter(audio, f"asetrate={SR * tempo_ratio:.3f},aresample={SR}")


def crossfade(parts: list[Audio], seconds: float) -> tuple[Audio, list[float]]:
    """``parts`` mixed one after another with equal-power crossfades of ``seconds``; and where each starts."""
    fade = round(seconds * SR)
    out = np.zeros(0, dtype=np.float32)
    starts: list[float] = []
    for original in parts:
        part = original.copy()
        start = max(0, out.size - fade)
        ramp = np.sin(np.linspace(0, np.pi / 2, fade)).astype(np.float32)
        if out.size:
            part[:fade] *= ramp
            out[-fade:] *= ramp[::-1]
        mixed = np.zeros(start + part.size, dtype=np.float32)
        mixed[: out.size] += out
        mixed[start:] += part
        out = mixed
        starts.append(start / SR)
    return out, starts


def filter_sweep(audio: Audio, low_hz: float = 200.0, high_hz: float = 3500.0) -> Audio:
    """A low-pass sweeping from ``low_hz`` up to ``high_hz`` over the whole piece, block by block in the FFT."""
    block = 1024
    out = np.zeros_like(audio)
    frequencies = np.fft.rfftfreq(block, 1 / SR)
    for start in range(0, audio.size, block):
        piece = audio[start : start + block]
        cutoff = low_hz * (high_hz / low_hz) ** (start / max(1, audio.size))
        gain = 1.0 / np.sqrt(1.0 + (frequencies / cutoff) ** 8)
        spectrum = np.fft.rfft(piece, block) * gain
        out[start : start + block] = np.fft.irfft(spectrum, block)[: piece.size]
    return out


def limiter(audio: Audio, drive_db: float = 9.0) -> Audio:
    """Driven into a soft clipper: what a club recording's master limiter does to the peaks."""
    gain = 10 ** (drive_db / 20)
    return (np.tanh(audio * gain) * 0.9).astype(np.float32)


def crowd(audio: Audio, below_db: float = 15.0, seed: int = 99) -> Audio:
    """Crowd noise (brown-ish noise with bursts) ``below_db`` under the music's RMS."""
    rng = np.random.default_rng(seed)
    noise = np.cumsum(rng.normal(0, 1, audio.size))
    noise -= np.convolve(noise, np.ones(200) / 200, mode="same")
    noise *= 1 + 2 * (rng.random(audio.size // SR + 1).repeat(SR)[: audio.size] > 0.8)
    rms = float(np.sqrt(np.mean(audio**2)))
    noise *= rms / (float(np.sqrt(np.mean(noise**2))) + 1e-9) * 10 ** (-below_db / 20)
    return (audio + noise).astype(np.float32)


def _ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        import pytest  # noqa: PLC0415

        pytest.skip("ffmpeg is not installed (CI installs it)")
    return found


def ffmpeg_filter(audio: Audio, chain: str) -> Audio:
    """``audio`` through an ffmpeg audio filter chain (e.g. ``rubberband=tempo=1.1:pitch=1.0595``)."""
    result = subprocess.run(
        [
            _ffmpeg(),
            "-v",
            "error",
            "-f",
            "f32le",
            "-ar",
            str(SR),
            "-ac",
            "1",
            "-i",
            "-",
            "-af",
            chain,
            "-f",
            "f32le",
            "-ar",
            str(SR),
            "-ac",
            "1",
            "-",
        ],
        input=audio.astype(np.float32).tobytes(),
        capture_output=True,
        check=True,
    )
    return np.frombuffer(result.stdout, dtype=np.float32).copy()


def to_mp3(audio: Audio, path: Path, bitrate: str = "128k") -> Path:
    """``audio`` encoded to MP3 (libmp3lame) at ``path``."""
    subprocess.run(
        [
            _ffmpeg(),
            "-v",
            "error",
            "-y",
            "-f",
            "f32le",
            "-ar",
            str(SR),
            "-ac",
            "1",
            "-i",
            "-",
            "-ar",
            "44100",
            "-b:a",
            bitrate,
            str(path),
        ],
        input=audio.astype(np.float32).tobytes(),
        check=True,
    )
    return path
