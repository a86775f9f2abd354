"""The autoscaler's decisions: KEDA semantics, checked on examples and exhaustively with hypothesis."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tracktion_operator.autoscale import desired_replicas, target
from tracktion_operator.model import Autoscaling

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def spec(**kw: int) -> Autoscaling:
    base = {
        "minReplicas": 0,
        "maxReplicas": 4,
        "messagesPerReplica": 10,
        "activationMessages": 5,
        "cooldownPeriod": 300,
    }
    return Autoscaling.model_validate({**base, **kw})


def test_depth_maps_to_ceil_clamped() -> None:
    s = spec()
    assert [target(n, s) for n in (0, 1, 10, 11, 30, 31, 1000)] == [0, 1, 1, 2, 3, 4, 4]


def test_activation_from_zero_only_above_threshold() -> None:
    s = spec(activationMessages=5)
    assert desired_replicas(5, 0, s, None, NOW).replicas == 0
    assert desired_replicas(6, 0, s, None, NOW).replicas == 1
    assert desired_replicas(35, 0, s, None, NOW).replicas == 4


def test_scale_up_is_immediate_scale_down_waits_for_cooldown() -> None:
    s = spec(cooldownPeriod=300)
    just_now = NOW - timedelta(seconds=10)
    assert desired_replicas(40, 1, s, just_now, NOW).replicas == 4
    held = desired_replicas(0, 3, s, just_now, NOW)
    assert held.replicas == 3
    assert "cooling" in held.reason
    assert desired_replicas(0, 3, s, NOW - timedelta(seconds=300), NOW).replicas == 0
    assert desired_replicas(12, 3, s, NOW - timedelta(seconds=301), NOW).replicas == 2


def test_bounds_changed_under_a_running_count_are_applied_at_once() -> None:
    assert desired_replicas(0, 9, spec(maxReplicas=4), NOW, NOW).replicas == 4
    assert desired_replicas(0, 0, spec(minReplicas=2), NOW, NOW).replicas == 2


def test_min_above_zero_ignores_activation() -> None:
    s = spec(minReplicas=1, activationMessages=100)
    assert desired_replicas(25, 1, s, None, NOW).replicas == 3


autoscaling = st.builds(
    lambda lo, span, per, act, cool: spec(
        minReplicas=lo,
        maxReplicas=max(1, lo + span),
        messagesPerReplica=per,
        activationMessages=act,
        cooldownPeriod=cool,
    ),
    st.integers(0, 10),
    st.integers(0, 10),
    st.integers(1, 50),
    st.integers(0, 100),
    st.integers(0, 600),
)


@given(
    s=autoscaling,
    ready=st.integers(0, 10_000),
    current=st.integers(0, 30),
    since=st.none() | st.integers(0, 1200),
)
def test_properties(s: Autoscaling, ready: int, current: int, since: int | None) -> None:
    last = None if since is None else NOW - timedelta(seconds=since)
    decision = desired_replicas(ready, current, s, last, NOW)
    lo, hi = s.min_replicas, s.max_replicas
    # always within bounds
    assert lo <= decision.replicas <= hi
    if lo <= current <= hi:
        # never scales up past what the queue needs (activation wakes at least one worker)
        if decision.replicas > current:
            assert decision.replicas == max(1, target(ready, s)) or decision.replicas == lo
        # from zero, only above the activation threshold
        if current == 0 and ready <= s.activation_messages:
            assert decision.replicas == 0
        # scaling down only after the cooldown
        if decision.replicas < current:
            assert since is None or since >= s.cooldown_period
        # never leaves the busy queue under-served once cooled down / when scaling up
        needed = math.ceil(ready / s.messages_per_replica)
        if ready > s.activation_messages and decision.replicas < min(max(needed, lo), hi):
            raise AssertionError(f"under-served: {decision} for {ready} ready")
