"""The state of signing up, said of it, is talk: nobody signs up by saying that it has not
started, is over or is free (left by s42's note: 「报名还没开始」 and 「报名都是免费的」 signed
the writer up). Asked, it is a question for the organisers; the writer's own sign-up beside
it is still one."""

from __future__ import annotations

import pytest
from test_h50b_signup_questions import _reading

from handlers.invite import Reading


@pytest.mark.parametrize("text", ["报名还没开始", "报名还没有开始", "报名尚未开始", "报名未开放",
                                  "报名还没结束吧", "报名都是免费的", "报名是免费的",
                                  "报名也是免费的哦", "报名是收费的"])
def test_the_state_of_it_said_is_talk(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", ["报名没开始吗", "报名是免费的吗", "报名免费吗", "报名收费吗"])
def test_the_state_of_it_asked_is_a_question(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


@pytest.mark.parametrize("text", ["报名", "我报名", "我要报名，还没开始吗", "我报名，免费吗",
                                  "报名还没开始吗？我想报名", "我报名是想学习", "报名！",
                                  # a free course, a class not started: what is signed up for
                                  "我想报名免费试听课", "报名免费体验", "我要报名免费的那个班",
                                  "想报名收费的课程", "我想报名还没开始的新班"])
def test_the_writers_own_sign_up_beside_it_is_one(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP
