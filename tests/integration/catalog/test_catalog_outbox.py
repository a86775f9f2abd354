"""RecordingCataloged goes through the outbox: stored with the work, published after commit, once per news.

News is a new recording or changed content; a copy, a rename, an unchanged rescan or a redelivery is not news.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from catalog_harness import Catalog, write_wav

from tracktion_shared.messages import FileMoved
from tracktion_shared.storage import Database


async def _story(catalog: Catalog, music: Path) -> list[str]:
    """New files, a copy, a rename, a rescan, a redelivery and an edit; returns the paths that were news, in order."""
    a = write_wav(music / "a.wav", frequency=300)
    b = write_wav(music / "b.wav", frequency=400)
    first_scan = [catalog.event(path, scan_id=uuid.uuid4()) for path in (a, b)]
    await catalog.send(*first_scan)  # news: a, b
    copy = music / "a copy.wav"
    shutil.copy(a, copy)
    await catalog.discover(copy)  # a copy: not news
    renamed = music / "b renamed.wav"
    b.rename(renamed)
    await catalog.send(FileMoved(old_path=str(b), path=str(renamed)))  # a rename: not news
    await catalog.discover(a, copy, renamed, scan_id=uuid.uuid4())  # unchanged rescan: not news
    await catalog.send(*first_scan)  # redelivered: not news
    write_wav(a, frequency=500)
    os.utime(a, (1_700_000_000, 1_700_000_000))
    await catalog.change(a)  # edited: news
    return [str(a), str(b), str(a)]


async def test_each_piece_of_news_is_announced_once(catalog: Catalog, music: Path) -> None:
    news = await _story(catalog, music)
    assert sorted(message.path for message in catalog.announced[:2]) == sorted(news[:2])
    assert [message.path for message in catalog.announced[2:]] == news[2:]
    assert [message.content_changed for message in catalog.announced] == [True, True, True]
    assert await catalog.db.run(lambda uow: uow.outbox.count()) == 0  # everything published, nothing left


async def test_announcements_are_delivered_exactly_once_one_handler_at_a_time(database: Database, music: Path) -> None:
    """With one handler at a time nothing races the relay, so at-least-once is exactly once."""
    catalog = Catalog(database, music, prefetch=1)
    async with catalog.bus:
        news = await _story(catalog, music)
        assert [message.path for message in catalog.deliveries] == news
        assert len(catalog.deliveries) == len(catalog.announced)


async def test_announcements_are_delivered_exactly_once_with_concurrent_handlers(catalog: Catalog, music: Path) -> None:
    """Eight handlers at once, each flushing the relay after its commit: still one delivery per announcement.

    (On SQLite this needs transactions that take the write lock up front: a relay flush that read the outbox and
    then lost the lock to another commit would be run again by Database.run and publish its batch twice.)
    """
    news = await _story(catalog, music)
    assert len(catalog.deliveries) == len(news)
