"""The .cue sheet of an identified set: written beside it, never over a sheet from another source or the DJ's own."""

from __future__ import annotations

import uuid
from pathlib import Path

import cuetools
import pytest

from tracktion_identify.adapters.cue import write_identified_cue
from tracktion_shared.messages import TracklistTrack

ROWS = [
    TracklistTrack(position=1, artist="DJ A", title="First", start_seconds=0.0, recording_id=uuid.uuid4()),
    TracklistTrack(position=2, artist="ID", title="ID", start_seconds=95.5, unidentified=True),
    TracklistTrack(position=3, artist="", title="b <i>", start_seconds=180.25, recording_id=uuid.uuid4()),
]


def test_the_sheet_goes_beside_the_set_with_the_unknown_stretch_as_an_id_track(tmp_path: Path) -> None:
    audio = tmp_path / "Live @ Club.flac"
    written = write_identified_cue(audio, ROWS, source="fingerprint", title="Live @ Club", artist="Me")
    assert written == tmp_path / "Live @ Club.cue"
    sheet = cuetools.loads(written.read_text(encoding="utf-8"))
    assert (sheet.title, sheet.performer) == ("Live @ Club", "Me")
    assert [(t.performer, t.title) for t in sheet.tracks] == [("DJ A", "First"), ("ID", "ID"), ("", "b <i>")]
    assert [t.index01.seconds for t in sheet.tracks] == pytest.approx([0.0, 95.5, 180.25], abs=1 / 75)


def test_its_own_earlier_sheet_is_replaced(tmp_path: Path) -> None:
    audio = tmp_path / "set.flac"
    write_identified_cue(audio, ROWS[:1], source="fingerprint", title="set")
    assert write_identified_cue(audio, ROWS, source="fingerprint", title="set") == tmp_path / "set.cue"
    assert len(cuetools.loads((tmp_path / "set.cue").read_text(encoding="utf-8")).tracks) == 3


def test_a_sheet_from_a_tracklist_site_or_made_by_hand_is_kept(tmp_path: Path) -> None:
    site = 'REM COMMENT "source: 1001tracklists"\r\nFILE "a.mp3" MP3\r\n  TRACK 01 AUDIO\r\n    INDEX 01 00:00:00\r\n'
    hand = 'FILE "b.mp3" MP3\r\n  TRACK 01 AUDIO\r\n    TITLE "mine"\r\n    INDEX 01 00:00:00\r\n'
    for name, text in (("a", site), ("b", hand)):
        (tmp_path / f"{name}.cue").write_bytes(text.encode())
        assert write_identified_cue(tmp_path / f"{name}.mp3", ROWS, source="fingerprint", title=name) is None
        assert (tmp_path / f"{name}.cue").read_bytes() == text.encode()


def test_a_sheet_that_cannot_be_written_is_none_and_nothing_else_is_touched(tmp_path: Path) -> None:
    (tmp_path / "set.cue").mkdir()  # a folder where the sheet would go
    assert write_identified_cue(tmp_path / "set.wav", ROWS, source="fingerprint", title="set") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set.cue"]
    outside = tmp_path / "cues"
    written = write_identified_cue(
        tmp_path / "music" / "set.wav", ROWS, source="fingerprint", title="set", cue_dir=outside, library_root=tmp_path
    )
    assert written == outside / "music" / "set.cue"
