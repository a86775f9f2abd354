"""From a folder to known tracklists with no tracklist site: ``tracktion scan`` identifies a set from its audio.

A folder holds generated tracks and a generated set made of some of them (one sped up, one the library does not
hold). One scan, run as a new user would (the real CLI in a subprocess, an empty data dir, no network needed),
must give the set its fingerprint tracklist, its .cue sheet, the graph edges ``graph sets-with`` / ``next-after``
read, and ``tracktion identify --json`` the same answer; a track copied in later is found in the set by the next
scan, and joins the tracklist and the sheet.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cuetools
import soundfile
from identify_audio import SR, crossfade, crowd, track, vinyl


def tracktion(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKTION_") and k != "COLUMNS"}
    # sets are recordings of 2 minutes and more here (15 by default): the generated set is 4 minutes long
    env |= {"TRACKTION_DATA_DIR": str(data_dir), "TRACKTION_IDENTIFY_SET_SECONDS": "120", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "tracktion", *args], check=False, env=env, capture_output=True, text=True, timeout=300
    )


def scan(data_dir: Path, folder: Path) -> dict[str, Any]:
    result = tracktion(data_dir, "scan", str(folder), "--json", "--no-analysis", "--no-tracklists")
    assert result.returncode == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def test_a_scan_identifies_a_set_from_the_library_and_a_later_track_joins_its_tracklist(tmp_path: Path) -> None:
    music, data = tmp_path / "music", tmp_path / "data"
    music.mkdir()
    pieces = {seed: track(seed, 75.0) for seed in (41, 42, 43, 44, 45)}
    for seed in (41, 42, 43):
        soundfile.write(music / f"Track {seed} (Original Mix).wav", pieces[seed], SR)
    # in the set: 41, 45 (nobody's), 42 played 6 % faster, then 44 (added to the library later), then 43
    played = [pieces[41], pieces[45], vinyl(pieces[42], 1.06), pieces[44], pieces[43]]
    mix, starts = crossfade(played, seconds=8.0)
    set_path = music / "Live @ Club [2026] <b>.wav"
    soundfile.write(set_path, crowd(mix), SR)

    summary = scan(data, music)
    assert summary["stages"]["identify"]["done"] == 4  # three tracks and the set
    result = tracktion(data, "identify", str(set_path), "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    titles = [Path(t["path"]).name for t in found["tracks"]]
    assert titles == ["Track 41 (Original Mix).wav", "Track 42 (Original Mix).wav", "Track 43 (Original Mix).wav"]
    assert abs(found["tracks"][1]["start_s"] - starts[2]) < 1.0
    assert abs(found["tracks"][1]["tempo_ratio"] - 1.06) < 0.01
    assert any(u["start_s"] <= starts[1] + 10 <= u["end_s"] for u in found["unknown"])  # the unknown track

    sets = tracktion(data, "graph", "sets-with", "Track 42")
    assert sets.returncode == 0, sets.stderr
    assert "Live @ Club [2026] <b>.wav" in sets.stdout  # printed verbatim, markup characters and all
    assert "fingerprint" in sets.stdout
    # the unknown tracks are "ID" rows of the tracklist: 43 did not follow 42, something unknown played between
    after = tracktion(data, "graph", "next-after", "Track 42")
    assert after.returncode == 0, after.stderr
    assert "Track 43" not in after.stdout
    sheet = cuetools.loads((music / "Live @ Club [2026] <b>.cue").read_text(encoding="utf-8"))
    assert [t.title for t in sheet.tracks] == [
        "Track 41 (Original Mix)",
        "ID",
        "Track 42 (Original Mix)",
        "ID",
        "Track 43 (Original Mix)",
    ]
    assert abs(sheet.tracks[2].index01.seconds - starts[2]) < 1.0

    soundfile.write(music / "Track 44 (Original Mix).wav", pieces[44], SR)
    assert scan(data, music)["stages"]["identify"]["done"] == 5
    later = tracktion(data, "graph", "next-after", "Track 42")
    assert "Track 44" in later.stdout  # found in the set by the new track's fingerprint, the set not decoded again
    sheet = cuetools.loads((music / "Live @ Club [2026] <b>.cue").read_text(encoding="utf-8"))
    assert [t.title for t in sheet.tracks][2:] == [
        "Track 42 (Original Mix)",
        "Track 44 (Original Mix)",
        "Track 43 (Original Mix)",
    ]
