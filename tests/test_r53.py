"""Review s41 r53 of h50b's invite changes (a0813e1..d4bf9ee): the `hint` for a question
about signing up, the narrower "asks more" beside a sign-up, and @所有人 read as an
announcement. Each test states what a member of the shipped recruitment group should see;
each failed on d4bf9ee (then a strict xfail) and is the finding's report
(helpers/reports/r53.md); s41 f56 fixed them all, as the operator decided."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from harness import SHIPPED, Harness

from bot.events import QUOTE_RULE

GROUPS = {"r1": "Listener Recruitment 01", "i1": "Listener Internship 01"}
INVITED = "报名成功！已邀请你加入「Listener Internship 01」，请在微信里接受群邀请 📚"
HINT = next(h["invite"] for h in yaml.safe_load(
    (SHIPPED / "types" / "recruitment.yaml").read_text(encoding="utf-8"))["handlers"]
    if "invite" in h)["hint"]
REQUIREMENTS = (SHIPPED.parent / "content" / "faq" / "requirements.md").read_text().strip()


@pytest.mark.parametrize("group", ["r1", None])
async def test_the_hint_never_promises_what_a_second_sign_up_does_not_do(
        tmp_path: Path, group: str | None) -> None:
    """Alice signs up, has no invitation card yet and asks why. If the bot tells her to send
    「报名」, sending it must do something; within invite's `cooldown` (1 day) it does
    nothing at all. In the recruitment group and in a private chat alike."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("alice")

        def replies() -> list[str]:
            return [r["text"] for r in h.sent if "text" in r and (
                (r["action"] == "say" and r["group"] == group)
                or (r["action"] == "dm" and r["to"] == "alice" and group is None))]

        await h.say(group, "alice", "报名")
        await h.advance("2m")
        assert len(replies()) == 1 and "邀请你加入" in replies()[0], replies()
        await h.say(group, "alice", "刚刚报名了没收到邀请")
        await h.advance("2m")
        hinted = len(replies()) == 2 and replies()[1].startswith("想报名的话")
        await h.say(group, "alice", "报名")  # as the hint says
        await h.advance("2m")
        followed = replies()[2:] if hinted else []
    assert not hinted or followed, "the hint said to send 「报名」; doing so got no reply"


@pytest.mark.parametrize("text,mentions", [
    ("@Bob 你报名了吗", ("bob",)),
    (f"「Bob：我刚报名了」{QUOTE_RULE}你报名了吗", ()),
    ("@Bob 报名入口在哪", ("bob",)),
])
async def test_a_question_to_another_member_gets_no_hint(tmp_path: Path, text: str,
                                                         mentions: tuple[str, ...]) -> None:
    """Alice asks Bob, not the bot: at a0813e1 the bot said nothing, Bob answers."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", text, mentions=mentions)
        await h.advance("1m")
        assert h.texts("r1") == []


@pytest.mark.parametrize("text", ["你报名了吗", "你们都报名了吗", "有人报名吗", "报名的人多吗"])
async def test_members_chatting_about_signing_up_get_no_hint(tmp_path: Path,
                                                             text: str) -> None:
    """They ask each other, not how to sign up: at a0813e1 the bot said nothing."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", text)
        await h.advance("1m")
        assert h.texts("r1") == []


async def test_a_burst_of_questions_gets_one_hint(tmp_path: Path) -> None:
    """Three members ask within 4 s: the group reads the same paragraph three times. The
    keyword answer to 「怎么报名」 asked the same way is given once (its 5 s flood guard)."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        for member in ("alice", "bob", "carol"):
            await h.say("r1", member, "报名入口？")
            await h.advance("2s")
        await h.advance("1m")
        assert h.texts("r1").count(HINT) <= 1, h.texts("r1")


@pytest.mark.parametrize("text", ["我要报名，想了解一下要求", "报名，告诉我要求",
                                  "我想报名，对年龄有要求", "我要报名，发一下要求"])
async def test_a_sign_up_asking_for_the_requirements_gets_them(tmp_path: Path,
                                                               text: str) -> None:
    """At a0813e1 these were invited and faq answered the requirements (条件/要求 in the
    other clause went on); e88d9ad keeps only a noun standing alone, to stop 「报名 我符合
    条件」."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", f"@Helper {text}", mentions=("bot",))
        await h.advance("1m")
        assert [a["action"] for a in h.actions("invite")] == ["invite"]
        assert h.texts("r1") == [INVITED, REQUIREMENTS], h.texts("r1")


@pytest.mark.parametrize("text", ["i can't join today", "sorry, I can't join"])
async def test_an_english_no_gets_nothing(tmp_path: Path, text: str) -> None:
    """invite.md: "A no or a later ... gets nothing". At a0813e1 it got nothing."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", text)
        await h.advance("1m")
        assert h.texts("r1") == []


async def test_a_member_s_sign_up_with_a_typed_at_all_is_still_one(tmp_path: Path) -> None:
    """At a0813e1 invited. WeChat lets only the group's owner and admins @所有人: a member's
    「@所有人」 is text, said to nobody in particular."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", "@所有人 我要报名")
        await h.advance("1m")
        assert [a["action"] for a in h.actions("invite")] == ["invite"]
