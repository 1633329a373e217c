"""An operator's regular expression in traditional characters still matches what members
write in them: messages and names are read normalized, traditional characters made simplified
(bot/text.py), and so are the patterns that read them (bot/regex.py as_normalized; review
s33c C3, s33d D3, D4)."""

from __future__ import annotations

from pathlib import Path

from harness import BOT_YAML, Harness, write_config

from bot.cli import main

RULES = """\
handlers:
  - keywords:
      rules:
        - {match: regex, patterns: ["課程(表|安排)"], reply: "课程表见群公告"}
        - {match: regex, patterns: ["^(签到说明|营业时间)$"], reply: "simplified"}
  - namecard:
      pattern: "(香港|台灣|澳門)-\\\\S+"
      example: 台灣-聲動科技-林曉
      first_reminder: 1m
      reminder: "请改群名片，如 {example}"
"""


async def test_a_traditional_keyword_pattern_answers_either_writing(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": RULES})
    async with Harness(root, tmp_path) as h:
        for member, text in (("alice", "請問課程表在哪"), ("bob", "课程安排呢"),
                             ("carol", "營業時間"), ("dave", "课程")):
            await h.say("r1", member, text)
            await h.advance("1m")
        assert h.texts("r1") == ["课程表见群公告", "课程表见群公告", "simplified"]


async def test_a_traditional_namecard_pattern_passes_check_and_holds_names(
        tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": RULES})
    assert main(["check", "--config", str(root)]) == 0
    async with Harness(root, tmp_path) as h:
        h.world.contacts["erin"] = "台灣-聲動科技-林曉"
        await h.join("r1", "erin", "fred")
        await h.advance("2m")
        reminded = [m for r in h.actions("say", group="r1") if "请改群名片" in r["text"]
                    for m in r["mentions"]]
        assert reminded == ["fred"]
