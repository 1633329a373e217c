"""Events reach the bot in the order the gateway delivered them, over real gRPC, also when
the gateway is slow on one lookup or the bot is busy with an earlier event."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest
from grpc_server import FakeGateway
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from puppet import World
from wechaty_support import KEYWORD, KEYWORD_REPLY, Session, until

from bot import roster
from bot.adapters import wechaty
from bot.adapters.wechaty import READS, WechatyGateway
from bot.events import FriendRequest, MemberJoined, MemberLeft, Message

RunBot = Callable[..., AbstractAsyncContextManager[Session]]


async def test_a_newcomers_message_is_handled_after_his_join_when_his_lookup_is_slow(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    async with run_bot(grpc_gateway) as s:
        looked_up = fake_gateway.calls.count("RoomMemberPayload")
        slow = fake_gateway.hold("RoomMemberPayload", "dave")  # the join's lookup of him
        fake_gateway.join("r1", {"dave": "Dave"}, inviter="alice")
        fake_gateway.say("r1", "dave", KEYWORD)
        await until(lambda: fake_gateway.calls.count("RoomMemberPayload") == looked_up + 2,
                    "the lookups of the join and of the message")
        slow.set()
        await until(lambda: len(s.events) == 2, "both events handled")
    assert [type(e) for e in s.events] == [MemberJoined, Message]


async def test_messages_are_handled_in_order_when_the_bot_is_busy(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    async with run_bot(grpc_gateway) as s:
        # a group the bot has not looked at yet: handling its first message asks the gateway
        # what it is, and the gateway is slow to answer, so the bot is busy meanwhile
        world.add_room("r3", "Recruitment 03", {"alice": "Alice"})
        busy = fake_gateway.hold("RoomPayload", "r3")
        fake_gateway.say("r3", "alice", "first")
        await until(lambda: "RoomPayload" in fake_gateway.calls[-1:], "the bot busy")
        looked_up = fake_gateway.calls.count("RoomMemberPayload")
        slow = fake_gateway.hold("RoomMemberPayload", "dave")  # m0's sender, new to the bot
        fake_gateway.say("r1", "dave", "m0")
        for i in range(1, 5):
            fake_gateway.say("r1", "alice", f"m{i}")
        await until(lambda: fake_gateway.calls.count("RoomMemberPayload") == looked_up + 5,
                    "the five messages looked up")
        slow.set()
        busy.set()
        await until(lambda: len(s.events) == 6, "every message handled")
    assert [e.text for e in s.of_type(Message)] == ["first", "m0", "m1", "m2", "m3", "m4"]


async def test_an_event_given_up_lets_the_next_one_go_only_after_those_before_it(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    async with run_bot(grpc_gateway) as s:
        looked_up = fake_gateway.calls.count("RoomMemberPayload")
        slow = fake_gateway.hold("RoomMemberPayload", "dave")
        fake_gateway.say("r1", "dave", "first")
        await until(lambda: fake_gateway.calls.count("RoomMemberPayload") > looked_up,
                    "the slow lookup")
        fake_gateway.fail["MessagePayload"] = GRPCError(Status.NOT_FOUND, "no such message")
        fake_gateway.say("r1", "alice", "lost")  # refused: given up at once
        await until(lambda: "MessagePayload" not in fake_gateway.fail, "the failed load")
        fake_gateway.say("r1", "alice", "last")
        await until(lambda: fake_gateway.calls.count("RoomMemberPayload") == looked_up + 2,
                    "the last message looked up")
        slow.set()
        await until(lambda: len(s.events) == 2, "both messages handled")
    assert [e.text for e in s.of_type(Message)] == ["first", "last"]


async def test_a_lookup_the_gateway_never_answers_holds_up_the_line_an_actions_time_at_most(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        caplog: pytest.LogCaptureFixture) -> None:
    """The message's own payload, not answered: the messages after it go ahead after an
    action's time, and it is read again in its turn till it loads (here once they are
    handled). Every read of it hangs: were the second one answered, it would go first
    whenever their lookups took longer than `read_again_after`, whatever the action's time
    (as it did under load: that is its turn, not a fault)."""
    grpc_gateway.action_timeout = 2.0  # (its READS tries last 6 s: a, b and c go after 2)
    grpc_gateway.read_again_after = 0.05
    async with run_bot(grpc_gateway) as s:
        looked_up = fake_gateway.calls.count("MessagePayload")
        # (a name lookup: test_wechaty_flaky.py)
        loads = fake_gateway.hold("MessagePayload", "stuck", every=True)
        fake_gateway.say("r1", "dave", "stuck", message_id="stuck")
        await until(lambda: fake_gateway.calls.count("MessagePayload") > looked_up,
                    "the lookup that hangs")
        for text in ("a", "b", "c"):
            fake_gateway.say("r1", "alice", text)
        await until(lambda: len(s.events) == 3, "the messages after it", 20)
        assert "gave up" not in caplog.text  # (they went while it was still being read)
        loads.set()
        await until(lambda: len(s.events) == 4, "it, read again")
    assert [e.text for e in s.of_type(Message)] == ["a", "b", "c", "stuck"]


async def test_the_events_after_one_gone_ahead_of_keep_their_order(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    """Behind a message whose lookup hangs, a (a newcomer's, whose name is slow to look up)
    and b (a known member's, looked up at once): b waits for a, which goes in its own time
    (h88 found b's limit, counted from its own lookup, ran out first: b went before a)."""
    grpc_gateway.action_timeout = 2.0
    grpc_gateway.read_again_after = 0.05
    async with run_bot(grpc_gateway) as s:
        looked_up = fake_gateway.calls.count("MessagePayload")
        loads = fake_gateway.hold("MessagePayload", "stuck", every=True)
        fake_gateway.say("r1", "alice", "stuck", message_id="stuck")
        await until(lambda: fake_gateway.calls.count("MessagePayload") > looked_up, "the hang")
        names = fake_gateway.calls.count("RoomMemberPayload")
        slow = fake_gateway.hold("RoomMemberPayload", "dave")  # a's sender, new to the bot
        fake_gateway.say("r1", "dave", "a")
        fake_gateway.say("r1", "alice", "b")
        await until(lambda: fake_gateway.calls.count("RoomMemberPayload") > names, "a's name")
        await asyncio.sleep(0.5)  # b is looked up meanwhile; a's sender's name comes later
        slow.set()
        await until(lambda: len(s.events) == 2, "a and b", 20)
        loads.set()
        await until(lambda: len(s.events) == 3, "stuck, read again")
    assert [e.text for e in s.of_type(Message)] == ["a", "b", "stuck"]


async def test_a_message_whose_lookup_is_never_answered_is_skipped_with_a_word(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    grpc_gateway.action_timeout = 1.0
    monkeypatch.setattr(wechaty, "READS", 1)  # no second read
    async with run_bot(grpc_gateway) as s:
        fake_gateway.hold("MessagePayload", "stuck")
        fake_gateway.say("r1", "dave", "stuck", message_id="stuck")
        await until(lambda: "gave up reading" in caplog.text, "the message given up", 10)
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: len(s.events) == 1, "the next message")
    assert [e.text for e in s.of_type(Message)] == [KEYWORD]
    assert ("gave up reading the message event stuck after 1 tries: loading the message: the"
            " wechaty gateway at " in caplog.text)


async def test_messages_looked_up_or_being_looked_up_at_a_reconnect_are_all_handled(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    """One waits for its turn, looked up: it is fed across the reconnect. The other's lookup
    the connection's end cuts short: it is read again after the next login."""
    async with run_bot(grpc_gateway) as s:
        looked_up = fake_gateway.calls.count("RoomMemberPayload")
        fake_gateway.hold("RoomMemberPayload", "dave")  # the first message's lookup hangs
        fake_gateway.say("r1", "dave", "stuck")
        fake_gateway.say("r1", "alice", "waiting")  # looked up, waits for its turn
        await until(lambda: fake_gateway.calls.count("RoomMemberPayload") == looked_up + 2,
                    "both lookups")
        streams = fake_gateway.streams_opened
        fake_gateway.end_stream()  # the gateway restarts: the hanging lookup is cut short
        await until(lambda: fake_gateway.streams_opened > streams, "the reconnect")
        await until(lambda: len(s.of_type(Message)) == 2, "both messages")
    assert [e.text for e in s.of_type(Message)] == ["waiting", "stuck"]


@pytest.mark.parametrize("status", [Status.INTERNAL, Status.UNAVAILABLE])
async def test_a_message_the_gateway_fails_to_load_once_is_read_again(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        status: Status) -> None:
    """INTERNAL: what the TypeScript gateway answers for whatever its provider throws (a
    PadLocal timeout, its lost connection to WeChat); the message is read again soon (the bot
    still online). A message whose id is no good (NOT_FOUND) is skipped, as there is nothing
    to read again."""
    grpc_gateway.read_again_after = 0.05
    async with run_bot(grpc_gateway) as s:
        fake_gateway.fail["MessagePayload"] = GRPCError(status, "padlocal: request timeout")
        fake_gateway.say("r1", "alice", "lost for a moment")
        await until(lambda: "MessagePayload" not in fake_gateway.fail, "the failed load")
        # read again before the next failure is set (else the reading again may meet it)
        await until(lambda: len(s.of_type(Message)) == 1, "the message read again")
        fake_gateway.fail["MessagePayload"] = GRPCError(Status.NOT_FOUND, "no such message")
        fake_gateway.say("r1", "alice", "no good")
        await until(lambda: "MessagePayload" not in fake_gateway.fail, "the second one")
        fake_gateway.say("r1", "alice", "after")
        await until(lambda: len(s.of_type(Message)) == 2, "the one after")
    assert sorted(e.text for e in s.of_type(Message)) == ["after", "lost for a moment"]


async def test_a_message_read_again_after_a_blip_keeps_its_place_in_line(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    """A member's 报名 then 取消: the first fails to load once (INTERNAL, the gateway's answer
    for any provider failure) and is read again a second later; the second, loaded at once,
    waits for it (review s36 r18 R18-1: it went first)."""
    async with run_bot(grpc_gateway) as s:
        fake_gateway.fail["MessagePayload"] = GRPCError(Status.INTERNAL, "padlocal: timeout")
        fake_gateway.say("r1", "alice", "报名")
        await until(lambda: "MessagePayload" not in fake_gateway.fail, "the failed load")
        fake_gateway.say("r1", "alice", "取消")
        await until(lambda: len(s.of_type(Message)) == 2, "both messages")
    assert [e.text for e in s.of_type(Message)] == ["报名", "取消"]


async def test_a_message_waiting_in_its_turn_to_be_read_again_is_read_after_a_reconnect(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        caplog: pytest.LogCaptureFixture) -> None:
    grpc_gateway.read_again_after = 60.0  # (not before the test ends: the login reads it)
    async with run_bot(grpc_gateway) as s:
        fake_gateway.fail["MessagePayload"] = GRPCError(Status.INTERNAL, "padlocal: timeout")
        fake_gateway.say("r1", "alice", "报名")
        await until(lambda: "it is read again soon" in caplog.text, "the failed load")
        fake_gateway.end_stream()
        await until(lambda: s.of_type(Message), "the message read after the login")
    assert [e.text for e in s.of_type(Message)] == ["报名"]
    assert "gave up" not in caplog.text


async def test_a_friend_request_the_gateway_fails_to_load_once_is_read_again(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    grpc_gateway.read_again_after = 0.05
    async with run_bot(grpc_gateway) as s:
        fake_gateway.fail["FriendshipPayload"] = GRPCError(Status.INTERNAL, "request timeout")
        fake_gateway.friend_request("frank", "Frank", "我想报名")
        await until(lambda: s.of_type(FriendRequest), "the request read again")
    [request] = s.of_type(FriendRequest)
    assert (request.contact.id, request.hello) == ("frank", "我想报名")


async def test_a_message_the_gateway_never_loads_is_given_up_after_three_tries(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        caplog: pytest.LogCaptureFixture) -> None:
    """One that makes the gateway fail every time, across its restarts too: not read for
    ever."""
    grpc_gateway.read_again_after = 0.05
    async with run_bot(grpc_gateway) as s:
        before = fake_gateway.calls.count("MessagePayload")
        fake_gateway.failing["MessagePayload"] = GRPCError(Status.INTERNAL, "poison")
        poison = fake_gateway.say("r1", "alice", "poison")
        await until(lambda: fake_gateway.calls.count("MessagePayload") == before + READS,
                    "three tries")
        streams = fake_gateway.streams_opened
        fake_gateway.end_stream()
        await until(lambda: fake_gateway.streams_opened > streams, "a restart")
        fake_gateway.end_stream()
        await until(lambda: fake_gateway.streams_opened > streams + 1, "another one")
        del fake_gateway.failing["MessagePayload"]
        fake_gateway.say("r1", "alice", "next")
        await until(lambda: s.of_type(Message), "the next message")
    assert fake_gateway.calls.count("MessagePayload") == before + READS + 1
    assert [e.text for e in s.of_type(Message)] == ["next"]
    [gave_up] = [r.getMessage() for r in caplog.records if "gave up" in r.getMessage()]
    assert gave_up == (f"gave up reading the message event {poison} after {READS} tries: loading"
                       " the message: the gateway answered INTERNAL: poison")


async def test_the_names_of_several_newcomers_are_looked_up_together(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    async with run_bot(grpc_gateway) as s:
        looked_up = fake_gateway.calls.count("RoomMemberPayload")
        slow = fake_gateway.hold("RoomMemberPayload", "dave")
        fake_gateway.join("r1", {"dave": "Dave", "erin": "Erin"}, inviter="alice")
        await until(lambda: fake_gateway.calls.count("RoomMemberPayload") == looked_up + 2,
                    "erin looked up while dave's lookup is slow")
        slow.set()
        await until(lambda: s.of_type(MemberJoined), "the join")
    [joined] = s.of_type(MemberJoined)
    assert [(m.id, m.name) for m in joined.members] == [("dave", "Dave"), ("erin", "Erin")]


async def test_a_join_delivered_as_the_stream_ends_is_read_again_after_the_login(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """The join is the last event on the stream: its callback starts once the connection is
    gone, with nobody to ask the newcomer's name. It is read again after the login, inviter
    and all, and the newcomer is welcomed by name, not by his wxid (review s36 r13 R13-8)."""
    async with run_bot(grpc_gateway) as s:
        fake_gateway.join("r1", {"dave": "Dave"}, inviter="alice")
        fake_gateway.end_stream()  # right behind it
        await until(lambda: [e for e in s.of_type(MemberJoined) if e.inviter], "the join", 8)
        await until(lambda: world.texts("r1") and not s.bot.outbox, "the welcome")
    [joined] = [e for e in s.of_type(MemberJoined) if e.inviter]
    assert ([(m.id, m.name) for m in joined.members], joined.inviter) == ([("dave", "Dave")],
                                                                          "alice")
    assert world.texts("r1") == ["@Dave 欢迎Dave"]


async def test_a_leave_delivered_as_the_stream_ends_is_read_again_after_the_login(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """As a join: by name, also for a member whose name the bot never looked up before."""
    async with run_bot(grpc_gateway) as s:
        world.contacts["erin"] = "Erin"
        world.rooms["r1"].members["erin"] = ""  # (joined unseen)
        fake_gateway.leave("r1", ["erin"], remover="alice")
        fake_gateway.end_stream()
        await until(lambda: [e for e in s.of_type(MemberLeft) if e.remover], "the leave", 8)
    [left] = [e for e in s.of_type(MemberLeft) if e.remover]
    assert ([(m.id, m.name) for m in left.members], left.remover) == ([("erin", "Erin")],
                                                                      "alice")


async def test_a_join_whose_name_lookup_the_stream_end_cuts_short_is_read_again(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """Read again after the login with who invited him (the comparison of member lists
    after the login finds the newcomer too, but not his inviter); welcomed once."""
    async with run_bot(grpc_gateway) as s:
        looked_up = fake_gateway.calls.count("RoomMemberPayload")
        fake_gateway.hold("RoomMemberPayload", "dave")  # never answered
        fake_gateway.join("r1", {"dave": "Dave"}, inviter="alice")
        await until(lambda: fake_gateway.calls.count("RoomMemberPayload") > looked_up,
                    "the lookup")
        fake_gateway.end_stream()
        await until(lambda: [e for e in s.of_type(MemberJoined) if e.inviter], "the join", 8)
        await until(lambda: world.texts("r1") and not s.bot.outbox, "the welcome")
    [joined] = [e for e in s.of_type(MemberJoined) if e.inviter]
    assert [(m.id, m.name) for m in joined.members] == [("dave", "Dave")]
    assert world.texts("r1") == ["@Dave 欢迎Dave"]


@pytest.mark.parametrize(("dave_left", "refreshed"), [(True, True), (False, True), (True, False)],
                         ids=["dave-left", "both-stayed", "no-refresh"])
async def test_a_join_read_again_is_checked_against_the_members_now(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, dave_left: bool, refreshed: bool) -> None:
    """dave and erin join as the stream ends. If dave leaves before the next stream opens,
    no leave reaches the bot: the join read again after the login checks the member list,
    and dave is neither welcomed to a group he is not in nor put in its roster (review s37
    r24 R24-6); erin is welcomed, her inviter kept. The list is the group's now: the
    gateway's details of it, cached before the join, do not list the newcomers, who were
    taken for members who left again (review s38 R29-1). A gateway that cannot refresh
    them cannot tell: the join is handled as it came (R30-7)."""
    if not refreshed:
        fake_gateway.failing["DirtyPayload"] = GRPCError(Status.UNIMPLEMENTED, "no")
    async with run_bot(grpc_gateway) as s:
        fake_gateway.cache_room("r1")  # the gateway's details of r1: from before the join
        fake_gateway.join("r1", {"dave": "Dave", "erin": "Erin"}, inviter="alice")
        fake_gateway.end_stream()
        if dave_left:
            world.rooms["r1"].members.pop("dave")  # left while no stream was open
        await until(lambda: grpc_gateway.online.is_set() and fake_gateway.streams_opened == 2,
                    "the login", 8)
        fake_gateway.say("r1", "bob", KEYWORD)  # in line after the join read again
        await until(lambda: KEYWORD_REPLY in world.texts("r1") and not s.bot.outbox,
                    "the reply", 8)
        present = await roster.present_names(s.bot.store, "r1")
    joined = ["erin"] if dave_left and refreshed else ["dave", "erin"]
    assert [t for t in world.texts("r1") if "欢迎" in t] == (
        ["@Erin 欢迎Erin"] if joined == ["erin"] else ["@Dave\u2005@Erin 欢迎Dave、Erin"])
    assert [([m.id for m in e.members], e.inviter) for e in s.of_type(MemberJoined)] == [
        (joined, "alice")]
    assert {"dave", "erin"} & set(present) == set(joined)


@pytest.mark.parametrize(("erin_back", "refreshed"), [(True, True), (False, True), (True, False)],
                         ids=["erin-back", "both-left", "no-refresh"])
async def test_a_leave_read_again_is_checked_against_the_members_now(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, erin_back: bool, refreshed: bool) -> None:
    """As a join read again (above): erin and frank leave as the stream ends. If erin comes
    back before the next stream opens, no join reaches the bot: the leave read again after
    the login checks the member list, and erin is not marked gone from a group she is in
    (whom the backstop's next comparison would then welcome as a newcomer; s38 f19); frank's
    leave is handled, its remover kept. A gateway that cannot refresh its details of the
    group cannot tell: the leave is handled as it came."""
    if not refreshed:
        fake_gateway.failing["DirtyPayload"] = GRPCError(Status.UNIMPLEMENTED, "no")
    async with run_bot(grpc_gateway) as s:
        for member, name in (("erin", "Erin"), ("frank", "Frank")):
            world.contacts[member] = name
            world.rooms["r1"].members[member] = ""  # (joined unseen)
        fake_gateway.cache_room("r1")  # the gateway's details of r1: from before the leave
        fake_gateway.leave("r1", ["erin", "frank"], remover="alice")
        fake_gateway.end_stream()
        if erin_back:
            world.rooms["r1"].members["erin"] = ""  # came back while no stream was open
        await until(lambda: [e for e in s.of_type(MemberLeft) if e.remover], "the leave", 8)
    left = ["frank"] if erin_back and refreshed else ["erin", "frank"]
    assert [([m.id for m in e.members], e.remover) for e in s.of_type(MemberLeft)] == [
        (left, "alice")]
