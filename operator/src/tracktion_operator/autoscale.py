"""The analysis workers' replica count from the queue depth, with KEDA's semantics (pure, no I/O).

KEDA scales a Deployment between ``minReplicas`` and ``maxReplicas`` to ``ceil(messages / messagesPerReplica)``,
wakes a Deployment scaled to zero only when the queue holds more than ``activationMessages``, and scales down only
once ``cooldownPeriod`` has passed since the last scaling. Doing the same in the built-in engine means a library
behaves alike with or without KEDA installed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracktion_operator.model import Autoscaling


@dataclass(frozen=True)
class Decision:
    """What to do and why; ``replicas == current`` means leave the Deployment alone."""

    replicas: int
    reason: str

    def changes(self, current: int) -> bool:
        return self.replicas != current


def target(ready_messages: int, spec: Autoscaling) -> int:
    """``ceil(ready / messagesPerReplica)`` clamped to [minReplicas, maxReplicas] (no activation, no cooldown)."""
    wanted = math.ceil(max(ready_messages, 0) / spec.messages_per_replica)
    return max(spec.min_replicas, min(spec.max_replicas, wanted))


def desired_replicas(  # noqa: PLR0911  (a decision table reads best as early returns)
    ready_messages: int,
    current: int,
    spec: Autoscaling,
    last_scale_time: datetime | None,
    now: datetime,
) -> Decision:
    """The replica count for the analysis Deployment now.

    ``last_scale_time`` is when the count last changed (``None``: never), so a scale-down waits out the cooldown.
    Scaling up is immediate; the count never leaves [minReplicas, maxReplicas] — a count outside them (the spec
    changed) is brought back at once. Unlike KEDA (whose HPA has its own stabilisation window), every scale-down
    waits for ``cooldownPeriod``: analysis workers are slow to start, so flapping costs more than idle pods.
    """
    lo, hi = spec.min_replicas, max(spec.max_replicas, spec.min_replicas)
    if current < lo:
        return Decision(lo, f"below minReplicas {lo}")
    if current > hi:
        return Decision(hi, f"above maxReplicas {hi}")
    active = ready_messages > spec.activation_messages
    if current == 0:
        if not active:
            return Decision(0, f"{ready_messages} ready <= activation threshold {spec.activation_messages}")
        wanted = max(1, target(ready_messages, spec))
        return Decision(wanted, f"activated: {ready_messages} ready > {spec.activation_messages}")
    # Like KEDA: below the activation threshold a scale-to-zero library heads for 0; otherwise plain ceil/clamp.
    wanted = 0 if (not active and lo == 0) else target(ready_messages, spec)
    if wanted > current:
        return Decision(wanted, f"{ready_messages} ready / {spec.messages_per_replica} per replica")
    if wanted < current:
        cooled = last_scale_time is None or now - last_scale_time >= timedelta(seconds=spec.cooldown_period)
        if not cooled:
            return Decision(current, f"cooling down (scale to {wanted} waits {spec.cooldown_period}s)")
        return Decision(wanted, f"{ready_messages} ready; scaled down after cooldown")
    return Decision(current, "steady")
