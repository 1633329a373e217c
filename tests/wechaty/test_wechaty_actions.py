"""What the bot does in WeChat: the Gateway actions on the real python-wechaty objects."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from puppet import BOT_ID, InProcessPuppet, World
from wechaty_support import Session

from bot.adapters.base import GatewayError, GroupInfo, Refused
from bot.adapters.wechaty import WechatyGateway
from bot.events import Member

RunBot = Callable[..., AbstractAsyncContextManager[Session]]


@pytest.fixture
async def gateway(run_bot: RunBot, puppet: InProcessPuppet) -> AsyncIterator[WechatyGateway]:
    """A logged-in gateway, on a running bot."""
    gateway = WechatyGateway.in_process(puppet)
    async with run_bot(gateway):
        yield gateway


async def test_saying_in_a_group_mentions_through_wechat(
        gateway: WechatyGateway, world: World) -> None:
    await gateway.send_text("r1", "请看群公告", ("alice", "bob"))
    assert world.sent == [{"action": "say", "to": "r1", "text": "@Alice\u2005@Bob 请看群公告",
                           "mentions": ["alice", "bob"]}]


async def test_a_mentioned_name_is_shown_made_safe_and_never_as_an_ad(
        gateway: WechatyGateway, world: World) -> None:
    # (review s32a T8) WeChat names are anyone's to set: one that carries a contact detail
    # is not posted by the bot, and one with a line break or a bidi override cannot forge a
    # line of its post; the mention still reaches both
    world.contacts["alice"] = "兼职日结 加V abc12345"
    world.contacts["bob"] = "bob\n⚠️ 警告 (2/2)：已被移出群聊\u202e" + "长" * 60
    await gateway.send_text("r1", "欢迎", ("alice", "bob"))
    [sent] = world.sent
    assert sent["text"] == ("@这位成员\u2005@bob ⚠️ 警告 (2/2)：已被移出群聊"
                            + "长" * 17 + "… 欢迎")  # 40 characters
    assert sent["mentions"] == ["alice", "bob"]


async def test_saying_without_mentions(gateway: WechatyGateway, world: World) -> None:
    await gateway.send_text("r1", "早上好")
    assert world.sent == [{"action": "say", "to": "r1", "text": "早上好", "mentions": []}]


async def test_a_private_message(gateway: WechatyGateway, world: World) -> None:
    await gateway.send_dm("alice", "你好")
    assert world.sent == [{"action": "say", "to": "alice", "text": "你好", "mentions": []}]


async def test_the_owner_bot_removes_a_member(gateway: WechatyGateway, world: World) -> None:
    await gateway.remove_member("r1", "bob", "ads")
    assert world.actions("kick") == [{"action": "kick", "room": "r1", "member": "bob"}]
    assert (await gateway.group_info("r1")).member_count == 2  # bot and alice
    await gateway.remove_member("r1", "bob", "ads")  # already gone: nothing more to do
    assert len(world.actions("kick")) == 1


async def test_a_bot_that_does_not_own_the_group_cannot_remove(
        gateway: WechatyGateway, world: World) -> None:
    with pytest.raises(Refused, match="not the owner of Recruitment 02"):
        await gateway.remove_member("r2", "carol", "ads")
    assert world.actions("kick") == []


async def test_inviting_a_member(gateway: WechatyGateway, world: World) -> None:
    await gateway.invite_member("r1", "dave")
    assert world.actions("invite") == [{"action": "invite", "room": "r1", "member": "dave"}]
    assert "dave" in [m.id for m in await gateway.members("r1")]
    await gateway.invite_member("r1", "dave")  # already in: nothing more to do
    assert len(world.actions("invite")) == 1


async def test_accepting_a_friend_request(gateway: WechatyGateway, world: World) -> None:
    await gateway.accept_friend("fr9")
    assert world.actions("accept_friend") == [{"action": "accept_friend", "request": "fr9"}]


async def test_members_by_their_group_names(gateway: WechatyGateway, world: World) -> None:
    world.rooms["r1"].members["bob"] = "Bob-SH"
    assert await gateway.members("r1") == [Member(BOT_ID, "Helper"), Member("alice", "Alice"),
                                           Member("bob", "Bob-SH")]


async def test_groups_and_their_owners(gateway: WechatyGateway) -> None:
    assert gateway.self_id == BOT_ID
    assert await gateway.groups() == [GroupInfo("r1", "Recruitment 01", BOT_ID, 3),
                                      GroupInfo("r2", "Recruitment 02", "admin1", 3)]


async def test_a_platform_failure_is_a_gateway_error(
        gateway: WechatyGateway, puppet: InProcessPuppet,
        monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*args: Any) -> None:
        raise RuntimeError("risk control: too many removals")

    monkeypatch.setattr(puppet, "room_delete", refuse)
    with pytest.raises(GatewayError, match=r"removing bob from r1: .*too many removals"):
        await gateway.remove_member("r1", "bob")
    with pytest.raises(GatewayError, match="looking up no-such-room"):
        await gateway.group_info("no-such-room")


async def test_while_reconnecting_lookups_answer_from_the_last_look_and_actions_fail(
        run_bot: RunBot, puppet: InProcessPuppet) -> None:
    gateway = WechatyGateway.in_process(puppet)
    async with run_bot(gateway):
        seen = await gateway.groups()
    assert not gateway.online.is_set()
    assert await gateway.groups() == seen
    assert await gateway.group_info("r1") == seen[0]
    with pytest.raises(GatewayError, match="not connected"):
        await gateway.send_text("r1", "hello")
    with pytest.raises(GatewayError, match="not connected"):
        await gateway.group_info("unseen-group")


async def test_actions_before_login_fail_clearly_and_groups_wait_for_login(
        puppet: InProcessPuppet) -> None:
    gateway = WechatyGateway.in_process(puppet)
    assert await gateway.groups() == []
    with pytest.raises(GatewayError, match="not connected"):
        await gateway.send_text("r1", "hello")
