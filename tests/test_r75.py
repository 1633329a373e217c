"""Review s42 r75 of h72 (moderation): ads main catches that h72 misses, and variants of what
h72 claims to fix that it leaves flagged. Each test asserts what the bot should do; strict
xfail until fixed (/work/helpers/reports/r75.md). Findings 1 to 6 fixed in s42 f77."""

from __future__ import annotations

import pytest
from test_h50a_recruiting import severities

from bot.contacts import find_contacts

ENTRY = "王薇 20231234"  # a roster's entry: a name and a student number (or an 8-digit id)


# finding 1: the listed ask is dropped when a role follows it, whatever follows the role
@pytest.mark.parametrize("text", [
    "招募宝妈，无需经验，可以私聊班主任或者我",
    "招募宝妈，无需经验，可以私聊辅导员，也可以加我",
    "招募宝妈，无需经验，可以私聊班主任拉你进群",
    "招募宝妈，无需经验，可以私聊班主任，日结300",
    "招募宝妈，无需经验，可以私聊班主任小薇",
    "招募宝妈 无需经验 可以私聊楼长"])
def test_a_recruiting_ad_that_names_a_role_is_still_a_case(text: str) -> None:
    assert severities(text)  # main: review


# finding 2: the address may be anyone in _CLASS_ROLES: a group's admin, an institution, a title
@pytest.mark.parametrize("then", [
    "群主，打扰了，私聊我", "群主您好，打扰了，加我", "管理员，打扰了，发个福利，私聊我",
    "学姐，考研资料到了，私聊我", "学校，暑假班开课了，私聊我报名", "学院，招生开始了，私聊我",
    "物业，打扰了，私聊我", "王家长，暑假班开课了，私聊我报名"])
def test_an_ad_addressed_to_a_group_s_admin_or_an_institution_is_still_found(then: str) -> None:
    assert find_contacts(f"{ENTRY}\n{then}")


# finding 3: the "whoever" guard reads only the ask's own comma piece
@pytest.mark.parametrize("then", [
    "老师，名额不多了，有需要，私聊我", "老师，名额不多了，感兴趣的，私聊我",
    "老师，名额不多了，想报名，加我", "王老师，名额不多了，有意的，加我"])
def test_an_ask_to_whoever_wants_after_a_comma_is_still_an_ad_s(then: str) -> None:
    assert find_contacts(f"{ENTRY}\n{then}")


# finding 4 (acknowledged by h72 as its price): an ad that speaks to one 老师
@pytest.mark.parametrize("text", [
    f"{ENTRY}\n老师，暑假班开课了，私聊我报名", f"{ENTRY}\n老师：暑假班开课了，私聊我",
    f"{ENTRY}\n老师，有福利了，加我私聊", f"老师，暑假班开课了，私聊我\n{ENTRY}"])
def test_an_ad_addressed_to_one_teacher_is_still_found(text: str) -> None:
    assert find_contacts(text)


# finding 5: the roles that end the listed ask include a business's words and named personas
@pytest.mark.parametrize("text", [
    "招募宝妈零基础私聊学院助教", "招募宝妈，零基础，私聊办公室", "招募宝妈，零基础，私聊家长",
    "招募宝妈，零基础，私聊委员", "招募宝妈，零基础，私聊王组长",
    "招募宝妈，无需经验，私聊家委会小薇", "招募宝妈，无需经验，私聊社工小王"])
def test_a_recruiting_ad_sending_to_a_business_role_is_still_a_case(text: str) -> None:
    assert severities(text)  # main: review


# finding 6: traditional text now follows the simplified reading, misses included
@pytest.mark.parametrize("text", ["學姐小薇 20231234", "聯繫老師小薇 20231234"])
def test_a_traditional_persona_main_found_is_still_found(text: str) -> None:
    assert find_contacts(text)


# finding 7: common forms of what h72 claims to clear: a role with 老师 after it, an @ before
# the teacher, 我们 before the role
@pytest.mark.parametrize("text", [
    f"{ENTRY}\n班主任老师，孩子请假了，有事私聊我", f"{ENTRY}\n@王老师 孩子请假了，有事私聊我"])
def test_a_parent_s_ask_to_the_teacher_in_common_forms_is_chat(text: str) -> None:
    assert find_contacts(text) == []


def test_a_community_call_naming_our_head_teacher_is_none() -> None:
    assert severities("家委会招募宝妈，无需经验，可以私聊我们班主任") == set()


@pytest.mark.parametrize("text", [
    f"{ENTRY}\n@所有人 孩子请假了，有事私聊我", f"{ENTRY}\n王老师 暑假班开课了，有事私聊我"])
def test_an_ask_to_all_or_about_no_child_is_still_found(text: str) -> None:
    """Only a teacher addressed (a role, 老师 after it, an @ before the name) about a child."""
    assert find_contacts(text)


@pytest.mark.parametrize("text", [
    "招募宝妈，无需经验，可以私聊我们", "招募宝妈，无需经验，可以私聊我们老师"])
def test_our_own_unnamed_teacher_may_be_the_writer(text: str) -> None:
    """我们 alone, or a title a business gives itself (老师): the way to the writer."""
    assert severities(text)
