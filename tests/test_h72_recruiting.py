"""content/words/recruiting.txt after s42 h72: a listed ask (…可以私聊, …感兴趣的私信) before
whom it reaches, a class's or a community's role (班主任, 网格员, 李老师), is the way to
someone else, as a community's call names it, not the recruiter's invitation."""

from __future__ import annotations

import pytest
from test_h50a_recruiting import severities

from bot.banned import Severity
from bot.contacts import find_contacts


@pytest.mark.parametrize("text", [
    "家委会招募宝妈，无需经验，可以私聊班主任", "社区招募宝妈，免费培训，需要的私聊网格员",
    "运动会招募宝妈，无需经验，感兴趣的私聊李老师报名", "社区招募宝妈，零基础，感兴趣私信居委会",
    "小区招募宝妈，无押金，可以私聊楼长"])
def test_a_call_whose_ask_names_a_class_or_community_role_is_none(text: str) -> None:
    assert severities(text) == set()


@pytest.mark.parametrize("text", [
    "招募宝妈，无需经验，可以私聊", "招募宝妈，无需经验，可以私聊我",
    "招募宝妈，无需经验，可以私聊客服", "招募宝妈，零基础，可以私聊老师",
    "招募宝妈，零基础，可以私聊组长",
    "招募宝妈，零基础，感兴趣私信助理", "招募宝妈，零基础，感兴趣私信我们",
    "招募宝妈，无需经验，日结，可以私聊班主任", "招募宝妈，无需经验，可以私聊，班主任也在群里"])
def test_an_ask_to_the_writer_or_a_title_a_business_takes_still_opens_a_case(text: str) -> None:
    assert severities(text) == {Severity.REVIEW}


def test_a_call_naming_a_role_with_a_way_to_reach_the_writer_is_still_found() -> None:
    assert find_contacts("招募宝妈，无需经验，可以私聊班主任 13800138000")
    assert severities("招募宝妈，无需经验，私信我") == {Severity.WARN}


@pytest.mark.parametrize("then", ["有需要联系网格员", "我私聊楼长了", "作业忘带了，我私聊王老师"])
def test_after_an_entry_a_community_role_or_a_named_teacher_is_whom_it_reaches(then: str) -> None:
    assert find_contacts(f"王薇 20231234\n{then}") == []
