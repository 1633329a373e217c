"""Renames as a wechaty gateway reports them, some without the changer's id (review s31
S27): the bot's own restore reported that way starts no loop and tells nobody; a rename by
whom the gateway does not say is not set back (it may be an admin's)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import yaml
from puppet import InProcessPuppet, World
from wechaty_support import Session, until

from bot.adapters.wechaty import WechatyGateway
from bot.events import GroupRenamed

RunBot = Callable[..., AbstractAsyncContextManager[Session]]


def _restoring(make_config: Callable[..., Path]) -> Path:
    root = make_config()
    settings = yaml.safe_load((root / "bot.yaml").read_text(encoding="utf-8"))
    settings["restore_topic"] = True
    (root / "bot.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True))
    return root


def _renames(world: World) -> list[str]:
    return [a["topic"] for a in world.sent if a["action"] == "rename"]


async def test_the_bots_restore_reported_without_a_changer_is_its_last(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet, world: World,
        make_config: Callable[..., Path]) -> None:
    async with run_bot(gateway, _restoring(make_config)) as s:
        puppet.rename_room("r1", "闲聊群", changer="bob")
        await until(lambda: _renames(world), "the bot's restore")
        puppet.rename_room("r1", _renames(world)[0], changer="")  # WeChat reports it back
        await asyncio.sleep(0.5)
        await until(lambda: len(s.bot.outbox) == 0, "nothing more to send")
    assert _renames(world) == ["Recruitment 01"]
    assert world.texts("admin1") == [
        "[groupbot] 「Recruitment 01」(r1) 被 bob 改名为「闲聊群」，仍按 recruitment 处理，"
        "已改回原名。"]


async def test_a_rename_by_whom_the_gateway_does_not_say_is_not_set_back(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet, world: World,
        make_config: Callable[..., Path]) -> None:
    async with run_bot(gateway, _restoring(make_config)) as s:
        puppet.rename_room("r1", "Recruitment 01 周末班", changer="")
        await until(lambda: world.texts("admin1"), "the admins' notice")
        await until(lambda: len(s.bot.outbox) == 0, "nothing more to send")
    assert _renames(world) == []
    assert world.texts("admin1") == [
        "[groupbot] 「Recruitment 01」(r1) 被 ? 改名为「Recruitment 01 周末班」，仍按 recruitment "
        "处理，改名者未知，没有改回。"]


async def test_a_members_renames_cost_no_listing_of_the_groups(
        run_bot: RunBot, gateway: WechatyGateway, puppet: InProcessPuppet, world: World
        ) -> None:
    """Review s31 S19: each rename re-listed and looked up every group (1 + N lookups a
    rename, a member renaming at will). A member's rename changes no binding now."""
    for i in range(2, 30):
        world.add_room(f"r{i + 1}", f"Recruitment {i + 1:02d}", {"alice": "Alice"})
    async with run_bot(gateway) as s:
        looked: list[tuple[str, tuple[object, ...]]] = []
        for name in ("room_search", "room_payload"):
            original = getattr(puppet, name)

            def counting(*args: object, _name: str = name,
                         _original: Callable[..., object] = original) -> object:
                looked.append((_name, args))
                return _original(*args)
            setattr(puppet, name, counting)
        for i in range(20):
            puppet.rename_room("r1", f"闲聊 {i}", changer="bob")
        await until(lambda: len(s.of_type(GroupRenamed)) == 20, "the renames")
        await asyncio.sleep(0.3)
    assert [name for name, _ in looked if name == "room_search"] == []
    assert {args[0] for name, args in looked if name == "room_payload"} == {"r1"}
