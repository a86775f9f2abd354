"""The tree walk on real (temporary) folders: every audio file once, every oddity skipped with a reason."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest

from tracktion_watcher.adapters.scanner import LOOP_REASON, VANISHED_REASON, FoundFile, ScanStream, TreeWalker
from tracktion_watcher.domain.changes import NOT_UTF8
from tracktion_watcher.domain.skips import SkippedPath
from tracktion_watcher.errors import WatchFolderError


def touch(path: Path, data: bytes = b"audio") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def walk(root: Path) -> tuple[dict[str, FoundFile], list[SkippedPath]]:
    found: dict[str, FoundFile] = {}
    skipped: list[SkippedPath] = []
    for item in TreeWalker(str(root)).walk():
        if isinstance(item, FoundFile):
            assert item.path not in found, f"{item.path} reported twice"
            found[item.path] = item
        else:
            skipped.append(item)
    return found, skipped


def test_nested_folders_only_audio_with_size_and_mtime(tmp_path: Path) -> None:
    touch(tmp_path / "a.mp3", b"12345")
    touch(tmp_path / "Artist" / "Album" / "01.FLAC")
    touch(tmp_path / "Artist" / "Album" / "cover.jpg")
    touch(tmp_path / "Artist" / "Album" / "02.wav.part")
    touch(tmp_path / "Artist" / ".hidden.mp3")
    touch(tmp_path / ".Trash-1000" / "files" / "old.mp3")
    touch(tmp_path / "dl" / "song.mp3.download" / "song.mp3")
    touch(tmp_path / "deep" / "1" / "2" / "3" / "4" / "5" / "x.ogg")
    found, skipped = walk(tmp_path)
    assert sorted(found) == sorted(
        str(p)
        for p in (
            tmp_path / "a.mp3",
            tmp_path / "Artist" / "Album" / "01.FLAC",
            tmp_path / "deep" / "1" / "2" / "3" / "4" / "5" / "x.ogg",
        )
    )
    a = found[str(tmp_path / "a.mp3")]
    st = os.stat(tmp_path / "a.mp3")
    assert (a.size, a.mtime) == (5, st.st_mtime)
    assert skipped == []


def test_symlink_loop_is_cut_and_reported(tmp_path: Path) -> None:
    touch(tmp_path / "a" / "b" / "track.mp3")
    (tmp_path / "a" / "b" / "loop").symlink_to(tmp_path / "a")
    (tmp_path / "self").symlink_to(".")
    found, skipped = walk(tmp_path)
    assert list(found) == [str(tmp_path / "a" / "b" / "track.mp3")]
    assert sorted(s.path for s in skipped) == [str(tmp_path / "a" / "b" / "loop"), str(tmp_path / "self")]
    assert all(s.reason == LOOP_REASON for s in skipped)


def test_symlinked_directories_and_files_are_followed_under_their_link_name(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    touch(outside / "ext.mp3", b"123")
    root = tmp_path / "root"
    root.mkdir()
    (root / "linked").symlink_to(outside)
    (root / "link.mp3").symlink_to(outside / "ext.mp3")
    (root / "broken.mp3").symlink_to(tmp_path / "nowhere.mp3")
    found, skipped = walk(root)
    assert sorted(found) == [str(root / "link.mp3"), str(root / "linked" / "ext.mp3")]
    assert found[str(root / "link.mp3")].size == 3  # the target's size
    assert skipped == [SkippedPath(str(root / "broken.mp3"), "broken symlink")]


def test_unreadable_directory_with_chmod(tmp_path: Path) -> None:
    touch(tmp_path / "ok" / "a.mp3")
    locked = tmp_path / "locked"
    touch(locked / "b.mp3")
    locked.chmod(0)
    try:
        try:
            os.listdir(locked)
        except PermissionError:
            pass
        else:
            pytest.skip("chmod 000 does not stop this user (root) from reading; see the monkeypatched variant")
        found, skipped = walk(tmp_path)
    finally:
        locked.chmod(0o755)
    assert list(found) == [str(tmp_path / "ok" / "a.mp3")]
    assert [(s.path, "permission denied" in s.reason) for s in skipped] == [(str(locked), True)]


class _Listing:
    """Stands in for ``os.scandir(path)``: a context manager over the real entries, with a hook per entry."""

    def __init__(self, real: Iterator[os.DirEntry[str]], before_yield: dict[str, Path]) -> None:
        self._real = real
        self._before_yield = before_yield

    def __enter__(self) -> Iterator[os.DirEntry[str]]:
        return self._entries()

    def _entries(self) -> Iterator[os.DirEntry[str]]:
        for entry in self._real:
            if entry.name in self._before_yield:
                self._before_yield[entry.name].unlink()
            yield entry

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._real.close()  # type: ignore[attr-defined]


def test_unreadable_directory_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(tmp_path / "ok" / "a.mp3")
    touch(tmp_path / "locked" / "b.mp3")
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found, skipped = walk(tmp_path)
    assert list(found) == [str(tmp_path / "ok" / "a.mp3")]
    assert skipped == [SkippedPath(str(tmp_path / "locked"), "permission denied (listing directory)")]


def test_file_vanishing_between_listing_and_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(tmp_path / "stays.mp3")
    gone = touch(tmp_path / "gone.mp3")
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: _Listing(real_scandir(path), {"gone.mp3": gone}))
    found, skipped = walk(tmp_path)
    assert list(found) == [str(tmp_path / "stays.mp3")]
    assert skipped == [SkippedPath(str(gone), VANISHED_REASON)]


def test_undecodable_name_is_skipped_with_reason(tmp_path: Path) -> None:
    touch(tmp_path / "good.mp3")
    with open(os.fsencode(tmp_path) + b"/bad\xff.mp3", "wb") as f:
        f.write(b"x")
    with open(os.fsencode(tmp_path) + b"/ignored\xff.txt", "wb") as f:
        f.write(b"x")
    os.mkdir(os.fsencode(tmp_path) + b"/dir\xfe")
    with open(os.fsencode(tmp_path) + b"/dir\xfe/inside.mp3", "wb") as f:
        f.write(b"x")
    found, skipped = walk(tmp_path)
    assert list(found) == [str(tmp_path / "good.mp3")]
    assert sorted(s.path for s in skipped) == sorted(
        [
            os.fsdecode(os.fsencode(tmp_path) + b"/bad\xff.mp3"),
            os.fsdecode(os.fsencode(tmp_path) + b"/dir\xfe/inside.mp3"),
        ]
    )
    assert {s.reason for s in skipped} == {NOT_UTF8}
    assert all("\\x" in s.display_path for s in skipped)


def test_long_unicode_name_works(tmp_path: Path) -> None:
    name = ("Ünïcødé \u2013 DJ Set (Live) 東京 " + "x" * 200)[:196] + ".mp3"  # NAME_MAX counts bytes: 210 here
    assert len(name) == 200
    assert len(name.encode()) <= 255
    touch(tmp_path / "Ψ" / name, b"xyz")
    found, skipped = walk(tmp_path)
    assert list(found) == [str(tmp_path / "Ψ" / name)]
    assert skipped == []


def test_special_files_named_like_audio_are_skipped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.mp3")
    (tmp_path / "dir.mp3").mkdir()
    touch(tmp_path / "dir.mp3" / "inner.mp3")
    found, skipped = walk(tmp_path)
    assert list(found) == [str(tmp_path / "dir.mp3" / "inner.mp3")]
    assert skipped == [SkippedPath(str(tmp_path / "pipe.mp3"), "not a regular file")]


def test_root_that_cannot_be_listed_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WatchFolderError, match="cannot watch"):
        list(TreeWalker(str(tmp_path / "missing")).walk())
    touch(tmp_path / "file.mp3")
    with pytest.raises(WatchFolderError, match="cannot list"):
        list(TreeWalker(str(tmp_path / "file.mp3")).walk())


async def test_stream_hands_out_bounded_batches_then_an_empty_one(tmp_path: Path) -> None:
    for i in range(25):
        touch(tmp_path / f"d{i % 3}" / f"{i}.mp3")
    sizes = []
    async with ScanStream(TreeWalker(str(tmp_path)), batch_size=10) as stream:
        while batch := await stream.next_batch():
            sizes.append(len(batch))
        assert await stream.next_batch() == []
    assert sizes == [10, 10, 5]


async def test_leaving_the_stream_early_stops_the_walk(tmp_path: Path) -> None:
    for i in range(50):
        touch(tmp_path / f"{i}.mp3")
    walker = TreeWalker(str(tmp_path))
    async with ScanStream(walker, batch_size=5) as stream:
        assert len(await stream.next_batch()) == 5
    started = time.monotonic()
    assert list(walker.walk()) == []  # cancelled walkers yield nothing
    assert time.monotonic() - started < 1
