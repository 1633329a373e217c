"""A database reader's connection, opened at its first use (bot/store.py SqliteReader,
bot/postgres.py PgReader)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Connect(Generic[T]):
    """A reader's connection, opened at its first use: one connect, however many reads start
    at once; one that failed or was cancelled is forgotten, so the next read tries again (the
    file away a moment, the server restarting, no descriptor left: else every console page
    answered 500 until a restart); and a read cancelled while it runs (a client gone) does
    not cancel it for the others."""

    def __init__(self, connect: Callable[[], Awaitable[T]]) -> None:
        self._connect = connect
        self.started: asyncio.Future[T] | None = None

    async def __call__(self) -> T:
        if self.started is None:
            self.started = asyncio.ensure_future(self._connect())
            self.started.add_done_callback(self._forget_failed)
        return await asyncio.shield(self.started)

    def _forget_failed(self, done: asyncio.Future[T]) -> None:
        if done is self.started and (done.cancelled() or done.exception() is not None):
            self.started = None
