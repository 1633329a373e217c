"""s41 f61, review r59 findings 1 and 2: a sentence that asks to be reached is chat only where
its question or deed is the ask's own (方便私聊吗, 进群了), and a word split by a space is
joined only from a character that stands alone (「兼 职」, not 「参加 我们」)."""

from __future__ import annotations

import pytest

from bot.contacts import find_contacts


@pytest.mark.parametrize("then", [
    "谁要私聊我", "名额有限了，想要的加我", "已经有很多人做了，感兴趣私聊", "多少都能赚，私我",
    "哪位需要滴滴我", "怎么都行，私聊", "不知道怎么赚钱的私我"])
def test_an_ask_whose_sentence_asks_or_tells_elsewhere_is_an_ad_s(then: str) -> None:
    assert find_contacts(f"王薇 20231234\n{then}")


@pytest.mark.parametrize("then", [
    "方便私聊吗", "我已经私信了", "刚刚加群了", "请问怎么进群？", "可以加我吗", "请问怎么进群",
    "什么时候能私聊", "我不知道怎么进群"])
def test_an_ask_with_its_own_question_or_deed_is_chat(then: str) -> None:
    assert find_contacts(f"王薇 20231234\n{then}") == []


@pytest.mark.parametrize("text", [
    "王薇 20231234 欢迎 参加 我们的活动", "王薇 20231234 记得 参加 我们班的比赛"])
def test_a_word_s_end_is_not_glued_to_the_next_word(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", ["王薇 20231234 私 聊", "王薇 20231234 欢迎 加 我",
                                  "王薇 20231234 兼 职 日 结"])
def test_a_word_split_piece_by_piece_is_still_read(text: str) -> None:
    assert find_contacts(text)
