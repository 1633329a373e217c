"""Long lists go in as many messages of at most TEXT_LIMIT (2,000) characters as they need,
cut at line breaks, each headed by the list's first line numbered (review r41 finding 9):
a leaderboard of 50, /warns for 30 members, a broadcast's preview."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config

from bot.actions import TEXT_LIMIT, split_text

ON_BOTH = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL
LONG_NAME = "上海声动科技有限公司华东大区市场部客户关系经理林晓明{:02d}号推广大使"  # 33 characters


def _heads(parts: list[str]) -> list[str]:
    return [part.split("\n")[0] for part in parts]


# ---------------------------------------------------------------- the splitter


def test_a_text_within_a_message_is_one_message() -> None:
    assert split_text("🏆 排行榜\n1. alice") == ["🏆 排行榜\n1. alice"]


def test_a_long_list_is_cut_at_line_breaks_each_part_headed_and_numbered() -> None:
    lines = [f"· {i:02d} " + "案" * 116 for i in range(30)]  # 30 lines of 120
    parts = split_text("\n".join(["待处理的案件：", *lines, "……另有 3 个"]))
    assert _heads(parts) == ["待处理的案件（1/2）：", "待处理的案件（2/2）："]
    assert max(map(len, parts)) <= TEXT_LIMIT
    assert [line for part in parts for line in part.split("\n")[1:]] == [*lines, "……另有 3 个"]


def test_a_head_without_a_colon_is_numbered_at_its_end() -> None:
    parts = split_text("🏆 邀请排行榜\n" + "\n".join(["x" * 99] * 30))
    assert _heads(parts) == ["🏆 邀请排行榜（1/2）", "🏆 邀请排行榜（2/2）"]


def test_a_line_longer_than_a_message_is_cut_inside_and_kept_whole() -> None:
    """A broadcast's text of 2,000 characters on one line, under the preview's head."""
    text = "\n".join(["[群发] 预览 NGRX：发送到 1 个群", "内容：", "字" * 2000, "/confirm NGRX"])
    parts = split_text(text)
    assert max(map(len, parts)) <= TEXT_LIMIT and len(parts) == 2
    assert "".join(part.split("\n", 1)[1] for part in parts).count("字") == 2000


def test_a_message_that_begins_inside_a_section_begins_with_its_head() -> None:
    sections = ["【本周】", *[f"{i}. 甲乙丙丁戊己庚辛壬癸" * 3 for i in range(1, 40)],
                "【本月】", *[f"{i}. 子丑寅卯辰巳午未申酉" * 3 for i in range(1, 40)]]
    text = "\n".join(["🏆 排行榜", *sections])
    parts = split_text(text, 800, section=lambda line: line.startswith("【"))
    assert len(parts) > 2 and max(map(len, parts)) <= 800
    assert all(part.split("\n")[1] in ("【本周】", "【本月】") for part in parts)
    bodies = [line for part in parts for line in part.split("\n")[1:]]
    assert [line for line in bodies if not line.startswith("【")] == sections[1:40] + sections[41:]


def test_a_long_first_line_heads_only_the_first_message() -> None:
    text = "y" * 300 + "\n" + "\n".join(["z" * 99] * 30)
    parts = split_text(text)
    assert parts[0].startswith("y" * 300) and not parts[1].startswith("y")
    assert max(map(len, parts)) <= TEXT_LIMIT and "\n".join(parts) == text


# ---------------------------------------------------------------- where lists are sent


async def _boards(tmp_path: Path, handler: str, ask: str, earn: str) -> list[str]:
    """The `handler`'s leaderboard of 50 members with long names, who `earn` a place
    ("checkin": check in; "invite": bring someone in), as posted when asked with `ask`."""
    types = {"recruitment": f"handlers:\n  - {handler}:\n      leaderboard: {{top: 50}}\n"}
    async with Harness(write_config(tmp_path / "config", BOT_YAML, types), tmp_path) as h:
        for i in range(50):
            h.world.contacts[f"m{i:02d}"] = LONG_NAME.format(i)
            if earn == "checkin":
                await h.say("r1", f"m{i:02d}", "签到")
            else:
                await h.join("r1", f"new{i:02d}", inviter=f"m{i:02d}")
        await h.say("r1", "alice", ask)
        await h.advance("30m")
        return [text for text in h.texts("r1") if text.startswith("🏆")]


@ON_BOTH
async def test_a_checkin_leaderboard_of_50_goes_in_messages_of_2000_at_most(
        tmp_path: Path) -> None:
    """Top 50 in three sections of lines of ~40 characters: ~6,000 characters."""
    boards = await _boards(tmp_path, "checkin", "排行榜", "checkin")
    assert len(boards) > 1 and max(map(len, boards)) <= TEXT_LIMIT, list(map(len, boards))
    assert _heads(boards) == [
        f"🏆 签到排行榜（前 50 名）（{i}/{len(boards)}）" for i in range(1, len(boards) + 1)]
    assert sum(len(re.findall(r"\n\d+\. ", board)) for board in boards) == 150


@ON_BOTH
async def test_a_fission_leaderboard_of_50_goes_in_messages_of_2000_at_most(
        tmp_path: Path) -> None:
    """Top 50 lines of ~40 characters: ~2,000 characters and the title."""
    boards = await _boards(tmp_path, "fission", "邀请排行", "invite")
    assert len(boards) == 2 and max(map(len, boards)) <= TEXT_LIMIT, list(map(len, boards))
    assert _heads(boards) == ["🏆 邀请排行榜（1/2）", "🏆 邀请排行榜（2/2）"]
    assert sum(len(re.findall(r"\n\d+\. ", board)) for board in boards) == 50


@ON_BOTH
async def test_warns_for_30_members_with_long_reasons_goes_in_messages_of_2000_at_most(
        tmp_path: Path) -> None:
    """Each member's line holds their reasons, 100 characters each (finding 6)."""
    reason = "在群里多次发布与本群无关的兼职招聘信息" * 5  # 95 characters
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01"}) as h:
        for i in range(30):
            await h.say("c1", f"m{i:02d}", "hello")
            await h.say("c1", "op_lin", f"/warn @m{i:02d} {reason}{i:02d}",
                        mentions=(f"m{i:02d}",))
        await h.advance("30m")
        before = len(h.texts("c1"))
        await h.say("c1", "op_lin", "/warns")
        await h.advance("5m")
        lists = h.texts("c1")[before:]
    assert len(lists) > 1 and max(map(len, lists)) <= TEXT_LIMIT, list(map(len, lists))
    assert sum(text.count("\n· ") for text in lists) == 30
    assert lists[0].startswith(f"生效中的警告（1/{len(lists)}）：")


@ON_BOTH
async def test_a_broadcast_preview_of_a_2000_character_text_goes_in_two_messages(
        tmp_path: Path) -> None:
    text = "本周六 20:00 线上分享会，欢迎参加！" * 95  # 1,995 characters on one line
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01 客户群"}) as h:
        await h.say(None, "op_lin", f"/broadcast customer\n{text}")
        await h.advance("5m")
        preview = [r["text"] for r in h.actions("dm", to="op_lin")]
    assert len(preview) == 2 and max(map(len, preview)) <= TEXT_LIMIT, list(map(len, preview))
    assert preview[0].startswith("[群发] 预览 ") and "（1/2）" in preview[0].split("\n")[0]
    assert "".join(part.split("\n", 1)[1] for part in preview).count("线上分享会") == 95
