"""A name and a student number after h40b's change, as review s40 r45 found it (findings
1-4; tests/test_r45.py holds r45's own cases): the cases around each fix's edge."""

from __future__ import annotations

import time

import pytest

from bot.contacts import Finding, find_contacts


def wechat(value: str) -> Finding:
    return Finding("wechat", value)


@pytest.mark.parametrize(("text", "found"), [
    ("王薇 20231234 十一班", []),  # two numerals glued to a word: that word
    ("QQ 1234 五六七八了解一下", [Finding("qq", "12345678")]),  # four: the id's tail
    ("QQ 12345 六七八呀", [Finding("qq", "12345678")])])  # three
def test_only_one_or_two_numerals_glued_to_a_word_end_a_number(
        text: str, found: list[Finding]) -> None:
    assert find_contacts(text) == found


@pytest.mark.parametrize("text", [
    "王薇 20231234 有需要的朋友联系。", "王薇 20231234 有需要联系，日结",
    "王薇 20231234 有需要请联系我"])
def test_if_you_need_it_contact_ending_its_clause_or_contact_me_is_an_invitation(
        text: str) -> None:
    assert find_contacts(text) == [wechat("20231234")]


@pytest.mark.parametrize("text", ["王薇 20231234 有需要联系家长", "有需要联系班长\n王薇 20231234"])
def test_if_you_need_it_contact_someone_else_is_a_class_s_ask(text: str) -> None:
    assert find_contacts(text) == []


def test_a_message_that_calls_itself_a_list_is_read_by_clause() -> None:
    """(a line that sells below the entries is no title: its title is its first clause)"""
    assert find_contacts("接龙\n王薇 20231234\n日结优惠见群公告") == []


@pytest.mark.parametrize("text", ["兼职日结名单\n王薇 20231234", "刷单返利报名。王薇 20231234"])
def test_a_list_s_title_that_sells_says_what_its_entries_are(text: str) -> None:
    """(review s40 r47 finding 1: the known miss antispam.md named)"""
    assert find_contacts(text) == [wechat("20231234")]


@pytest.mark.parametrize(("text", "found"), [
    ("兼职日结\n王薇 20231234", [wechat("20231234")]),
    ("同学们，兼职日结\n王薇 20231234", [wechat("20231234")]),
    ("王薇 20231234\n李威 20231235\n返利", [wechat("20231234"), wechat("20231235")])])
def test_any_other_message_is_one_clause(text: str, found: list[Finding]) -> None:
    assert find_contacts(text) == found


def test_a_long_ad_dressed_as_a_roster_is_read_in_one_pass() -> None:
    """A hostile 100,000-character message of entries under a selling title, no list word:
    whether it sells is read once for the whole, not once an entry."""
    ad = "兼职日结\n" + "\n".join(f"王薇 2023123{i % 10} 到" for i in range(7000))
    find_contacts("微信 abc12345")  # the markers compiled
    began = time.perf_counter()
    assert len(find_contacts(ad)) == 10
    assert time.perf_counter() - began < 5
