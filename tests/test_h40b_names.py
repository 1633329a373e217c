"""A name and a student number: an ad when its own clause sells or the message invites,
a roster's entry otherwise (h40b)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot import contacts
from bot.contacts import Finding, find_contacts


def wechat(value: str) -> Finding:
    return Finding("wechat", value)


@pytest.mark.parametrize("text", [
    "王薇 20231234 有需要找我", "小薇：20231234 有需要找我", "王薇 20231234 有需要的朋友联系",
    "李威 20231234，有需要的可以找我"])
def test_if_you_need_it_find_me_after_a_name_and_number_is_an_ad(text: str) -> None:
    """有需要找我 invites to an offer, as 私聊 does; a class writes 没交的找我."""
    assert find_contacts(text) == [wechat("20231234")]


@pytest.mark.parametrize("text", [
    "王薇 20231234 有问题咨询班长", "王薇 20231234 已交，没交的找我", "王薇 20231234 有需要吗"])
def test_a_roster_line_with_a_question_or_a_class_s_ask_is_no_ad(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "found"), [
    ("李威 20231234 零投资", [wechat("20231234")]),  # 零投资 sells; 零 is no ninth digit
    ("王薇 20231234 一班", []), ("李威 20231234 两份", []),
    ("薇 12345678 零食", [wechat("12345678")]),
    ("微信 一三八 零零 一三八 零零零", [wechat("13800138000")]),
    ("QQ 12345 六七八", [Finding("qq", "12345678")])])
def test_a_chinese_numeral_glued_to_a_word_does_not_continue_a_number(
        text: str, found: list[Finding]) -> None:
    assert find_contacts(text) == found


@pytest.mark.parametrize("text", ["金牌薇 20231234", "高端薇 20231234", "高端威 20231234",
                                  "马上薇 20231234"])
def test_a_word_an_ad_puts_before_the_marker_is_no_surname_and_name(text: str) -> None:
    assert find_contacts(text) == [wechat("20231234")]


@pytest.mark.parametrize("text", ["金薇 20231234 已交", "高薇 20231234 已交", "金晓薇 20231234 到",
                                  "黄金薇 20231234 已交"])
def test_jin_gao_and_huang_are_still_surnames(text: str) -> None:
    """黄金薇 is 黄 and 金薇, as often as the ad word 黄金 (review s40 r45 finding 3)."""
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", [
    "学费优惠名单\n王薇 20231234\n李威 20231235", "兼职助教报名\n王薇 20231234",
    "学费优惠名单。王薇 20231234", "报名优惠的同学：\n张薇 20231234\n李威 20231235 已交"])
def test_a_selling_word_in_another_line_or_sentence_than_the_entry_sells_nothing(
        text: str) -> None:
    """A roster's title (学费优惠名单) is no offer of the names below it."""
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "found"), [
    ("学费优惠名单\n王薇 20231234 日结", [wechat("20231234")]),
    ("刷单返利：王薇 20231234", [wechat("20231234")]),
    ("名单\n王薇 20231234\n李威 20231235 兼职日结", [wechat("20231235")]),
    ("学费优惠名单\n王薇 20231234\n有需要找我", [wechat("20231234")])])
def test_a_selling_word_in_the_entry_s_clause_or_an_invitation_anywhere_is_an_ad(
        text: str, found: list[Finding]) -> None:
    assert find_contacts(text) == found


def test_a_long_roster_is_read_in_one_pass_not_once_an_entry(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile 100,000-character roster: whether the message asks and whether a clause
    sells are read once a clause, not the whole message once for each of its 7,000 entries
    (some 100 s before)."""
    roster = "暑期兼职名单\n" + "\n".join(f"王薇 2023123{i % 10} 已交" for i in range(7000))
    read: list[int] = []
    sells = contacts._SELLS

    class Counted:
        def finditer(self, text: str) -> Iterator[re.Match[str]]:
            read.append(len(text))
            return sells.finditer(text)

    monkeypatch.setattr(contacts, "_SELLS", Counted())
    assert find_contacts(roster) == []  # (兼职, in the title, is no ad's word alone)
    assert len(read) <= 7001 and sum(read) < 2 * len(roster)  # each entry's line once
    assert len(find_contacts(roster.replace("\n", " "))) == 10  # one line: 兼职 in it
