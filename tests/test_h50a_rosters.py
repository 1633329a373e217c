"""A name and a student number in a class's message, after s41 h50a: 联系我们, a class role
glued to a name, a roster's invitation on a line of its own, eleven-digit student numbers,
and a list whose title sells whatever its entries say they did. Each fix with the near
misses that stay ads."""

from __future__ import annotations

import pytest

from bot.contacts import Finding, find_contacts


def wechat(value: str) -> Finding:
    return Finding("wechat", value)


# ---------------------------------------------------------------- 1: 联系我们 is not the writer

@pytest.mark.parametrize("text", [
    "王薇 20231234 有需要联系我们", "王薇 20231234 有需要联系我们班长",
    "有需要联系我们的班长王薇 20231234", "有需要联系我们，王薇 20231234"])
def test_if_you_need_it_contact_us_is_the_class_not_the_writer(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", [
    "有需要联系我 王薇 20231234", "有需要联系我们：王薇 20231234",
    "有需要联系我们 王薇 20231234",  # a space points at it too (review s41 r52 finding 7)
    "有需要联系我们👉王薇 20231234", "有需要联系我们（王薇 20231234）"])
def test_contact_me_or_us_pointing_at_the_entry_is_an_invitation(text: str) -> None:
    assert find_contacts(text) == [wechat("20231234")]


# ---------------------------------------------------------------- 2: a role glued to a name

@pytest.mark.parametrize("text", [
    "有需要联系班长王薇 20231234", "班长王薇 20231234", "有需要联系学委李威 20231234",
    "辅导员小薇 20231234", "老师王微 20231234", "课代表欧阳晓薇 20231234"])
def test_a_class_role_glued_to_a_name_names_the_role_s_holder(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", [
    "班长王薇 20231234 日结", "兼职班长王薇 20231234", "有需要联系班长王薇 20231234，私聊",
    "客服王薇 20231234", "官方小薇 20231234", "兼职王薇 20231234", "有需要联系王薇 20231234"])
def test_a_role_s_name_that_sells_or_asks_or_no_role_before_it_is_still_an_ad(
        text: str) -> None:
    assert find_contacts(text) == [wechat("20231234")]


# ---------------------------------------------------------------- 3: a title that sells

@pytest.mark.parametrize("text", [
    "兼职日结名单\n王薇 20231234 已交", "刷单返利名单\n王薇 20231234 已领",
    "兼职日结报名\n王薇 20231234 已交\n李威 20231235 未交"])
def test_a_list_whose_title_sells_is_an_ad_however_its_lines_end(text: str) -> None:
    assert wechat("20231234") in find_contacts(text)


@pytest.mark.parametrize("text", [
    "学费名单\n王薇 20231234 已交", "兼职助教报名\n王薇 20231234 已交",
    "班服团购优惠名单\n王薇 20231234 已交"])
def test_a_class_s_roster_of_who_paid_is_clean(text: str) -> None:
    assert find_contacts(text) == []


# ---------------------------------------------------------------- 4: an invitation near its id

@pytest.mark.parametrize("text", [
    "名单\n王薇 20231234\n李威 20231235\n有问题私聊我",
    "报名统计，有问题私聊我\n王薇 20231234\n李威 20231235",
    "接龙\n1. 王薇 20231234\n2. 李威 20231235\n不清楚的加我好友",
    "进群名单\n王薇 20231234", "名单。王薇 20231234。有问题私信我"])
def test_a_roster_s_invitation_on_a_line_of_its_own_asks_for_questions(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "found"), [
    # an ask but one for questions offers the whole list (review s41 r52 finding 2)
    ("名单\n王薇 20231234 私聊\n李威 20231235", [wechat("20231234"), wechat("20231235")]),
    ("名单\n王薇 20231234 有问题私聊我", [wechat("20231234")]),
    ("王薇 20231234\n有问题私聊我", [wechat("20231234")]),  # no list: one offer
    ("名单\n王薇 20231234\n有意者私聊", [wechat("20231234")]),  # an offer's ask: everywhere
    ("学费优惠名单\n王薇 20231234\n有需要找我", [wechat("20231234")])])
def test_an_invitation_with_the_entry_or_an_offer_anywhere_is_an_ad(
        text: str, found: list[Finding]) -> None:
    assert find_contacts(text) == found


# ---------------------------------------------------------------- 6: eleven digits

@pytest.mark.parametrize("text", [
    "王薇 20231234567", "李威：20231234567 已交", "王薇 2023 1234567",
    "名单\n王薇 20231234567\n李威 20231234568"])
def test_an_eleven_digit_student_number_after_a_name_is_a_roster_s(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "found"), [
    ("王薇 20231234567 日结", [wechat("20231234567")]),
    ("微信 20231234567", [wechat("20231234567")]),  # a marker, not a name
    ("王薇 30231234567", [wechat("30231234567")]),  # no year
    ("王薇 19912345678", [Finding("phone", "19912345678"), wechat("19912345678")])])
def test_eleven_digits_that_sell_follow_a_marker_or_are_no_student_number_are_an_id(
        text: str, found: list[Finding]) -> None:
    assert find_contacts(text) == found
