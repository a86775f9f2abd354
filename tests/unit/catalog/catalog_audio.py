"""Real audio for the catalog's unit tests, made on the spot: WAV/AIFF with soundfile, MP3/FLAC/OGG/M4A with ffmpeg.

Nothing is downloaded. ffmpeg is a system package (CI installs it); tests that need it skip with the reason when it
is absent on a developer's machine. A module with a unique name (not conftest), so test files can import it
whatever else pytest has put on sys.path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pytest
import soundfile

SAMPLE_RATE = 44100

ToneFile = Callable[..., Path]


def sine(seconds: float, *, frequency: float = 440.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    tone = (0.2 * np.sin(2 * np.pi * frequency * t)).astype("float32")
    return np.stack([tone] * channels, axis=1) if channels > 1 else tone


def write_soundfile(path: Path, seconds: float, tags: Mapping[str, str], *, frequency: float = 440.0) -> Path:
    """WAV or AIFF by extension; libsndfile writes the tags as RIFF INFO / AIFF text chunks."""
    kind = "AIFF" if path.suffix.lower() in (".aif", ".aiff") else "WAV"
    with soundfile.SoundFile(path, "w", samplerate=SAMPLE_RATE, channels=1, format=kind, subtype="PCM_16") as out:
        for key, value in tags.items():
            setattr(out, key, value)
        out.write(sine(seconds, frequency=frequency))
    return path


def ffmpeg_encode(
    path: Path, seconds: float, tags: Mapping[str, str], *, frequency: float = 440.0, faststart: bool = False
) -> Path:
    """Encode a sine with ffmpeg into the format the extension names, with ``-metadata`` tags."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed (CI installs it; apt-get install ffmpeg)")
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"]
    command += ["-i", f"sine=frequency={frequency}:duration={seconds}:sample_rate={SAMPLE_RATE}"]
    for key, value in tags.items():
        command += ["-metadata", f"{key}={value}"]
    if path.suffix == ".mp3":
        command += ["-b:a", "128k"]
    if faststart and path.suffix == ".m4a":
        command += ["-movflags", "+faststart"]
    subprocess.run([*command, str(path)], check=True, timeout=60)
    return path


def permission_denied_path(tmp_path: Path) -> Path:
    """A path whose open() fails with EACCES, also for root (who reads any chmod-000 file).

    As root: a symlink to a write-only sysfs attribute (the kernel refuses to open those for reading, whoever asks).
    Otherwise a chmod-000 file. Skips when neither is possible.
    """
    path = tmp_path / "locked.mp3"
    if os.geteuid() != 0:
        path.write_bytes(b"ID3 not really")
        path.chmod(0)
        return path
    for target in ("/sys/bus/pci/rescan", "/sys/bus/pci/drivers_probe", "/sys/kernel/mm/ksm/run"):
        try:
            with open(target, "rb"):
                continue
        except PermissionError:
            path.symlink_to(target)
            return path
        except OSError:
            continue
    pytest.skip("running as root and no write-only sysfs file to stand in for an unreadable file")
