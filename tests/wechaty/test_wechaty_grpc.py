"""End to end: the bot, the real python-wechaty gRPC client, and a puppet-service gateway on
127.0.0.1 speaking the real `wechaty.Puppet` service."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from grpc_server import FakeGateway
from puppet import BOT_ID, World
from wechaty_grpc.wechaty.puppet import EventType
from wechaty_support import KEYWORD, KEYWORD_REPLY, Session, default_handlers, until

from bot import roster
from bot.adapters.wechaty import WechatyGateway
from bot.events import Message
from handlers import REGISTRY

RunBot = Callable[..., AbstractAsyncContextManager[Session]]

ANTISPAM = {"antispam": {"warn_limit": 2, "kinds": {"link": "warn"}}}
FRIENDS = {"friends": {"accept": "all"}}
INVITE = {"invite": {"words": ["报名"], "to": "recruitment"}}


def needs(handler: str) -> None:
    if handler not in REGISTRY:
        pytest.skip(f"handler {handler} not in REGISTRY yet")


async def test_the_client_logs_in_through_the_gateway(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    async with run_bot(grpc_gateway):
        assert grpc_gateway.self_id == BOT_ID
        assert [g.id for g in await grpc_gateway.groups()] == ["r1", "r2"]
    assert fake_gateway.calls[:3] == ["Stop", "Start", "Event"]


async def test_a_newcomer_is_welcomed_with_a_wechat_mention(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    async with run_bot(grpc_gateway):
        fake_gateway.join("r1", {"dave": "Dave"}, inviter="alice")
        await until(lambda: world.texts("r1"), "the welcome")
    assert world.actions("say") == [
        {"action": "say", "to": "r1", "text": "@Dave 欢迎Dave", "mentions": ["dave"]}]
    assert "MessageSendText" in fake_gateway.calls


async def test_a_keyword_gets_its_reply(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    needs("keywords")
    async with run_bot(grpc_gateway):
        fake_gateway.say("r1", "alice", f"请问{KEYWORD}？")
        await until(lambda: world.texts("r1"), "the reply")
    assert world.texts("r1") == [KEYWORD_REPLY]


async def test_when_the_gateway_ends_the_stream_the_bot_reconnects_and_carries_on(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    async with run_bot(grpc_gateway) as s:
        fake_gateway.end_stream()
        await until(lambda: fake_gateway.streams_opened == 2 and grpc_gateway.online.is_set(),
                    "a second event stream")
        fake_gateway.join("r1", {"dave": "Dave"}, inviter="alice")
        await until(lambda: world.texts("r1"), "the welcome after reconnecting")
    assert fake_gateway.calls.count("Start") == 2
    assert len(s.events) == 1


async def test_what_happens_while_no_stream_is_open_is_lost_but_joins_and_leaves_found(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """The gateway writes an event to the open Event stream or drops it: what happens while
    the bot reconnects never reaches it (and each reconnect's Stop stops the gateway's
    puppet). The member lists compared after the login (bot/backstop.py) find the join and
    the leave: dave is welcomed, bob's leave is recorded; the message is lost."""
    async with run_bot(grpc_gateway) as s:
        fake_gateway.say("r1", "bob", "hi")
        await until(lambda: s.events, "bob in the roster")
        stops = fake_gateway.puppet_stops
        fake_gateway.end_stream()
        fake_gateway.join("r1", {"dave": "Dave"}, inviter="alice")
        fake_gateway.leave("r1", ["bob"], remover="alice")
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: world.texts("r1"), "the welcome, from the member lists")
        await until(lambda: len(s.bot.outbox) == 0, "nothing more to send")
        bob = await roster.entry(s.bot.store, "r1", "bob")
    assert len(fake_gateway.dropped) == 3
    assert fake_gateway.puppet_stops > stops
    assert world.texts("r1") == ["@Dave 欢迎Dave"]
    assert bob is not None and bob.left_at is not None


async def test_the_consoles_health_follows_the_connection_and_counts_reconnects(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    async with run_bot(grpc_gateway) as s:
        metrics = s.bot.metrics
        await until(lambda: metrics.is_connected, "connected after the login")
        fake_gateway.end_stream()
        await until(lambda: fake_gateway.streams_opened == 2 and metrics.is_connected,
                    "connected again")
        assert metrics.registry.get_sample_value("groupbot_gateway_reconnects_total") == 1
    assert not metrics.is_connected  # stopped: the connection is closed


async def test_an_error_event_without_data_does_not_stop_the_events(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.adapters.wechaty")
    async with run_bot(grpc_gateway) as s:
        fake_gateway.emit_raw(EventType.EVENT_TYPE_ERROR, "{}")
        fake_gateway.emit_raw(EventType.EVENT_TYPE_ERROR, json.dumps({"gerror": "puppet lost"}))
        fake_gateway.emit_raw(EventType.EVENT_TYPE_ERROR, "null")
        fake_gateway.emit_raw(EventType.EVENT_TYPE_MESSAGE, "{}")  # no messageId at all
        fake_gateway.emit_raw(28, '{"data": "a newer gateway\'s event"}')
        fake_gateway.say("r1", "alice", "still listening")
        await until(lambda: s.of_type(Message), "the message after the bad events")
    assert fake_gateway.streams_opened == 1
    errors = [r.getMessage() for r in caplog.records if "reported an error" in r.getMessage()]
    assert errors == ["the gateway reported an error: (no details)",
                      "the gateway reported an error: puppet lost",
                      "the gateway reported an error: (no details)"]
    assert "skipped an event the library cannot decode" in caplog.text
    assert ("skipped an event of a type this client does not know (a newer gateway's?): type"
            " 28, payload {\"data\": \"a newer gateway's event\"}") in caplog.text


async def test_a_failure_in_the_bot_is_logged_and_the_next_event_handled(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        caplog: pytest.LogCaptureFixture) -> None:
    async with run_bot(grpc_gateway) as s:
        feed = s.bot.feed

        async def fragile(event: Any) -> None:
            if isinstance(event, Message) and event.text == "boom":
                raise RuntimeError("the bot broke")
            await feed(event)

        s.bot.feed = fragile  # type: ignore[method-assign]
        fake_gateway.say("r1", "alice", "boom")
        fake_gateway.say("r1", "alice", "next")
        await until(lambda: any(e.text == "next" for e in s.of_type(Message)), "the next one")
        await until(lambda: "the bot broke" in caplog.text, "the log record")
    [record] = [r for r in caplog.records if "the bot failed on" in r.getMessage()]
    assert record.levelno == logging.ERROR
    assert "text='boom'" in record.getMessage()


async def test_the_login_qr_code_is_printed(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        capsys: pytest.CaptureFixture[str]) -> None:
    fake_gateway.qrcode = "https://login.weixin.qq.com/l/abc"
    async with run_bot(grpc_gateway):
        pass
    out = capsys.readouterr().out
    assert "https://wechaty.js.org/qrcode/https%3A%2F%2Flogin.weixin.qq.com%2Fl%2Fabc" in out


async def test_an_unreachable_gateway_is_retried_until_it_answers(
        make_config: Callable[..., Path], run_bot: RunBot, world: World,
        caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = WechatyGateway("insecure_test", f"127.0.0.1:{port}", reconnect_initial=0.02,
                             reconnect_max=0.05)
    fake = FakeGateway(world)

    async def come_up_late() -> None:
        await until(lambda: caplog.text.count("cannot reach the gateway") >= 2, "two failures")
        await fake.start(port)

    late = asyncio.create_task(come_up_late())
    try:
        async with run_bot(gateway):
            fake.say("r1", "alice", "hello")
            await until(lambda: fake.calls.count("MessagePayload"), "the message")
    finally:
        late.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await late
        await fake.close()


async def test_stopping_the_bot_closes_the_connection(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway) -> None:
    async with run_bot(grpc_gateway):
        await until(lambda: "RoomPayload" in fake_gateway.calls, "the groups bound at login")
    assert fake_gateway.calls[-1] == "Stop", fake_gateway.calls
    assert not grpc_gateway.online.is_set()
    fake_gateway.say("r1", "alice", "anyone?")  # nobody listens any more; nothing breaks


# ---------------------------------------------------------------- as the handlers land


async def test_a_second_ad_gets_the_poster_removed(
        make_config: Callable[..., Path], run_bot: RunBot, grpc_gateway: WechatyGateway,
        fake_gateway: FakeGateway, world: World) -> None:
    needs("antispam")
    async with run_bot(grpc_gateway, make_config([ANTISPAM, *default_handlers()])):
        for _ in range(2):
            fake_gateway.say("r1", "bob", "cheap followers", kind="link",
                             url="http://ads.example")
        await until(lambda: world.actions("kick"), "the removal")
    assert world.actions("kick") == [{"action": "kick", "room": "r1", "member": "bob"}]
    assert "RoomDel" in fake_gateway.calls
    assert world.actions("say")[0]["mentions"] == ["bob"]  # warned first, by mention
    assert "bob" not in world.rooms["r1"].members


async def test_a_friend_request_is_accepted(
        make_config: Callable[..., Path], run_bot: RunBot, grpc_gateway: WechatyGateway,
        fake_gateway: FakeGateway, world: World) -> None:
    needs("friends")
    async with run_bot(grpc_gateway, make_config(direct=[FRIENDS])):
        request = fake_gateway.friend_request("frank", "Frank", "我想报名")
        await until(lambda: world.actions("accept_friend") and world.texts("frank"),
                    "the acceptance and the greeting")
    assert world.actions("accept_friend") == [{"action": "accept_friend", "request": request}]


async def test_the_bot_knows_its_friends_for_private_links(
        make_config: Callable[..., Path], run_bot: RunBot, grpc_gateway: WechatyGateway,
        fake_gateway: FakeGateway, world: World) -> None:
    needs("friends")
    async with run_bot(grpc_gateway, make_config(direct=[FRIENDS])):
        assert not await grpc_gateway.is_friend("alice")  # in a group, not a friend
        fake_gateway.friend_request("frank", "Frank", "我想报名")
        await until(lambda: world.actions("accept_friend"), "the acceptance")
        assert await grpc_gateway.is_friend("frank")


async def test_a_keyword_in_a_private_chat_gets_an_invitation(
        make_config: Callable[..., Path], run_bot: RunBot, grpc_gateway: WechatyGateway,
        fake_gateway: FakeGateway, world: World) -> None:
    needs("invite")
    async with run_bot(grpc_gateway, make_config(direct=[INVITE])):
        fake_gateway.say(None, "frank", "报名")
        await until(lambda: world.actions("invite") and world.texts("frank"),
                    "the invitation and the answer")
    assert world.actions("invite")[0]["member"] == "frank"
    assert "RoomAdd" in fake_gateway.calls
    assert "frank" in world.rooms[world.actions("invite")[0]["room"]].members
