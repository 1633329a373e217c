"""What WeChat tells the bot, through the real python-wechaty on an in-process puppet."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from puppet import BOT_ID, InProcessPuppet, World
from wechaty_support import Session, until

from bot.adapters.wechaty import WechatyGateway
from bot.events import FriendRequest, GroupRenamed, Kind, Member, MemberJoined, MemberLeft, Message

RunBot = Callable[..., AbstractAsyncContextManager[Session]]


async def test_a_group_message_reaches_the_bot_with_its_mentions(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet) -> None:
    async with run_bot(gateway) as s:
        message_id = puppet.say("r1", "alice", "@Helper 你好", mentions=(BOT_ID, "bob"))
        await until(lambda: s.of_type(Message), "the message")

    [event] = s.of_type(Message)
    assert event.group == "r1"
    assert event.sender == Member("alice", "Alice")
    assert (event.text, event.kind, event.id) == ("@Helper 你好", Kind.TEXT, message_id)
    assert event.mentions == (BOT_ID, "bob")
    assert event.mentions_bot is True
    assert event.at.tzinfo == ZoneInfo("Asia/Shanghai")


async def test_the_sender_is_named_by_their_group_alias(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet,
        world: World) -> None:
    world.rooms["r1"].members["alice"] = "上海-Alice"
    async with run_bot(gateway) as s:
        puppet.say("r1", "alice", "hi")
        await until(lambda: s.of_type(Message), "the message")
    assert s.of_type(Message)[0].sender == Member("alice", "上海-Alice")


async def test_a_private_message_has_no_group(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet) -> None:
    async with run_bot(gateway) as s:
        puppet.say(None, "alice", "在吗")
        await until(lambda: s.of_type(Message), "the message")
    [event] = s.of_type(Message)
    assert (event.group, event.sender, event.mentions_bot) == (None, Member("alice", "Alice"),
                                                               False)


async def test_message_kinds_and_the_link_url(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet) -> None:
    async with run_bot(gateway) as s:
        puppet.say("r1", "alice", "", kind="recalled")  # no core kind of its own
        puppet.say("r1", "alice", "[图片]", kind="image")
        puppet.say("r1", "bob", "cheap followers", kind="link", url="http://ads.example/x")
        await until(lambda: len(s.of_type(Message)) == 3, "three messages")
    kinds = {e.kind: e for e in s.of_type(Message)}
    assert set(kinds) == {Kind.OTHER, Kind.IMAGE, Kind.LINK}
    assert kinds[Kind.LINK].url == "http://ads.example/x"
    assert kinds[Kind.IMAGE].url is None


async def test_the_bots_own_messages_are_ignored(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet) -> None:
    async with run_bot(gateway) as s:
        puppet.say("r1", BOT_ID, "I said this on my phone")
        puppet.say("r1", "alice", "after")
        await until(lambda: s.of_type(Message), "alice's message")
    assert [e.text for e in s.of_type(Message)] == ["after"]


async def test_newcomers_are_welcomed_by_their_group_names_with_mentions(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet,
        world: World) -> None:
    world.rooms["r1"].members["dave"] = "北京-Dave"
    async with run_bot(gateway) as s:
        puppet.join("r1", {"dave": "Dave", "erin": "Erin"}, inviter="alice")
        await until(lambda: world.texts("r1"), "the welcome")

    [joined] = s.of_type(MemberJoined)
    assert joined.members == (Member("dave", "北京-Dave"), Member("erin", "Erin"))
    assert (joined.group, joined.inviter) == ("r1", "alice")
    [say] = world.actions("say")
    assert say["mentions"] == ["dave", "erin"]
    assert say["text"].endswith("欢迎北京-Dave、Erin")
    assert say["text"].startswith("@Dave")  # WeChat's own mention, put in front by Room.say


async def test_a_repeated_join_event_is_dropped(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet,
        world: World) -> None:
    async with run_bot(gateway) as s:
        puppet.join("r1", {"dave": "Dave"}, inviter="alice", timestamp=1_790_000_000)
        puppet.join("r1", {"dave": "Dave"}, inviter="alice", timestamp=1_790_000_000)
        puppet.say("r1", "alice", "marker")
        await until(lambda: s.of_type(Message) and world.texts("r1"), "the welcome")
    assert len(s.of_type(MemberJoined)) == 1
    assert s.of_type(MemberJoined)[0].at.timestamp() == 1_790_000_000
    assert len(world.texts("r1")) == 1


async def test_leaving_members_and_who_removed_them(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet) -> None:
    async with run_bot(gateway) as s:
        puppet.leave("r1", ["bob"], remover=BOT_ID)
        await until(lambda: s.of_type(MemberLeft), "the leave")
    [left] = s.of_type(MemberLeft)
    assert (left.group, left.members, left.remover) == ("r1", (Member("bob", "Bob"),), BOT_ID)


async def test_a_friend_request_carries_the_hello_and_its_handle(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet) -> None:
    async with run_bot(gateway) as s:
        request = puppet.friend_request("frank", "Frank", "我想报名")
        await until(lambda: s.of_type(FriendRequest), "the friend request")
    [event] = s.of_type(FriendRequest)
    assert (event.group, event.contact) == (None, Member("frank", "Frank"))
    assert (event.hello, event.request) == ("我想报名", request)


async def test_a_group_invitation_is_accepted(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet,
        world: World) -> None:
    async with run_bot(gateway):
        invitation = puppet.invite_bot()
        await until(lambda: world.actions("accept_invitation"), "the acceptance")
    assert world.actions("accept_invitation") == [
        {"action": "accept_invitation", "invitation": invitation}]


async def test_a_renamed_group_is_reported_and_its_new_topic_used(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet) -> None:
    async with run_bot(gateway) as s:
        puppet.rename_room("r1", "Recruitment 01 (full)", changer="alice")
        await until(lambda: s.of_type(GroupRenamed), "the rename")
        info = await gateway.group_info("r1")
    assert s.of_type(GroupRenamed)[0].topic == "Recruitment 01 (full)"
    assert info.topic == "Recruitment 01 (full)"


async def test_a_failing_bot_is_logged_with_the_event_and_events_go_on(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet,
        caplog: pytest.LogCaptureFixture) -> None:
    async with run_bot(gateway) as s:
        feed = s.bot.feed

        async def fragile(event: Any) -> None:
            if isinstance(event, Message) and event.text == "boom":
                raise RuntimeError("the bot broke")
            await feed(event)

        s.bot.feed = fragile  # type: ignore[method-assign]
        puppet.say("r1", "alice", "boom")
        puppet.say("r1", "alice", "still here")
        await until(lambda: any(e.text == "still here" for e in s.of_type(Message)),
                    "the next message")
        await until(lambda: "the bot broke" in caplog.text, "the log record")

    [record] = [r for r in caplog.records if r.exc_info and "the bot broke" in str(r.exc_info[1])]
    assert record.levelno == logging.ERROR
    assert "text='boom'" in record.getMessage()


async def test_a_failing_callback_is_logged_not_swallowed(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet,
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(msg: Any) -> None:
        raise ValueError("cannot translate")

    async with run_bot(gateway):
        monkeypatch.setattr(gateway, "_message_event", broken)
        message_id = puppet.say("r1", "alice", "hello")
        await until(lambda: "cannot translate" in caplog.text, "the log record")
    [record] = [r for r in caplog.records if "wechaty message event failed" in r.getMessage()]
    assert record.levelno == logging.ERROR
    assert message_id in record.getMessage()  # the event, named by its id
