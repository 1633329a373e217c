"""Invitations for members who are not the bot's friends, over real gRPC: the group's QR code
(RoomQRCode with the group's id, then MessageSendFile with a QR-code FileBox the gateway
draws) or the account's contact card (MessageSendContact); the friends from ContactList."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import yaml
from grpc_server import FakeGateway
from puppet import BOT_ID, QR_PREFIX, World
from wechaty_support import Session, until

from bot.adapters.wechaty import WechatyGateway
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
