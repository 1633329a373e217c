"""SQLite with several processes on one file (docs/scale.md): a process waiting for another's
write lock waits off its event loop, which goes on meanwhile (the gateway's stream, the
console, the keepalive answers); the wait was sqlite3's busy handler, sleeping on the loop's
thread for up to 30 s. So for a transaction (an event) and for a write made outside one (each
send's bookkeeping in the delivery, audit rows, the governor's)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot import schema
from bot.store import SqliteStore, open_store
from handlers import REGISTRY

ROW = "INSERT INTO state VALUES ('g', 'm', 'h', ?, '1')"


async def _in_a_transaction(store: SqliteStore) -> None:
    async with store.transaction():
        await store.execute(ROW, ("k",))


async def _execute(store: SqliteStore) -> None:
    await store.execute(ROW, ("k",))


async def _changes(store: SqliteStore) -> None:
    assert await store.changes(ROW, ("k",)) == 1


async def _executemany(store: SqliteStore) -> None:
    await store.executemany(ROW, [("k",), ("k2",)])


async def _beside_an_event(store: SqliteStore) -> None:
    # an event begins while the write waits: whichever has the lock first, both are written
    await asyncio.gather(_execute(store), _event(store))


async def _event(store: SqliteStore) -> None:
    async with store.transaction():
        await store.execute(ROW, ("e",))
        await asyncio.sleep(0)
        await store.execute(ROW, ("e2",))


@pytest.mark.parametrize("write", [_in_a_transaction, _execute, _changes, _executemany,
                                   _beside_an_event])
async def test_a_write_waiting_for_another_process_s_lock_lets_the_loop_run(
        tmp_path: Path, write: Callable[[SqliteStore], Awaitable[None]]) -> None:
    db = tmp_path / "bot.db"
    store = await open_store(db, schema.migrations(REGISTRY))
    assert isinstance(store, SqliteStore)
    held, turned = threading.Event(), threading.Event()

    async def hold() -> None:
        other = await open_store(db, schema.migrations(REGISTRY))
        try:
            async with other.transaction():  # the write lock, till this process's loop ran
                await other.execute(ROW, ("other",))
                held.set()
                turned.wait(10)  # (else 10 s, then released)
            await other.flush()
        finally:
            await other.close()

    def other_process() -> None:  # another process's store (its own connection and loop)
        asyncio.run(hold())

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(0.01)
            if waiting:
                turned.set()

    waiting = False
    thread = threading.Thread(target=other_process)
    thread.start()
    beating = asyncio.create_task(heartbeat())
    try:
        assert await asyncio.to_thread(held.wait, 10)
        waiting = True
        await write(store)
        waiting = False
        assert turned.is_set()  # the loop ran while the write waited for the lock
    finally:
        beating.cancel()
        await asyncio.to_thread(thread.join, 15)
        await store.close()
    again = await open_store(db, schema.migrations(REGISTRY))
    try:  # both written, and committed
        assert {("other",), ("k",)} <= set(await again.all("SELECT key FROM state"))
    finally:
        await again.close()
