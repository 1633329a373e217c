"""content/words/recruiting.txt after s41 f61 (review r59 finding 6): 招募宝妈 and a term a
community's call offers too (无需经验 零基础 免费培训 无押金), then a word and an invitation, or
pay, is a recruiting ad's; the term alone, or with a community's own ask, is not."""

from __future__ import annotations

import pytest
from test_h50a_recruiting import severities

from bot.banned import Severity


@pytest.mark.parametrize("text", [
    "招募宝妈，无需经验，可以私聊", "招募宝妈 无押金 感兴趣的加我",
    "招募宝妈，不收押金，需要的滴滴"])
def test_such_a_term_a_word_and_an_invitation_is_flagged(text: str) -> None:
    """A case for the admins at least: bot/banned.py warns where the invitation starts its
    piece of the sentence (below)."""
    assert severities(text)


def test_such_a_term_a_word_and_an_invitation_of_its_own_is_warned() -> None:
    assert severities("招募宝妈，零基础也可以，滴滴我") == {Severity.WARN}


@pytest.mark.parametrize("text", ["招募宝妈，零基础，日结", "招募宝妈，免费培训，月入过万"])
def test_such_a_term_and_pay_is_a_recruiting_ad(text: str) -> None:
    assert severities(text)


@pytest.mark.parametrize("text", [
    "社区招募宝妈，零基础也可以，报名找班主任", "家委会招募宝妈，无押金，可以借绘本",
    "社区招募宝妈，免费培训，感兴趣的报名"])
def test_a_community_s_call_with_its_own_ask_is_none(text: str) -> None:
    assert severities(text) == set()
