"""The bot's own join and leave, as every platform reports them, handled in the core: a group
the bot is removed from gets nothing more, one it is added to is served at once, with one
account or several (review s30 R10, R13)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from harness import SHIPPED, Harness
from test_accounts import KEYWORD, REPLY, Accounts, accounts, holder  # noqa: F401

from bot.context import Group
from bot.events import Member, MemberJoined
from bot.store import Store


async def test_a_group_the_bot_is_removed_from_gets_nothing_more(tmp_path: Path) -> None:
    # Its pushes went on firing; WeChat refused each, and every admin got a private message
    # per push ("could not say group=r1 ..."), for as long as the process ran.
    async with Harness(SHIPPED, tmp_path) as h:
        await h.advance("1m")
        await h.say("r1", "alice", "请问怎么报名")
        await h.advance("1s")  # answered
        await h.say("r1", "alice", "收入多少")  # its answer waits behind the first
        await h.leave("r1", h.world.self_id)  # an admin removes the bot
        sent = len(h.sent)
        await h.advance("3d")  # six weekday tips due in r1 meanwhile
        assert h.sent[sent:] == []  # nothing in r1, no private message to the admins
        assert len(h.texts("r1")) == 1  # the first answer went before the removal
        assert h.bot.scheduler.next_fire("r1", "push", "tips") is None
        with pytest.raises(Exception, match="not a member of r1"):  # as WeChat refuses it
            await h.world.send_text("r1", "hi")


async def test_a_group_the_bot_is_added_to_gets_its_pushes(tmp_path: Path) -> None:
    # Only the wechaty adapter bound the groups again on the bot's own join: on any other
    # platform (the simulator, replay) the new group's pushes never ran until a restart.
    async with Harness(SHIPPED, tmp_path) as h:
        await h.advance("1m")
        h.world.add_group("r9", "Listener Recruitment 09", ["alice", "bob"], owner="op_lin")
        await h.join("r9", h.world.self_id, inviter="op_lin")
        assert h.bot.scheduler.next_fire("r9", "push", "tips") is not None
        await h.advance("4h")  # past 12:30
        assert [t[:10] for t in h.texts("r9")] == ["💡 倾听者小贴士 ①"]


@pytest.mark.parametrize("reported", [True, False])
async def test_a_group_an_account_is_added_to_is_served_at_once(
        accounts: Accounts, reported: bool) -> None:  # noqa: F811
    # With several accounts an event of a group not listed at the login was only kept
    # (standby), never claimed: the group stayed silent until the next login or takeover.
    await accounts.start("a")
    await accounts.start("b")
    await accounts.advance(timedelta(seconds=1))
    for name, world in accounts.worlds.items():  # the bot is added to a new group r9
        world.add_group("r9", "Recruitment r9", ["alice", "bob"])
        if reported:
            await accounts.bots[name].feed(MemberJoined(
                accounts.clock.now(), "r9", (Member(world.self_id, name),), "alice"))
    await accounts.say("r9", KEYWORD)
    await accounts.advance(timedelta(minutes=1))
    assert accounts.texts("r9") == [REPLY]
    assert await holder(accounts, "r9") in ("a", "b")


async def test_a_new_group_no_binding_matches_is_looked_at_once(
        accounts: Accounts) -> None:  # noqa: F811
    # Every event of such a group would take the bot's turn and a transaction to find it
    # unbound again.
    bot = await accounts.start("a")
    await accounts.advance(timedelta(seconds=1))
    accounts.worlds["a"].add_group("x9", "闲聊群", ["alice"])  # no binding matches its name
    looked: list[str] = []
    find = bot.groups.group

    async def group(store: Store, group_id: str, now: datetime) -> Group | None:
        looked.append(group_id)
        return await find(store, group_id, now)

    bot.groups.group = group  # type: ignore[method-assign]
    for _ in range(3):
        await accounts.say("x9", KEYWORD)
    await accounts.advance(timedelta(minutes=1))
    assert looked.count("x9") == 1 and accounts.texts("x9") == []
