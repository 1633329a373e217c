"""A batch whose commit fails stops the bot at once (review s35 r6 R6-2, R6-3): its events
are lost though their callers were done with them, and every event after it failed or was
lost too until something else woke the bot (on PostgreSQL after a server restart, 106 s
and counting; on a full disk, only asyncio's "Exception in callback" said so)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from harness import SHIPPED, Harness

from bot.store import StoreError

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL


async def test_a_batch_whose_commit_fails_stops_the_serving_bot_at_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        serving = asyncio.create_task(h.bot.serve())
        await h.say("r1", "alice", "hello")  # a batch that commits
        await asyncio.sleep(0.01)
        assert not serving.done() and h.bot.store.lost is None
        # the loop commits the next one as it comes round, and nobody awaits that commit
        async with h.bot.store.transaction():
            h.bot.store.defer("INSERT INTO no_such_table (x) VALUES (?)", (1,))
        with pytest.raises(StoreError):
            await asyncio.wait_for(serving, 10)
        assert h.bot.store.lost is not None
        assert "a commit failed, and the events in it are lost" in caplog.text
        assert "Exception in callback" not in caplog.text
