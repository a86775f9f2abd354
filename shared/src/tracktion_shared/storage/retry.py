"""Which database failures are worth repeating a whole transaction for, and how patiently.

A transaction that failed because its connection died (server restart, failover, an idle-connection reaper), because
SQLite was busy, or because PostgreSQL chose it as a deadlock or serialization victim will most likely succeed if it
is simply run again from the start. An integrity violation or a bad query will fail the same way every time;
repeating it only delays the error, so those surface at once.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

__all__ = ["RetryPolicy", "is_retryable"]

# SQLite reports "no such table" and syntax errors as OperationalError too; only busy/locked (and their extended
# codes, such as SQLITE_BUSY_SNAPSHOT) mean "another connection is writing, try again".
_SQLITE_TRANSIENT = ("SQLITE_BUSY", "SQLITE_LOCKED")


def is_retryable(exc: BaseException) -> bool:
    """True when running the same transaction again, on a fresh connection, may well succeed."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc.orig, sqlite3.Error):
            return str(getattr(exc.orig, "sqlite_errorname", "")).startswith(_SQLITE_TRANSIENT)
        return isinstance(exc, OperationalError | InterfaceError)
    # Raised by psycopg itself, outside any SQLAlchemy statement. Only a process that opened a PostgreSQL connection
    # has psycopg loaded, and only such a process can meet its errors: the embedded CLI never pays for importing it.
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How :meth:`Database.run <tracktion_shared.storage.Database.run>` retries: exponential backoff with jitter.

    ``attempts`` counts the first try (1 disables retrying). Wait number n (from 0) is random between 0 and
    ``min(initial_delay * 2**n, max_delay)`` seconds ("full jitter", so clients cut off together do not all come
    back at the same moment). ``deadline`` bounds the time spent retrying, so a database that stays down surfaces as
    an error instead of a hang.
    """

    attempts: int = 6
    initial_delay: float = 0.2
    max_delay: float = 5.0
    deadline: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {self.attempts}")
        if min(self.initial_delay, self.max_delay, self.deadline) < 0:
            raise ValueError("delays and deadline must not be negative")

    def retrying(self, before_sleep: Callable[[RetryCallState], None]) -> AsyncRetrying:
        return AsyncRetrying(
            retry=retry_if_exception(is_retryable),
            stop=stop_after_attempt(self.attempts) | stop_after_delay(self.deadline),
            wait=wait_random_exponential(multiplier=self.initial_delay, max=self.max_delay),
            before_sleep=before_sleep,
            reraise=True,
        )
