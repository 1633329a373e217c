"""content/words/recruiting.txt after s41 h50a: 招募宝妈 and a job's terms (包吃包住, 底薪,
零基础...) is a recruiting ad's phrase, whatever stands between it and the invitation; a
community's or a school's call for mothers or volunteers names no such terms."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.banned import BannedWords, Listed, Severity, list_lines

RECRUITING = Path(__file__).parent.parent / "content" / "words" / "recruiting.txt"


@cache
def recruiting() -> BannedWords:
    """The list as config/types/base.yaml loads it: severity warn, `offers: true`."""
    return BannedWords(Listed(word, "recruiting", Severity.WARN, 0, offer=True)
                       for word in list_lines(RECRUITING.read_text(encoding="utf-8")))


def severities(text: str) -> set[Severity]:
    return {hit.severity for hit in recruiting().find(text)}


@pytest.mark.parametrize("text", [
    "招募宝妈，包吃包住，私聊", "招募宝妈 底薪3000 私聊", "招募宝妈！零基础，免费培训，加我了解",
    "招募宝妈，无需经验，私信我", "招募宝妈，工资日结，私我"])
def test_mothers_wanted_with_a_job_s_terms_and_an_invitation_is_warned(text: str) -> None:
    assert severities(text) == {Severity.WARN}


@pytest.mark.parametrize("text", ["招募宝妈，包吃包住", "招募宝妈，提成高"])
def test_mothers_wanted_with_a_job_s_terms_alone_is_a_case_for_the_admins(text: str) -> None:
    assert severities(text) == {Severity.REVIEW}


@pytest.mark.parametrize("text", [
    "小区读书会招募宝妈，每周六下午", "社区招募宝妈志愿者，有意者联系居委会",
    "招募志愿者，有意者联系老师", "幼儿园招募宝妈助教，工资面议，报名找班主任",
    "学校招募家长志愿者，有意者联系老师"])
def test_a_community_s_or_a_school_s_call_names_no_job_s_terms(text: str) -> None:
    assert severities(text) == set()
