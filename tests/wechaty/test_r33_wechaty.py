"""Hostile review (r33): a leave read again after a login while the gateway fails in the
middle of the check against the members now."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest
from grpc_server import FakeGateway
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from puppet import World
from wechaty_support import Session, until

from bot.adapters.wechaty import WechatyGateway
from bot.events import MemberLeft

RunBot = Callable[..., AbstractAsyncContextManager[Session]]


@pytest.mark.parametrize("failing", ["RoomPayload", "RoomMemberList"])
async def test_a_leave_read_again_while_the_member_list_fails_is_handled_as_it_came(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, failing: str) -> None:
    """The details refreshed, then the group's details or its member list fail to load:
    the bot cannot tell whether erin came back, and handles the leave as it came (the
    backstop's comparison settles it), not dropped nor read again for ever."""
    async with run_bot(grpc_gateway) as s:
        for member, name in (("erin", "Erin"), ("frank", "Frank")):
            world.contacts[member] = name
            world.rooms["r1"].members[member] = ""
        fake_gateway.leave("r1", ["erin", "frank"], remover="alice")
        fake_gateway.end_stream()
        world.rooms["r1"].members["erin"] = ""  # came back while no stream was open
        fake_gateway.failing[failing] = GRPCError(Status.INTERNAL, "provider timeout")
        await until(lambda: [e for e in s.of_type(MemberLeft) if e.remover], "the leave", 8)
    assert [([m.id for m in e.members], e.remover) for e in s.of_type(MemberLeft)] == [
        (["erin", "frank"], "alice")]


async def test_the_bots_own_leave_read_again_is_not_checked_against_a_member_list(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """The bot removed from r1 as the stream ends: read again after the login, its leave is
    handled as it came. A member list read then (the group's, from a provider that still
    showed the bot in it) would have dropped it and left the group bound (r33)."""
    async with run_bot(grpc_gateway) as s:
        fake_gateway.leave("r1", [world.self_id], remover="alice")
        fake_gateway.end_stream()
        world.rooms["r1"].members[world.self_id] = ""  # a stale list: the bot still in it
        await until(lambda: [e for e in s.of_type(MemberLeft) if e.remover], "the leave", 8)
    assert [([m.id for m in e.members], e.remover) for e in s.of_type(MemberLeft)] == [
        ([world.self_id], "alice")]
