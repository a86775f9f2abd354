"""A circuit breaker per host: when the site is unreachable or blocks us, stop asking it for a while.

Offline, every look-up used to pay for its own connect attempts and retry waits (10 sets: about 8 minutes of doing
nothing), and a block page was fetched again by every look-up that followed. The breaker remembers, per host and
per process, that the last attempt failed and fails the next ones at once, with no request and no retry sleep:

    closed ──(unreachable, timed out, blocked)──▶ open ──(cool-down passed)──▶ half-open: one trial request
       ▲                                            ▲                                 │
       └──────────────(the trial is answered)───────┼─────────────────────────────────┤
                                                    └──(the trial fails: cool-down doubles)

The cool-down doubles with each consecutive failure, from ``initial`` to ``maximum`` (the caller says which
schedule: the unreachable one, or the longer one for blocks). While half-open only one caller gets the trial; the
others fail at once, as if still open. An outage is logged once, as one warning, when the breaker opens; the trials
that follow log at INFO. ``clock`` and ``wall`` are injectable so tests can move time without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

__all__ = ["BreakerState", "HostBreaker"]

log = logging.getLogger("tracktion.tracklist.breaker")

BreakerState = Literal["closed", "open", "half-open"]


@dataclass
class _Host:
    failures: int = 0
    open_until: float = 0.0
    trial: bool = False
    reason: str = ""
    blocked: bool = False
    #: set (and replaced) when the breaker opens, so callers waiting for a rate-limit slot give up at once
    opened: asyncio.Event = field(default_factory=asyncio.Event)


class HostBreaker:
    """``before(host)`` -> seconds the host is still shut for (0: go ahead); ``succeeded``/``failed`` after."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._clock = clock
        self._wall = wall
        self._hosts: dict[str, _Host] = {}

    def _host(self, host: str) -> _Host:
        return self._hosts.setdefault(host, _Host())

    def state(self, host: str) -> BreakerState:
        entry = self._hosts.get(host)
        if entry is None or entry.failures == 0:
            return "closed"
        return "half-open" if entry.trial or self._clock() >= entry.open_until else "open"

    def remaining(self, host: str) -> float:
        """Seconds until ``host`` may be tried again (0 when closed or due for its trial)."""
        entry = self._hosts.get(host)
        if entry is None or entry.failures == 0:
            return 0.0
        return max(0.0, entry.open_until - self._clock())

    def why(self, host: str) -> tuple[str, bool]:
        """The last failure's reason, and whether it was a block page (False: unreachable)."""
        entry = self._hosts.get(host)
        return ("", False) if entry is None else (entry.reason, entry.blocked)

    def retry_at(self, host: str) -> datetime:
        """The wall-clock time ``host`` may be tried again: what a deferred look-up is stamped with."""
        return self._wall() + timedelta(seconds=self.remaining(host))

    def opened(self, host: str) -> asyncio.Event:
        """An event that is set the next time the breaker for ``host`` opens."""
        return self._host(host).opened

    def before(self, host: str) -> float:
        """Ask to send a request: 0 means go ahead (closed, or this caller holds the half-open trial); otherwise
        the seconds until the next trial (at least a little, while another caller's trial is under way)."""
        entry = self._hosts.get(host)
        if entry is None or entry.failures == 0:
            return 0.0
        if entry.trial:
            return max(self.remaining(host), 1.0)
        left = entry.open_until - self._clock()
        if left > 0:
            return left
        entry.trial = True
        log.info("%s: trying once after the cool-down", host, extra={"host": host, "breaker": "half-open"})
        return 0.0

    def release(self, host: str) -> None:
        """The trial ended without saying anything about the host (cancelled): the next caller may try."""
        entry = self._hosts.get(host)
        if entry is not None:
            entry.trial = False

    def succeeded(self, host: str) -> None:
        """The host answered: close the breaker and start the cool-down schedule from the beginning again."""
        entry = self._hosts.get(host)
        if entry is None or entry.failures == 0:
            return
        log.info("%s reachable again: look-ups resume", host, extra={"host": host, "breaker": "closed"})
        self._hosts[host] = _Host()

    def failed(self, host: str, reason: str, *, initial: float, maximum: float, blocked: bool = False) -> float:
        """The host is unreachable or blocks us: open (again) for the next cool-down; returns its seconds."""
        entry = self._host(host)
        entry.failures += 1
        entry.trial = False
        entry.reason = reason
        entry.blocked = blocked
        cooldown = float(min(max(maximum, initial), initial * 2.0 ** (entry.failures - 1)))
        entry.open_until = max(entry.open_until, self._clock() + cooldown)
        until = self.retry_at(host)
        fields = {"host": host, "breaker": "open", "reason": reason, "deferred_until": until.isoformat()}
        what = "blocks us" if blocked else "unreachable"
        if entry.failures == 1:
            log.warning("%s %s: look-ups deferred until %s (%s)", host, what, _hhmm(until), reason, extra=fields)
        else:
            log.info("%s still %s: look-ups deferred until %s (%s)", host, what, _hhmm(until), reason, extra=fields)
        entry.opened.set()  # wakes whoever waits for a rate-limit slot; later waiters get a fresh event
        entry.opened = asyncio.Event()
        return cooldown


def _hhmm(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z").strip()
