"""s42 f77: h72's two exceptions narrowed (review s42 r75): a community's call that offers
nothing more, a parent's 有事 ask to the teacher, and a seller's title before a nickname."""

from __future__ import annotations

import pytest
from test_h50a_recruiting import severities

from bot.banned import Severity
from bot.contacts import find_contacts

ENTRY = "王薇 20231234"  # a roster's entry: a name and a student number


@pytest.mark.parametrize("text", [
    "家委会招募宝妈，无需经验，可以私聊班主任或者我",
    "家委会招募宝妈，无需经验，可以私聊班主任拉你进群",
    "家委会招募宝妈，无需经验，可以私聊班主任，日结300", "社区招募宝妈，零基础，私聊家长",
    "社区招募宝妈，零基础，私聊王组长", "宝妈招募宝妈，无需经验，可以私聊班主任"])
def test_a_named_caller_offering_more_or_sending_to_a_title_still_opens_a_case(text: str) -> None:
    assert severities(text) == {Severity.REVIEW}


@pytest.mark.parametrize("then", [
    "老师，孩子请假了，有事私聊我", "辅导员，孩子生病了，有事私信我",
    "班主任您好，孩子发烧了，有事加我"])
def test_a_parent_s_ask_for_a_matter_is_chat(then: str) -> None:
    assert find_contacts(f"{ENTRY}\n{then}") == []


@pytest.mark.parametrize("then", [
    "老师，暑假班开课了，有事私聊我", "老师，资料到了，有事加我",
    "老师，孩子放假了，有需要托管的，有事私聊我", "老师，孩子暑假班开课了，私聊我",
    "学长，孩子请假了，有事私聊我", "王家长，孩子请假了，有事私聊我"])
def test_an_address_or_matter_an_ad_could_use_is_still_found(then: str) -> None:
    assert find_contacts(f"{ENTRY}\n{then}")


@pytest.mark.parametrize("text", ["学长小薇 20231234", "有需要联系老师小薇 20231234"])
def test_a_seller_s_title_before_a_nickname_is_a_persona(text: str) -> None:
    assert find_contacts(text)


@pytest.mark.parametrize("text", [
    "学姐王薇 20231234", "有需要联系王老师 20231234", "老师小薇 20231234"])
def test_a_title_before_a_name_or_alone_still_names_its_holder(text: str) -> None:
    assert find_contacts(text) == []
