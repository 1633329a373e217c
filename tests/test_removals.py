"""Removals as they go out: never of a member who has left the group meanwhile (an ad poster
who posts and goes), nor announced then."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import SHIPPED, Harness

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

CUSTOMER = {"c1": "Customer 01 客户群"}


async def _audit(h: Harness) -> list[tuple[Any, ...]]:
    return await h.bot.store.all("SELECT action, member, detail FROM audit ORDER BY id")


async def test_a_removal_of_a_member_who_left_before_it_went_is_skipped_and_not_announced(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", "特价推广 https://cheap.example.com/buy")
        await h.advance("1m")
        await h.say("c1", "eve", "再发一次 abc.xyz/promo")  # the removal is decided and queued
        await h.leave("c1", "eve")  # and eve goes before it does
        await h.drain()
        assert h.actions("kick") == []
        assert [t for t in h.texts("c1") if t.startswith("📢")] == []
        audit = await _audit(h)
        assert [a for a, *_ in audit] == ["warn", "warn", "kick", "kick_skipped",
                                          "say_dropped"]
        assert "the member had left the group" in audit[3][2]
        assert "it depended on kick" in audit[4][2]


async def test_a_member_who_left_and_came_back_before_the_removal_went_is_removed(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", "特价推广 https://cheap.example.com/buy")
        await h.advance("1m")
        await h.say("c1", "eve", "再发一次 abc.xyz/promo")
        await h.leave("c1", "eve")
        await h.join("c1", "eve", inviter="bob")
        await h.drain()
        assert [(k["group"], k["member"]) for k in h.actions("kick")] == [("c1", "eve")]
        assert h.texts("c1")[-1] == "📢 eve 因发布链接已被移出群聊，请大家遵守群规。"
