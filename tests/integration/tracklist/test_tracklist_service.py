"""The tracklist consumer end to end: the real InProcessBus and MemoryCache, a local stand-in for the site.

A ``RecordingCataloged`` for a long recording goes in; a ``TracklistFound`` (with a cue sheet on disk) or a
``TracklistNotFound`` comes out, and a block page into a blocked look-up with a time to try again, after which the
site is not asked until the cool-down has passed (tests/integration/tracklist/test_tracklist_breaker.py: offline).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from tracklist_site import fixture_page
from werkzeug import Response

from tracktion_shared.bus import InProcessBus, RetryPolicy
from tracktion_shared.cache import MemoryCache
from tracktion_shared.config import Settings
from tracktion_shared.messages import Message, RecordingCataloged, TracklistFound, TracklistNotFound
from tracktion_tracklist import TracklistSettings, register, service
from tracktion_tracklist.jobs.lookup import TracklistLookup

TRACKLIST_PATH = "/tracklist/abc123/test-dj-other-dj-fabric-london-2024-03-09.html"
SET_NAME = "Test DJ & Other DJ @ Fabric London 2024-03-09 [4hr set].mp3"


class Recorder:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle(self, message: Message) -> None:
        self.messages.append(message)

    def of(self, kind: type[Message]) -> list[Message]:
        return [m for m in self.messages if isinstance(m, kind)]


def html(name: str) -> Response:
    return Response(fixture_page(name), content_type="text/html; charset=utf-8")


def recording(path: Path, duration: float | None = 4 * 3600.0, **tags: str) -> RecordingCataloged:
    return RecordingCataloged(
        recording_id=uuid.uuid4(),
        path=str(path),
        sha256="a" * 64,
        xxh128="b" * 32,
        duration_seconds=duration,
        tags=tags,
    )


def audio(tmp_path: Path, name: str = SET_NAME) -> Path:
    folder = tmp_path / "library" / "2024"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"ID3")
    return path


@contextlib.asynccontextmanager
async def running(
    settings: TracklistSettings, cache: MemoryCache | None = None
) -> AsyncIterator[tuple[InProcessBus, Recorder]]:
    bus = InProcessBus(RetryPolicy(max_retries=2, base_delay=0.02), close_timeout=5)
    recorder = Recorder()
    register(bus, cache if cache is not None else MemoryCache(), Settings(), tracklist_settings=settings)
    bus.subscribe("recorder", [TracklistFound, TracklistNotFound], recorder.handle)
    await bus.start()
    try:
        yield bus, recorder
    finally:
        await bus.close()


async def settle(bus: InProcessBus) -> None:
    await asyncio.wait_for(bus.wait_idle(), 10)


def serve_set(site: HTTPServer, results: str = "search-results.html") -> None:
    site.expect_request("/search/result.php", method="POST").respond_with_response(html(results))
    site.expect_request(TRACKLIST_PATH).respond_with_response(html("tracklist-small.html"))


async def test_found_publishes_the_tracklist_and_writes_the_cue(
    site: HTTPServer, site_settings: TracklistSettings, tmp_path: Path
) -> None:
    serve_set(site)
    path = audio(tmp_path)
    message = recording(path)
    async with running(site_settings) as (bus, recorder):
        await bus.publish(message)
        await settle(bus)
    [found] = recorder.of(TracklistFound)
    assert isinstance(found, TracklistFound)
    assert found.recording_id == message.recording_id
    assert found.correlation_id == message.correlation_id
    assert found.source == "1001tracklists"
    assert found.url == "https://www.1001tracklists.com" + TRACKLIST_PATH  # the page's canonical URL
    assert found.title == "Test DJ & Other DJ @ Fabric London, United Kingdom 2024-03-09"
    assert [(t.position, t.artist, t.start_seconds, t.mashup, t.unidentified) for t in found.tracks][2:5] == [
        (3, "Mash Artist", 390.0, False, False),
        (4, 'Partner "Q"', 390.0, True, False),
        (5, "ID", 600.0, False, True),
    ]
    assert found.tracks[-1].start_seconds is None
    assert found.cue_file_path == str(path.with_suffix(".cue"))
    cue = path.with_suffix(".cue").read_text(encoding="utf-8")
    assert f'FILE "{path.name}" MP3' in cue
    assert "INDEX 01 10:00:00" in cue
    assert recorder.of(TracklistNotFound) == []
    searched = [req for req, _ in site.log if req.path == "/search/result.php"]
    assert [req.form["main_search"] for req in searched] == ["test dj other dj fabric london"]


async def test_second_lookup_is_served_from_the_cache(
    site: HTTPServer, site_settings: TracklistSettings, tmp_path: Path
) -> None:
    serve_set(site)
    path = audio(tmp_path)
    cache = MemoryCache()
    async with running(site_settings, cache) as (bus, recorder):
        await bus.publish(recording(path))
        await settle(bus)
        requests = len(site.log)
        await bus.publish(recording(path))
        await settle(bus)
    assert len(recorder.of(TracklistFound)) == 2
    assert len(site.log) == requests == 2


async def test_cue_goes_to_the_mirrored_cue_dir(
    site: HTTPServer, site_settings: TracklistSettings, tmp_path: Path
) -> None:
    serve_set(site)
    path = audio(tmp_path)
    settings = site_settings.model_copy(update={"cue_dir": tmp_path / "cues", "library_root": tmp_path / "library"})
    async with running(settings) as (bus, recorder):
        await bus.publish(recording(path))
        await settle(bus)
    [found] = recorder.of(TracklistFound)
    assert isinstance(found, TracklistFound)
    expected = tmp_path / "cues" / "2024" / path.with_suffix(".cue").name
    assert found.cue_file_path == str(expected)
    assert expected.is_file()
    assert not path.with_suffix(".cue").exists()


async def test_unwritable_cue_still_publishes_the_tracklist(
    site: HTTPServer, site_settings: TracklistSettings, tmp_path: Path
) -> None:
    serve_set(site)
    missing = tmp_path / "not-mounted" / SET_NAME
    async with running(site_settings) as (bus, recorder):
        await bus.publish(recording(missing))
        await settle(bus)
    [found] = recorder.of(TracklistFound)
    assert isinstance(found, TracklistFound)
    assert found.cue_file_path is None
    assert len(found.tracks) == 7


@pytest.mark.parametrize(("duration", "enabled"), [(300.0, True), (1200.0, True), (None, True), (7200.0, False)])
async def test_short_unknown_or_disabled_recordings_are_not_looked_up(
    site: HTTPServer, site_settings: TracklistSettings, tmp_path: Path, duration: float | None, enabled: bool
) -> None:
    serve_set(site)
    settings = site_settings.model_copy(update={"enabled": enabled})
    async with running(settings) as (bus, recorder):
        await bus.publish(recording(audio(tmp_path), duration))
        await settle(bus)
    assert recorder.messages == []
    assert site.log == []


async def test_a_rerequest_is_looked_up_only_when_it_asks_for_the_tracklist(
    site: HTTPServer, site_settings: TracklistSettings, tmp_path: Path
) -> None:
    """The catalog asks again per stage (``redo``): an analysis re-request must not cost the site a look-up."""
    serve_set(site)
    path = audio(tmp_path)
    analysis_only = recording(path).model_copy(update={"content_changed": False, "redo": ["analysis"]})
    tracklist_again = recording(path).model_copy(update={"content_changed": False, "redo": ["tracklist"]})
    async with running(site_settings) as (bus, recorder):
        await bus.publish(analysis_only)
        await settle(bus)
        assert recorder.messages == []
        assert site.log == []
        await bus.publish(tracklist_again)
        await settle(bus)
    [found] = recorder.of(TracklistFound)
    assert found.recording_id == tracklist_again.recording_id


async def test_no_result_is_not_found(site: HTTPServer, site_settings: TracklistSettings, tmp_path: Path) -> None:
    serve_set(site, "search-empty.html")
    message = recording(audio(tmp_path))
    async with running(site_settings) as (bus, recorder):
        await bus.publish(message)
        await settle(bus)
    [missing] = recorder.of(TracklistNotFound)
    assert isinstance(missing, TracklistNotFound)
    assert missing.recording_id == message.recording_id
    assert not missing.blocked
    assert "no search results" in missing.reason
    searched = [req.form["main_search"] for req, _ in site.log]
    assert searched == ["test dj other dj fabric london", "test dj other dj"]  # then the DJ alone


async def test_results_that_do_not_match_are_not_found(
    site: HTTPServer, site_settings: TracklistSettings, tmp_path: Path
) -> None:
    serve_set(site)
    path = audio(tmp_path, "Somebody Else @ Awakenings 2019-06-29.mp3")
    async with running(site_settings) as (bus, recorder):
        await bus.publish(recording(path))
        await settle(bus)
    [missing] = recorder.of(TracklistNotFound)
    assert isinstance(missing, TracklistNotFound)
    assert "closest" in missing.reason
    assert all(req.path == "/search/result.php" for req, _ in site.log)  # no tracklist page fetched


async def test_a_name_without_words_is_not_found_without_asking(
    site: HTTPServer, site_settings: TracklistSettings, tmp_path: Path
) -> None:
    async with running(site_settings) as (bus, recorder):
        await bus.publish(recording(audio(tmp_path, "01.mp3")))
        await settle(bus)
    [missing] = recorder.of(TracklistNotFound)
    assert isinstance(missing, TracklistNotFound)
    assert "no DJ or event name" in missing.reason
    assert site.log == []


async def test_a_block_is_reported_as_blocked_with_a_retry_time_and_acknowledged(
    site: HTTPServer, site_settings: TracklistSettings, tmp_path: Path
) -> None:
    site.expect_request("/search/result.php").respond_with_response(html("ip-block.html"))
    async with running(site_settings) as (bus, recorder):
        before = datetime.now(UTC)
        await bus.publish(recording(audio(tmp_path)))
        await settle(bus)
        assert await bus.dead_letters("tracklist") == []  # deferred, not retried into the ground nor lost
    [blocked] = recorder.of(TracklistNotFound)
    assert isinstance(blocked, TracklistNotFound)
    assert (blocked.blocked, blocked.unreachable) == (True, False)
    assert "captcha" in blocked.reason
    assert blocked.retry_after is not None
    assert before + timedelta(seconds=29) <= blocked.retry_after <= datetime.now(UTC) + timedelta(seconds=31)
    assert recorder.of(TracklistFound) == []
    assert len(site.log) == 1  # the block page never taken for "no results"


async def test_blocked_lookups_do_not_ask_the_site_until_the_cool_down_then_recover(
    site: HTTPServer, site_settings: TracklistSettings, tmp_path: Path
) -> None:
    site.expect_ordered_request("/search/result.php").respond_with_response(html("js-challenge.html"))
    site.expect_ordered_request("/search/result.php").respond_with_response(html("cloudflare-turnstile.html"))
    site.expect_ordered_request("/search/result.php").respond_with_response(html("search-results.html"))
    site.expect_ordered_request(TRACKLIST_PATH).respond_with_response(html("tracklist-small.html"))
    now = [1000.0]
    bus = InProcessBus()
    recorder = Recorder()
    bus.subscribe("recorder", [TracklistFound, TracklistNotFound], recorder.handle)
    await bus.start()
    try:
        job = TracklistLookup(bus, MemoryCache(), site_settings, clock=lambda: now[0])
        await job.handle(recording(audio(tmp_path)))  # block: open for block_delay (30 s)
        for _ in range(3):
            now[0] += 9
            await job.handle(recording(audio(tmp_path)))  # still open: deferred without a request
        assert len(site.log) == 1
        now[0] += 4  # 31 s after the block: one trial, blocked again, open for twice as long
        await job.handle(recording(audio(tmp_path)))
        assert len(site.log) == 2
        now[0] += 59
        await job.handle(recording(audio(tmp_path)))
        assert len(site.log) == 2
        now[0] += 2
        await job.handle(recording(audio(tmp_path)))  # the trial is answered: closed, the look-up done
        assert job.breaker.state(job.host) == "closed"
        await asyncio.wait_for(bus.wait_idle(), 5)
    finally:
        await bus.close()
    assert len(site.log) == 4
    kinds = [(type(m).__name__, getattr(m, "blocked", None)) for m in recorder.messages]
    assert kinds == [("TracklistNotFound", True)] * 6 + [("TracklistFound", None)]
    waits = [m.retry_after for m in recorder.messages if isinstance(m, TracklistNotFound)]
    assert all(w is not None for w in waits)


def test_entry_point_names_main() -> None:
    [ep] = entry_points(group="tracktion.services", name="tracklist")
    assert ep.load() is service.main


async def test_main_runs_until_cancelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKTION_TRACKLIST_BASE_URL", "http://127.0.0.1:9")
    task = asyncio.create_task(service.main(Settings(data_dir=tmp_path)))
    await asyncio.sleep(0.3)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
