"""The web UI in a real browser (Debian's Chromium driven by Playwright) against a real server and catalog.

A person's path: open the library with the token link, filter by a tempo range and a Camelot key, open the set,
see its timeline chart drawn, download its cue sheet, look at the status page. Each page is screenshotted into the
test's temporary directory and checked not to be blank; any JavaScript error or refused resource (the pages load
nothing from elsewhere, and the Content-Security-Policy says so) fails the test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from ports import free_port
from web_catalog import SET_TRACKS, TRACKS, WebCatalog, build_web_catalog, tracktion_env

# Debian's Chromium (.ci/run installs it); GitHub's runners have Google Chrome instead (.github/workflows/ci.yml)
CHROMIUM = os.environ.get("TRACKTION_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "browser-test-token-5c1e77a0d2"

if not Path(CHROMIUM).exists() and os.environ.get("CI", "").lower() in ("", "0", "false", "no"):
    pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium; CI installs it)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> WebCatalog:
    return build_web_catalog(Path(tmp_path_factory.mktemp("browser")))


@pytest.fixture(scope="module")
def server(catalog: WebCatalog) -> Iterator[str]:
    """``python -m tracktion_web`` (the image's entry point) on a free loopback port, with a token."""
    port = free_port()
    env = tracktion_env(catalog.data_dir) | {
        "TRACKTION_UI_HOST": "127.0.0.1",
        "TRACKTION_UI_PORT": str(port),
        "TRACKTION_UI_TOKEN": TOKEN,
        "TRACKTION_LOG_FORMAT": "console",
    }
    log = (catalog.root / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "tracktion_web"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"the UI did not start: {(catalog.root / 'server.log').read_text()[-2000:]}")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    assert TOKEN not in (catalog.root / "server.log").read_text(), "the token must never be logged"


def assert_not_blank(png: Path) -> None:
    """The screenshot has content: many non-white pixels and real contrast (read as grey pixels by ffmpeg)."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg decodes the screenshots (the catalog fixture needs it too)"
    raw = subprocess.run(
        [ffmpeg, "-v", "error", "-i", str(png), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout
    pixels = np.frombuffer(raw, dtype=np.uint8)
    assert pixels.size > 100_000, png
    assert float(pixels.std()) > 20, f"{png.name} looks blank (std {pixels.std():.1f})"
    assert float(np.mean(pixels < 200)) > 0.02, f"{png.name} is almost all white"


def test_filter_open_a_set_see_its_timeline_and_download_its_cue(
    catalog: WebCatalog, server: str, tmp_path: Path
) -> None:
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

            # the token link sets the cookie and lands on the library without the token in the address
            page.goto(f"{server}/?token={TOKEN}")
            assert TOKEN not in page.url
            rows = page.locator("#library tbody tr")
            assert rows.count() == len(TRACKS) + 1
            page.screenshot(path=tmp_path / "library.png", full_page=True)

            page.fill("input[name=bpm_min]", "170")
            page.fill("input[name=bpm_max]", "178")
            page.check("input[name=camelot][value='4A']")
            page.click("#apply")
            page.wait_for_url("**/?*bpm_min=170*")
            filtered = page.locator("#library tbody tr")
            assert filtered.count() >= 1
            for i in range(filtered.count()):
                cells = filtered.nth(i).locator("td")
                assert 170 <= float(cells.nth(2).inner_text()) <= 178
                assert cells.nth(3).inner_text().startswith("4A")
            assert "Kraak" not in page.locator("#library tbody").inner_text()
            # the set's tempo is a low-confidence reading: muted, "~" in front, the details on hover
            unsure = page.locator(f"#library tr[data-recording='{catalog.set_id}'] .bpm.uncertain")
            assert unsure.get_attribute("title") == "low confidence 0.32; alternative 87.0"
            before = unsure.evaluate("e => [getComputedStyle(e, '::before').content, getComputedStyle(e).fontStyle]")
            assert before == ['"~"', "italic"]
            page.screenshot(path=tmp_path / "library-filtered.png", full_page=True)

            page.click("text=Live at Fabric 2026")
            page.wait_for_url(f"**/recordings/{catalog.set_id}")
            chart = page.locator("#timeline")
            chart.locator(".main-svg").first.wait_for(timeout=30_000)
            page.wait_for_selector("#timeline[data-rendered=true]", timeout=30_000)
            assert chart.get_attribute("data-segments") == "60"
            assert chart.get_attribute("data-boundaries") == str(len(SET_TRACKS))
            assert chart.locator("path.trace, g.trace").count() >= 2  # tempo line and key markers drawn
            assert chart.locator(".shapelayer path").count() == len(SET_TRACKS)  # one line per track start
            page.wait_for_selector("#compatible .graph-answer[data-state]", timeout=30_000)
            assert page.locator("#tracklists table.tracks tbody tr").count() == len(SET_TRACKS)
            assert "14:00" in page.locator("#tracklists").inner_text()
            assert page.locator("#analysis-bpm").inner_text() == "174.0 confidence 0.32 · or 87.0"
            assert page.locator("#analysis-key").inner_text().endswith("confidence 0.80")
            page.screenshot(path=tmp_path / "recording.png", full_page=True)

            with page.expect_download() as download_info:
                page.click("a.cue")
            download = download_info.value
            assert download.suggested_filename == "Breakline live at Fabric.cue"
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
            assert catalog.cue_path is not None
            assert saved.read_bytes() == catalog.cue_path.read_bytes()

            track = catalog.ids["Kraak - Nightdrive.flac"]
            page.goto(f"{server}/recordings/{track}")
            page.wait_for_selector("#sets .graph-answer[data-state=ok] li", timeout=30_000)
            assert "Breakline live at Fabric" in page.locator("#sets").inner_text()

            page.goto(f"{server}/status")
            assert page.locator("[data-count=analysed]").inner_text() == str(len(TRACKS) + 1)
            assert "broken.mp3" in page.locator("#failures").inner_text()
            page.screenshot(path=tmp_path / "status.png", full_page=True)
        finally:
            browser.close()

    assert problems == []
    for name in ("library.png", "library-filtered.png", "recording.png", "status.png"):
        assert_not_blank(tmp_path / name)
