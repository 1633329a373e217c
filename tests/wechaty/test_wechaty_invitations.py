"""Invitations for members who are not the bot's friends, over real gRPC: the group's QR code
(RoomQRCode with the group's id, then MessageSendFile with a QR-code FileBox the gateway
draws) or the account's contact card (MessageSendContact); the friends from ContactList."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
import yaml
from grpc_server import FakeGateway
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from harness import migrated
from puppet import BOT_ID, QR_PREFIX, World
from wechaty_support import Session, cancel, until

from bot import config, friendships
from bot.adapters.wechaty import WechatyGateway
from bot.app import Bot
from bot.clock import SystemClock
from handlers import REGISTRY
from handlers.funnel import journeys

RunBot = Callable[..., AbstractAsyncContextManager[Session]]


def _funnel(make_config: Callable[..., Path], **invitations: str) -> Path:
    """Recruitment groups with the sign-up word into the internship group i1; friends are
    accepted with the word 倾听者 (or when expected)."""
    sign_up = {"invite": {"words": ["报名"], "to": "internship"}}
    funnel = {"funnel": {"stages": ["recruitment", "internship"]}}
    root = make_config(handlers=[funnel, sign_up],
                       direct=[{"friends": {"keywords": ["倾听者"], "greeting": None,
                                             "invited": None}}])
    settings = yaml.safe_load((root / "bot.yaml").read_text(encoding="utf-8"))
    settings["groups"].append({"match": {"topic": "Internship"}, "type": "internship"})
    if invitations:
        settings["invitations"] = invitations
    (root / "bot.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True))
    (root / "types" / "internship.yaml").write_text(yaml.safe_dump({"handlers": [funnel]}))
    return root


def _shown(world: World, to: str) -> list[str]:
    """What the chat shows from the bot: texts, and [名片 ...] / [群二维码 ...]."""
    return [r.get("shown", r.get("text", "")) for r in world.sent if r.get("to") == to]


async def test_the_adapters_calls_reach_the_gateway_as_the_proto_defines_them(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    world.friends.add("alice")
    async with run_bot(grpc_gateway):
        code = await grpc_gateway.group_qr("r2")  # the library alone would send no group id
        assert code == f"{QR_PREFIX}r2"
        await grpc_gateway.send_qr("alice", code)
        await grpc_gateway.send_card("alice", BOT_ID)
        assert await grpc_gateway.friend_list() == ["alice"]
    assert _shown(world, "alice") == ["[群二维码 Recruitment 02]", "[名片 Helper]"]
    assert {"RoomQRCode", "MessageSendFile", "MessageSendContact", "ContactList"} <= set(
        fake_gateway.calls)


async def test_someone_who_is_no_friend_gets_the_qr_code_and_joins_by_it(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, make_config: Callable[..., Path]) -> None:
    world.add_room("i1", "Internship 01", {"carol": "Carol"})
    async with run_bot(grpc_gateway, _funnel(make_config)) as session:
        fake_gateway.say("r1", "alice", "我要报名")
        await until(lambda: len(_shown(world, "r1")) == 2, "the text and the QR code")
        text, qr = _shown(world, "r1")
        assert "二维码" in text and "Internship 01" in text
        assert qr == "[群二维码 Internship 01]"
        assert world.actions("invite") == []  # WeChat would refuse: she is no friend
        fake_gateway.join("i1", {"alice": "Alice"}, inviter="alice")  # she scanned it
        await until(lambda: "alice" in _members(session.events, "i1"), "her join")
        stages = await journeys(session.bot.store)
        assert set(stages["alice"]) == {"internship"}


async def test_with_cards_she_adds_the_bot_which_accepts_and_invites_her(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, make_config: Callable[..., Path]) -> None:
    world.add_room("i1", "Internship 01", {"carol": "Carol"})
    async with run_bot(grpc_gateway, _funnel(make_config, not_friend="card")):
        fake_gateway.say("r1", "alice", "我要报名")
        await until(lambda: len(_shown(world, "r1")) == 2, "the text and the card")
        text, card = _shown(world, "r1")
        assert "Internship 01" in text and card == "[名片 Helper]"
        fake_gateway.friend_request("alice", "Alice", "你好")  # no keyword: expected anyway
        await until(lambda: world.actions("invite"), "the invitation")
    assert [r["action"] for r in world.sent][-2:] == ["accept_friend", "invite"]
    assert world.actions("invite") == [{"action": "invite", "room": "i1", "member": "alice"}]


def _members(events: list[Any], group: str) -> set[str]:
    return {m.id for e in events if getattr(e, "group", None) == group
            for m in getattr(e, "members", ())}


@contextlib.asynccontextmanager
async def _one_account(grpc_gateway: WechatyGateway,
                       make_config: Callable[..., Path]) -> AsyncIterator[Bot]:
    """A bot of account "a" (with several accounts, each records its friends, ContactList
    then each contact's details, for the others to invite by) serving the gateway."""
    root = make_config()
    settings = yaml.safe_load((root / "bot.yaml").read_text(encoding="utf-8"))
    settings["accounts"] = [{"name": "a", "token_env": "TOKEN_A"}]
    settings["leases"] = {"takeover": "1s"}  # (the friends are read after a lease renewal)
    (root / "bot.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True))
    deployment = config.load(root, REGISTRY)
    assert isinstance(deployment.storage_path, Path)
    await migrated(deployment.storage_path)
    bot = Bot(deployment, grpc_gateway, SystemClock(deployment.settings.timezone), REGISTRY,
              account="a")
    await bot.start()
    tasks = [asyncio.create_task(bot.serve()), asyncio.create_task(grpc_gateway.run(bot))]
    try:
        yield bot
    finally:
        for task in tasks:
            await cancel(task)
        await bot.stop()


async def _recorded_until(bot: Bot, friends: set[str],
                          also: Callable[[], bool] = lambda: True) -> None:
    """Wait until the account's recorded friends (of alice, bob, carol) are `friends` (and
    `also` holds)."""
    async with asyncio.timeout(8):
        while not also() or {c for c in ("alice", "bob", "carol")
                              if await friendships.is_friend(bot.store, "a", c)} != friends:
            await asyncio.sleep(0.05)


async def test_a_friend_list_cut_short_by_the_connections_end_is_read_again_after_the_login(
        grpc_gateway: WechatyGateway, fake_gateway: FakeGateway, world: World,
        make_config: Callable[..., Path]) -> None:
    """The connection ends while bob's details are being read: that list (without bob) is
    not recorded as the friends, which would have the other accounts take bob for a
    stranger (a QR code instead of an invitation, left out of a move) until the process
    restarts; it is read again, whole, after the login."""
    world.friends.update({"alice", "bob"})
    fake_gateway.hold("ContactPayload", "bob")  # answered only when the connection is gone
    async with _one_account(grpc_gateway, make_config) as bot:
        await until(lambda: ("ContactPayload", "bob") not in fake_gateway._held,
                    "bob's details asked for", 8)
        fake_gateway.end_stream()
        await _recorded_until(bot, {"alice", "bob"}, lambda: fake_gateway.streams_opened >= 2)
    assert fake_gateway.calls.count("ContactList") == 2


async def test_friends_whose_details_fail_to_load_stay_as_recorded(
        grpc_gateway: WechatyGateway, fake_gateway: FakeGateway, world: World,
        make_config: Callable[..., Path], caplog: pytest.LogCaptureFixture) -> None:
    """INTERNAL (a PadLocal timeout) for the contacts' details at a login: they are not
    recorded as strangers (the list read short, review s38 R29-3), nor is the whole list
    held back by one contact that always fails (R30-8): those read are recorded, those
    not read stay as they were."""
    world.friends.update({"alice", "bob"})
    async with _one_account(grpc_gateway, make_config) as bot:
        await _recorded_until(bot, {"alice", "bob"})
        fake_gateway.failing["ContactPayload"] = GRPCError(Status.INTERNAL, "padlocal: timeout")
        world.friends.discard("bob")
        fake_gateway.end_stream()  # a login again: the friends are read again
        await until(lambda: "could not read some of this account's friends" in caplog.text,
                    "the list read in part", 8)
        await _recorded_until(bot, {"alice", "bob"})  # none read: as recorded
        # one contact that never answers: the others are read all the same
        del fake_gateway.failing["ContactPayload"]
        grpc_gateway.action_timeout = 1.0
        world.friends.add("carol")
        fake_gateway.hold("ContactPayload", "alice")
        fake_gateway.end_stream()
        await _recorded_until(bot, {"alice", "carol"}, lambda: fake_gateway.streams_opened >= 3)
    assert fake_gateway.calls.count("ContactList") == 3


async def test_the_friends_are_read_again_at_each_login(
        grpc_gateway: WechatyGateway, fake_gateway: FakeGateway, world: World,
        make_config: Callable[..., Path]) -> None:
    """A friend made on the phone while the bot runs counts from the next login (it was
    read once a process: the other accounts sent carol a QR code till a restart)."""
    world.friends.add("alice")
    async with _one_account(grpc_gateway, make_config) as bot:
        await _recorded_until(bot, {"alice"})
        world.friends.add("carol")
        fake_gateway.end_stream()  # a reconnect: a login again
        await _recorded_until(bot, {"alice", "carol"})
    assert fake_gateway.calls.count("ContactList") == 2
