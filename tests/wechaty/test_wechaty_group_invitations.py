"""Group invitations through the real wechaty adapter (bot.yaml `group_invitations`, default
`admins`): the bot looks the invitation up (RoomInvitationPayload: who invited it), the core
decides, and the adapter accepts an admin's and leaves a stranger's unanswered; over real
gRPC as well as on an in-process puppet."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from grpc_server import FakeGateway
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from puppet import InProcessPuppet, World
from wechaty_support import Session, until

from bot import audit
from bot.adapters.wechaty import WechatyGateway

RunBot = Callable[..., AbstractAsyncContextManager[Session]]


async def _refusals(s: Session) -> list[tuple[str, str]]:
    return [(r.member, r.detail) for r in await audit.records(s.bot.store)
            if r.action == "group_invitation_refused"]


async def test_a_strangers_invitation_is_not_accepted_and_the_admins_are_told(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet,
        world: World) -> None:
    async with run_bot(gateway) as s:
        invitation = puppet.invite_bot("mallory", "Recruitment 福利群")
        await until(lambda: world.texts("admin1"), "the admins' notice")
        puppet.emit("room-invite", {"roomInvitationId": invitation})  # delivered again
        await asyncio.sleep(0.2)
        refusals = await _refusals(s)
    assert world.actions("accept_invitation") == []
    assert world.invitations[invitation].id not in world.rooms
    [told] = world.texts("admin1")
    assert told.startswith(f"[groupbot] mallory 邀请本号进群「Recruitment 福利群」 "
                           f"(invitation {invitation})，没有接受")
    assert refusals == [("mallory", f"「Recruitment 福利群」 (invitation {invitation})")]


async def test_an_admins_invitation_is_accepted(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet,
        world: World) -> None:
    async with run_bot(gateway):
        invitation = puppet.invite_bot("admin1")
        await until(lambda: world.actions("accept_invitation"), "the acceptance")
    assert world.actions("accept_invitation") == [
        {"action": "accept_invitation", "invitation": invitation}]
    assert world.texts("admin1") == []


async def test_over_grpc_the_inviter_is_read_and_only_the_admins_invitation_accepted(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """The library's own RoomInvitationPayload always raises (it builds its payload class
    from camelCase keys): read, the inviter is known, so the admin's invitation is
    accepted."""
    async with run_bot(grpc_gateway) as s:
        stranger = fake_gateway.invite_bot("mallory")
        admins = fake_gateway.invite_bot("admin1")
        await until(lambda: world.actions("accept_invitation"), "the acceptance")
        await until(lambda: world.texts("admin1"), "the admins' notice")
        refusals = await _refusals(s)
    assert world.actions("accept_invitation") == [
        {"action": "accept_invitation", "invitation": admins}]
    assert [who for who, _ in refusals] == ["mallory"]
    assert fake_gateway.calls.count("RoomInvitationPayload") == 2
    assert f"(invitation {stranger})" in world.texts("admin1")[0]


async def test_with_anyone_a_strangers_invitation_is_accepted(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet, world: World,
        make_config: Callable[..., Path]) -> None:
    root = make_config()
    (root / "bot.yaml").write_text((root / "bot.yaml").read_text(encoding="utf-8")
                                   + "group_invitations: anyone\n", encoding="utf-8")
    async with run_bot(gateway, root):
        invitation = puppet.invite_bot("mallory")
        await until(lambda: world.actions("accept_invitation"), "the acceptance")
    assert world.actions("accept_invitation") == [
        {"action": "accept_invitation", "invitation": invitation}]


async def test_a_gateway_that_cannot_say_who_invited_leaves_the_invitation_unanswered(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World) -> None:
    """RoomInvitationPayload not implemented (a refusal: not tried again): the bot decides
    without an inviter, and only an admin's invitation is accepted."""
    async with run_bot(grpc_gateway) as s:
        fake_gateway.failing["RoomInvitationPayload"] = GRPCError(Status.UNIMPLEMENTED, "no")
        invitation = fake_gateway.invite_bot("admin1")
        await until(lambda: world.texts("admin1"), "the admins' notice")
        refusals = await _refusals(s)
    assert world.actions("accept_invitation") == []
    assert world.texts("admin1")[0].startswith(f"[groupbot] ? 邀请本号进群「?」 (invitation "
                                               f"{invitation})，没有接受")
    assert refusals == [("", f"「?」 (invitation {invitation})")]
    assert fake_gateway.calls.count("RoomInvitationPayload") == 1
