"""A flaky gateway, over real gRPC: the real python-wechaty client against the fake
puppet-service gateway failing between, inside and around the calls the bot makes. For each
fault: nothing lost, nothing done twice, nothing stuck, and the operator told."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import wechaty_support
from grpc_server import FakeGateway
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from puppet import BOT_ID, World
from wechaty_grpc.wechaty.puppet import EventType
from wechaty_support import KEYWORD, KEYWORD_REPLY, Session, default_handlers, until

from bot import app, audit, delivery, roster
from bot.actions import Kick, Say
from bot.adapters import wechaty as wechaty_adapter
from bot.adapters.base import GatewayError, Uncertain
from bot.adapters.wechaty import READS, WechatyGateway
from bot.events import Event, Message

RunBot = Callable[..., AbstractAsyncContextManager[Session]]


async def test_a_message_whose_group_fails_to_load_once_is_handled_when_it_loads(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """The bot was just added to r3: the first look at it fails. The core undoes the event
    (bot/pipeline.py); the gateway feeds it again, and it is answered once."""
    grpc_gateway.read_again_after = 0.05
    async with run_bot(grpc_gateway) as s:
        world.add_room("r3", "Recruitment 03", {"alice": "Alice"})
        fake_gateway.fail["RoomPayload"] = GRPCError(Status.INTERNAL, "room not loaded yet")
        fake_gateway.say("r3", "alice", KEYWORD)
        fake_gateway.say("r3", "alice", "after it")
        await until(lambda: world.texts("r3") and len(s.of_type(Message)) == 3,
                    "the reply, and the message after it")
    assert world.texts("r3") == [KEYWORD_REPLY]
    assert [e.text for e in s.of_type(Message)][-2:] == [KEYWORD, "after it"]  # in order


async def test_a_message_whose_group_never_loads_is_given_up_with_a_warning(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    grpc_gateway.read_again_after = 0.05
    async with run_bot(grpc_gateway):
        world.add_room("r3", "Recruitment 03", {"alice": "Alice"})
        before = fake_gateway.calls.count("RoomPayload")
        fake_gateway.failing["RoomPayload"] = GRPCError(Status.INTERNAL, "room not loaded")
        fake_gateway.say("r3", "alice", KEYWORD)
        await until(lambda: "gave up trying to handle" in caplog.text, "the warning")
        tries = fake_gateway.calls.count("RoomPayload") - before
        del fake_gateway.failing["RoomPayload"]
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: world.texts("r1"), "the next message handled")
    assert tries == READS
    assert world.texts("r3") == []
    [record] = [r for r in caplog.records if "gave up trying to handle" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert "group='r3'" in record.getMessage() and "room not loaded" in record.getMessage()


async def test_a_partial_member_list_is_not_taken_for_leaves(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        caplog: pytest.LogCaptureFixture) -> None:
    """RoomMemberList leaves bob out while the group's details list him (a gateway still
    loading the group): the comparison after the login must not record him as gone (his
    removal would then be skipped, and a welcome sent when the full list comes back)."""
    async with run_bot(grpc_gateway) as s:
        fake_gateway.left_out["RoomMemberList"] = {"bob"}
        fake_gateway.end_stream()  # the comparison after the next login reads the list
        await until(lambda: "cannot list the members of r1" in caplog.text,
                    "the comparison after the login")
        bob = await roster.entry(s.bot.store, "r1", "bob")
    assert bob is not None and bob.left_at is None
    assert "RoomMemberList gives 2 members of r1, RoomPayload 3" in caplog.text


async def test_a_removal_is_not_found_done_in_a_partial_member_list(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    """The list a removal whose answer was lost is checked against (bot/delivery.py)."""
    async with run_bot(grpc_gateway):
        fake_gateway.left_out["RoomMemberList"] = {"bob"}
        with pytest.raises(GatewayError, match="gives 2 members of r1, RoomPayload 3"):
            await grpc_gateway.members("r1")
        fake_gateway.left_out.clear()
        assert [m.id for m in await grpc_gateway.members("r1")] == [BOT_ID, "alice", "bob"]


# each action the outbox hands the gateway: the RPC that carries it out, and the call
ACTIONS: dict[str, tuple[str, Callable[[WechatyGateway], Coroutine[Any, Any, None]]]] = {
    "say": ("MessageSendText", lambda g: g.send_text("r1", "请看群公告", ("alice",))),
    "dm": ("MessageSendText", lambda g: g.send_dm("alice", "你好")),
    "kick": ("RoomDel", lambda g: g.remove_member("r1", "bob", "ads")),
    "invite": ("RoomAdd", lambda g: g.invite_member("r1", "dave")),
    "rename": ("RoomTopic", lambda g: g.set_topic("r1", "Recruitment 01 (full)")),
    "accept": ("FriendshipAccept", lambda g: g.accept_friend("fr1")),
}


def _for_actions(world: World) -> None:
    """Dave, whom ACTIONS invites, and frank's friend request fr1, which it accepts."""
    world.contacts.update({"dave": "Dave", "frank": "Frank"})
    world.friendships["fr1"] = ("frank", "我想报名")


# what the outbox may do again (bot/delivery.py)
REPEATED = ("kick", "invite", "rename", "accept")
WHY = {"restart": "the gateway closed the connection", "timeout": "did not answer within 1s"}


@pytest.mark.parametrize("lost", ["restart", "timeout"])
@pytest.mark.parametrize("kind", list(ACTIONS))
async def test_an_action_whose_answer_is_lost_is_uncertain_and_done_once(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, kind: str, lost: str) -> None:
    """WeChat did it, then the answer was lost: the gateway restarted before answering, or
    answered after the action's time. Uncertain (a message is not sent again); a removal,
    invitation or rename done again finds it done and does nothing more."""
    rpc, act = ACTIONS[kind]
    _for_actions(world)
    async with run_bot(grpc_gateway):
        # (1 s: every call has that time, and a loaded machine may stall the test longer than
        # a fraction of a second)
        grpc_gateway.action_timeout = 1.0 if lost == "timeout" else 5.0
        fake_gateway.after[rpc] = None  # carried out, never answered
        attempt = asyncio.create_task(act(grpc_gateway))
        await until(lambda: world.sent, "the action carried out")
        if lost == "restart":
            fake_gateway.end_stream()
        with pytest.raises(Uncertain, match=WHY[lost]):
            await attempt
        grpc_gateway.action_timeout = 5.0
        await until(grpc_gateway.online.is_set, "logged in")
        if kind in REPEATED:
            await act(grpc_gateway)
    assert len(world.sent) == 1, world.sent


@pytest.mark.parametrize("kind", REPEATED)
async def test_an_action_answered_with_an_error_although_done_is_not_done_again(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, kind: str) -> None:
    """WeChat did it, the gateway answered INTERNAL: the outbox tries again (bot/delivery.py),
    and the second try finds it done."""
    rpc, act = ACTIONS[kind]
    _for_actions(world)
    async with run_bot(grpc_gateway):
        fake_gateway.after[rpc] = GRPCError(Status.INTERNAL, "timeout of the provider")
        with pytest.raises(GatewayError, match="timeout of the provider"):
            await act(grpc_gateway)
        await act(grpc_gateway)
    assert len(world.sent) == 1, world.sent


async def test_a_slow_bot_is_not_reported_as_a_slow_gateway(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        caplog: pytest.LogCaptureFixture) -> None:
    """With a slow gateway the bot spends its time sending (the events wait for it): the
    warning when an event goes ahead of an earlier one must not send the operator looking for
    a lookup the gateway never answered."""
    grpc_gateway.action_timeout = 1.0  # (every call's time: a loaded machine stalls 0.3 s)
    async with run_bot(grpc_gateway) as s:
        feed, busy = s.bot.feed, asyncio.Event()

        async def slow(event: Event) -> None:
            if isinstance(event, Message) and event.text == "first":
                await busy.wait()
            await feed(event)

        s.bot.feed = slow  # type: ignore[method-assign]
        fake_gateway.say("r1", "alice", "first")
        fake_gateway.say("r1", "alice", "second")
        await until(lambda: "goes ahead of it" in caplog.text, "the next one going ahead")
        busy.set()
        await until(lambda: len(s.of_type(Message)) == 2, "both handled")
    assert "(the bot is slow to handle it)" in caplog.text
    assert "the gateway is slow to look it up" not in caplog.text
    assert "still being looked up" not in caplog.text


async def test_an_event_stream_ending_in_an_error_is_reconnected_and_named_in_the_log(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    async with run_bot(grpc_gateway):
        fake_gateway.end_stream(GRPCError(Status.INTERNAL, "puppet crashed"))
        await until(lambda: fake_gateway.streams_opened == 2 and grpc_gateway.online.is_set(),
                    "a second event stream")
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: world.texts("r1"), "the reply after reconnecting")
    assert "failed: the gateway answered INTERNAL: puppet crashed" in caplog.text


async def test_a_message_delivered_again_after_a_reconnect_is_answered_once(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    async with run_bot(grpc_gateway) as s:
        message = fake_gateway.say("r1", "alice", KEYWORD)
        fake_gateway.emit("message", {"messageId": message})  # twice on one stream
        await until(lambda: world.texts("r1") and len(s.of_type(Message)) == 2, "the reply")
        fake_gateway.end_stream()
        await until(lambda: fake_gateway.streams_opened == 2 and grpc_gateway.online.is_set(),
                    "a second event stream")
        fake_gateway.emit("message", {"messageId": message})  # and again on the new one
        fake_gateway.say("r1", "bob", "after it")
        await until(lambda: len(s.of_type(Message)) == 4, "both handled")
        await until(lambda: len(s.bot.outbox) == 0, "nothing more to send")
    assert world.texts("r1") == [KEYWORD_REPLY]


async def test_a_group_invitation_the_gateway_fails_to_accept_is_accepted_again(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    grpc_gateway.read_again_after = 0.05
    async with run_bot(grpc_gateway):
        fake_gateway.fail["RoomInvitationAccept"] = GRPCError(Status.UNAVAILABLE, "blip")
        invitation = fake_gateway.invite_bot()
        await until(lambda: world.actions("accept_invitation"), "the acceptance")
    assert world.actions("accept_invitation") == [
        {"action": "accept_invitation", "invitation": invitation}]


async def test_a_name_lookup_the_gateway_never_answers_does_not_stop_the_bot(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """The welcome looks up the newcomer's WeChat name for its @mention while the bot holds
    its turn (bot/app.py sends between events): unanswered, it stopped every send and every
    event after it, without a word. Now the name lookup gives up after an action's time and
    the last known name is used."""
    grpc_gateway.action_timeout = 1.0
    async with run_bot(grpc_gateway) as s:
        fake_gateway.hold("ContactPayload", "dave")  # never answered
        fake_gateway.join("r1", {"dave": "Dave"}, inviter="alice")
        await until(lambda: "ContactPayload" in fake_gateway.calls[-1:], "the name lookup")
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: len(world.texts("r1")) == 2, "the welcome, then the reply")
        fake_gateway.hold("RoomMemberPayload", "bob")  # a member list's names: the same
        fake_gateway.hold("ContactPayload", "bob")
        members = await s.bot.members("r1")
    assert world.texts("r1") == ["@Dave 欢迎Dave", KEYWORD_REPLY]
    assert ("bob", "Bob") in [(m.id, m.name) for m in members]


async def test_a_gateway_that_does_not_answer_start_is_named_in_the_log_until_it_does(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The gateway restarts and its puppet is slow to start: the bot waited for Start without
    a word (offline, what it has to send held back)."""
    monkeypatch.setattr(wechaty_adapter, "START_PATIENCE", 0.1)
    async with run_bot(grpc_gateway):
        starting = fake_gateway.hold("Start", "")
        fake_gateway.end_stream()
        await until(lambda: caplog.text.count("has not answered Start for 0.1s") >= 2,
                    "the warnings while it waits")
        starting.set()
        await until(grpc_gateway.online.is_set, "the login once Start is answered")
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: world.texts("r1"), "the reply")
    assert "its puppet may be stuck starting" in caplog.text


@pytest.mark.parametrize(("kind", "partial"), [("kick", "bob"), ("invite", "")])
async def test_a_removal_or_invitation_is_not_skipped_on_a_partial_group_payload(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, kind: str, partial: str) -> None:
    """RoomPayload leaves bob out (a gateway still loading the group): the removal found him
    gone and did nothing, reported done (and announced) while he stayed. An invitation whose
    RoomPayload lists dave, who is not in the group (a stale payload), the same."""
    _, act = ACTIONS[kind]
    world.contacts["dave"] = "Dave"
    async with run_bot(grpc_gateway):
        if partial:
            fake_gateway.left_out["RoomPayload"] = {partial}
        else:  # RoomMemberList leaves dave out; the payload lists him
            world.rooms["r1"].members["dave"] = ""
            fake_gateway.left_out["RoomMemberList"] = {"dave"}
        with pytest.raises(GatewayError, match="may still be loading the group"):
            await act(grpc_gateway)
        fake_gateway.left_out.clear()
        if not partial:
            del world.rooms["r1"].members["dave"]
        await act(grpc_gateway)  # the outbox's next try
    assert len(world.sent) == 1, world.sent


@pytest.mark.parametrize("kind", ["rename", "kick", "invite", "accept_friend"])
async def test_a_first_action_is_not_found_done_on_a_stale_cache(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, kind: str) -> None:
    """The gateway caches a group's details: after a member renamed r1, or dave joined it a
    moment ago, or left it, they still show r1 as before; and a contact's: dave, a friend who
    removed the bot, is still shown as one. Setting the name back, removing dave, inviting
    him or accepting his new friend request must not be found done on them (nothing done,
    reported done): the bot drops the cached details (DirtyPayload) before it looks."""
    world.contacts["dave"] = "Dave"
    world.friendships["fr1"] = ("dave", "我想报名")
    if kind == "invite":
        world.rooms["r1"].members["dave"] = ""
    world.friends.add("dave")
    async with run_bot(grpc_gateway):
        fake_gateway.cache_room("r1")
        fake_gateway.cache_contact("dave")
        world.friends.discard("dave")
        if kind == "accept_friend":
            await grpc_gateway.accept_friend("fr1")
        elif kind == "rename":
            world.rooms["r1"].topic = "Recruitment 01 ads"
            await grpc_gateway.set_topic("r1", "Recruitment 01")
        elif kind == "kick":
            world.rooms["r1"].members["dave"] = ""
            await grpc_gateway.remove_member("r1", "dave", "ads")
        else:
            del world.rooms["r1"].members["dave"]
            await grpc_gateway.invite_member("r1", "dave")
    assert [a["action"] for a in world.sent] == [kind]
    assert world.rooms["r1"].topic == "Recruitment 01"
    assert ("dave" in world.rooms["r1"].members) == (kind == "invite")
    assert ("dave" in world.friends) == (kind == "accept_friend")


async def test_a_gateway_that_cannot_drop_its_cache_is_read_as_it_is(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    async with run_bot(grpc_gateway):
        fake_gateway.failing["DirtyPayload"] = GRPCError(Status.UNIMPLEMENTED, "no such call")
        await grpc_gateway.remove_member("r1", "bob", "ads")
    assert world.actions("kick") == [{"action": "kick", "room": "r1", "member": "bob"}]


async def test_what_waited_while_logged_out_goes_once_after_the_gateway_restarts(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    async with run_bot(grpc_gateway) as s:
        fake_gateway.logout()
        await until(lambda: not grpc_gateway.online.is_set(), "the logout")
        fake_gateway.say("r1", "alice", KEYWORD)
        fake_gateway.say("r1", "bob", KEYWORD)
        await until(lambda: len(s.bot.outbox) == 2, "both replies queued")
        fake_gateway.end_stream()  # the gateway restarts, and logs in on its new stream
        await until(lambda: len(world.texts("r1")) == 2, "both replies")
        await until(lambda: len(s.bot.outbox) == 0, "nothing more to send")
    assert world.texts("r1") == [KEYWORD_REPLY, KEYWORD_REPLY]
    assert fake_gateway.streams_opened == 2


async def test_a_login_as_another_account_is_an_error_in_the_log(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        caplog: pytest.LogCaptureFixture) -> None:
    """The phone logged the bot out and someone scanned the new QR code with another account:
    the bot goes on as that account (its login id wins), and the operator must hear of it
    louder than of a bot.yaml id never filled in."""
    async with run_bot(grpc_gateway):
        fake_gateway.logout()
        await until(lambda: not grpc_gateway.online.is_set(), "the logout")
        fake_gateway.emit("login", {"contactId": "wxid_other"})
        await until(grpc_gateway.online.is_set, "the second login")
    assert grpc_gateway.self_id == "wxid_other"
    [record] = [r for r in caplog.records if "another account than before" in r.getMessage()]
    assert record.levelno == logging.ERROR
    assert "'wxid_other', another account than before ('wxid_bot')" in record.getMessage()


async def test_a_welcome_whose_mention_lookup_spans_a_reconnect_goes_at_once_after_it(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """The send went to the connection closed meanwhile: a failed attempt ('puppet_stub
    should not be none'), tried again only after the 5 s back-off although the bot was back.
    Now it is Disconnected (nothing was sent), and goes as soon as the bot is logged in."""
    async with run_bot(grpc_gateway) as s:
        fake_gateway.hold("ContactPayload", "dave")
        fake_gateway.join("r1", {"dave": "Dave"}, inviter="alice")
        await until(lambda: "ContactPayload" in fake_gateway.calls[-1:],
                    "the welcome's name lookup")
        fake_gateway.end_stream()
        await until(lambda: world.texts("r1"), "the welcome, on the new connection")
        await until(lambda: len(s.bot.outbox) == 0, "nothing more to send")
    assert world.texts("r1") == ["@Dave 欢迎Dave"]


async def test_a_group_the_bot_joins_gets_its_schedules_when_the_first_listing_fails(
        run_bot: RunBot, make_config: Callable[..., Path], grpc_gateway: WechatyGateway,
        fake_gateway: FakeGateway, world: World) -> None:
    """The bot is added to r3: the groups are bound again (their schedules rebuilt) once, and
    a failed listing left r3 without its scheduled pushes until the next login."""
    grpc_gateway.read_again_after = 0.05
    push = {"push": {"schedules": [{"id": "daily", "cron": "0 9 * * *", "text": "早安"}]}}
    async with run_bot(grpc_gateway, make_config([push])) as s:
        world.add_room("r3", "Recruitment 03", {"alice": "Alice"})
        fake_gateway.fail["RoomList"] = GRPCError(Status.INTERNAL, "rooms not loaded")
        fake_gateway.join("r3", {BOT_ID: "Helper"}, inviter="alice")
        await until(lambda: s.bot.scheduler.next_fire("r3", "push", "daily") is not None,
                    "r3's push scheduled")
    assert "RoomList" not in fake_gateway.fail


# a logout the library does not report: one without the account's id (it cannot decode it),
# or a gateway that lost its login without a logout event and asks for a new scan
SILENT_LOGOUTS = {
    "logout without contactId": (EventType.EVENT_TYPE_LOGOUT, '{"data": "kicked out"}'),
    "logout {}": (EventType.EVENT_TYPE_LOGOUT, "{}"),
    "empty logout": (EventType.EVENT_TYPE_LOGOUT, ""),
    "login QR code": (EventType.EVENT_TYPE_SCAN,
                      '{"status": 2, "qrcode": "https://login.weixin.qq.com/l/x"}'),
}


@pytest.mark.parametrize("event", list(SILENT_LOGOUTS))
async def test_a_logout_the_library_does_not_report_still_logs_the_bot_out(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture, event: str) -> None:
    """The bot went on as if logged in, so what it sent met a logged-out gateway (failed
    attempts, given up) instead of waiting for the next login."""
    async with run_bot(grpc_gateway) as s:
        fake_gateway.emit_raw(*SILENT_LOGOUTS[event])
        await until(lambda: not grpc_gateway.online.is_set(), "the logout")
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: len(s.bot.outbox) == 1, "the reply, waiting for the login")
        fake_gateway.login()
        await until(lambda: world.texts("r1"), "the reply after the login")
    assert world.texts("r1") == [KEYWORD_REPLY]
    assert "logged out of WeChat (wxid_bot)" in caplog.text

async def test_the_names_a_welcome_mentions_are_looked_up_together(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """One after the other, a gateway slow on each made the bot (which sends inside its turn)
    wait once per newcomer."""
    async with run_bot(grpc_gateway):
        before = fake_gateway.calls.count("ContactPayload")
        slow = [fake_gateway.hold("ContactPayload", m) for m in ("dave", "erin")]
        fake_gateway.join("r1", {"dave": "Dave", "erin": "Erin"}, inviter="alice")
        await until(lambda: fake_gateway.calls.count("ContactPayload") == before + 2,
                    "both names looked up at once")
        for held in slow:
            held.set()
        await until(lambda: world.texts("r1"), "the welcome")
    assert world.texts("r1") == ["@Dave\u2005@Erin 欢迎Dave、Erin"]


async def test_a_group_whose_details_fail_to_load_does_not_hold_up_the_others(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """The gateway cannot load r2's details any more (INTERNAL, every time): the look at the
    groups after the next login failed as a whole, again and again, and nothing was sent in
    any group; and r2's welcomes waited for its details. r2 is now taken with its last known
    details."""
    async with run_bot(grpc_gateway):
        world.broken.add("r2")
        fake_gateway.end_stream()
        await until(lambda: fake_gateway.streams_opened == 2 and grpc_gateway.online.is_set(),
                    "the login after the restart")
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: world.texts("r1"), "the reply in r1")
        fake_gateway.join("r2", {"dave": "Dave"}, inviter="alice")
        await until(lambda: world.texts("r2"), "the welcome in r2 itself")
        groups = await grpc_gateway.groups()
    assert [(g.id, g.topic) for g in groups] == [("r1", "Recruitment 01"),
                                                 ("r2", "Recruitment 02")]
    assert ("looking up r2: the gateway answered INTERNAL: cannot load r2; using its last"
            " known details") in caplog.text


def _adapter_tasks() -> list[asyncio.Task[Any]]:
    """The tasks of the gateway's event callbacks still alive."""
    return [t for t in asyncio.all_tasks() if not t.done()
            and getattr(t.get_coro(), "__qualname__", "").startswith("WechatyGateway.")]


@pytest.mark.parametrize("when", ["logged in", "logged out", "reconnecting"])
async def test_a_stop_while_an_event_waits_to_be_tried_again_gives_it_up_with_a_warning(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture, when: str) -> None:
    """r3's message waits to be fed again when the bot stops: it was lost with only an INFO
    line; and stopped while the gateway waited to reconnect, the retry was left waiting for
    a login, after the store had closed."""
    grpc_gateway.read_again_after = 1.0  # (the stop comes before the next try)
    caplog.set_level(logging.INFO, logger="bot.adapters.wechaty")
    async with run_bot(grpc_gateway):
        world.add_room("r3", "Recruitment 03", {"alice": "Alice"})
        fake_gateway.failing["RoomPayload"] = GRPCError(Status.INTERNAL, "room not loaded")
        fake_gateway.say("r3", "alice", KEYWORD)
        await until(lambda: "trying again" in caplog.text, "the first failure")
        if when == "logged out":
            fake_gateway.logout()
            await until(lambda: not grpc_gateway.online.is_set(), "the logout")
        elif when == "reconnecting":
            grpc_gateway.reconnect_initial = 30.0
            fake_gateway.end_stream()
            await until(lambda: "reconnecting to" in caplog.text, "the wait to reconnect")
    assert _adapter_tasks() == []
    [record] = [r for r in caplog.records if "gave up" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert "handle Message(" in record.getMessage() and "group='r3'" in record.getMessage()
    assert "the bot stopped" in record.getMessage()


async def test_a_stop_while_the_gateway_answers_neither_stop_nor_start_ends(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the bot waits for the gateway's answer to Stop (on reconnecting): the
    bot then waited for Start, unanswered too, for ever."""
    monkeypatch.setattr(wechaty_adapter, "START_PATIENCE", 0.1)
    monkeypatch.setattr(wechaty_adapter, "STOP_TIMEOUT", 0.2)
    async with run_bot(grpc_gateway):
        grpc_gateway.reconnect_initial = 0.3
        stops = fake_gateway.calls.count("Stop")
        fake_gateway.end_stream()
        await until(lambda: fake_gateway.calls.count("Stop") == stops + 1, "the goodbye")
        fake_gateway.hold("Stop", "")  # on reconnecting
        fake_gateway.hold("Start", "")
        await until(lambda: "has not answered Stop" in caplog.text, "the wait for Stop")
        fake_gateway.hold("Stop", "")  # the goodbye on stopping is not answered either
        [run] = [t for t in asyncio.all_tasks()
                 if getattr(t.get_coro(), "__qualname__", "") == "WechatyGateway.run"]
        run.cancel()
        await asyncio.wait({run}, timeout=1.0)
        assert run.done(), "the gateway did not stop within 1 s"
    assert fake_gateway.calls.count("Stop") == stops + 3
    assert "has not answered Start" not in caplog.text


async def test_a_group_invitation_accepted_but_unanswered_is_not_accepted_again(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """The gateway accepted it, then its answer was lost: the group list shows the bot in a
    new group, so it is not accepted a second time."""
    grpc_gateway.read_again_after = 0.05
    caplog.set_level(logging.INFO, logger="bot.adapters.wechaty")
    async with run_bot(grpc_gateway):
        grpc_gateway.action_timeout = 1.0  # (every call's time: not a fraction of a second)
        fake_gateway.after["RoomInvitationAccept"] = None  # done, never answered
        invitation = fake_gateway.invite_bot()
        await until(lambda: "the bot is in invited" in caplog.text, "the settling")
        await asyncio.sleep(0.2)  # (the time of two more tries)
    assert world.actions("accept_invitation") == [
        {"action": "accept_invitation", "invitation": invitation}]
    assert f"accepted the group invitation {invitation}: the bot is in invited" in caplog.text


async def test_a_group_invitation_answered_internal_is_settled_and_accepted_again(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """The gateway's puppet threw before doing anything: INTERNAL, which does not say whether
    it was done. It was never tried again, and the invitation delivered again was dropped for
    good: the bot never joined. Now the group list settles it (not in a new group), and it
    is accepted again, once; the delivery meanwhile is dropped."""
    grpc_gateway.read_again_after = 0.2
    caplog.set_level(logging.INFO, logger="bot.adapters.wechaty")
    async with run_bot(grpc_gateway):
        fake_gateway.fail["RoomInvitationAccept"] = GRPCError(Status.INTERNAL, "puppet threw")
        invitation = fake_gateway.invite_bot()
        await until(lambda: "RoomInvitationAccept" in fake_gateway.calls, "the first try")
        fake_gateway.emit("room-invite", {"roomInvitationId": invitation})  # delivered again
        await until(lambda: world.actions("accept_invitation"), "the acceptance")
        await asyncio.sleep(0.5)  # (the time of another try)
    assert world.actions("accept_invitation") == [
        {"action": "accept_invitation", "invitation": invitation}]
    assert world.invitations[invitation].id in world.rooms
    assert fake_gateway.calls.count("RoomInvitationAccept") == 2
    assert "dropped a duplicate room-invite event" in caplog.text
    assert "the bot is in no new group, so it is accepted again" in caplog.text


async def test_a_group_invitation_delivered_again_while_it_is_tried_again_is_accepted_once(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    grpc_gateway.read_again_after = 0.1
    caplog.set_level(logging.INFO, logger="bot.adapters.wechaty")
    async with run_bot(grpc_gateway):
        fake_gateway.fail["RoomInvitationAccept"] = GRPCError(Status.UNAVAILABLE, "blip")
        invitation = fake_gateway.invite_bot()
        await until(lambda: "RoomInvitationAccept" in fake_gateway.calls, "the first try")
        fake_gateway.emit("room-invite", {"roomInvitationId": invitation})
        await until(lambda: world.actions("accept_invitation"), "the acceptance")
        await asyncio.sleep(0.3)  # (the time of the other's next try)
    assert world.actions("accept_invitation") == [
        {"action": "accept_invitation", "invitation": invitation}]
    assert "dropped a duplicate room-invite event" in caplog.text


async def test_a_rename_fed_again_after_a_failed_lookup_still_tells_the_admins(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """alice (no admin) renames r1 and the look at the group fails (the gateway lost its own
    connection): the event is undone and fed again. The first try had kept the new name in
    memory, so the second found nothing renamed and the admins were never told."""
    grpc_gateway.read_again_after = 0.05
    caplog.set_level(logging.INFO, logger="bot.adapters.wechaty")
    world.contacts["admin1"] = "Admin"
    async with run_bot(grpc_gateway) as s:
        fake_gateway.fail["RoomPayload"] = GRPCError(Status.UNAVAILABLE, "blip")
        fake_gateway.rename_room("r1", "Recruitment 01 ads", changer="alice")
        await until(lambda: world.texts("admin1"), "the admins told")
        await until(lambda: len(s.bot.outbox) == 0, "nothing more to send")
    assert "could not handle GroupRenamed" in caplog.text  # (the first try was undone)
    [told] = world.texts("admin1")
    assert "「Recruitment 01」(r1) 被 alice 改名为「Recruitment 01 ads」" in told


async def test_an_old_login_qr_code_timing_out_while_logged_in_keeps_the_login(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """A scan event with status Timeout says a QR code expired, not that the login is lost
    (a new code to scan comes as Waiting): the bot logged out and its replies waited for a
    login that never came."""
    async with run_bot(grpc_gateway):
        fake_gateway.emit_raw(EventType.EVENT_TYPE_SCAN,
                              '{"status": 5, "qrcode": "https://login.weixin.qq.com/l/old"}')
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: world.texts("r1"), "the reply")
        assert grpc_gateway.online.is_set()
    assert "logged out" not in caplog.text


@pytest.mark.parametrize("logged_in", [True, False])
async def test_a_stop_while_a_message_waits_to_be_read_again_gives_it_up_with_a_warning(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        caplog: pytest.LogCaptureFixture, logged_in: bool) -> None:
    """The gateway could not load the message (its provider failed): it is read again soon,
    or after the next login (the bot was logged out); the bot stops first."""
    grpc_gateway.read_again_after = 5.0
    async with run_bot(grpc_gateway):
        if not logged_in:
            fake_gateway.logout()
            await until(lambda: not grpc_gateway.online.is_set(), "the logout")
        fake_gateway.fail["MessagePayload"] = GRPCError(Status.INTERNAL, "blip")
        message = fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: "it is read again" in caplog.text, "the failed read")
    [record] = [r for r in caplog.records if "gave up reading" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == f"gave up reading the message event {message}: the bot stopped"


async def test_a_name_lookup_left_unanswered_is_not_made_again_for_the_next_send(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """Each send mentioning dave, whose lookup the gateway never answers, held the bot an
    action's time: the next ones use his last known name (here his id) at once."""
    async with run_bot(grpc_gateway):
        grpc_gateway.action_timeout = 1.0  # (every call's time: not a fraction of a second)
        fake_gateway.hold("ContactPayload", "dave")
        await grpc_gateway.send_text("r1", "请看群公告", ("dave",))
        lookups = fake_gateway.calls.count("ContactPayload")
        fake_gateway.hold("ContactPayload", "dave")  # (it would not answer this one either)
        await grpc_gateway.send_text("r1", "再看一遍", ("dave",))
        assert fake_gateway.calls.count("ContactPayload") == lookups
        await grpc_gateway.send_text("r1", "alice", ("alice",))  # the others are looked up
    assert world.texts("r1") == ["@dave 请看群公告", "@dave 再看一遍", "@Alice alice"]


@pytest.mark.parametrize("status", [Status.INTERNAL, Status.UNKNOWN])
async def test_a_reply_answered_with_an_error_although_delivered_is_sent_once(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture, status: Status) -> None:
    """WeChat delivered it, then the gateway's puppet failed (the TypeScript gateway answers
    INTERNAL for whatever its puppet throws): whether it went cannot be told, so it is not
    sent again (a retry sent it twice); the log and the audit log say so."""
    async with run_bot(grpc_gateway) as s:
        fake_gateway.after["MessageSendText"] = GRPCError(status, "provider timeout")
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: world.texts("r1"), "the reply delivered")
        await until(lambda: len(s.bot.outbox) == 0, "the reply done with")
        rows = [r.action for r in await audit.records(s.bot.store)]
    assert world.texts("r1") == [KEYWORD_REPLY]
    assert "say_uncertain" in rows
    assert "may or may not have gone" in caplog.text and "provider timeout" in caplog.text


async def test_a_group_invitation_delivered_again_after_it_was_given_up_is_tried_again(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """The gateway failed every try to accept it, then delivered it again (within a minute):
    it was dropped as a duplicate, and the bot never joined."""
    grpc_gateway.read_again_after = 0.05
    caplog.set_level(logging.INFO, logger="bot.adapters.wechaty")
    async with run_bot(grpc_gateway):
        fake_gateway.failing["RoomInvitationAccept"] = GRPCError(Status.UNAVAILABLE, "blip")
        invitation = fake_gateway.invite_bot()
        await until(lambda: "gave up trying to accept the group invitation" in caplog.text,
                    "the invitation given up")
        del fake_gateway.failing["RoomInvitationAccept"]
        fake_gateway.emit("room-invite", {"roomInvitationId": invitation})
        await until(lambda: world.actions("accept_invitation"), "the acceptance")
        fake_gateway.emit("room-invite", {"roomInvitationId": invitation})  # accepted: dropped
        await until(lambda: "dropped a duplicate room-invite event" in caplog.text,
                    "the third delivery dropped")
    assert world.actions("accept_invitation") == [
        {"action": "accept_invitation", "invitation": invitation}]


async def test_a_group_invitation_delivered_again_much_later_is_not_accepted_again(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Accepted (or may have been): a delivery after any time is a duplicate, not only one
    within the minute in which repeated events are dropped."""
    monkeypatch.setattr(wechaty_adapter, "DEDUPE_SECONDS", 0.0)
    caplog.set_level(logging.INFO, logger="bot.adapters.wechaty")
    async with run_bot(grpc_gateway):
        invitation = fake_gateway.invite_bot()
        await until(lambda: world.actions("accept_invitation"), "the acceptance")
        fake_gateway.emit("room-invite", {"roomInvitationId": invitation})
        await until(lambda: "dropped a duplicate room-invite event" in caplog.text,
                    "the second delivery dropped")
    assert len(world.actions("accept_invitation")) == 1


async def test_groups_that_cannot_be_listed_after_a_reconnect_do_not_hold_up_the_sends(
        run_bot: RunBot, make_config: Callable[..., Path], grpc_gateway: WechatyGateway,
        fake_gateway: FakeGateway, world: World, caplog: pytest.LogCaptureFixture) -> None:
    """RoomList fails on every call after the login on a new connection: the bot looked at
    its groups again and again, and sent nothing anywhere until the list came. Now the groups
    listed last are used meanwhile, and the list is read again until it comes (r3, joined
    meanwhile, is then bound: its push is scheduled)."""
    grpc_gateway.read_again_after = 0.1
    # half a day from now in the bot's zone (it runs on the real clock): "0 9 * * *" failed
    # every run between 09:00 and its 10 minutes' grace, Shanghai time (a run made up)
    hour = (datetime.now(ZoneInfo("Asia/Shanghai")).hour + 12) % 24
    push = {"push": {"schedules": [{"id": "daily", "cron": f"0 {hour} * * *", "text": "早安"}]}}
    async with run_bot(grpc_gateway, make_config([*default_handlers(), push])) as s:
        fake_gateway.failing["RoomList"] = GRPCError(Status.INTERNAL, "rooms not loaded")
        world.add_room("r3", "Recruitment 03", {"alice": "Alice"})
        fake_gateway.end_stream()
        await until(lambda: fake_gateway.streams_opened == 2 and grpc_gateway.online.is_set(),
                    "the login on the new connection")
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: world.texts("r1"), "the reply while the groups cannot be listed")
        await until(lambda: "could not list the groups again" in caplog.text, "a second try")
        assert s.bot.scheduler.next_fire("r3", "push", "daily") is None
        del fake_gateway.failing["RoomList"]
        await until(lambda: s.bot.scheduler.next_fire("r3", "push", "daily") is not None,
                    "r3 bound once the list comes")
    assert world.texts("r1") == [KEYWORD_REPLY]
    assert ("could not list the groups (listing the groups: the gateway answered INTERNAL:"
            " rooms not loaded): the 2 groups listed last are used until the list comes"
            ) in caplog.text


async def _log_in_as_another_account(fake_gateway: FakeGateway, grpc_gateway: WechatyGateway,
                                     world: World) -> None:
    fake_gateway.logout()
    await until(lambda: not grpc_gateway.online.is_set(), "the logout")
    world.self_id = "wxid_other"  # the new QR code scanned with another account
    fake_gateway.login()
    await until(lambda: grpc_gateway.self_id == "wxid_other", "the other account's login")


@pytest.mark.parametrize("what", ["message", "invitation"])
async def test_a_retry_after_a_login_as_another_account_is_given_up(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture, what: str) -> None:
    """What came to the bot's account waits to be tried again when WeChat logs in as
    another: the retry replied, as the other account, in a group it may not be in, and
    accepted an invitation that was not its own."""
    grpc_gateway.read_again_after = 1.0  # (the logout and the login come before the retry)
    async with run_bot(grpc_gateway):
        if what == "message":
            world.add_room("r3", "Recruitment 03", {"alice": "Alice"})
            fake_gateway.fail["RoomPayload"] = GRPCError(Status.UNAVAILABLE, "blip")
            fake_gateway.say("r3", "alice", KEYWORD)
        else:
            fake_gateway.fail["RoomInvitationAccept"] = GRPCError(Status.UNAVAILABLE, "blip")
            fake_gateway.invite_bot()
        await until(lambda: not fake_gateway.fail, "the first try failed")
        await _log_in_as_another_account(fake_gateway, grpc_gateway, world)
        await until(lambda: "gave up trying to" in caplog.text, "the retry given up")
    assert world.texts("r3") == [] and world.actions("accept_invitation") == []
    assert "WeChat logged in as another account ('wxid_other', before 'wxid_bot')" in caplog.text


async def test_a_message_to_read_again_after_a_login_as_another_account_is_given_up(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    async with run_bot(grpc_gateway):
        fake_gateway.logout()
        await until(lambda: not grpc_gateway.online.is_set(), "the logout")
        fake_gateway.fail["MessagePayload"] = GRPCError(Status.INTERNAL, "blip")
        message = fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: "read again after the next login" in caplog.text, "the failed read")
        world.self_id = "wxid_other"
        fake_gateway.login()
        await until(lambda: "gave up reading" in caplog.text, "the read given up")
        fake_gateway.say("r1", "bob", KEYWORD)  # the other account's own: answered
        await until(lambda: world.texts("r1"), "the reply to bob")
    assert world.texts("r1") == [KEYWORD_REPLY]
    assert f"gave up reading the message event {message}: it came to 'wxid_bot'" in caplog.text


async def test_a_retry_woken_by_the_login_sends_only_after_the_groups_are_looked_at(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """r3's message waits to be handled again when the bot is logged out; the login wakes
    it at once, while the look at the groups after the login is still waiting for RoomList.
    Fine as it is: the look holds the bot's turn, so the retry is handled after it (or, had
    it come first, its reply would wait for the look as everything sent after a login)."""
    grpc_gateway.read_again_after = 1.0  # (the logout comes before the retry)
    async with run_bot(grpc_gateway) as s:
        world.add_room("r3", "Recruitment 03", {"alice": "Alice"})
        fake_gateway.fail["RoomPayload"] = GRPCError(Status.UNAVAILABLE, "blip")
        fake_gateway.say("r3", "alice", KEYWORD)
        await until(lambda: not fake_gateway.fail, "the first try failed")
        fake_gateway.logout()
        await until(lambda: not grpc_gateway.online.is_set(), "the logout")
        listing = fake_gateway.hold("RoomList", "")
        fake_gateway.login()
        await until(lambda: "RoomList" in fake_gateway.calls[-3:], "the look after the login")
        await asyncio.sleep(0.3)  # (the retry's time, and more: the login woke it)
        assert world.texts("r3") == []
        listing.set()
        await until(lambda: world.texts("r3"), "the reply, after the look")
        await until(lambda: len(s.bot.outbox) == 0, "nothing more to send")
    assert world.texts("r3") == [KEYWORD_REPLY]


async def test_a_removal_that_may_be_done_is_announced_when_no_member_list_can_settle_it(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The removal's answer was lost (WeChat did it), and every later check against the
    member list failed (a partial list): each check counted as a failed removal, charged to
    the removals' budget, and at the last the removal was given up as surely not done, its
    announcement dropped, though it may well have been done (it was)."""
    monkeypatch.setattr(delivery, "backoff", lambda attempts: timedelta(seconds=0.05))
    async with run_bot(grpc_gateway) as s:
        grpc_gateway.action_timeout = 1.0
        fake_gateway.after["RoomDel"] = None  # done, never answered
        fake_gateway.left_out["RoomMemberList"] = {"alice"}  # the lists never agree
        async with s.bot.turn():
            await s.bot.outbox.put_all([Kick("r1", "bob", "ads"), Say("r1", "bob 已被移出")],
                                       source="antispam", admins=s.bot.admins)
        await until(lambda: world.texts("r1"), "the announcement")
        await until(lambda: len(s.bot.outbox) == 0, "nothing more to send")
        rows = [r.action for r in await audit.records(s.bot.store)]
        await s.bot.store.flush()
        charged = await s.bot.store.one(
            "SELECT COUNT(*) FROM governor_sends WHERE budget = 'removals'")
    assert world.actions("kick") == [{"action": "kick", "room": "r1", "member": "bob"}]
    assert world.texts("r1") == ["bob 已被移出"]
    assert "say_dropped" not in rows and "kick_send_failed" in rows
    assert charged is not None and charged[0] == 1  # the removal itself, not each check


async def test_groups_never_listed_since_the_start_hold_the_sends_until_the_list_comes(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """RoomList fails from the first login on: the bot has no list of its groups to go on,
    so nothing is sent (no send may go to a group the gateway has not loaded); it looks
    again and again, saying so, and what waits goes once the list comes."""
    async def no_first_looks(bot: object) -> None:
        return None

    # (the fixture's own first look at the groups, made before a test, would fail here)
    monkeypatch.setattr(wechaty_support, "first_looks", no_first_looks)
    monkeypatch.setattr(app, "LOOK_AGAIN", timedelta(seconds=0.1))
    fake_gateway.failing["RoomList"] = GRPCError(Status.INTERNAL, "rooms not loaded")
    async with run_bot(grpc_gateway) as s:
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: len(s.bot.outbox) == 1, "the reply, waiting")
        await until(lambda: caplog.text.count("could not look at the groups after the login")
                    >= 2, "the looks, each logged")
        assert world.texts("r1") == []
        del fake_gateway.failing["RoomList"]
        await until(lambda: world.texts("r1"), "the reply once the list comes")
    assert world.texts("r1") == [KEYWORD_REPLY]


async def test_the_groups_of_another_account_do_not_stand_in_for_a_failing_list(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """WeChat logs in as another account and RoomList fails: the groups listed last were
    the first account's, so they are not used; the bot waits for the new account's list."""
    monkeypatch.setattr(app, "LOOK_AGAIN", timedelta(seconds=0.1))
    async with run_bot(grpc_gateway) as s:
        fake_gateway.failing["RoomList"] = GRPCError(Status.INTERNAL, "rooms not loaded")
        await _log_in_as_another_account(fake_gateway, grpc_gateway, world)
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: len(s.bot.outbox) == 1, "the reply, waiting")
        await until(lambda: "could not look at the groups after the login" in caplog.text,
                    "the look, failed")
        assert world.texts("r1") == []
        del fake_gateway.failing["RoomList"]
        await until(lambda: world.texts("r1"), "the reply once the list comes")
    assert "groups listed last are used" not in caplog.text
