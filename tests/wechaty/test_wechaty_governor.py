"""The send governor over real gRPC: WeChat answering 发送消息过于频繁 pauses group
messages with a back-off that grows, is capped and resumes by itself (bot/governor.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

from grpc_server import FakeGateway
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from puppet import World
from wechaty_support import KEYWORD, KEYWORD_REPLY, Session, until

from bot import audit
from bot.adapters.wechaty import WechatyGateway

RunBot = Callable[..., AbstractAsyncContextManager[Session]]
FAST = {"per_minute": 600, "per_hour": 1000, "per_day": 1000}


async def _paused(s: Session, kind: str, n: int) -> list[audit.Record]:
    for _ in range(200):
        rows = [r for r in await audit.records(s.bot.store) if r.action == f"{kind}_paused"]
        if len(rows) >= n:
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {n} pauses of {kind}")


async def test_a_rate_limit_pauses_the_kind_with_a_growing_capped_backoff_that_resumes(
        run_bot: RunBot, make_config: Callable[..., Path], grpc_gateway: WechatyGateway,
        fake_gateway: FakeGateway, world: World) -> None:
    governor: dict[str, Any] = {
        "jitter": 0, "warmup": {"days": 0},
        # real time, short; but a retry comes as late as the machine lets the bot run, and one
        # more than backoff.max after the pause is a new push-back (back to backoff.first, the
        # admins told again): 0.2 s was less than a loaded machine's stalls
        "backoff": {"first": "0.5s", "max": "1s"},
        "budgets": {"group_messages": FAST, "private_messages": FAST}}
    async with run_bot(grpc_gateway, make_config(governor=governor)) as s:
        fake_gateway.failing["MessageSendText"] = GRPCError(
            Status.RESOURCE_EXHAUSTED, "发送消息过于频繁，可稍后再试。")
        fake_gateway.say("r1", "alice", KEYWORD)
        rows = await _paused(s, "say", 3)
        del fake_gateway.failing["MessageSendText"]
        await until(lambda: world.texts("r1"), "the reply, once the pause is over", 5)
        await until(lambda: len(world.texts("admin1")) >= 2, "the admins told", 5)
        told = world.texts("admin1")
    assert world.texts("r1") == [KEYWORD_REPLY]  # sent once, after the pauses
    pauses = [r.detail.split(" (")[0] for r in rows[:3]]
    assert pauses == ["group messages for 0:00:00.500000", "group messages for 0:00:01",
                      "group messages for 0:00:01"]  # doubled, then capped at backoff.max
    # never tried again within a pause
    assert rows[1].at - rows[0].at >= timedelta(seconds=0.5)
    assert rows[2].at - rows[1].at >= timedelta(seconds=1)
    assert [t for t in told if "group messages paused" in t] == [told[0]]  # told once
    assert "发送消息过于频繁" in told[0]
