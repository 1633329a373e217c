"""A roster's entry and, in the member's next message, what makes it an ad's (a selling word,
an invitation) are read together, as a contact detail split over messages is (s41 h50a):
the message without a digit is no longer passed over as holding no part of a contact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, Harness, write_config

TYPE = """\
handlers:
  - antispam:
      warn_limit: 3
      contacts: {split_within: 60s}
"""


def _config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": TYPE}, {})


async def _audit(h: Harness) -> list[tuple[Any, ...]]:
    return await h.bot.store.all("SELECT action, member, detail FROM audit ORDER BY id")


@pytest.mark.parametrize("then", ["兼职日结", "有意者私聊", "私聊"])
async def test_an_entry_then_what_sells_it_is_an_ad_over_two_messages(
        tmp_path: Path, then: str) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "王薇 20231234")
        await h.advance("5s")
        await h.say("r1", "eve", then)
        await h.drain()
        assert h.texts("r1") == ["⚠️ 警告 (1/3)：发布联系方式。警告满 3 次将被移出群聊。"]
        [(_, member, detail)] = await _audit(h)
        assert member == "eve" and "wechat:20231234; over several messages" in detail


async def test_an_entry_then_chat_is_a_roster_s(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "王薇 20231234")
        await h.advance("5s")
        await h.say("r1", "eve", "已交，谢谢老师")
        await h.drain()
        assert h.sent == [] and await _audit(h) == []
