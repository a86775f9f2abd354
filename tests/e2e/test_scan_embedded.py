"""The main job, embedded: ``tracktion scan FOLDER`` catalogs a real audio folder exactly once, and keeps it right.

Runs the real CLI in a subprocess with nothing but a data directory, as a new user would, and checks every row
against hashlib/xxhash computed here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mutagen.flac
import pytest
import xxhash

from tracktion_analysis.synth import Section, write_sections
from tracktion_shared.config import Settings
from tracktion_shared.storage import Database, NewRecording, upgrade


def tracktion(data_dir: Path, *args: str, columns: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI; ``columns``: the width rich lays tables out to (wide enough, no path is folded)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKTION_") and k != "COLUMNS"}
    env |= {"TRACKTION_DATA_DIR": str(data_dir), "TRACKTION_WATCH_SETTLE_SECONDS": "0.2"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "tracktion", *args], check=False, env=env, capture_output=True, text=True, timeout=300
    )


def scan(data_dir: Path, folder: Path, *extra: str) -> dict[str, Any]:
    result = tracktion(data_dir, "scan", str(folder), "--json", "--no-analysis", "--no-tracklists", *extra)
    summary: dict[str, Any] = json.loads(result.stdout)
    assert result.returncode == (0 if summary["complete"] else 1), result.stderr  # bad files: not a clean 0
    assert summary["complete"] is not bool(summary["failed"])
    return summary


def listing(data_dir: Path) -> dict[str, dict[str, Any]]:
    result = tracktion(data_dir, "list", "--json")
    assert result.returncode == 0, result.stderr
    return {row["file_path"]: row for row in json.loads(result.stdout)}


def digests(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), xxhash.xxh3_128_hexdigest(data)


@pytest.fixture
def library(tmp_path: Path, make_audio: Callable[..., Path]) -> Path:
    root = tmp_path / "Music"
    make_audio(root / "House" / "one.wav", freq=220)
    make_audio(root / "House" / "two.flac", freq=330)
    make_audio(root / "Techno" / "three.ogg", freq=440)
    make_audio(root / "Techno" / "Deep" / "four.aiff", freq=550)
    make_audio(root / "Sets" / "ÄÖÜ — Set 2026 • live ✓.mp3", freq=660, tags={"artist": "DJ Ünïcode", "title": "Live"})
    make_audio(root / "Sets" / "five.m4a", freq=770, tags={"artist": "M4A Artist", "title": "M4A Title"})
    (root / "Copies").mkdir()
    shutil.copy(root / "House" / "one.wav", root / "Copies" / "one (copy).wav")
    (root / "cover.jpg").write_bytes(b"\xff\xd8not audio")
    (root / "notes.txt").write_text("not audio")
    (root / "Bad").mkdir()
    (root / "Bad" / "empty.mp3").write_bytes(b"")
    (root / "Bad" / "text.mp3").write_text("this is not an mp3 at all\n" * 50)
    good_mp3 = make_audio(tmp_path / "long.mp3", seconds=6, freq=880)
    (root / "Bad" / "truncated.mp3").write_bytes(good_mp3.read_bytes()[: good_mp3.stat().st_size // 3])
    return root


GOOD = {
    "House/one.wav",
    "House/two.flac",
    "Techno/three.ogg",
    "Techno/Deep/four.aiff",
    "Sets/ÄÖÜ — Set 2026 • live ✓.mp3",
    "Sets/five.m4a",
}
BAD = {"Bad/empty.mp3", "Bad/text.mp3", "Bad/truncated.mp3"}


def test_scan_catalogs_every_file_once_with_correct_hashes(tmp_path: Path, library: Path) -> None:
    data = tmp_path / "data"
    summary = scan(data, library)

    assert summary["files_seen"] == len(GOOD) + len(BAD) + 1  # + the duplicate copy
    assert summary["recordings"] == len(GOOD)
    assert {Path(f["path"]).relative_to(library).as_posix() for f in summary["failed"]} == BAD
    assert all(f["error"] for f in summary["failed"])
    assert [Path(p).relative_to(library).as_posix() for p in summary["duplicates"]] == ["Copies/one (copy).wav"]

    rows = listing(data)
    assert {Path(p).relative_to(library).as_posix() for p in rows} == GOOD
    for path, row in rows.items():
        assert (row["sha256_hash"], row["xxh128_hash"]) == digests(Path(path)), path
        assert row["file_name"] == Path(path).name

    shown = tracktion(data, "show", str(library / "Sets" / "five.m4a"), "--json")
    assert shown.returncode == 0, shown.stderr
    recording = json.loads(shown.stdout)
    assert recording["metadata"]["artist"] == "M4A Artist"
    assert recording["metadata"]["title"] == "M4A Title"
    assert float(recording["metadata"]["duration"]) == pytest.approx(1.0, abs=0.1)
    for key in ("id", "file_path", "file_name", "sha256_hash", "xxh128_hash", "created_at"):
        assert key in recording
    by_id = tracktion(data, "show", recording["id"], "--json")
    assert json.loads(by_id.stdout)["file_path"] == recording["file_path"]


def test_rescan_move_and_delete_keep_the_catalog_right(tmp_path: Path, library: Path) -> None:
    data = tmp_path / "data"
    scan(data, library)
    before = listing(data)

    again = scan(data, library)
    assert again["recordings"] == len(GOOD)
    assert listing(data) == before, "an unchanged rescan must change nothing"

    moved_from = library / "House" / "two.flac"
    moved_to = library / "Renamed" / "two (renamed).flac"
    moved_to.parent.mkdir()
    moved_from.rename(moved_to)
    (library / "Techno" / "three.ogg").unlink()
    scan(data, library)

    after = listing(data)
    assert after[str(moved_to)]["id"] == before[str(moved_from)]["id"], "a moved file is the same recording"
    assert str(moved_from) not in after
    gone = tracktion(data, "show", str(library / "Techno" / "three.ogg"), "--json")
    assert gone.returncode == 0, gone.stderr
    assert json.loads(gone.stdout)["status"] == "missing"


def test_scan_of_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = tracktion(tmp_path / "data", "scan", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "nope: No such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_scan_analyses_what_it_catalogs(tmp_path: Path) -> None:
    """The default scan runs the analysis stage too: known tempo and key come back as the recording's metadata."""
    folder = tmp_path / "Tracks"
    folder.mkdir()
    write_sections(
        folder / "dnb.wav", [Section(seconds=30, bpm=174.0, tonic="F#", scale="minor", style="drum_and_bass")]
    )
    data = tmp_path / "data"
    result = tracktion(data, "scan", str(folder), "--json", "--no-tracklists")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["recordings"] == 1

    shown = tracktion(data, "show", str(folder / "dnb.wav"), "--json")
    metadata = json.loads(shown.stdout)["metadata"]
    assert metadata["analysis_status"] == "analysed"
    assert float(metadata["bpm"]) == pytest.approx(174.0, rel=0.04)
    assert (metadata["key"], metadata["scale"], metadata["camelot"]) == ("F#", "minor", "11A")


def test_an_imported_tracklist_is_stored_with_its_recording(tmp_path: Path, make_audio: Callable[..., Path]) -> None:
    folder = tmp_path / "Sets"
    audio = make_audio(folder / "set.wav", seconds=3)
    data = tmp_path / "data"
    scan(data, folder)
    listing = tmp_path / "set.txt"
    listing.write_text("[00:00] Artist One - First\n[00:02] Artist Two - Second\n", encoding="utf-8")

    result = tracktion(data, "tracklist", "import", str(listing), "--recording", str(audio))
    assert result.returncode == 0, result.stderr
    assert "stored the manual tracklist" in result.stderr

    shown = json.loads(tracktion(data, "show", str(audio), "--json").stdout)
    (tracklist,) = shown["tracklists"]
    assert tracklist["source"] == "manual"
    assert [(t["artist"], t["title"], t["start_seconds"]) for t in tracklist["tracks"]] == [
        ("Artist One", "First", 0.0),
        ("Artist Two", "Second", 2.0),
    ]
    assert tracklist["cue_file_path"] == str(folder / "set.cue")
    assert "Artist Two" in (folder / "set.cue").read_text(encoding="utf-8")
    assert shown["metadata"]["tracklist_status"] == "found"


def test_scan_feeds_the_graph_and_compatible_tracks_are_found(tmp_path: Path) -> None:
    folder = tmp_path / "Tracks"
    folder.mkdir()
    write_sections(folder / "a-minor.wav", [Section(seconds=30, bpm=124.0, tonic="A", scale="minor")], seed=1)
    write_sections(folder / "e-minor.wav", [Section(seconds=30, bpm=126.0, tonic="E", scale="minor")], seed=2)
    write_sections(folder / "far.wav", [Section(seconds=30, bpm=90.0, tonic="C#", scale="major")], seed=3)
    data = tmp_path / "data"
    result = tracktion(data, "scan", str(folder), "--json", "--no-tracklists")
    assert result.returncode == 0, result.stderr

    compatible = tracktion(data, "graph", "compatible", str(folder / "a-minor.wav"), "--json")
    assert compatible.returncode == 0, compatible.stderr
    found = json.loads(compatible.stdout)
    paths = [Path(hit["path"]).name for hit in found]
    assert paths == ["e-minor.wav"], found  # 8A -> 9A, 124 vs 126 BPM; C# major at 90 BPM is neither


def test_names_print_verbatim_in_scan_list_and_show(tmp_path: Path, make_audio: Callable[..., Path]) -> None:
    """Markup in a name is text (``[vip]`` stays, ``[/`` does not crash); a control character is shown escaped."""
    root = tmp_path / "Music"
    vip = make_audio(root / "Track [vip].wav", freq=220)
    nested = make_audio(root / "a[" / "b.wav", freq=330)
    ansi = make_audio(root / "red \x1b[31m alert.wav", freq=440)
    tagged = make_audio(root / "tagged.flac", freq=550)
    tags = mutagen.flac.FLAC(tagged)
    tags["artist"], tags["title"] = "[bold]DJ[/bold] \x1b[2J", "Live [/] :fire:"
    tags.save()
    copy = root / "a[" / "Track [vip] copy.wav"
    shutil.copy(vip, copy)
    (root / "broken [").mkdir()
    (root / "broken [" / "x] \x1b[0m.mp3").write_text("not audio at all\n" * 50)
    data = tmp_path / "data"

    scanned = tracktion(data, "scan", str(root), "--no-analysis", "--no-tracklists", columns=1000)
    assert scanned.returncode == 1, scanned.stderr  # the broken file was not cataloged: the exit status says so
    assert "Traceback" not in scanned.stderr
    assert "\x1b" not in scanned.stderr  # not a terminal: no colour, and the names' own ESC escaped
    assert f"6 audio files in {root}: 4 recordings, 1 duplicate paths, 0 missing, 1 failed" in scanned.stderr
    assert f"{root}/broken [/x] \\x1b[0m.mp3" in scanned.stderr
    assert any(f"duplicate: {path}" in scanned.stderr for path in (vip, copy)), scanned.stderr

    listed = tracktion(data, "list", columns=1000)
    assert listed.returncode == 0, listed.stderr
    assert "\x1b" not in listed.stdout
    shown_paths = [str(nested), f"{root}/red \\x1b[31m alert.wav", str(tagged)]
    positions = [listed.stdout.index(path) for path in shown_paths]
    assert positions == sorted(positions), listed.stdout  # by path: "a[/b.wav" < "red ..." < "tagged.flac"
    assert "[bold]DJ[/bold] \\x1b[2J" in listed.stdout
    assert "Live [/] :fire:" in listed.stdout

    rows = {row["file_path"]: row for row in json.loads(tracktion(data, "list", "--json").stdout)}
    assert str(ansi) in rows, "--json is data: the name exactly, ESC and all"
    assert rows[str(tagged)]["metadata"]["artist"] == "[bold]DJ[/bold] \x1b[2J"

    for path, printed in [(nested, str(nested)), (ansi, f"{root}/red \\x1b[31m alert.wav")]:
        shown = tracktion(data, "show", str(path), columns=1000)
        assert shown.returncode == 0, shown.stderr
        assert printed in shown.stdout, "show prints to stdout"
        assert "\x1b" not in shown.stdout
    short = rows[str(tagged)]["id"][:8]
    by_prefix = tracktion(data, "show", short, columns=1000)
    assert by_prefix.returncode == 0, by_prefix.stderr
    assert "Live [/] :fire:" in by_prefix.stdout


async def test_show_takes_a_unique_id_prefix_and_refuses_an_ambiguous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("TRACKTION_DATA_DIR", str(data))
    url = Settings().database_url_value()
    await upgrade(url)
    ids = [uuid.UUID("abcd0000-0000-4000-8000-000000000001"), uuid.UUID("abcd1000-0000-4000-8000-000000000002")]
    async with Database(url) as db, db.transaction() as uow:
        await uow.recordings.add_many([NewRecording(id_, f"/m/{n}.wav", f"{n}.wav") for n, id_ in enumerate(ids)])

    ambiguous = tracktion(data, "show", "abcd")
    assert ambiguous.returncode == 2
    assert ambiguous.stderr.strip() == "error: 2 recordings have an id starting with abcd; give more of it"
    unique = tracktion(data, "show", "ABCD-1", "--json")  # case and dashes as the user pleases
    assert unique.returncode == 0, unique.stderr
    assert json.loads(unique.stdout)["id"] == str(ids[1])
    unknown = tracktion(data, "show", "abce")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "error: no recording at abce"
