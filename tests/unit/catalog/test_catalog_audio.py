"""Tags and stream facts from real audio files, and a clear reason for every file that is not usable audio."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from catalog_audio import ToneFile, permission_denied_path
from mutagen.id3 import ID3, TALB, TCON, TIT2, TPE1, Encoding
from mutagen.wave import WAVE

from tracktion_catalog.adapters.audio import read_audio
from tracktion_catalog.adapters.files import Readable, Unreadable, inspect_file
from tracktion_catalog.errors import BadFile

TAGS = {"artist": "Ärtist Ω", "title": "Sine Wave", "album": "Tests", "genre": "Techno", "date": "2024"}


def read(path: Path) -> Readable:
    result = inspect_file(str(path))
    assert isinstance(result, Readable), result
    return result


def test_wav_from_soundfile_gives_stream_facts_and_info_tags(tone_file: ToneFile) -> None:
    path = tone_file("tone.wav", seconds=1.5, tags={"artist": "Sf Ärtist", "title": "Sine", "album": "Alb"})
    audio = read(path).audio
    assert audio.tags == {"artist": "Sf Ärtist", "title": "Sine", "album": "Alb"}
    assert audio.duration == pytest.approx(1.5)
    assert (audio.sample_rate, audio.channels, audio.bitrate) == (44100, 1, 44100 * 16)


def test_aiff_text_chunks_are_read(tone_file: ToneFile) -> None:
    audio = read(tone_file("tone.aiff", seconds=1.0, tags={"artist": "Aiff Artist", "title": "Aiff Title"})).audio
    assert audio.tags == {"artist": "Aiff Artist", "title": "Aiff Title"}
    assert audio.duration == pytest.approx(1.0)


def test_id3_inside_a_wav_wins_over_its_info_chunk(tone_file: ToneFile) -> None:
    path = tone_file("tagged.wav", seconds=0.5, tags={"artist": "Info Artist", "genre": "Info Genre"})
    wave = WAVE(path)
    wave.add_tags()
    assert wave.tags is not None
    wave.tags.add(TPE1(encoding=Encoding.UTF8, text=["ID3 Artist"]))
    wave.save()
    assert read(path).audio.tags == {"artist": "ID3 Artist", "genre": "Info Genre"}


@pytest.mark.parametrize("extension", ["mp3", "flac", "ogg", "m4a"])
def test_ffmpeg_formats_give_their_tags_and_duration(tone_file: ToneFile, extension: str) -> None:
    audio = read(tone_file(f"tone.{extension}", seconds=3.0, tags=TAGS)).audio
    assert audio.tags == TAGS
    assert audio.duration == pytest.approx(3.0, abs=0.1)
    assert audio.sample_rate == 44100
    assert audio.channels in (1, 2)  # AAC encoders may upmix
    assert audio.bitrate is not None
    assert audio.bitrate > 0


def test_text_named_mp3_is_rejected_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp3"
    path.write_text("these are my set notes, not audio\n" * 20)
    result = inspect_file(str(path))
    assert isinstance(result, Unreadable)
    assert result.reason == "not readable as audio: can't sync to MPEG frame"
    assert result.size == path.stat().st_size


def test_unknown_format_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "mystery.bin"
    path.write_bytes(b"\x00\x01\x02 nothing mutagen knows" * 10)
    result = inspect_file(str(path))
    assert result == Unreadable("not a recognised audio format", path.stat().st_size, path.stat().st_mtime)


def test_zero_byte_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.flac"
    path.write_bytes(b"")
    result = inspect_file(str(path))
    assert isinstance(result, Unreadable)
    assert result.reason == "empty file (0 bytes)"
    assert result.size == 0


# One rule for every format (tracktion_catalog.domain.audio): the length a file declares against what is present.
# A copy cut at 60 % is rejected with the same reason shape whatever the format; the old MP3-only check said
# "truncated: expected ~N bytes of audio, file has M", which it now says in seconds like all the others.
TRUNCATED_DECLARING = re.compile(r"truncated: (\d+\.\d) s of 20\.0 s present")
TRUNCATED_OGG = re.compile(r"truncated: (\d+\.\d) s present, the stream stops before its end")
FORMATS = ["wav", "aiff", "flac", "mp3", "ogg", "opus", "m4a"]


def _cut(path: Path, fraction: float) -> Path:
    data = path.read_bytes()
    cut = path.with_name(f"cut-{path.name}")
    cut.write_bytes(data[: int(len(data) * fraction)])
    return cut


@pytest.mark.parametrize("extension", FORMATS)
def test_a_copy_cut_at_60_percent_is_rejected_as_truncated_in_every_format(tone_file: ToneFile, extension: str) -> None:
    whole = tone_file(f"whole.{extension}", seconds=20.0, faststart=True)
    assert read(whole).audio.duration == pytest.approx(20.0, abs=0.1)  # the intact file is untouched
    result = inspect_file(str(_cut(whole, 0.6)))
    assert isinstance(result, Unreadable), result
    pattern = TRUNCATED_OGG if extension in ("ogg", "opus") else TRUNCATED_DECLARING
    match = pattern.fullmatch(result.reason)
    assert match is not None, result.reason
    assert 9.0 <= float(match[1]) <= 13.0  # about 60 % of 20 s (container headers and compression make it vary)
    assert result.size is not None


def test_an_m4a_cut_before_its_index_is_truncated_not_unknown(tone_file: ToneFile) -> None:
    """ffmpeg writes ``moov`` after the audio by default: the cut copy has no index, so no length at all."""
    result = inspect_file(str(_cut(tone_file("whole.m4a", seconds=20.0), 0.6)))
    assert isinstance(result, Unreadable)
    assert result.reason == "truncated: some audio present, the stream stops before its end"


def test_a_flac_behind_an_id3_tag_is_judged_from_its_frames(tone_file: ToneFile) -> None:
    """Some taggers put ID3v2 in front of FLAC: the frames are found after it, intact and cut alike."""
    whole = tone_file("tagged.flac", seconds=20.0)
    tags = ID3()
    tags.add(TIT2(encoding=Encoding.UTF8, text="Tagged"))
    tags.save(whole)
    assert whole.read_bytes()[:3] == b"ID3"
    assert read(whole).audio.duration == pytest.approx(20.0)
    result = inspect_file(str(_cut(whole, 0.6)))
    assert isinstance(result, Unreadable)
    assert TRUNCATED_DECLARING.fullmatch(result.reason), result.reason


@pytest.mark.parametrize("extension", ["wav", "flac", "mp3", "ogg"])
def test_a_copy_missing_only_its_last_bytes_is_still_whole(tone_file: ToneFile, extension: str) -> None:
    """Within the tolerance (5 %): an MP3's ID3v1 tag or padding missing is not truncation. Ogg has no tolerance:
    its end-of-stream page is in the last bytes, so even that is truncated."""
    whole = tone_file(f"whole.{extension}", seconds=20.0)
    data = whole.read_bytes()
    nearly = whole.with_name(f"nearly.{extension}")
    nearly.write_bytes(data[: len(data) - 200])
    result = inspect_file(str(nearly))
    if extension == "ogg":
        assert isinstance(result, Unreadable), result
        assert TRUNCATED_OGG.fullmatch(result.reason), result.reason
    else:
        assert isinstance(result, Readable), result


def _audio_offset(data: bytes) -> int:
    """Where the first MPEG frame starts: after the ID3v2 tag ffmpeg writes."""
    if data[:3] != b"ID3":
        return 0
    size = data[6:10]
    return 10 + ((size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3])


def test_permission_denied_is_rejected_without_size(tmp_path: Path) -> None:
    result = inspect_file(str(permission_denied_path(tmp_path)))
    assert result == Unreadable("cannot open: Permission denied")


def test_a_directory_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "album.mp3"
    folder.mkdir()
    result = inspect_file(str(folder))
    assert isinstance(result, Unreadable)
    assert result.reason == "cannot open: Is a directory"


def test_latin1_and_unicode_id3_tags_are_read(tone_file: ToneFile) -> None:
    path = tone_file("enc.mp3", seconds=1.0)
    tags = ID3(path)
    tags.delall("TPE1")
    tags.add(TPE1(encoding=Encoding.LATIN1, text=["Beyoncé"]))
    tags.add(TIT2(encoding=Encoding.UTF16, text=["日本語 タイトル"]))
    tags.add(TALB(encoding=Encoding.UTF16BE, text=["Album\x00With NUL  and   spaces "]))
    tags.add(TCON(encoding=Encoding.LATIN1, text=["(17)"]))
    tags.save(path, v2_version=3)
    assert read(path).audio.tags == {
        "artist": "Beyoncé",
        "title": "日本語 タイトル",
        "album": "Album; With NUL and spaces",
        "genre": "Rock",
    }


def test_a_broken_utf16_frame_does_not_crash(tone_file: ToneFile, tmp_path: Path) -> None:
    """An ID3v2.3 TPE1 frame that says UTF-16 but holds an odd number of bytes, hand-made before real MPEG frames."""
    source = tone_file("src.mp3", seconds=1.0)
    frames = source.read_bytes()[_audio_offset(source.read_bytes()) :]
    payload = b"\x01\xff\xfeA\x00B"  # BOM, "A", half of "B"
    frame = b"TPE1" + struct.pack(">I", len(payload)) + b"\x00\x00" + payload
    title = b"\x00" + "Café".encode("latin-1")
    frame += b"TIT2" + struct.pack(">I", len(title)) + b"\x00\x00" + title
    size = len(frame)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    path = tmp_path / "broken.mp3"
    path.write_bytes(b"ID3\x03\x00\x00" + syncsafe + frame + frames)
    audio = read(path).audio
    assert audio.tags.get("title") == "Café"
    assert audio.duration == pytest.approx(1.0, abs=0.1)


def test_read_audio_raises_bad_file_for_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.flac"
    path.write_bytes(b"fLaC" + b"\xff" * 64)
    with path.open("rb") as stream, pytest.raises(BadFile, match="not readable as audio"):
        read_audio(stream, path.stat().st_size)
