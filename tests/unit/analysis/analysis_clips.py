"""Generated audio for the analysis tests: rendered once per session, written in whatever format a test asks for.

(Imported by the tests as ``analysis_clips``; a module named ``conftest`` would clash with other folders' ones.)
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tracktion_analysis.synth import Section, Style, encode, render

ClipFactory = Callable[..., Path]

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed (apt install ffmpeg)")


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> ClipFactory:
    """``clip(bpm, tonic, scale, style, seconds=20, ...)`` -> path of a generated file (cached by its arguments)."""
    folder = tmp_path_factory.mktemp("clips")
    made: dict[tuple[object, ...], Path] = {}

    def make(
        bpm: float,
        tonic: str,
        scale: str,
        style: Style = "four_on_the_floor",
        *,
        seconds: float = 20.0,
        suffix: str = ".wav",
        sr: int = 44100,
        subtype: str = "PCM_16",
        channels: int = 1,
        tuning_cents: float = 0.0,
        noise_db: float | None = 30.0,
        seed: int = 1,
    ) -> Path:
        args = (bpm, tonic, scale, style, seconds, suffix, sr, subtype, channels, tuning_cents, noise_db, seed)
        if args in made:
            return made[args]
        signal = render(
            Section(seconds, bpm, tonic, scale, style),  # type: ignore[arg-type]
            sr=sr,
            seed=seed,
            noise_db=noise_db,
            tuning_cents=tuning_cents,
        )
        if channels == 2:
            signal = np.stack([signal, 0.8 * signal], axis=1)
        stem = f"{len(made):03d}_{style}_{bpm:g}_{tonic}{scale}"
        if suffix in (".wav", ".flac"):
            path = folder / f"{stem}{suffix}"
            soundfile.write(path, signal, sr, subtype=subtype if suffix == ".wav" else "PCM_16")
        else:
            wav = folder / f"{stem}.wav"
            soundfile.write(wav, signal, sr)
            path = encode(wav, folder / f"{stem}{suffix}")
        made[args] = path
        return path

    return make
