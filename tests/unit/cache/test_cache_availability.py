"""The outage log: one warning at once, at most one per interval while it lasts, one INFO when it is over."""

from __future__ import annotations

import logging

import pytest

from tracktion_shared.cache._common import Availability, check_ttl, describe, validate_namespace


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def is_down(health: Availability) -> bool:
    return health.down  # a call: mypy would otherwise keep the property narrowed from one assert to the next


def messages(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "tracktion.cache"]


def test_an_outage_logs_one_warning_per_interval_and_one_info_at_the_end(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="tracktion.cache")
    clock = FakeClock()
    health = Availability("Redis redis://h/0", warn_interval=30, clock=clock)
    health.success()  # working all along: nothing to say
    assert messages(caplog) == []

    health.failure("get", ConnectionError("refused"))
    assert is_down(health)
    for _ in range(100):
        clock.now += 0.2
        health.failure("set", ConnectionError("refused"))
        health.miss()
    assert len(messages(caplog)) == 1  # 20 s of failures: still the first warning only
    clock.now = 30
    health.failure("get", ConnectionError("refused"))
    clock.now = 31
    health.failure("get", ConnectionError("refused"))
    clock.now = 42.5
    health.success()
    health.success()

    [first, again, back] = messages(caplog)
    assert first == (
        logging.WARNING,
        "cache Redis redis://h/0 unavailable (get failed: ConnectionError: refused); "
        "answering misses until it works again",
    )
    assert again[0] == logging.WARNING
    assert "still unavailable after 30 s, 202 calls answered as misses" in again[1]
    assert back == (
        logging.INFO,
        "cache Redis redis://h/0 works again after 42.5 s unavailable (203 calls answered as misses)",
    )
    assert not is_down(health)

    caplog.clear()
    health.failure("get", ConnectionError("refused"))  # a new outage warns at once again, counting from zero
    clock.now += 1
    health.success()
    assert [level for level, _ in messages(caplog)] == [logging.WARNING, logging.INFO]
    assert "(1 calls answered as misses)" in messages(caplog)[1][1]


def test_error_texts_lose_their_passwords_and_their_length() -> None:
    assert (
        describe(ConnectionError("cannot reach redis://u:pw@h:6379"))
        == "ConnectionError: cannot reach redis://u:***@h:6379"
    )
    assert describe(TimeoutError()) == "TimeoutError"
    long = describe(ValueError("x" * 5000))
    assert len(long) == 300
    assert long.endswith("...")


def test_ttl_and_namespace_rules() -> None:
    assert check_ttl(None) is None
    assert check_ttl(float("inf")) is None
    assert check_ttl(1.5) == 1.5
    assert check_ttl(-1) == -1
    with pytest.raises(ValueError, match="NaN"):
        check_ttl(float("nan"))
    assert validate_namespace("tracktion.analysis-v2_test") == "tracktion.analysis-v2_test"
    for bad in ("", "has space", "glob*", "a:b", "x" * 101):
        with pytest.raises(ValueError, match="namespace"):
            validate_namespace(bad)
