"""A word list's line as operators write it: several words pasted on one line (commas of
either width, 、, semicolons), a note after a word. Each was one long entry that never
matched, and `check` said OK (review s33b B8)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

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


@pytest.mark.parametrize("line", [
    "代开发票，办假证，刻章", "代开发票, 办假证, 刻章", "代开发票、办假证、刻章",
    "代开发票；办假证;刻章"],
    ids=["full-width-commas", "commas", "enumeration-commas", "semicolons"])
def test_several_words_on_a_line_are_each_a_word(line: str) -> None:
    assert _removed(f"# 违法服务\n卖淫\n{line}\n") == ADS


def test_a_note_after_a_word_is_no_part_of_it() -> None:
    assert _removed("代开发票   # 2026-11 新增\n办假证\t＃ 同上\n"
                    "  # 刻章 (not yet)\n刻章 #\n") == ADS
    assert Content("x.txt", "C#\n#comment\n  # indented comment\na#b # note\n").lines() == [
        "C#", "a#b"]


def test_a_note_in_the_allow_file_is_no_part_of_the_phrase() -> None:
    assert _removed("刻章\n", allow="刻章 私聊   # 2026-11: a stamp shop of our own\n") == []
