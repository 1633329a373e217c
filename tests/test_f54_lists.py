"""Asks in a message that calls itself a list, after s41 f54 (review r52 finding 2): only an
ask for questions (有问题私聊我, 不清楚的加我好友) and a roster's own 进群 (进群名单) are read in
their entry's own line; any other ask offers the whole list, as at a0813e1."""

from __future__ import annotations

import pytest

from bot.contacts import Finding, find_contacts


@pytest.mark.parametrize("text", [
    "名单\n王薇 20231234\n李威 20231235\n有问题私聊我", "接龙\n王薇 20231234\n不懂的私信我",
    "报名统计，有疑问加我好友\n王薇 20231234", "进群名单\n王薇 20231234",
    "加群统计\n1. 王薇 20231234\n2. 李威 20231235", "名单。王薇 20231234。不明白的可以私聊我"])
def test_an_ask_for_questions_or_a_rosters_own_joining_is_the_rosters(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "found"), [
    ("兼职名单\n王薇 20231234\n私聊", ["20231234"]),
    ("报名加我\n王薇 20231234", ["20231234"]),
    ("名单\n王薇 20231234\n李威 20231235\n进群私聊", ["20231234", "20231235"]),
    ("接龙\n王薇 20231234\n有问题私聊我\n想赚钱的加我", ["20231234"]),
    ("名单\n王薇 20231234\n有问题的日结私聊", ["20231234"])])
def test_any_other_ask_offers_the_whole_list(text: str, found: list[str]) -> None:
    assert find_contacts(text) == [Finding("wechat", value) for value in found]
