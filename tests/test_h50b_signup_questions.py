"""Sign-up questions the shipped invite handler read wrong (s41 h50b): a question about signing
up signs nobody up but is never left unanswered; a sign-up that only says something about the
member (「报名 我符合条件」) asks nothing more; asking when one may sign up is a question."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness

RECRUITMENT = {"r1": "Listener Recruitment 01", "i1": "Listener Internship 01"}
INVITED = "报名成功！已邀请你加入「Listener Internship 01」，请在微信里接受群邀请 📚"


@pytest.mark.parametrize("text", ["报名 我符合条件", "报名，我符合条件", "我要报名 我符合要求"])
async def test_a_sign_up_saying_the_member_qualifies_asks_nothing_more(tmp_path: Path,
                                                                       text: str) -> None:
    """Invited, and the message goes no further: with a mention, faq would answer the
    requirements nobody asked for."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", f"@Helper {text}", mentions=("bot",))
        await h.advance("1m")
        assert [a["action"] for a in h.actions("invite")] == ["invite"]
        assert h.texts("r1") == [INVITED], h.texts("r1")


@pytest.mark.parametrize("text", ["我要报名，条件", "我要报名，收入呢"])
async def test_a_sign_up_beside_a_thing_of_signing_up_alone_still_asks_it(tmp_path: Path,
                                                                          text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", f"@Helper {text}", mentions=("bot",))
        await h.advance("1m")
        assert [a["action"] for a in h.actions("invite")] == ["invite"]
        texts = h.texts("r1")
    assert len(texts) == 2 and texts[0] == INVITED, texts


@pytest.mark.parametrize("text", ["可以报名的时间？", "能报名的时间？"])
async def test_asking_when_one_may_sign_up_gets_the_answer_and_no_invitation(
        tmp_path: Path, text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", text)
        await h.advance("1m")
        assert h.actions("invite") == []
        texts = h.texts("r1")
    assert len(texts) == 1 and texts[0].startswith("报名流程："), texts


@pytest.mark.parametrize("text", ["我可以报名吗？", "现在还能报名吗", "可以报名不？", "我想报名",
                                  "可以报名，我的时间很自由"])
async def test_asking_whether_one_may_sign_up_still_signs_up(tmp_path: Path, text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", text)
        await h.advance("1m")
        assert [a["action"] for a in h.actions("invite")] == ["invite"]
        assert h.texts("r1")[0] == INVITED, h.texts("r1")
