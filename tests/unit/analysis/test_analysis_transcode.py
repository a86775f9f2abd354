"""Opus, which essentia's FFmpeg cannot decode, reaches it as a temporary mono FLAC; everything else as it is.

Every file is generated here (tones, written by soundfile). Raw Opus is never handed to essentia's standard
``MonoLoader``: after its "Unsupported codec!" error it crashes the interpreter.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from tracktion_analysis import UnreadableAudio, analyse_file
from tracktion_analysis.adapters import essentia_runtime, transcode
from tracktion_analysis.adapters.transcode import is_ogg_opus, readable_by_essentia
from tracktion_analysis.errors import AudioNotFound, ScratchSpaceError
from tracktion_shared.errors import TemporaryError

RATE = 48000


@pytest.fixture(autouse=True)
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary directory tempfile hands out (as TMPDIR would set it), so a test can see what is left in it."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def tone(freq: float, seconds: float, rate: int = RATE, amplitude: float = 0.5) -> npt.NDArray[np.float32]:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_opus(path: Path, data: npt.NDArray[np.float32], rate: int = RATE) -> Path:
    soundfile.write(path, data, rate, format="OGG", subtype="OPUS")
    return path


def essentia_decode(path: Path) -> npt.NDArray[np.float32]:
    loader = essentia_runtime.load().standard.MonoLoader(filename=str(path), sampleRate=44100)
    return np.asarray(loader(), dtype=np.float32)


def magnitude_at(signal: npt.NDArray[np.float32], freq: float, rate: float = 44100) -> float:
    """The spectrum's magnitude near ``freq`` relative to its peak (1.0: ``freq`` is the loudest tone)."""
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    bins = np.fft.rfftfreq(len(signal), 1 / rate)
    near = np.abs(bins - freq) < 3
    return float(spectrum[near].max() / spectrum.max())


def assert_one_line_naming(exc: pytest.ExceptionInfo[Exception], name: str) -> None:
    message = str(exc.value)
    assert message.startswith(f"{name}: ")
    assert "\n" not in message


def test_opus_becomes_a_flac_essentia_decodes_to_the_same_tone_and_length(tmp_path: Path, scratch: Path) -> None:
    source = write_opus(tmp_path / "set.opus", tone(440.0, 4.0))
    with readable_by_essentia(source) as readable:
        assert readable != source
        assert readable.parent.parent == scratch  # in tempfile's directory, so TMPDIR is honoured
        info = soundfile.info(str(readable))
        assert (info.format, info.subtype, info.channels, info.samplerate) == ("FLAC", "PCM_16", 1, RATE)
        audio = essentia_decode(readable)
    assert len(audio) / 44100 == pytest.approx(4.0, abs=0.1)
    assert magnitude_at(audio[44100:-44100], 440.0) == 1.0
    assert not readable.exists()
    assert list(scratch.iterdir()) == []


def test_stereo_is_averaged_to_mono(tmp_path: Path) -> None:
    stereo = np.stack([tone(440.0, 3.0), tone(660.0, 3.0)], axis=1)
    source = write_opus(tmp_path / "stereo.opus", stereo)
    with readable_by_essentia(source) as readable:
        assert soundfile.info(str(readable)).channels == 1
        mono, _ = soundfile.read(str(readable), dtype="float32")
        audio = essentia_decode(readable)[44100:-44100]
    # each channel at half its level: neither dropped nor summed past full scale
    assert magnitude_at(audio, 440.0) == pytest.approx(1.0, abs=0.2)
    assert magnitude_at(audio, 660.0) == pytest.approx(1.0, abs=0.2)
    assert float(np.abs(mono).max()) == pytest.approx(0.5, abs=0.1)


def test_blocks_join_seamlessly_and_the_sample_rate_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Converted in odd-sized blocks, the copy is the decoded Opus averaged to mono, to within 16-bit rounding."""
    monkeypatch.setattr(transcode, "BLOCK_FRAMES", 1000)
    rate = 16000
    source = write_opus(tmp_path / "speech.opus", np.stack([tone(300.0, 2.3, rate), tone(500.0, 2.3, rate)], 1), rate)
    decoded, decoded_rate = soundfile.read(str(source), dtype="float32", always_2d=True)
    with readable_by_essentia(source) as readable:
        copy, copy_rate = soundfile.read(str(readable), dtype="float32")
    assert copy_rate == decoded_rate == rate
    assert len(copy) == len(decoded)
    assert np.abs(copy - decoded.mean(axis=1)).max() <= 1.5 / 32768


def test_an_opus_file_named_ogg_is_still_converted(tmp_path: Path) -> None:
    source = write_opus(tmp_path / "misnamed.ogg", tone(440.0, 2.0))
    assert is_ogg_opus(source)
    with readable_by_essentia(source) as readable:
        assert readable.suffix == ".flac"
        assert magnitude_at(essentia_decode(readable), 440.0) == 1.0


@pytest.mark.parametrize(
    ("name", "kind"),
    [("a.wav", {"format": "WAV"}), ("a.flac", {"format": "FLAC"}), ("a.ogg", {"format": "OGG", "subtype": "VORBIS"})],
)
def test_other_formats_pass_through_untouched(tmp_path: Path, scratch: Path, name: str, kind: dict[str, str]) -> None:
    source = tmp_path / name
    soundfile.write(source, tone(440.0, 1.0), RATE, **kind)
    assert not is_ogg_opus(source)
    with readable_by_essentia(source) as readable:
        assert readable == source
        assert list(scratch.iterdir()) == []
        assert len(essentia_decode(readable)) / 44100 == pytest.approx(1.0, abs=0.1)
    assert source.exists()


def test_the_copy_is_deleted_when_the_block_raises(tmp_path: Path, scratch: Path) -> None:
    source = write_opus(tmp_path / "set.opus", tone(440.0, 1.0))
    seen: list[Path] = []

    def fail_while_using_it() -> None:
        with readable_by_essentia(source) as readable:
            seen.append(readable)
            assert readable.exists()
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        fail_while_using_it()
    assert len(seen) == 1
    assert not seen[0].exists()
    assert list(scratch.iterdir()) == []


def test_a_truncated_opus_file_is_unreadable(tmp_path: Path, scratch: Path) -> None:
    whole = write_opus(tmp_path / "whole.opus", tone(440.0, 3.0)).read_bytes()
    source = tmp_path / "cut.opus"
    source.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(UnreadableAudio, match="cut short") as exc, readable_by_essentia(source):
        pass
    assert_one_line_naming(exc, "cut.opus")
    assert list(scratch.iterdir()) == []


def test_damage_in_the_middle_is_unreadable(tmp_path: Path, scratch: Path) -> None:
    """libsndfile stops at the damage without an error; the length the last page declares gives it away."""
    data = bytearray(write_opus(tmp_path / "whole.opus", tone(440.0, 6.0)).read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2000] = bytes(2000)
    source = tmp_path / "damaged.opus"
    source.write_bytes(bytes(data))
    with pytest.raises(UnreadableAudio, match=r"corrupt: decoding stops at \d") as exc, readable_by_essentia(source):
        pass
    assert_one_line_naming(exc, "damaged.opus")
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    ("keep_last_page", "reason"), [(False, "cut short"), (True, "cannot decode it as Opus .*malformed")]
)
def test_garbage_after_an_opus_header_is_unreadable(tmp_path: Path, keep_last_page: bool, reason: str) -> None:
    """Garbage between the identification page and (a real) last page gets past the length check to libsndfile."""
    real = write_opus(tmp_path / "real.opus", tone(440.0, 1.0)).read_bytes()
    last_page = real[real.rfind(b"OggS") :] if keep_last_page else b""
    source = tmp_path / "garbage.opus"
    source.write_bytes(real[:47] + np.random.default_rng(0).bytes(20000) + last_page)  # 47 bytes: the OpusHead page
    assert is_ogg_opus(source)
    with pytest.raises(UnreadableAudio, match=reason) as exc, readable_by_essentia(source):
        pass
    assert_one_line_naming(exc, "garbage.opus")


def test_garbage_named_opus_passes_through_to_the_decoders_error(tmp_path: Path, scratch: Path) -> None:
    """Not Opus by its bytes, so it goes to essentia (it might be an mp3 with the wrong name); essentia refuses it."""
    source = tmp_path / "noise.opus"
    source.write_bytes(np.random.default_rng(1).bytes(20000))
    assert not is_ogg_opus(source)
    with readable_by_essentia(source) as readable:
        assert readable == source
        assert list(scratch.iterdir()) == []
        with pytest.raises(UnreadableAudio, match="cannot decode it as audio") as exc:
            analyse_file(readable)
    assert_one_line_naming(exc, "noise.opus")


def test_an_unopenable_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(AudioNotFound) as exc, readable_by_essentia(tmp_path / "gone.opus"):
        pass
    assert_one_line_naming(exc, "gone.opus")


def test_no_room_for_the_copy_is_a_temporary_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_opus(tmp_path / "set.opus", tone(440.0, 1.0))
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_directory))
    with pytest.raises(ScratchSpaceError) as exc, readable_by_essentia(source):
        pass
    assert isinstance(exc.value, TemporaryError)  # nothing is wrong with the recording: retried, not dead-lettered
    assert_one_line_naming(exc, "set.opus")


def test_a_full_disk_while_writing_the_copy_is_a_temporary_error(tmp_path: Path, scratch: Path) -> None:
    """A file size limit makes the FLAC's writes fail as a full disk would (in a child, to keep the limit there)."""
    source = write_opus(tmp_path / "set.opus", np.random.default_rng(2).uniform(-0.5, 0.5, RATE * 5).astype(np.float32))
    code = (
        "import resource, signal, sys, tempfile\n"
        "from pathlib import Path\n"
        "from tracktion_analysis.adapters.transcode import readable_by_essentia\n"
        "from tracktion_analysis.errors import ScratchSpaceError\n"
        "tempfile.tempdir = sys.argv[2]\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))\n"
        "try:\n"
        "    with readable_by_essentia(Path(sys.argv[1])):\n"
        "        pass\n"
        "except ScratchSpaceError as exc:\n"
        "    print(exc)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(source), str(scratch)], check=True, capture_output=True, text=True
    )
    message = run.stdout.strip()
    assert message.startswith("set.opus: cannot write its temporary FLAC copy")
    assert "disk full" in message
    assert "\n" not in message
    assert list(scratch.iterdir()) == []
