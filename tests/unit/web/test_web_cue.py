"""The .cue download serves the recorded file only when it is really a .cue sheet (no links, devices, folders)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracktion_web.cue import MAX_CUE_BYTES, CueProblem, cue_problem, read_cue

CUE = 'FILE "set.flac" WAVE\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n'


def test_a_regular_cue_file_is_served(tmp_path: Path) -> None:
    sheet = tmp_path / "Sets" / "Live ✓.cue"
    sheet.parent.mkdir()
    sheet.write_text(CUE, encoding="utf-8")
    assert cue_problem(str(sheet)) is None
    cue = read_cue(str(sheet))
    assert cue.name == "Live ✓.cue"
    assert cue.content == CUE.encode()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tmp: None, "no .cue sheet"),
        (lambda tmp: "", "no .cue sheet"),
        (lambda tmp: "relative/set.cue", "not absolute"),
        (lambda tmp: "/etc/passwd", "not a .cue"),
        (lambda tmp: str(tmp / "gone.cue"), "gone"),
        (lambda tmp: str(tmp / ".." / tmp.name / "gone.cue"), "gone"),
        (lambda tmp: str(tmp / "x.cue\x00.cue"), "not a valid path"),
    ],
)
def test_paths_that_are_no_cue_sheet_are_refused(tmp_path: Path, make: object, reason: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    assert reason in (cue_problem(path) or "")
    with pytest.raises(CueProblem, match=reason):
        read_cue(path)


def test_a_symlink_named_cue_is_refused_even_to_a_real_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve")
    link = tmp_path / "evil.cue"
    link.symlink_to(secret)
    assert cue_problem(str(link)) == "the recorded .cue path is not a regular file"
    with pytest.raises(CueProblem):
        read_cue(str(link))
    real = tmp_path / "real.cue"
    real.write_text(CUE)
    (tmp_path / "link-to-real.cue").symlink_to(real)
    with pytest.raises(CueProblem):
        read_cue(str(tmp_path / "link-to-real.cue"))


def test_folders_and_fifos_named_cue_are_refused(tmp_path: Path) -> None:
    (tmp_path / "folder.cue").mkdir()
    with pytest.raises(CueProblem, match="regular file"):
        read_cue(str(tmp_path / "folder.cue"))
    os.mkfifo(tmp_path / "pipe.cue")
    with pytest.raises(CueProblem, match="regular file"):
        read_cue(str(tmp_path / "pipe.cue"))


def test_a_huge_file_is_no_cue_sheet(tmp_path: Path) -> None:
    big = tmp_path / "big.cue"
    with big.open("wb") as handle:
        handle.truncate(MAX_CUE_BYTES + 1)
    with pytest.raises(CueProblem, match="too large"):
        read_cue(str(big))
