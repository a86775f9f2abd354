"""Rules every cache shares, so the three of them accept, refuse and complain about the same things.

* Namespaces become key prefixes (``<namespace>:<key>``) and, in tests, ``SCAN MATCH`` patterns: safe characters only.
* A TTL of None (or +inf) never expires; a TTL <= 0 has expired already, so storing it only forgets the old value
  (Redis refuses ``PX 0``; the others follow so that callers see one behaviour); NaN is a bug in the caller: it raises.
* :class:`Availability` turns a backend's failures into log lines a person can read during an outage: one WARNING at
  once, then at most one per interval while it lasts, then one INFO when it is over. A cache outage touches every
  call; without this, one dead Redis would write a warning per cache look-up and bury everything else in the log.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable

from tracktion_shared.config import redact_url

__all__ = ["NAMESPACE_PATTERN", "WARN_INTERVAL", "Availability", "check_ttl", "describe", "log", "validate_namespace"]

log = logging.getLogger("tracktion.cache")

NAMESPACE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")

#: seconds between two warnings about the same outage
WARN_INTERVAL = 30.0

#: an error message is for a person; a few hundred characters are enough to act on
_MAX_ERROR_TEXT = 300


def validate_namespace(namespace: str) -> str:
    if not NAMESPACE_PATTERN.fullmatch(namespace):
        raise ValueError(f"cache namespace {namespace!r} must be 1-100 characters of letters, digits, '_', '.' or '-'")
    return namespace


def check_ttl(ttl: float | None) -> float | None:
    """``ttl``, with +inf meaning None (never), after refusing NaN (which would mean "never" or "now" by backend)."""
    if ttl is None or ttl == math.inf:
        return None
    if math.isnan(ttl):
        raise ValueError("ttl must be a number of seconds or None, not NaN")
    return ttl


def describe(error: BaseException) -> str:
    """``ErrorType: message``, shortened, with any URL password masked (drivers like to quote the URL)."""
    text = str(error).strip()
    text = f"{type(error).__name__}: {text}" if text else type(error).__name__
    text = redact_url(text)
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 3] + "..."


class Availability:
    """Whether one backend works, as its callers see it, and the rate-limited log lines that say so.

    ``failure`` is called for every failed call and ``miss`` for calls not even tried (a circuit breaker skipping a
    server known to be down); both count as misses the callers got. Not thread-safe: call it from the event loop.
    """

    def __init__(
        self, name: str, *, warn_interval: float = WARN_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name = name
        self.warn_interval = warn_interval
        self._clock = clock
        self._down_since: float | None = None
        self._last_warning = 0.0
        self._misses = 0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failure(self, operation: str, error: BaseException) -> None:
        now = self._clock()
        self._misses += 1
        if self._down_since is None:
            self._down_since = self._last_warning = now
            log.warning(
                "cache %s unavailable (%s failed: %s); answering misses until it works again",
                self.name,
                operation,
                describe(error),
            )
        elif now - self._last_warning >= self.warn_interval:
            self._last_warning = now
            log.warning(
                "cache %s still unavailable after %.0f s, %d calls answered as misses so far (%s failed: %s)",
                self.name,
                now - self._down_since,
                self._misses,
                operation,
                describe(error),
            )

    def miss(self) -> None:
        self._misses += 1

    def success(self) -> None:
        if self._down_since is None:
            return
        log.info(
            "cache %s works again after %.1f s unavailable (%d calls answered as misses)",
            self.name,
            self._clock() - self._down_since,
            self._misses,
        )
        self._down_since = None
        self._misses = 0
