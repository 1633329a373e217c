"""A name and a student number after f48b's fixes of review s40 r47 findings 1, 4, 10 and 11
(tests/test_r47.py and tests/corpus_r47 hold r47's own cases): the cases around each fix's
edge. (Finding 9 is content/words/recruiting.txt's: tests/corpus/moderation.yaml.)"""

from __future__ import annotations

import pytest

from bot.contacts import Finding, find_contacts


def wechat(value: str) -> Finding:
    return Finding("wechat", value)


@pytest.mark.parametrize("text", [
    "李威 20231234 二〇二六届", "王薇 20231234 二〇二五级一班", "张薇 20231234 九九八十一难",
    "李威 20231234 二〇二六毕业", "王薇 20231234 一二三四班"])
def test_a_year_a_class_or_a_number_said_after_an_id_is_no_part_of_it(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "found"), [
    ("QQ 1234 五六七八了解一下", [Finding("qq", "12345678")]),  # no 〇: the id's tail
    ("微信 一三八 〇〇一三 八〇〇〇",  # nothing glued after
     [Finding("phone", "13800138000"), wechat("13800138000")])])
def test_numerals_that_are_no_year_still_go_on(text: str, found: list[Finding]) -> None:
    assert find_contacts(text) == found


@pytest.mark.parametrize("text", [
    "有需要联系→王薇 20231234", "有需要联系她：王薇 20231234", "有需要的亲联系👉王薇 20231234",
    "有需要的联系（王薇 20231234）"])
def test_if_you_need_it_contact_anyone_but_a_class_role_is_an_invitation(text: str) -> None:
    assert find_contacts(text) == [wechat("20231234")]


@pytest.mark.parametrize("text", [
    "有需要联系学委：王薇 20231234", "有需要联系班主任\n王薇 20231234",
    "王薇 20231234 已交，有需要联系课代表"])
def test_if_you_need_it_contact_a_class_role_is_a_class_s_ask(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", [
    "兼职日结报名\n张薇 20231234", "刷单返利，名单如下\n王薇 20231234",
    "副业招聘。报名：王薇 20231234", "兼职日结\n\n王薇 20231234\n报名从速"])
def test_a_list_s_title_that_sells_makes_its_entries_an_ad_s(text: str) -> None:
    assert find_contacts(text) == [wechat("20231234")]


@pytest.mark.parametrize("text", [
    "学费优惠名单\n王薇 20231234", "学费优惠公示\n张薇 20231234",
    "优惠券领取情况\n张薇 20231234 已领", "勤工助学岗位（兼职）录取\n张薇 20231234",
    "返利活动中奖\n张薇 20231234", "兼职报名。王薇 20231234 已交",
    "报名优惠的同学：\n张薇 20231234\n李威 20231235 已交"])
def test_a_roster_s_own_selling_words_or_what_its_entries_paid_for_sell_nothing(
        text: str) -> None:
    assert find_contacts(text) == []
