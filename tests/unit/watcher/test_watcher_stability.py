"""The settle rules, with a hand-driven clock: nothing is reported while it changes, everything exactly once."""

from __future__ import annotations

import pytest

from tracktion_watcher.domain.stability import StabilityTracker, StableFile, settled_by_age


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def test_a_growing_file_is_never_stable() -> None:
    clock = FakeClock()
    tracker = StabilityTracker(settle_seconds=2.0)
    for size in range(0, 10_000, 1_000):  # a copy writing 1 kB every 0.5 s for 5 s
        tracker.observe("/m/a.mp3", size, clock.now, clock.now)
        assert tracker.pop_stable(clock.now) == []
        clock.advance(0.5)
    assert "/m/a.mp3" in tracker


def test_a_file_is_stable_once_unchanged_for_the_settle_time() -> None:
    clock = FakeClock()
    tracker = StabilityTracker(settle_seconds=2.0)
    tracker.observe("/m/a.mp3", 100, 5.0, clock.now)
    clock.advance(1.0)
    tracker.observe("/m/a.mp3", 100, 5.0, clock.now)  # the same values do not restart the clock
    assert tracker.pop_stable(clock.advance(0.9)) == []
    assert tracker.pop_stable(clock.advance(0.1)) == [StableFile("/m/a.mp3", 100, 5.0)]
    assert len(tracker) == 0


def test_a_changed_mtime_alone_restarts_the_clock() -> None:
    clock = FakeClock()
    tracker = StabilityTracker(settle_seconds=1.0)
    tracker.observe("/m/a.mp3", 100, 5.0, clock.now)
    tracker.observe("/m/a.mp3", 100, 6.0, clock.advance(0.9))  # rewritten in place, same size
    assert tracker.pop_stable(clock.advance(0.5)) == []
    assert tracker.pop_stable(clock.advance(0.5)) == [StableFile("/m/a.mp3", 100, 6.0)]


def test_one_burst_of_changes_gives_one_stable_file_with_the_final_values() -> None:
    clock = FakeClock()
    tracker = StabilityTracker(settle_seconds=0.5)
    reported: list[StableFile] = []
    size, mtime = 0, 0.0
    for _ in range(50):  # 50 modification events in 1 s
        size, mtime = size + 10, clock.now
        tracker.observe("/m/a.mp3", size, mtime, clock.now)
        reported += tracker.pop_stable(clock.now)
        clock.advance(0.02)
    for _ in range(20):  # then quiet for 2 s, the settle loop looking every 0.1 s
        if "/m/a.mp3" in tracker:
            tracker.observe("/m/a.mp3", size, mtime, clock.now)
        reported += tracker.pop_stable(clock.now)
        clock.advance(0.1)
    assert reported == [StableFile("/m/a.mp3", 500, mtime)]


def test_touch_restarts_the_clock_and_an_unstatted_path_never_settles() -> None:
    clock = FakeClock()
    tracker = StabilityTracker(settle_seconds=1.0)
    tracker.touch("/m/new.mp3", clock.now)
    assert tracker.pop_stable(clock.advance(10)) == []  # never stat'ed: nothing to report yet
    tracker.observe("/m/new.mp3", 7, 1.0, clock.now)
    tracker.touch("/m/new.mp3", clock.advance(0.8))  # an event: it changed again
    assert tracker.pop_stable(clock.advance(0.8)) == []
    assert tracker.pop_stable(clock.advance(0.2)) == [StableFile("/m/new.mp3", 7, 1.0)]


def test_rename_carries_state_and_forget_drops_it() -> None:
    tracker = StabilityTracker(settle_seconds=1.0)
    tracker.observe("/m/a.mp3", 1, 1.0, 0.0)
    assert tracker.rename("/m/a.mp3", "/m/b.mp3")
    assert not tracker.rename("/m/a.mp3", "/m/c.mp3")
    assert tracker.is_stable("/m/b.mp3", 1.0)
    assert tracker.forget("/m/b.mp3")
    assert not tracker.forget("/m/b.mp3")
    assert tracker.pop_stable(5.0) == []


def test_zero_settle_time_reports_at_the_first_look() -> None:
    tracker = StabilityTracker(settle_seconds=0)
    tracker.observe("/m/a.mp3", 1, 1.0, 3.0)
    assert tracker.pop_stable(3.0) == [StableFile("/m/a.mp3", 1, 1.0)]


def test_negative_settle_time_is_refused() -> None:
    with pytest.raises(ValueError, match="settle_seconds"):
        StabilityTracker(settle_seconds=-1)


def test_settled_by_age() -> None:
    assert settled_by_age(mtime=100.0, wall_now=103.0, settle_seconds=2.0)
    assert not settled_by_age(mtime=102.0, wall_now=103.0, settle_seconds=2.0)
    assert not settled_by_age(mtime=110.0, wall_now=103.0, settle_seconds=0.0)  # from the future: wait
