"""What events mean: pending files merge their reasons, and each change yields exactly one message."""

from __future__ import annotations

import itertools
import os
from uuid import UUID, uuid4

from tracktion_shared.messages import FileChanged, FileDiscovered
from tracktion_watcher.domain.changes import (
    NOT_UTF8,
    AnnounceDelete,
    AnnounceMove,
    EventRules,
    FsEvent,
    settled_message,
)
from tracktion_watcher.domain.pending import Intent, PendingFiles, Reason, merge
from tracktion_watcher.domain.skips import SkipLog, SkippedPath

ROOT = "/music"


def ids() -> itertools.count[int]:
    return itertools.count(1)


def make_rules(settle: float = 1.0) -> tuple[EventRules, PendingFiles]:
    counter = ids()
    pending = PendingFiles(settle)
    return EventRules(ROOT, pending, new_id=lambda: UUID(int=next(counter))), pending


def test_create_then_many_modifications_is_one_discovery_with_the_final_size() -> None:
    rules, pending = make_rules()
    assert rules.apply(FsEvent("created", "/music/a.mp3"), 0.0) == []
    for i in range(1, 20):
        assert rules.apply(FsEvent("modified", "/music/a.mp3"), i * 0.1) == []
        pending.observe("/music/a.mp3", i * 100, i * 0.1, i * 0.1)
    assert pending.pop_stable(2.8) == []  # last change at 1.9
    [ready] = pending.pop_stable(3.0)
    message = settled_message(ready)
    assert isinstance(message, FileDiscovered)
    assert (message.path, message.size, message.scan_id) == ("/music/a.mp3", 1900, None)
    assert message.correlation_id == UUID(int=1)  # the id given when it first became pending
    assert pending.pop_stable(10.0) == []


def test_modifying_a_known_file_is_a_change() -> None:
    rules, pending = make_rules()
    rules.apply(FsEvent("modified", "/music/a.mp3"), 0.0)
    pending.observe("/music/a.mp3", 5, 1.0, 0.0)
    [ready] = pending.pop_stable(1.0)
    assert isinstance(settled_message(ready), FileChanged)


def test_delete_of_a_pending_discovery_says_nothing_but_a_known_file_is_announced() -> None:
    rules, pending = make_rules()
    rules.apply(FsEvent("created", "/music/new.mp3"), 0.0)
    assert rules.apply(FsEvent("deleted", "/music/new.mp3"), 0.1) == []
    assert len(pending) == 0
    assert rules.apply(FsEvent("deleted", "/music/old.mp3"), 0.2) == [AnnounceDelete("/music/old.mp3", UUID(int=2))]
    rules.apply(FsEvent("modified", "/music/edited.mp3"), 0.3)
    assert rules.apply(FsEvent("deleted", "/music/edited.mp3"), 0.4) == [
        AnnounceDelete("/music/edited.mp3", UUID(int=3))
    ]


def test_renames() -> None:
    rules, pending = make_rules()
    # audio -> audio: a move
    assert rules.apply(FsEvent("moved", "/music/a.mp3", "/music/b.mp3"), 0) == [
        AnnounceMove("/music/a.mp3", "/music/b.mp3", UUID(int=1))
    ]
    # partial download -> audio: a discovery once it settles
    assert rules.apply(FsEvent("moved", "/music/x.part", "/music/x.mp3"), 0) == []
    assert pending.reason("/music/x.mp3") == Reason(Intent.DISCOVERED, UUID(int=2))
    # audio -> not audio, into a hidden directory, or out of the folder: a deletion
    assert rules.apply(FsEvent("moved", "/music/c.mp3", "/music/c.mp3.bak"), 0) == [
        AnnounceDelete("/music/c.mp3", UUID(int=3))
    ]
    assert rules.apply(FsEvent("moved", "/music/d.mp3", "/music/.Trash-0/d.mp3"), 0) == [
        AnnounceDelete("/music/d.mp3", UUID(int=4))
    ]
    assert rules.apply(FsEvent("moved", "/music/e.mp3", "/elsewhere/e.mp3"), 0) == [
        AnnounceDelete("/music/e.mp3", UUID(int=5))
    ]
    # neither side audio: nothing
    assert rules.apply(FsEvent("moved", "/music/a.txt", "/music/b.txt"), 0) == []


def test_renaming_a_pending_file() -> None:
    rules, pending = make_rules()
    rules.apply(FsEvent("created", "/music/new.mp3"), 0.0)
    assert rules.apply(FsEvent("moved", "/music/new.mp3", "/music/renamed.mp3"), 0.1) == []  # follows silently
    assert "/music/renamed.mp3" in pending
    assert "/music/new.mp3" not in pending
    rules.apply(FsEvent("modified", "/music/known.mp3"), 0.2)
    assert rules.apply(FsEvent("moved", "/music/known.mp3", "/music/k2.mp3"), 0.3) == [
        AnnounceMove("/music/known.mp3", "/music/k2.mp3", UUID(int=2))
    ]
    assert pending.reason("/music/k2.mp3") == Reason(Intent.CHANGED, UUID(int=2))


def test_undecodable_names_are_skipped_with_a_reason() -> None:
    rules, pending = make_rules()
    bad = os.fsdecode(b"/music/bad\xff.mp3")
    assert rules.apply(FsEvent("created", bad), 0) == [SkippedPath(bad, NOT_UTF8)]
    assert rules.apply(FsEvent("deleted", bad), 0) == []
    assert len(pending) == 0
    # renamed to an undecodable name: gone for the catalog, and said why
    assert rules.apply(FsEvent("moved", "/music/ok.mp3", bad), 0) == [
        SkippedPath(bad, NOT_UTF8),
        AnnounceDelete("/music/ok.mp3", UUID(int=1)),
    ]
    # renamed back to a good name: a discovery
    assert rules.apply(FsEvent("moved", bad, "/music/fixed.mp3"), 0) == []
    assert "/music/fixed.mp3" in pending


def test_deleted_directory_drops_pending_files_inside_it() -> None:
    rules, pending = make_rules()
    rules.apply(FsEvent("created", "/music/album/new.mp3"), 0)
    rules.apply(FsEvent("modified", "/music/album/known.mp3"), 0)
    rules.apply(FsEvent("created", "/music/albumz/other.mp3"), 0)
    assert rules.apply(FsEvent("deleted", "/music/album", is_dir=True), 0) == [
        AnnounceDelete("/music/album/known.mp3", UUID(int=2))
    ]
    assert pending.paths() == ["/music/albumz/other.mp3"]
    assert rules.apply(FsEvent("moved", "/music/a", "/music/b", is_dir=True), 0) == []


def test_merge_keeps_discovery_first_id_and_newest_scan() -> None:
    first, second, scan = uuid4(), uuid4(), uuid4()
    assert merge(Reason(Intent.CHANGED, first), Reason(Intent.DISCOVERED, second, scan)) == Reason(
        Intent.DISCOVERED, first, scan
    )
    assert merge(Reason(Intent.DISCOVERED, first, scan), Reason(Intent.CHANGED, second)) == Reason(
        Intent.DISCOVERED, first, scan
    )


def test_scan_counts_follow_moves_releases_and_drops() -> None:
    pending = PendingFiles(1.0)
    scan = uuid4()
    pending.add("/music/a.mp3", Reason(Intent.DISCOVERED, uuid4(), scan), 0.0, 1, 1.0)
    pending.add("/music/b.mp3", Reason(Intent.CHANGED, uuid4()), 0.0)
    pending.add("/music/b.mp3", Reason(Intent.DISCOVERED, uuid4(), scan), 0.0, 1, 1.0)  # the scan adopts it
    assert pending.count_for_scan(scan) == 2
    pending.move("/music/a.mp3", "/music/c.mp3")
    assert pending.count_for_scan(scan) == 2
    [ready_b, ready_c] = sorted(pending.pop_stable(1.0), key=lambda r: r.file.path)
    assert settled_message(ready_c).scan_id == scan
    assert isinstance(settled_message(ready_b), FileDiscovered)
    assert pending.count_for_scan(scan) == 0
    pending.add("/music/d.mp3", Reason(Intent.DISCOVERED, uuid4(), scan), 2.0)
    assert pending.release_scan(scan) == ["/music/d.mp3"]
    assert pending.count_for_scan(scan) == 0
    assert pending.reason("/music/d.mp3") is not None
    pending.add("/music/e.mp3", Reason(Intent.DISCOVERED, uuid4(), scan), 2.0)
    assert pending.drop_scan(scan) == ["/music/e.mp3"]
    assert "/music/e.mp3" not in pending


def test_skip_log_is_bounded_and_says_each_skip_once() -> None:
    log = SkipLog(limit=2)
    assert log.add(SkippedPath("/a", "x"))
    assert not log.add(SkippedPath("/a", "x"))
    assert log.add(SkippedPath("/b", "x"))
    assert log.add(SkippedPath("/c", "x"))
    assert [s.path for s in log.items()] == ["/b", "/c"]
    assert log.total == 3
    assert str(SkippedPath(os.fsdecode(b"/bad\xff"), "why")) == "/bad\\xff: why"


def test_a_rename_over_a_settling_path_replaces_it() -> None:
    rules, pending = make_rules()
    rules.apply(FsEvent("created", "/music/b.mp3"), 0)  # e.g. watchdog's simulated creation racing the move
    assert rules.apply(FsEvent("moved", "/music/a.mp3", "/music/b.mp3"), 0) == [
        AnnounceMove("/music/a.mp3", "/music/b.mp3", UUID(int=2))
    ]
    assert len(pending) == 0
