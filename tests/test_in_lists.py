"""Queries whose IN list comes from data (every group of a type, every member on a board)
ask in parts of IN_AT_ONCE (bot/store.py `in_parts`): asyncpg takes at most 32,767
arguments a statement, and one list of 40,000 failed on PostgreSQL (review s36 r12 R12-8).
Each is asked of 40,000 values, with what it must find at both ends of the list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from harness import SHIPPED, Harness

from bot import moderation, roster
from bot.events import Member
from bot.store import IN_AT_ONCE
from bot.times import stamp
from handlers import fission, funnel

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

AT = datetime(2026, 1, 1, tzinfo=UTC)
MANY = [f"x{n:05}" for n in range(40_000)]
FIRST, LAST = MANY[0], MANY[-1]


async def test_lists_of_40_000_are_asked_in_parts(tmp_path: Path) -> None:
    assert len(MANY) > 32_767 and len(MANY) % IN_AT_ONCE == 0
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01"}) as h:
        store = h.bot.store
        async with store.transaction():
            # a member in the first and the last group of the list, the last joined later
            await roster.joined(store, FIRST, [Member("ann", "Ann")], AT, None)
            await roster.joined(store, LAST, [Member("ann", "Ann")], AT + timedelta(hours=1),
                                None)
            await roster.joined(store, "c1", [Member(FIRST, "a"), Member(LAST, "b")],
                                AT + timedelta(days=1), None)
            await funnel.arrived(store, [FIRST, LAST], "joined", "c1", AT)
            await moderation.block(store, LAST, AT, "c1", "test")
            for group in (FIRST, LAST):
                await store.execute(f"INSERT INTO {fission.REWARDS} VALUES (?, ?, ?, ?, ?)",
                                    (group, "inviter", 3, 10, stamp(AT)))
        await store.flush()
        assert await roster.group_of(store, "ann", MANY) == LAST
        assert await roster.group_of(store, "ann", MANY[:-1]) == FIRST
        assert await roster.overtaken(store, "c1", MANY, AT, leaving=True) == {FIRST, LAST}
        assert set(await funnel.journeys(store, members=MANY)) == {FIRST, LAST}
        assert await moderation.blocked_among(store, MANY) == {LAST}
        assert await fission.reward_points(store, MANY) == {"inviter": 20}
