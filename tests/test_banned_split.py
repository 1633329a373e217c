"""A listed word a member spells over messages (「裸」 then 「聊 私我」; review s36 r14 R14-9):
read together, as a contact detail split over messages is, but only from fragments, so no
two ordinary messages make a word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, Harness, write_config

from bot.banned import BannedWords, Listed, Severity

TYPE = """\
handlers:
  - antispam:  # a member's messages within contacts.split_within, 60 s, are read together
      words:
        lists:
          - {words: ["一夜情", "成人视频"], reason: 低俗}
          - {words: ["台独"], reason: 涉及政治话题}
          - {words: ["裸聊", "卖淫"], reason: 违法, severity: remove, offers: true}
  - admin: {}
"""


def _config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", BOT_YAML + "direct: private\n",
                        {"recruitment": TYPE, "private": "handlers:\n  - admin: {}\n"})


async def _said(tmp_path: Path, *said: tuple[str, str]) -> list[tuple[Any, ...]]:
    """What the bot did, as its audit log shows, when these members said these texts in a
    group, 2 s apart."""
    async with Harness(_config(tmp_path), tmp_path) as h:
        for member, text in said:
            await h.say("r1", member, text)
            await h.advance("2s")
        await h.drain()
        return await h.bot.store.all("SELECT action, member, detail FROM audit ORDER BY id")


@pytest.mark.parametrize("said", [["裸", "聊 私我"], ["裸", "聊", "私聊"], ["裸", "聊，加我"]])
async def test_an_offer_spelled_over_messages_is_an_ad(tmp_path: Path, said: list[str]) -> None:
    [(action, member, detail)] = await _said(tmp_path, *(("eve", text) for text in said))
    assert (action, member) == ("kick", "eve")
    assert "裸聊; over several messages" in detail


@pytest.mark.parametrize("said", [["一", "夜", "情 私我"], ["一夜", "情 私我看主页"]])
async def test_a_word_of_another_list_cut_to_a_character_is_read_over_messages(
        tmp_path: Path, said: list[str]) -> None:
    """Not only an offer's word: a cut that leaves a piece of one character is a word spelled
    out (review s37 r26 R26-3; 「成人」「视频」, two words, are not: below)."""
    [(action, member, detail)] = await _said(tmp_path, *(("eve", text) for text in said))
    assert (action, member) == ("warn", "eve")
    assert "一夜情; over several messages" in detail


async def test_a_word_spelled_over_messages_by_two_members_is_none(tmp_path: Path) -> None:
    assert await _said(tmp_path, ("eve", "裸"), ("bob", "聊 私我")) == []


@pytest.mark.parametrize("said", [
    # a sentence written a character a message: the word is read with what follows it
    ["一", "夜", "情", "绪", "低", "落"], ["本", "平", "台", "独", "家", "首", "发"],
    # fragments and a message whose first piece makes no word with them
    ["红色", "情况 怎么样"], ["裸", "聊天记录发我"], ["裸", "今天天气不错", "聊 私我"],
    # a message before it that is no fragment
    ["我想说裸", "聊 私我"], ["成人票", "视频 在哪看"],
    # two answers, each a whole word, make no word that offers nothing: only an offer's
    # word is read over fragments (review s37 r25 R25-3)
    ["成人", "视频 在另一个文件夹"], ["一夜", "情 人节快乐"], ["台", "独 家新闻"]])
async def test_ordinary_messages_make_no_word_together(tmp_path: Path, said: list[str]) -> None:
    assert await _said(tmp_path, *(("amy", text) for text in said)) == []


def test_a_word_is_found_once_what_follows_it_is_read() -> None:
    """一|夜|情 is not yet a word: only with what follows it (情绪, 情况) does segmentation
    tell; 裸|聊 followed by 私聊 is, at the message that follows it and no other."""
    words = BannedWords([Listed("一夜情", "vulgar", Severity.WARN, 0),
                         Listed("裸聊", "illegal", Severity.REMOVE, 1, offer=True)])
    assert words.find_split(["一", "夜"], "情") == []
    assert words.find_split(["一", "夜", "情"], "绪") == []
    assert words.find_split(["一", "夜", "情"], "绪低") == []
    assert [(hit.found, hit.severity) for hit in words.find_split(["裸", "聊"], "私聊")] == [
        ("裸聊", Severity.REMOVE)]
    assert words.find_split(["裸", "聊", "私聊"], "在吗") == []  # found at 私聊
    assert [hit.found for hit in words.find_split(["裸"], "聊 私我")] == ["裸聊"]
