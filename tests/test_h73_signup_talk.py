"""Talk about signing up is no sign-up (s42 h73). The member signs up when they do it: the
word with nobody else named before it and no noun of its own after it (「报名」, 「我报名」,
「报名+1」, 「报名以后请拉我进群」); 「报名截止到周五」, 「今天报名的人好多」 or 「他也想报名」
speak of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import SHIPPED, Harness
from test_h50b_signup_questions import INVITED, _reading
from test_h50b_signup_questions import RECRUITMENT as GROUPS

from handlers.invite import Reading

TALK = ["报名截止到周五", "今天报名的人好多", "报名入口在群公告里", "他也想报名", "报名很难",
        "报名的价格", "报名二维码", "报名人好多", "报名好麻烦啊", "他们都报名了",
        "报名已满", "报名时请备注姓名", "报名请私聊", "报名中", "我同学也想报名", "我同学报名了",
        "直接发报名就行", "回复报名", "快来报名", "宝妈们都来报名", "he wants to join",
        "关于报名", "报名问题", "报名通知", "my friend wants to join"]
SIGN_UPS = ["报名", "我要报名", "报名+1", "我报名", "报名 我符合条件", "我们一起报名",
            "你帮我报名", "他和我一起报名", "报名以后请拉我进群", "报名的事就拜托你了",
            "报名截止到周五，我要报名", "今天报名的人好多，我也报名", "报名好了", "老师报名",
            "好的报名", "明天的课我报名", "报名请拉我进群", "妈妈我要报名", "我和我妈一起报名",
            "宝妈报名", "小妹报名", "我也来报名", "快报名",
            "I want to join", "i and my friend want to join", "报名信息：张三"]


@pytest.mark.parametrize("text", TALK)
def test_talk_of_signing_up_signs_nobody_up(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", SIGN_UPS)
def test_the_writer_doing_it_still_signs_up(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize("text", ["大家可以报名吗", "你要报名吗", "他可以报名不"])
def test_asking_whether_others_may_sign_up_signs_nobody_up(text: str) -> None:
    """A question put to the group or about someone else: no sign-up of the writer's (no
    hint either: members chatting)."""
    assert _reading(text) is Reading.NOTHING


async def carol_says(tmp_path: Path, text: str) -> tuple[list[str], list[dict[str, Any]]]:
    """What invite did and what the bot sent when carol (a friend, in no group of the
    target type) writes the text in the recruitment group."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("carol")
        await h.say("r1", "carol", text)
        await h.advance("1m")
        return [a["action"] for a in h.actions("invite")], h.actions("say")


@pytest.mark.parametrize("text", ["报名截止到周五", "大家可以报名吗", "他也想报名"])
async def test_talk_in_the_group_gets_no_invitation_and_no_reply(tmp_path: Path,
                                                                text: str) -> None:
    assert await carol_says(tmp_path, text) == ([], [])


async def test_a_sign_up_after_talk_of_it_invites(tmp_path: Path) -> None:
    invited, said = await carol_says(tmp_path, "今天报名的人好多，我也报名")
    assert invited == ["invite"] and said[0]["text"] == INVITED, said  # (then i1's welcome)
