"""The simulator's member list (the join backstop asks for every group's list every few
minutes) is kept while the group is as it was, and is never stale: whatever changed the
group, its methods or a test writing to `members` directly."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.simulator import Simulator
from bot.clock import VirtualClock
from bot.events import Member


async def test_the_member_list_follows_every_change() -> None:
    world = Simulator(VirtualClock(UTC, datetime(2026, 11, 23, tzinfo=UTC)),
                      Member("bot", "Bot"))
    world.add_group("r1", "Room", ["alice"])

    async def listed() -> set[tuple[str, str]]:
        return {(m.id, m.name) for m in await world.members("r1")}

    assert await listed() == {("bot", "Bot"), ("alice", "alice")}
    first = await world.members("r1")
    first.clear()  # a caller's copy: the next list is whole
    assert await listed() == {("bot", "Bot"), ("alice", "alice")}
    world.join("r1", ["bob"])
    world.rename("r1", "alice", "Alice-SH")
    assert await listed() == {("bot", "Bot"), ("alice", "Alice-SH"), ("bob", "bob")}
    world.leave("r1", ["bob"])
    world.rooms["r1"].members["alice"] = "Alice-BJ"  # as the wechaty tests write it
    assert await listed() == {("bot", "Bot"), ("alice", "Alice-BJ")}
