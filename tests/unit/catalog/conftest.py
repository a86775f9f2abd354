"""Fixtures of the catalog's unit tests; the audio helpers themselves live in catalog_audio.py."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from catalog_audio import ToneFile, ffmpeg_encode, write_soundfile


@pytest.fixture
def tone_file(tmp_path: Path) -> ToneFile:
    """``tone_file("name.ext", seconds=2, tags={...})``: WAV/AIFF via soundfile, anything else via ffmpeg.

    ``faststart``: an MP4's index (``moov``) before its audio rather than after it, as streaming tools write it.
    """

    def make(
        name: str,
        *,
        seconds: float = 2.0,
        tags: Mapping[str, str] | None = None,
        frequency: float = 440.0,
        faststart: bool = False,
    ) -> Path:
        path = tmp_path / name
        if path.suffix.lower() in (".wav", ".aif", ".aiff"):
            return write_soundfile(path, seconds, tags or {}, frequency=frequency)
        return ffmpeg_encode(path, seconds, tags or {}, frequency=frequency, faststart=faststart)

    return make
