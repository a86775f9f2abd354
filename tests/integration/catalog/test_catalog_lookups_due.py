"""A deferred tracklist look-up is a state the catalog keeps, and a later scan asks for it again once it is due.

The tracklist service reports a look-up it could not make (the site offline or blocking) as ``TracklistNotFound``
with ``unreachable``/``blocked`` and ``retry_after``; the catalog stores it as ``deferred``/``blocked``, distinct
from ``not_found``, and re-announces the recording (``content_changed=False``) when a rescan confirms its unchanged
file after the retry time -- once, not on every scan while the answer is on its way (SQLite and PostgreSQL).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from catalog_harness import Catalog, write_wav

from tracktion_catalog.domain.results import lookup_due
from tracktion_shared.messages import TracklistFound, TracklistNotFound, TracklistTrack

PAST = datetime(2020, 1, 1, tzinfo=UTC)


async def cataloged(catalog: Catalog, music: Path) -> tuple[Path, uuid.UUID]:
    path = write_wav(music / "set.wav", tags={"artist": "Test DJ", "title": "Fabric London"})
    await catalog.send(catalog.page(path, scan_id=uuid.uuid4()))
    return path, (await catalog.recording(path)).id


def rerequests(catalog: Catalog) -> list[uuid.UUID]:
    return [m.recording_id for m in catalog.announced if not m.content_changed]


async def test_unreachable_is_stored_as_deferred_with_its_retry_time(catalog: Catalog, music: Path) -> None:
    _, recording_id = await cataloged(catalog, music)
    retry_after = datetime.now(UTC) + timedelta(minutes=5)
    await catalog.send(
        TracklistNotFound(recording_id=recording_id, reason="offline", unreachable=True, retry_after=retry_after)
    )
    metadata = (await catalog.recording(recording_id)).metadata
    assert metadata["tracklist_status"] == "deferred"
    assert metadata["tracklist_reason"] == "offline"
    assert datetime.fromisoformat(metadata["tracklist_retry_after"]) == retry_after.replace(microsecond=0)

    track = TracklistTrack(position=1, artist="A", title="T")
    await catalog.send(TracklistFound(recording_id=recording_id, source="1001tracklists", tracks=[track]))
    metadata = (await catalog.recording(recording_id)).metadata
    assert metadata["tracklist_status"] == "found"
    assert "tracklist_retry_after" not in metadata  # no stale retry time outlives the answer


async def test_a_rescan_asks_again_for_a_due_lookup_once(catalog: Catalog, music: Path) -> None:
    path, recording_id = await cataloged(catalog, music)
    await catalog.send(
        TracklistNotFound(recording_id=recording_id, reason="offline", unreachable=True, retry_after=PAST)
    )
    assert rerequests(catalog) == []

    await catalog.send(catalog.page(path, scan_id=uuid.uuid4()))
    assert rerequests(catalog) == [recording_id]
    [again] = [m for m in catalog.announced if not m.content_changed]
    first = catalog.announced[0]
    assert (again.path, again.sha256, again.xxh128, again.duration_seconds) == (
        first.path,
        first.sha256,
        first.xxh128,
        first.duration_seconds,
    )
    assert again.tags == first.tags
    assert len(catalog.reads) == 1  # the file itself was not read again

    await catalog.send(catalog.page(path, scan_id=uuid.uuid4()))  # the answer is still on its way
    assert rerequests(catalog) == [recording_id]
    assert (await catalog.recording(recording_id)).metadata["tracklist_status"] == "deferred"


async def test_an_unchanged_file_event_asks_again_too(catalog: Catalog, music: Path) -> None:
    path, recording_id = await cataloged(catalog, music)
    await catalog.send(TracklistNotFound(recording_id=recording_id, reason="captcha", blocked=True))  # old: no time
    assert (await catalog.recording(recording_id)).metadata["tracklist_status"] == "blocked"
    await catalog.discover(path)
    assert rerequests(catalog) == [recording_id]


async def test_not_yet_due_not_found_and_found_are_left_alone(catalog: Catalog, music: Path) -> None:
    paths = [write_wav(music / f"s{n}.wav", frequency=500 + 40 * n) for n in range(3)]
    await catalog.send(catalog.page(*paths, scan_id=uuid.uuid4()))
    later, missing, found = [(await catalog.recording(p)).id for p in paths]
    soon = datetime.now(UTC) + timedelta(hours=1)
    await catalog.send(
        TracklistNotFound(recording_id=later, reason="offline", unreachable=True, retry_after=soon),
        TracklistNotFound(recording_id=missing, reason="no search results"),
        TracklistFound(recording_id=found, source="manual", tracks=[TracklistTrack(position=1, artist="A", title="T")]),
    )
    await catalog.send(catalog.page(*paths, scan_id=uuid.uuid4()))
    assert rerequests(catalog) == []
    assert (await catalog.recording(missing)).metadata["tracklist_status"] == "not_found"


def test_lookup_due() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert lookup_due("deferred", "2026-01-01T11:59:59+00:00", now)
    assert not lookup_due("deferred", "2026-01-01T12:00:01+00:00", now)
    assert lookup_due("blocked", None, now)
    assert lookup_due("blocked", "garbage", now)
    assert not lookup_due("not_found", None, now)
    assert not lookup_due(None, None, now)
