"""Which names the watcher reports: audio extensions in any case, never hidden, temporary or partial files."""

from __future__ import annotations

import os

import pytest

from tracktion_watcher.domain.filters import (
    AUDIO_EXTENSIONS,
    is_audio_name,
    is_encodable,
    is_ignored_dir_name,
    is_watched_path,
    printable_path,
)


@pytest.mark.parametrize(
    "name",
    [
        "track.mp3",
        "TRACK.MP3",
        "Set.Flac",
        "a.wav",
        "a.aiff",
        "a.AIF",
        "a.m4a",
        "a.mp4",
        "a.aac",
        "a.ogg",
        "a.opus",
        "a.WMA",
        "many.dots.in.name.mp3",
        "Ünïcødé \u2013 Mix (2024).flac",
    ],
)
def test_audio_names_are_reported(name: str) -> None:
    assert is_audio_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "cover.jpg",
        "notes.txt",
        "mp3",
        ".mp3",  # a hidden file, not an extension
        ".foo.mp3",
        ".foo.mp3.part",
        "~lock.mp3",
        "~$temp.wav",
        "x.mp3.part",
        "x.mp3.crdownload",
        "x.mp3.tmp",
        "x.flac.partial",
        "x.mp3.!qB",
        "x.mp3.filepart",
        "._x.mp3",  # macOS AppleDouble companion
        "track.mp3 ",  # a trailing space is another extension
    ],
)
def test_other_names_are_ignored(name: str) -> None:
    assert not is_audio_name(name)


def test_every_supported_extension_is_lower_case() -> None:
    assert all(ext == ext.lower() and ext.startswith(".") for ext in AUDIO_EXTENSIONS)


@pytest.mark.parametrize("name", [".Trash-1000", ".sync", ".git", "song.mp3.download", "album.part"])
def test_hidden_and_partial_directories_are_ignored(name: str) -> None:
    assert is_ignored_dir_name(name)


@pytest.mark.parametrize("name", ["Album", "2024", "Various Artists", "~Mixes", "dir.with.dots"])
def test_ordinary_directories_are_entered(name: str) -> None:
    assert not is_ignored_dir_name(name)


def test_watched_path_checks_every_directory_below_the_root_only() -> None:
    root = "/home/dj/.music"  # the root itself may well be hidden
    assert is_watched_path(root, "/home/dj/.music/a/b/track.mp3")
    assert not is_watched_path(root, "/home/dj/.music/.Trash-1000/files/track.mp3")
    assert not is_watched_path(root, "/home/dj/.music/song.mp3.download/song.mp3")
    assert not is_watched_path(root, "/home/dj/.music/a/cover.jpg")
    assert not is_watched_path(root, "/home/dj/.musicals/track.mp3")  # a sibling sharing the prefix
    assert not is_watched_path(root, "/elsewhere/track.mp3")
    assert is_watched_path("/", "/track.mp3")


def test_encodable_rejects_undecodable_bytes() -> None:
    bad = os.fsdecode(b"/music/bad\xff.mp3")
    assert not is_encodable(bad)
    assert is_encodable("/music/Ünïcødé.mp3")


def test_printable_path_shows_undecodable_bytes_as_escapes() -> None:
    assert printable_path(os.fsdecode(b"/music/bad\xff.mp3")) == "/music/bad\\xff.mp3"
    assert printable_path("/music/Ünïcødé.mp3") == "/music/Ünïcødé.mp3"
    assert printable_path("/music/lone\ud800.mp3") == "/music/lone\\ud800.mp3"
