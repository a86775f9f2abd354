"""One object per process that owns the connection pool and hands out transactions.

Code that touches the database asks for a transaction and gets a :class:`UnitOfWork`; it never sees an engine or
opens a session itself, so commit and rollback happen in exactly one place. :meth:`Database.run` is the form to
prefer: when the connection is lost part-way (a PostgreSQL restart, a failover), it runs the *whole* transaction
again on a fresh connection, because a transaction cannot be resumed half-way, only repeated.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from tenacity import RetryCallState

from tracktion_shared.config import redact_url
from tracktion_shared.storage.engine import make_engine
from tracktion_shared.storage.retry import RetryPolicy
from tracktion_shared.storage.unit_of_work import UnitOfWork

__all__ = ["Database"]

T = TypeVar("T")

log = logging.getLogger("tracktion.storage")


class Database:
    """The engine (and its pool) for one database URL; use as ``async with Database(url) as db:`` or call dispose."""

    def __init__(
        self,
        url: str,
        *,
        retry: RetryPolicy | None = None,
        sqlite_busy_timeout: float = 30.0,
        echo: bool = False,
    ) -> None:
        self.engine: AsyncEngine = make_engine(url, sqlite_busy_timeout=sqlite_busy_timeout, echo=echo)
        self.retry_policy = retry or RetryPolicy()
        self._display_url = redact_url(url)
        # expire_on_commit=False: returned entities stay readable after the transaction, without a hidden reload
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"Database({self._display_url!r})"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """One transaction: committed when the block ends normally, rolled back when it raises. Not retried.

        Derived rows (the library read model) are brought up to date just before the commit, inside the transaction.
        """
        async with self._sessions() as session, session.begin():
            uow = UnitOfWork(session)
            yield uow
            await uow.refresh_library()

    async def run(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """``await work(uow)`` in a transaction, repeating the whole transaction when the connection was lost.

        ``work`` may run more than once, so it must not have effects outside the database (or they must be
        harmless to repeat). A connection lost during COMMIT leaves it unknown whether the attempt was committed;
        writes that could then be repeated should be idempotent — record the message in the inbox, upsert.
        """
        async for attempt in self.retry_policy.retrying(before_sleep=self._log_retry):
            with attempt:
                async with self.transaction() as uow:
                    result = await work(uow)
        return result

    async def dispose(self) -> None:
        """Close every pooled connection; the object must not be used afterwards."""
        await self.engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.dispose()

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        reason = (str(error).strip().splitlines() or [repr(error)])[0]  # SQLAlchemy appends the SQL on later lines
        delay = state.next_action.sleep if state.next_action is not None else 0.0
        log.warning(
            "database transaction failed on %s (attempt %d of %d: %s: %s); retrying in %.2fs",
            self._display_url,
            state.attempt_number,
            self.retry_policy.attempts,
            type(error).__name__,
            redact_url(reason),
            delay,
        )
