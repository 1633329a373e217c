"""r59's findings 3, 4 and 5 in invite's hint (s41 f62): who is the one signing up, and
which quote puts a question to another member. The findings themselves are in
tests/test_r59.py; these are the edges each fix must keep."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness
from test_h50b_signup_questions import HINT, _reading
from test_h50b_signup_questions import RECRUITMENT as GROUPS

from bot.events import QUOTE_RULE
from handlers.invite import Reading


@pytest.mark.parametrize(("text", "reading"), [
    # finding 4: someone else only right before the word, with at most 都/也/已经/还/没/不
    ("你已经报名了吗", Reading.NOTHING),
    ("你还没报名吗", Reading.NOTHING),
    ("你 报名了吗", Reading.NOTHING),
    ("有人知道报名入口吗", Reading.QUESTION),
    ("大家的报名入口在哪", Reading.QUESTION),
    ("他们报名的入口在哪", Reading.QUESTION),  # the entrance, not who signed up
    # finding 3: 他/她/X们 are others; 请问 speaks to the organisers only with 你们
    ("她报名了没", Reading.NOTHING),
    ("宝妈们都报名了吗", Reading.NOTHING),
    ("请问你们报名要交钱吗", Reading.QUESTION),
    ("我们报名要交钱吗", Reading.QUESTION),  # the writer among them
    ("你好报名入口在哪", Reading.QUESTION),
    ("其他人报名了吗", Reading.NOTHING),
    ("我替她报名可以吗", Reading.QUESTION),  # the writer signs her up: asks the organisers
    ("帮别人报名要交钱吗", Reading.QUESTION),
])
def test_who_signs_up_is_read_from_right_before_the_word(text: str, reading: Reading) -> None:
    assert _reading(text) is reading


async def test_a_question_under_an_admin_s_announcement_gets_the_hint(tmp_path: Path) -> None:
    """Finding 5: an admin's message quoted is the organisers', as the bot's is: a member
    asking under the announcement asks them (quoted by the name the group shows)."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "op_lin", "@所有人 实习群今天开放报名")
        admin = h.world.member("r1", "op_lin").name
        await h.say("r1", "alice", f"「{admin}：实习群今天开放报名」{QUOTE_RULE}报名入口在哪")
        await h.advance("1m")
        texts = h.texts("r1")
    assert texts == [HINT], texts


async def test_a_follow_up_under_a_member_s_quote_of_oneself_is_still_theirs(
        tmp_path: Path) -> None:
    """Finding 5 spares only the sender's own name: bob's quote of alice's question, asked
    again under it, is put to alice (she answers)."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        alice = h.world.member("r1", "alice").name
        await h.say("r1", "bob", f"「{alice}：有人吗」{QUOTE_RULE}报名入口在哪")
        await h.advance("1m")
        texts = h.texts("r1")
    assert texts == [], texts
