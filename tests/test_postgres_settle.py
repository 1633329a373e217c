"""A reader on another thread's loop has the bot's PostgreSQL store commit on the store's own
loop (bot/postgres.py settle_from_any_loop), and does not wait for ever on a loop that does
not come round (a bot stopping as a console download begins)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from pg import Postgres

from bot import schema
from bot.postgres import PgStore
from bot.store import open_store
from handlers import REGISTRY


async def test_a_reader_on_another_loop_waits_a_bounded_time_for_a_stuck_store(
        postgres: Postgres, monkeypatch: pytest.MonkeyPatch) -> None:
    url = postgres.database()
    opened: list[PgStore] = []
    stuck, release = threading.Event(), threading.Event()

    async def store_side() -> None:
        store = await open_store(url, schema.migrations(REGISTRY))
        assert isinstance(store, PgStore)
        opened.append(store)
        stuck.set()
        release.wait(10)  # the store's loop held (running, but not coming round)
        await store.close()

    thread = threading.Thread(target=asyncio.run, args=(store_side(),))
    thread.start()
    try:
        assert stuck.wait(10)
        monkeypatch.setattr("bot.postgres.SETTLE_WAIT", 0.2)
        began = time.monotonic()
        await opened[0].settle_from_any_loop()
        assert time.monotonic() - began < 2
    finally:
        release.set()
        thread.join(10)
