"""Real @mentions and antispam (review s32a T9): the detectors read a message as the members
see it, mentions and all, so half of an ad put in an accomplice's name is read with the
other half; what a mentioned member's name holds alone is the name's, not the message's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness import BOT_YAML, Harness, write_config

TYPE = """\
handlers:
  - antispam:
      warn_limit: 3
      contacts: {split_within: 60s}
      words:
        lists:
          - {words: ["黄片"], reason: 低俗}
  - admin: {}
"""


def _config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", BOT_YAML + "direct: private\n",
                        {"recruitment": TYPE, "private": "handlers:\n  - admin: {}\n"})


async def _warned(h: Harness) -> list[tuple[Any, ...]]:
    rows = await h.bot.store.all("SELECT action, member, detail FROM audit ORDER BY id")
    return [(member, detail.split(" [")[1].split("]")[0]) for action, member, detail in rows
            if action == "warn"]


async def test_an_ad_written_around_an_accomplices_real_mention_is_read_whole(
        tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.rename("r1", "bob", "加V")
        await h.rename("r1", "carol", "abc12345")
        await h.rename("r1", "dave", "黄")
        await h.say("r1", "eve", "@加V\u2005abc12345 兼职日结300，手机就能做", mentions=("bob",))
        await h.say("r1", "frank", "兼职日结300 加V @abc12345\u2005 手机就能做",
                    mentions=("carol",))
        await h.say("r1", "grace", "@黄\u2005片 高清资源私聊", mentions=("dave",))
        await h.say("r1", "heidi", "加V @加V\u2005xyz98765 日结", mentions=("bob",))
        await h.drain()
        assert await _warned(h) == [("eve", "wechat:abc12345"), ("frank", "wechat:abc12345"),
                                    ("grace", "黄片"), ("heidi", "wechat:xyz98765")]


async def test_half_an_ad_in_a_mention_completed_by_the_next_message_is_read(
        tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.rename("r1", "bob", "加V")
        await h.say("r1", "eve", "兼职日结300 有意者 @加V\u2005", mentions=("bob",))
        await h.advance("5s")
        await h.say("r1", "eve", "abc12345")
        await h.drain()
        assert await _warned(h) == [("eve", "wechat:abc12345; over several messages")]


async def test_what_a_mentioned_name_holds_alone_is_not_the_senders_ad(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.rename("r1", "bob", "兼职日结 加V abc12345")
        await h.rename("r1", "carol", "13800138000")
        await h.rename("r1", "dave", "加V")
        await h.say("r1", "alice", "@兼职日结 加V abc12345\u2005 你的名字像广告，改一下吧",
                    mentions=("bob",))
        await h.say("r1", "alice", "@13800138000\u2005@加V\u2005 明天 8 点开会",
                    mentions=("carol", "dave"))
        await h.advance("2m")
        # the name's contact detail is excused, not another one written next to it
        await h.say("r1", "eve", "@兼职日结 加V abc12345\u2005 我的 vx：xyz98765",
                    mentions=("bob",))
        await h.drain()
        assert await _warned(h) == [("eve", "wechat:xyz98765")]


async def test_a_nickname_that_ends_in_a_marker_is_no_marker(tmp_path: Path) -> None:
    """A mentioned name counts as a marker before what follows it only if it is a marker as
    a whole (「加V」): 小Q, 薇薇, 官方微信 and a bot named 客服小薇 are nicknames, and the
    student number, order number or meeting id written after them is none (review s32d X1),
    in one message or in the next."""
    root = write_config(tmp_path / "config",
                        BOT_YAML.replace("name: Helper", "name: 客服小薇") + "direct: private\n",
                        {"recruitment": TYPE, "private": "handlers:\n  - admin: {}\n"})
    async with Harness(root, tmp_path) as h:
        for member, name in (("bob", "小Q"), ("carol", "薇薇"), ("dave", "官方微信")):
            await h.rename("r1", member, name)
        await h.say("r1", "alice", "@小Q\u2005 20231234 是你的学号吗？表格里填错了",
                    mentions=("bob",))
        await h.say("r1", "alice", "@薇薇\u2005 abc12345 是你的账号吗？后台查不到",
                    mentions=("carol",))
        await h.say("r1", "erin", "@官方微信\u2005 abc12345 这个订单退款了吗", mentions=("dave",))
        await h.say("r1", "erin", "@客服小薇\u2005 20231234567 是我的订单号，帮我查一下",
                    mentions=("bot",))
        await h.say("r1", "frank", "@小Q\u2005", mentions=("bob",))
        await h.advance("5s")
        await h.say("r1", "frank", "20231234 是你的学号吗？")
        await h.advance("2m")
        await h.say("r1", "eve", "@小Q\u2005 我的 vx：xyz98765", mentions=("bob",))
        await h.drain()
        assert await _warned(h) == [("eve", "wechat:xyz98765")]
