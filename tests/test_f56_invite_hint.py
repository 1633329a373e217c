"""The operator's decisions on r53's findings in invite's hint (s41 f56): the hint is help,
never noise. What the findings themselves show is in tests/test_r53.py; these are the edges
each fix must keep: what still gets the hint, still signs up or still asks."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness
from test_h50b_signup_questions import HINT, INVITED, _reading
from test_h50b_signup_questions import RECRUITMENT as GROUPS

from bot.events import QUOTE_RULE
from handlers.invite import Reading


async def test_the_hint_comes_again_once_the_sign_up_cooldown_is_over(tmp_path: Path) -> None:
    """Decision 1: no hint while the member's sign-up cooldown (1 day) runs, and looking
    at it does not start it: a member who never signed up gets the hint and may then sign
    up. (carol: the harness puts alice and bob in every group, the internship one too.)"""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("carol")
        await h.say("r1", "carol", "报名入口？")
        await h.advance("1m")
        await h.say("r1", "carol", "报名")
        await h.advance("1m")
        await h.say("r1", "carol", "报名后怎么没反应")  # within the day: nothing
        await h.advance("1m")
        assert h.texts("r1") == [HINT, INVITED], h.texts("r1")
        await h.advance("1d")
        await h.say("r1", "carol", "报名后怎么没反应")  # the day is over: the hint again
        await h.advance("1m")
        hints = h.texts("r1").count(HINT)
    assert hints == 2


@pytest.mark.parametrize(("text", "mentions"), [
    ("@Bob 我也报名", ("bob",)),  # a sign-up stays one, whoever it mentions
    (f"「Bob：我刚报名了」{QUOTE_RULE}我也报名", ()),
])
async def test_a_sign_up_beside_another_member_still_signs_up(
        tmp_path: Path, text: str, mentions: tuple[str, ...]) -> None:
    """Decision 2 keeps the hint from a question put to another member, not the sign-up."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", text, mentions=mentions)
        await h.advance("1m")
        texts = h.texts("r1")
    assert texts == [INVITED], texts


async def test_a_question_under_a_member_s_quoted_message_gets_no_hint(
        tmp_path: Path) -> None:
    """Decision 2: Alice asks under Bob's message, so Bob answers (the question itself is
    the member's own, 「报名入口在哪」, which alone gets the hint)."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", f"「Bob：我刚报名了」{QUOTE_RULE}报名入口在哪")
        await h.advance("1m")
        texts = h.texts("r1")
    assert texts == [], texts


async def test_a_quote_reply_to_the_bot_still_gets_the_hint(tmp_path: Path) -> None:
    """Decision 2 is about a member's message quoted: one asking under the bot's own
    message asks the bot."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", f"「小助手：欢迎新朋友」{QUOTE_RULE}报名入口在哪")
        await h.advance("1m")
        texts = h.texts("r1")
    assert texts == [HINT], texts


@pytest.mark.parametrize(("text", "reading"), [
    ("你报名了吗", Reading.NOTHING),  # decision 3: someone else's sign-up is chat
    ("你不报名吗", Reading.NOTHING),
    ("大家都报名了吗", Reading.NOTHING),
    ("别人报名要交钱吗", Reading.QUESTION),  # a rule asked for others (s42 h73: r63 5)
    ("报名人数多少", Reading.NOTHING),
    ("when did you join?", Reading.NOTHING),
    ("does anyone join?", Reading.NOTHING),
    ("你报名了吗，报名入口在哪", Reading.QUESTION),  # the member's own question beside it
    ("你好，报名入口在哪", Reading.QUESTION),  # a greeting to the bot, not a subject
    ("你好请问报名入口在哪", Reading.QUESTION),
    ("大家好，报名要交钱吗", Reading.QUESTION),
    ("你们这边报名要交钱吗", Reading.QUESTION),  # 你们这边: the organisers
    ("请问你们报名入口在哪", Reading.QUESTION),  # asked of the organisers
    ("想问下你们怎么报名", Reading.QUESTION),
    ("报名人工审核吗", Reading.QUESTION),  # 人工 is nobody
    ("how do i join?", Reading.QUESTION),
    ("can i join?", Reading.QUESTION),  # decision 6 keeps can as a question word
    ("i can't join today", Reading.NOTHING),
    ("I cannot join", Reading.NOTHING),
    ("we couldn't join", Reading.NOTHING),
])
def test_whose_sign_up_a_question_is_about(text: str, reading: Reading) -> None:
    assert _reading(text) is reading


async def test_the_group_guard_does_not_start_a_member_s_hint_cooldown(
        tmp_path: Path) -> None:
    """Decision 4: one hint per group within 20 s; a member kept from it by the guard
    gets it when asking again after the guard, within what would have been their own
    `hint_cooldown` (1 minute)."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", "报名入口？")
        await h.advance("5s")
        await h.say("r1", "bob", "报名入口？")  # within the guard: nothing
        await h.advance("25s")
        await h.say("r1", "bob", "报名入口？")  # after it: his hint
        await h.advance("1m")
        hints = [r["mentions"] for r in h.actions("say", group="r1")]
    assert hints == [["alice"], ["bob"]], hints


@pytest.mark.parametrize("text", ["报名，我满足条件", "我要报名，我够条件了",
                                  "报名 我具备这些要求"])
async def test_a_sign_up_saying_the_member_meets_them_asks_nothing(tmp_path: Path,
                                                                   text: str) -> None:
    """Decision 5: 条件/要求 beside a sign-up ask for them, unless the member says they meet
    them (符合/满足/达到/具备/够): invited only, faq says nothing though mentioned."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", f"@小助手 {text}", mentions=("bot",))
        await h.advance("1m")
        texts = h.texts("r1")
    assert texts == [INVITED], texts
