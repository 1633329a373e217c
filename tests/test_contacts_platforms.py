"""Ids on other platforms (Telegram, Douyin, Xiaohongshu, LINE): bot/contacts.py
`platform_ids_in`, a family of its own that `contacts_in` leaves out (review s36 R14-8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BOT_YAML, Harness, write_config

from bot.contacts import Finding, find_contacts, platform_ids_in
from bot.text import unmask


def platform(value: str) -> Finding:
    return Finding("platform", value)


@pytest.mark.parametrize(("text", "value"), [
    ("飞机：@abc12345 兼职日结", "telegram:abc12345"),
    ("TG：abc12345 兼职日结", "telegram:abc12345"),
    ("telegram: abc12345", "telegram:abc12345"), ("TG abc12345", "telegram:abc12345"),
    ("电报：abc_2024", "telegram:abc_2024"), ("加飞机 abc12345", "telegram:abc12345"),
    ("纸飞机号 abc12345", "telegram:abc12345"), ("ＴＧ：ａｂｃ１２３４５", "telegram:abc12345"),
    ("抖音号：abc12345 关注领福利", "douyin:abc12345"), ("抖音搜 abc12345", "douyin:abc12345"),
    ("小红书号 abc12345 私信", "xiaohongshu:abc12345"),
    ("小红书号：1234567890", "xiaohongshu:1234567890"),
    ("Line ID: abc12345", "line:abc12345"), ("加line abc1234", "line:abc1234")])
def test_an_id_announced_on_another_platform_is_found(text: str, value: str) -> None:
    assert platform_ids_in(unmask(text)) == [platform(value)]


@pytest.mark.parametrize("text", [
    # 飞机 is a plane: only 号, @, 加 or 搜 announce an id after it, not a colon or a space
    "坐飞机：CA1380 13:80 到", "飞机 a320neo 很稳", "飞机：abc12345", "坐飞机 abc12345",
    "飞机号 B-6543",
    # TG is also triglycerides; a Telegram name starts with a letter
    "TG 1.85 偏高", "甘油三酯 TG：1.85", "tg 2023", "看 tg 群", "TG: thanks",
    # 抖音, 小红书 without 号, id, 搜 or 加; LINE without id, 号 or 加
    "抖音号被封了", "小红书 abc12345", "抖音 12345678", "小红书上 abc123 这个博主",
    "line 1234 报错", "主线 line2 停运", "line: abc123", "电报码 1234", "电报 2026 年"])
def test_the_same_words_in_chat_are_no_id(text: str) -> None:
    assert platform_ids_in(unmask(text)) == []


def test_contacts_leave_other_platforms_to_an_operator_who_looks_for_them() -> None:
    """The family is no contact detail an operator gets without asking for it."""
    assert find_contacts("TG：abc12345 兼职日结") == []


# --- looked for: antispam's contacts.look_for --------------------------------------------

def _config(tmp_path: Path, look_for: str) -> Path:
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": f"""\
handlers:
  - antispam:
      warn_limit: 2
      contacts: {{look_for: {look_for}}}
"""})


@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize(("look_for", "warned"), [
    ("[phone, wechat, qq, email, platform]", True), ("[phone, wechat, qq, email]", False)])
async def test_other_platforms_ids_count_only_where_they_are_looked_for(
        tmp_path: Path, look_for: str, warned: bool) -> None:
    async with Harness(_config(tmp_path, look_for), tmp_path) as h:
        await h.say("r1", "eve", "小红书号：1234567890 私信领福利")  # no Latin letter
        await h.say("r1", "eve", "坐飞机：CA1380 13:80 到")
        await h.drain()
        warnings = [t for t in h.texts("r1") if t.startswith("⚠️")]
        assert len(warnings) == (1 if warned else 0)
