"""``tracktion tracklist ...`` and ``tracktion cue`` through typer's CliRunner, the site stood in for on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from tracklist_site import FIXTURES, fixture_page
from typer.testing import CliRunner
from werkzeug import Response

from tracktion.cli import app

TRACKLIST_PATH = "/tracklist/abc123/test-dj-other-dj-fabric-london-2024-03-09.html"
runner = CliRunner()


@pytest.fixture
def env(site: HTTPServer, tmp_path: Path) -> dict[str, str]:
    return {
        "TRACKTION_TRACKLIST_BASE_URL": site.url_for("/").rstrip("/"),
        "TRACKTION_TRACKLIST_REQUEST_INTERVAL": "0",
        "TRACKTION_TRACKLIST_BACKOFF_INITIAL": "0.01",
        "TRACKTION_TRACKLIST_MAX_ATTEMPTS": "2",
        "TRACKTION_DATA_DIR": str(tmp_path / "data"),
        "TRACKTION_TRACKLIST_CUE_DIR": "",
    }


def html(name: str) -> Response:
    return Response(fixture_page(name), content_type="text/html; charset=utf-8")


def audio(tmp_path: Path, name: str = "Test DJ @ Fabric 2024-03-09.mp3") -> Path:
    path = tmp_path / "music" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"ID3")
    return path


def test_parse_json() -> None:
    result = runner.invoke(app, ["tracklist", "parse", str(FIXTURES / "tracklist-small.html"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["title", "url", "date", "djs", "tracks"]
    assert data["djs"] == ["Test DJ", "Other DJ"]
    assert data["date"] == "2024-03-09"
    assert data["tracks"][3] == {
        "position": 4,
        "artist": 'Partner "Q"',
        "title": "Acapella",
        "label": None,
        "start_s": 390.0,
        "mashup_linked": True,
        "identified": True,
    }
    assert data["tracks"][4]["identified"] is False
    assert data["tracks"][-1]["start_s"] is None


def test_parse_real_page(shared_fixtures_dir: Path) -> None:
    page = shared_fixtures_dir / "1001tracklists" / "tracklist-matroda.html"
    result = runner.invoke(app, ["tracklist", "parse", str(page), "--json"])
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["tracks"]) == 28


def test_parse_table() -> None:
    result = runner.invoke(app, ["tracklist", "parse", str(FIXTURES / "tracklist-small.html")])
    assert result.exit_code == 0
    assert "Opening Artist" in result.stdout


@pytest.mark.parametrize(
    ("page", "kind"),
    [("ip-block.html", "captcha"), ("js-challenge.html", "js-challenge"), ("cloudflare-turnstile.html", "cloudflare")],
)
def test_parse_block_pages_exit_3(page: str, kind: str) -> None:
    result = runner.invoke(app, ["tracklist", "parse", str(FIXTURES / page), "--json"])
    assert result.exit_code == 3
    assert result.stdout == ""
    assert f"blocked by the site ({kind})" in result.stderr


def test_parse_real_ip_block_page_exits_3(shared_fixtures_dir: Path) -> None:
    page = shared_fixtures_dir / "1001tracklists" / "ip-block-tracklist.html"
    result = runner.invoke(app, ["tracklist", "parse", str(page)])
    assert result.exit_code == 3
    assert "captcha" in result.stderr


def test_parse_errors_exit_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.html"
    junk.write_text("<p>nothing to see</p>")
    assert runner.invoke(app, ["tracklist", "parse", str(junk)]).exit_code == 2
    assert runner.invoke(app, ["tracklist", "parse", str(tmp_path / "missing.html")]).exit_code == 2


def test_search_json(site: HTTPServer, env: dict[str, str]) -> None:
    site.expect_request("/search/result.php", method="POST").respond_with_response(html("search-results.html"))
    result = runner.invoke(
        app, ["tracklist", "search", "Test DJ & Other DJ @ Fabric London 2024-03-09", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert next(r["url"] for r in rows) == site.url_for(TRACKLIST_PATH)
    assert rows[0]["score"] > rows[1]["score"]
    # the second search is answered from the cache in TRACKTION_DATA_DIR
    again = runner.invoke(
        app, ["tracklist", "search", "Test DJ & Other DJ @ Fabric London 2024-03-09", "--json"], env=env
    )
    assert json.loads(again.stdout) == rows
    assert len(site.log) == 1


def test_search_blocked_exits_3(site: HTTPServer, env: dict[str, str]) -> None:
    site.expect_request("/search/result.php").respond_with_response(html("cloudflare-turnstile.html"))
    result = runner.invoke(app, ["tracklist", "search", "test dj fabric"], env=env)
    assert result.exit_code == 3
    assert "cloudflare" in result.stderr


def test_fetch_writes_the_cue(site: HTTPServer, env: dict[str, str], tmp_path: Path) -> None:
    site.expect_request(TRACKLIST_PATH).respond_with_response(html("tracklist-small.html"))
    recording = audio(tmp_path)
    result = runner.invoke(
        app, ["tracklist", "fetch", site.url_for(TRACKLIST_PATH), "--recording", str(recording), "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["tracks"]) == 7
    cue = recording.with_suffix(".cue")
    assert f"wrote {cue}" in result.stderr.replace("\n", "")
    assert "TITLE \"Base Track w/ Partner 'Q' - Acapella\"" in cue.read_text(encoding="utf-8")


def test_fetch_blocked_and_missing(site: HTTPServer, env: dict[str, str]) -> None:
    site.expect_request("/tracklist/blocked.html").respond_with_response(html("ip-block.html"))
    site.expect_request("/tracklist/gone.html").respond_with_data("gone", status=404)
    blocked = runner.invoke(app, ["tracklist", "fetch", "/tracklist/blocked.html"], env=env)
    assert blocked.exit_code == 3
    assert "captcha" in blocked.stderr
    missing = runner.invoke(app, ["tracklist", "fetch", "/tracklist/gone.html"], env=env)
    assert missing.exit_code == 2
    assert "404" in missing.stderr


def test_fetch_site_down_exits_2(env: dict[str, str]) -> None:
    env = {**env, "TRACKTION_TRACKLIST_BASE_URL": "http://127.0.0.1:9"}
    result = runner.invoke(app, ["tracklist", "fetch", "/tracklist/x.html"], env=env)
    assert result.exit_code == 2
    assert "unreachable" in result.stderr


def test_import_text(tmp_path: Path, env: dict[str, str]) -> None:
    recording = audio(tmp_path, "set.flac")
    listing = tmp_path / "set.txt"
    listing.write_text("[00:00] A - One\n[02:30] B - Two\nno separator here\nC - Untimed\n", encoding="utf-8")
    result = runner.invoke(
        app, ["tracklist", "import", str(listing), "--recording", str(recording), "--title", "My Set"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "line 3" in result.stderr
    cue = recording.with_suffix(".cue").read_text(encoding="utf-8")
    assert 'TITLE "My Set"' in cue
    assert "INDEX 01 02:30:00" in cue
    assert 'REM COMMENT "untimed, not in this sheet: 3. C - Untimed"' in cue
    strict = runner.invoke(app, ["tracklist", "import", str(listing), "-r", str(recording), "--strict"], env=env)
    assert strict.exit_code == 2


def test_import_json_and_errors(tmp_path: Path, env: dict[str, str]) -> None:
    recording = audio(tmp_path, "set.wav")
    listing = tmp_path / "set.json"
    listing.write_text(json.dumps([{"artist": "A", "title": "One", "start_s": 0}]), encoding="utf-8")
    out = tmp_path / "out" / "x.cue"
    out.parent.mkdir()
    result = runner.invoke(app, ["tracklist", "import", str(listing), "-r", str(recording), "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert 'FILE "../music/set.wav" WAVE' in out.read_text(encoding="utf-8")
    listing.write_text("{broken", encoding="utf-8")
    assert runner.invoke(app, ["tracklist", "import", str(listing), "-r", str(recording)], env=env).exit_code == 2
    missing_audio = runner.invoke(app, ["tracklist", "import", str(listing), "-r", str(tmp_path / "nope.mp3")], env=env)
    assert missing_audio.exit_code == 2


def test_cue_from_parse_json_and_from_a_saved_page(tmp_path: Path, env: dict[str, str]) -> None:
    recording = audio(tmp_path)
    parsed = runner.invoke(app, ["tracklist", "parse", str(FIXTURES / "tracklist-small.html"), "--json"])
    saved = tmp_path / "tracklist.json"
    saved.write_text(parsed.stdout, encoding="utf-8")
    out = tmp_path / "from-json.cue"
    result = runner.invoke(app, ["cue", str(recording), "--tracklist", str(saved), "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    from_page = runner.invoke(
        app, ["cue", str(recording), "--tracklist", str(FIXTURES / "tracklist-small.html")], env=env
    )
    assert from_page.exit_code == 0, from_page.output
    page_cue = recording.with_suffix(".cue").read_text(encoding="utf-8")
    json_cue = out.read_text(encoding="utf-8")
    track_lines = [line for line in page_cue.splitlines() if line.startswith("  ")]
    assert track_lines == [line for line in json_cue.splitlines() if line.startswith("  ")]
    blocked = runner.invoke(app, ["cue", str(recording), "--tracklist", str(FIXTURES / "ip-block.html")], env=env)
    assert blocked.exit_code == 3


def test_cue_dir_setting_mirrors_the_library(tmp_path: Path, env: dict[str, str]) -> None:
    recording = audio(tmp_path, "set.mp3")
    env = {
        **env,
        "TRACKTION_TRACKLIST_CUE_DIR": str(tmp_path / "cues"),
        "TRACKTION_TRACKLIST_LIBRARY_ROOT": str(tmp_path),
    }
    result = runner.invoke(app, ["cue", str(recording), "-t", str(FIXTURES / "tracklist-small.html")], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cues" / "music" / "set.cue").is_file()
    assert not recording.with_suffix(".cue").exists()
