"""A group list the gateway rate-limits (RESOURCE_EXHAUSTED), over real gRPC: read again with a
doubling wait, and the groups bound with the list it got (docs/wechat.md, Group lists that
fail)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from grpc_server import FakeGateway
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from puppet import World
from wechaty_support import Session, default_handlers, until

from bot.adapters.wechaty import WechatyGateway

RunBot = Callable[..., AbstractAsyncContextManager[Session]]

WINDOW = 1.0  # seconds after an answered RoomList in which the next is refused


class RateLimitedList(FakeGateway):
    """Once `limit()`ed, RoomList answers RESOURCE_EXHAUSTED within WINDOW of its last answer;
    `lists` records each call: (monotonic time, answered)."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.limited = False
        self.last_answer = 0.0
        self.lists: list[tuple[float, bool]] = []

    def limit(self) -> None:
        self.limited, self.last_answer = True, time.monotonic()

    def _room_list(self, r: Any) -> Any:
        now = time.monotonic()
        answered = not self.limited or now - self.last_answer >= WINDOW
        self.lists.append((now, answered))
        if not answered:
            raise GRPCError(Status.RESOURCE_EXHAUSTED, f"RoomList: at most one each {WINDOW}s")
        self.last_answer = now
        return super()._room_list(r)


@pytest.fixture
async def fake_gateway(world: World) -> AsyncIterator[RateLimitedList]:
    gateway = RateLimitedList(world)
    await gateway.start()
    yield gateway
    await gateway.close()


PUSH = {"push": {"schedules": [{"id": "daily", "cron": "0 9 * * *", "text": "早安"}]}}


async def test_a_rate_limited_group_list_is_bound_as_it_comes_and_read_ever_less_often(
        run_bot: RunBot, make_config: Callable[..., Path], grpc_gateway: WechatyGateway,
        fake_gateway: RateLimitedList, world: World) -> None:
    """After a reconnect RoomList is refused but once a second. The list read again was
    thrown away and listed once more at once (refused), and a new reading began after 1 s:
    RoomList was asked every second or two for ever and r3, joined meanwhile, never bound.
    Now the list read again binds r3, nothing more is asked, and a later refusal waits on
    from the wait reached (not from the start)."""
    grpc_gateway.read_again_after = 0.2
    async with run_bot(grpc_gateway, make_config([*default_handlers(), PUSH])) as s:
        fake_gateway.limit()
        world.add_room("r3", "Recruitment 03", {"alice": "Alice"})
        start = time.monotonic()
        fake_gateway.end_stream()
        await until(lambda: s.bot.scheduler.next_fire("r3", "push", "daily") is not None,
                    "r3 bound with the list read again", timeout=10)
        came = next(t for t, answered in fake_gateway.lists if answered and t > start)
        await asyncio.sleep(WINDOW + 0.2)  # (an old reading would have asked again by now)
        assert [t for t, _ in fake_gateway.lists if t > came] == [], "asked again once bound"
        refused_before = [t for t, answered in fake_gateway.lists if t > start and not answered]
        assert len(refused_before) >= 2, "a reading again after a refusal"

        fake_gateway.limit()  # refused again: the bot goes on with the groups it has
        asked = time.monotonic()
        assert {g.id for g in await grpc_gateway.groups()} == {"r1", "r2", "r3"}
        await until(lambda: len([t for t, _ in fake_gateway.lists if t > asked]) >= 2,
                    "the list read again", timeout=10)
    again = [t for t, _ in fake_gateway.lists if t > asked][1]
    # the wait doubled from 0.2 s at each refusal before: with n of them (how many fit
    # before the list came depends on the machine's speed), the next wait is at least
    # 0.2 x 2^(n-1) s (0.4 s or more), not 0.2 s again
    least = 0.2 * 2 ** (len(refused_before) - 1)
    assert again - asked >= least, f"read again after {again - asked:.2f}s, not {least}s"
