"""r83's findings 7 and 8 on p43's invite change, fixed: the writer's own sign-up before the
state of signing up is one, and the state said with more particles and adverbs is talk
(/work/helpers/reports/r83.md)."""

from __future__ import annotations

import pytest
from test_h50b_signup_questions import _reading

from handlers.invite import Reading

# ---------------------------------------------------------------- finding 7 (MEDIUM, regression)
# p43: the writer's own sign-up (我要, 帮我, 我可以 before the word) signs nobody up when the
# state or the price ends its clause: what is signed up for ("the free one"), or a check
# with 吧 in place of 吗 (「我要报名还没截止吗」 signs up). Main signed each up.

@pytest.mark.parametrize("text", [
    "我要报名免费的", "帮我报名免费的", "老师我要报名免费的", "我要报名免费的！",
    "我可以报名免费的", "想报名收费的", "我想报名是免费的吧", "我要报名还没截止吧",
    "我要报名还没开始吧"])
def test_r83_7_the_writer_s_own_sign_up_before_the_state_is_one(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize("text", [
    "我要报名还没截止吗", "我要报名 还没截止吧", "我要报名，免费的吧", "可以报名免费的吗",
    "我要报名免费的吗"])
def test_r83_7_a_sign_up_beside_the_state_in_its_own_clause_or_asked_is_one(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP


# ---------------------------------------------------------------- finding 8 (LOW, old)
# Talk of the state that still signs up: a particle not in the list (啊 噢 滴), an emoji
# after it, an adverb not in it (暂 目前 正式 全 完全), or two adverbs.

@pytest.mark.parametrize("text", [
    "报名还没开始啊", "报名都是免费的啊", "报名是免费的噢", "报名免费滴", "报名还没开始😂",
    "报名暂未开放", "报名目前还没开始", "报名还没正式开始", "报名也还没开始", "报名全免费"])
def test_r83_8_the_state_of_it_said_is_talk(text: str) -> None:
    assert _reading(text) is not Reading.SIGN_UP


@pytest.mark.parametrize(("text", "read"), [
    ("报名还没截止", Reading.NOTHING), ("报名未开始", Reading.NOTHING),
    ("报名还未开始", Reading.NOTHING), ("报名还没开始哦～", Reading.NOTHING),
    ("报名还没开始吗", Reading.QUESTION)])
def test_r83_8_the_state_said_or_asked_as_p43_lists_it(text: str, read: Reading) -> None:
    assert _reading(text) is read
