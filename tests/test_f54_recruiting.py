"""content/words/recruiting.txt after s41 f54 (review r52 finding 4): what a community's call
offers mothers too (无需经验 零基础 免费培训 无押金) is no job's term alone; with an invitation
right after it, or as a job pitches them (零基础，免费培训), it is still a recruiting ad's."""

from __future__ import annotations

import pytest
from test_h50a_recruiting import severities

from bot.banned import Severity


@pytest.mark.parametrize("text", [
    "幼儿园亲子运动会招募宝妈，无需经验，报名找班主任", "社区招募宝妈 零基础学烘焙，周六上午活动室",
    "社区妇联招募宝妈，免费培训育婴师，报名联系居委会", "家委会招募宝妈，不收押金借绘本"])
def test_a_communitys_call_for_mothers_is_no_recruiting_ad(text: str) -> None:
    assert severities(text) == set()


@pytest.mark.parametrize("text", [
    "招募宝妈，无需经验，私信我", "招募宝妈 零基础 加我", "招募宝妈，无押金，私聊"])
def test_such_a_term_and_an_invitation_right_after_it_is_warned(text: str) -> None:
    assert severities(text) == {Severity.WARN}


def test_no_experience_and_free_training_are_a_jobs_pitch() -> None:
    assert severities("招募宝妈，零基础，免费培训") == {Severity.REVIEW}
