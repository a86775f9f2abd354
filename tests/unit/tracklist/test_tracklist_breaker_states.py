"""The per-host circuit breaker on its own: states, the doubling cool-down, one trial at a time, one warning."""

from __future__ import annotations

import logging

import pytest

from tracktion_tracklist.adapters.breaker import HostBreaker

HOST = "www.1001tracklists.com"


def test_closed_open_half_open_closed() -> None:
    now = [0.0]
    breaker = HostBreaker(clock=lambda: now[0])
    assert (breaker.state(HOST), breaker.before(HOST)) == ("closed", 0.0)
    assert breaker.failed(HOST, "ConnectError", initial=300, maximum=3600) == 300
    assert breaker.state(HOST) == "open"
    assert breaker.before(HOST) == 300
    assert breaker.before("other.example") == 0.0  # per host
    now[0] = 300
    assert breaker.before(HOST) == 0.0  # the trial
    assert breaker.state(HOST) == "half-open"
    assert breaker.before(HOST) >= 1  # while it is under way, nobody else asks
    breaker.succeeded(HOST)
    assert (breaker.state(HOST), breaker.before(HOST)) == ("closed", 0.0)
    assert breaker.failed(HOST, "again", initial=300, maximum=3600) == 300  # a new outage starts from the beginning


def test_failed_trials_double_the_cool_down_up_to_the_maximum() -> None:
    now = [0.0]
    breaker = HostBreaker(clock=lambda: now[0])
    cooldowns = []
    for _ in range(6):
        assert breaker.before(HOST) == 0.0
        cooldowns.append(breaker.failed(HOST, "down", initial=300, maximum=3600))
        now[0] += cooldowns[-1]
    assert cooldowns == [300, 600, 1200, 2400, 3600, 3600]


def test_a_released_trial_lets_the_next_caller_try() -> None:
    now = [0.0]
    breaker = HostBreaker(clock=lambda: now[0])
    breaker.failed(HOST, "down", initial=10, maximum=10)
    now[0] = 10
    assert breaker.before(HOST) == 0.0
    breaker.release(HOST)  # cancelled: it said nothing about the host
    assert breaker.before(HOST) == 0.0


def test_an_outage_is_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    breaker = HostBreaker(clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="tracktion.tracklist.breaker")
    for _ in range(3):
        breaker.before(HOST)
        now[0] += breaker.failed(HOST, "ConnectError", initial=5, maximum=60)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(":")[0] for r in warnings] == [f"{HOST} unreachable"]
    assert "look-ups deferred until" in warnings[0].getMessage()
    assert breaker.why(HOST) == ("ConnectError", False)


@pytest.mark.parametrize("blocked", [True, False])
def test_the_retry_time_is_the_end_of_the_cool_down(blocked: bool) -> None:
    breaker = HostBreaker(clock=lambda: 0.0)
    before = breaker.retry_at(HOST)
    breaker.failed(HOST, "captcha", initial=900, maximum=3600, blocked=blocked)
    assert (breaker.retry_at(HOST) - before).total_seconds() == pytest.approx(900, abs=2)
    assert breaker.why(HOST) == ("captcha", blocked)
