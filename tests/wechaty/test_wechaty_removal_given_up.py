"""A removal the gateway fails every time, with answers that leave open whether it went
(INTERNAL: the TypeScript gateway's answer to anything its puppet throws), is given up after
its last attempt; the member list then says whether it happened, and the group is told of it
only if it did, or if no list can be read to say it did not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

import pytest
from grpc_server import FakeGateway
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from puppet import World
from wechaty_support import Session, until

from bot import audit, delivery
from bot.actions import Kick, Say
from bot.adapters.wechaty import WechatyGateway

RunBot = Callable[..., AbstractAsyncContextManager[Session]]


async def test_a_removal_failed_every_time_is_not_announced_while_the_member_is_there(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "backoff", lambda attempts: timedelta(seconds=0.05))
    async with run_bot(grpc_gateway) as s:
        fake_gateway.failing["RoomDel"] = GRPCError(Status.INTERNAL, "puppet threw")
        async with s.bot.turn():
            await s.bot.outbox.put_all([Kick("r1", "bob", "ads"), Say("r1", "bob 已被移出")],
                                       source="antispam", admins=s.bot.admins)
        await until(lambda: len(s.bot.outbox) == 0, "the removal given up")
        await asyncio.sleep(0.3)  # (an announcement let through would have gone by now)
        actions = [r.action for r in await audit.records(s.bot.store)]
    assert fake_gateway.calls.count("RoomDel") == delivery.MAX_ATTEMPTS
    assert "bob" in world.rooms["r1"].members
    assert world.texts("r1") == []
    assert actions[-2:] == ["kick_send_failed", "say_dropped"]
