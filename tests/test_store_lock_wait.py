"""SQLite with several processes on one file (docs/scale.md): a process waiting for another's
write lock waits off its event loop, which goes on meanwhile (the gateway's stream, the
console, the keepalive answers); the wait was sqlite3's busy handler, sleeping on the loop's
thread for up to 30 s."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from bot import schema
from bot.store import open_store
from handlers import REGISTRY


async def test_a_transaction_waiting_for_another_process_s_lock_lets_the_loop_run(
        tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    store = await open_store(db, schema.migrations(REGISTRY))
    held, turned = threading.Event(), threading.Event()

    async def hold() -> None:
        other = await open_store(db, schema.migrations(REGISTRY))
        try:
            async with other.transaction():  # the write lock, till this process's loop ran
                await other.execute("INSERT INTO state VALUES ('g', 'm', 'h', 'other', '1')")
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
        async with store.transaction():
            await store.execute("INSERT INTO state VALUES ('g', 'm', 'h', 'k', '1')")
        waiting = False
        assert turned.is_set()  # the loop ran while the transaction waited for the lock
    finally:
        beating.cancel()
        await asyncio.to_thread(thread.join, 15)
        await store.close()
