"""A word list's line as operators write it: several words pasted on one line (commas of
either width, 、, semicolons), a note after a word. Such a line is one phrase, and `check`
names it (review s33b B8, s33c C1)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness import BOT_YAML, write_config

from bot.cli import main
from bot.config import Content
from bot.events import Member, Message
from handlers.antispam import Antispam, Config

ADS = ["需要代开发票的找我", "办假证，价格优惠", "刻章 私聊"]


def _removed(word_list: str, allow: str = "# none\n") -> list[str]:
    """The texts of ADS and a harmless one that the list, with severity remove, flags."""
    antispam = Antispam(Config.model_validate({"words": {
        "allow_file": Content("words/allow.txt", allow),
        "lists": [{"file": Content("words/illegal.txt", word_list), "reason": "违法",
                   "severity": "remove"}]}}))
    flagged = []
    for text in [*ADS, "今天开发票了吗"]:
        event = Message(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), "g", Member("m", "m"), text)
        if antispam.detect(event, text):
            flagged.append(text)
    return flagged


def _hits(word_list: str, texts: list[str]) -> list[str]:
    antispam = Antispam(Config.model_validate({"words": {"lists": [
        {"file": Content("words/illegal.txt", word_list), "reason": "违法",
         "severity": "remove"}]}}))
    return [text for text in texts if antispam.detect(Message(
        datetime(2026, 11, 23, 9, 0, tzinfo=UTC), "g", Member("m", "m"), text), text)]


def test_a_line_with_commas_is_one_phrase_not_words() -> None:
    """Split at its commas, 「恭喜你，中奖了」 and 「黄、赌、毒」 made 恭喜你, 黄, 毒 words that hit
    innocent chat (review s33c C1): a line is one phrase, as before 39d2688."""
    assert _hits("恭喜你，中奖了\n黄、赌、毒\n", [
        "恭喜你！生日快乐", "周末去看黄河", "这个药有毒吗", "恭喜你，中奖了，加我领奖",
        "恭喜你中奖了", "黄赌毒"]) == ["恭喜你，中奖了，加我领奖", "恭喜你中奖了", "黄赌毒"]


def test_check_names_a_word_list_line_with_commas(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    """Several words pasted on one line are one phrase, which no ad holds whole: `check` says
    so, file and line (review s33b B8), for antispam's word lists only."""
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        "handlers:\n  - antispam:\n      words:\n        lists:\n"
        "          - {file: words/mine.txt, reason: 违法, severity: remove}\n"
        "  - rules:\n      text: words/mine.txt\n")},
        {"words/mine.txt": "卖淫\n代开发票，办假证, 刻章   # 2026-11\n# a，b\n"})
    assert main(["check", "--config", str(root)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "mine.txt" in line]
    assert len(warnings) == 1, warnings
    assert ("words/mine.txt:2: '代开发票，办假证, 刻章' is one phrase, matched only whole "
            "(without its punctuation: '代开发票办假证 刻章'), not words: write one word a "
            "line") in warnings[0]


def test_a_note_after_a_word_is_no_part_of_it() -> None:
    assert _removed("代开发票   # 2026-11 新增\n办假证\t＃ 同上\n"
                    "  # 刻章 (not yet)\n刻章 #\n") == ADS
    assert Content("x.txt", "C#\n#comment\n  # indented comment\na#b # note\n").lines() == [
        "C#", "a#b"]


def test_a_note_in_the_allow_file_is_no_part_of_the_phrase() -> None:
    assert _removed("刻章\n", allow="刻章 私聊   # 2026-11: a stamp shop of our own\n") == []
