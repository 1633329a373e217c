"""The join backstop reads every bound group's member list after each login and every few
minutes; on a slow gateway that takes minutes (a lookup per member). It runs beside the
events and sends, taking the bot's turn only to compare (review s36 r13 R13-3: until then it
ran inside run_due, and no reply went out until it was done). Over real gRPC."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from grpc_server import FakeGateway
from puppet import World
from wechaty_support import KEYWORD, KEYWORD_REPLY, Session, until

from bot.adapters.wechaty import WechatyGateway

RunBot = Callable[..., AbstractAsyncContextManager[Session]]


async def test_a_reply_goes_out_while_the_backstop_waits_for_a_member_list(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    async with run_bot(grpc_gateway):
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: world.texts("r1") == [KEYWORD_REPLY], "the first reply")
        # the next login's comparison hangs on one member's lookup, as long as the test wants
        lookup = fake_gateway.hold("RoomMemberPayload", "bob")
        looked_up = fake_gateway.calls.count("RoomMemberPayload")
        fake_gateway.end_stream()
        await until(lambda: fake_gateway.streams_opened == 2, "the login again")
        await until(lambda: fake_gateway.calls.count("RoomMemberPayload") > looked_up,
                    "the backstop reading the member list")
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: world.texts("r1") == [KEYWORD_REPLY] * 2,
                    "the reply while the backstop waits", timeout=10)
        assert not lookup.is_set()  # (it was still waiting)
        lookup.set()
