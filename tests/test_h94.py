"""h94: invite reads question forms r90 found it missing (r90 finding 7): the question
mark's other emoji (【疑问】, ❓, ❔) and 咋 (how). Its other rules (a closing 不/没 before an
emoji, a two-character A-not-A, 咩, 伐, and may-I after the word signing up) were taken
back after r95's review (tests/test_r95.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_h50b_signup_questions import HINT, INVITED, _reading
from test_r90 import _said

from handlers.invite import Reading

# sign-ups, questions and talk ending with ？ (and one with ？ between two clauses)
_MARKED = ["报名免费？", "报名还没开始？", "报名要交钱？", "报名入口？", "报名？", "我报名？",
           "我要报名，收入？", "报名还没截止？我要报名", "他报名了？", "报名截止了？我报名",
           "可以报名不？", "报名要求？", "报名要钱吗？我报名", "报名免费??"]


@pytest.mark.parametrize("emoji", ["【疑问】", "❓", "❔"])
@pytest.mark.parametrize("text", _MARKED)
def test_the_other_question_emoji_read_as_the_question_mark(text: str, emoji: str) -> None:
    assert _reading(text.replace("？", emoji).replace("?", emoji)) is _reading(text)


@pytest.mark.parametrize("text", ["报名还没开始【疑问】", "报名还没开始❓", "报名免费❔"])
def test_the_state_asked_with_another_question_emoji_asks(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


@pytest.mark.parametrize("text", ["报名还没开始❓", "@Helper 报名还没开始【疑问】"])
async def test_the_state_asked_with_another_question_emoji_gets_the_hint(
        tmp_path: Path, text: str) -> None:
    """r90: 「报名还没开始❓」 was read as a statement, and the member had no answer."""
    invites, texts = await _said(tmp_path, "alice", text)
    assert invites == [] and HINT in texts, texts


@pytest.mark.parametrize("text", ["怎么报名", "报名怎么弄", "我怎么报名", "怎么报名啊",
                                  "我要怎么报名", "我可以怎么报名", "他怎么报名的",
                                  "我报名了怎么还没拉我", "我已经报名了，怎么没拉我",
                                  "我要报名，怎么弄"])
def test_za_asks_how_as_zen_does(text: str) -> None:
    """「咋报名」 signed up: 咋 is the spoken 怎么 (how)."""
    assert _reading(text.replace("怎么", "咋")) is _reading(text)


@pytest.mark.parametrize(("text", "read"), [
    ("咋报名", Reading.QUESTION), ("报名咋弄", Reading.QUESTION),
    ("别咋呼，我报名", Reading.SIGN_UP), ("别咋呼了我报名", Reading.SIGN_UP),
    ("收入高得让人咋舌我报名", Reading.SIGN_UP)])
def test_za_asks_but_not_in_zhahu_or_zeshe(text: str, read: Reading) -> None:
    assert _reading(text) is read


@pytest.mark.parametrize("text", ["Q：在校生可以报名吗？A：可以的", "问：可以报名吗？答：可以",
                                  "Q1: 怎么报名 A1: 发报名就行"])
async def test_an_operators_may_i_question_and_answer_post_invites_nobody(
        tmp_path: Path, text: str) -> None:
    """(old, fixed: it signed its writer up, as r90 finding 1's posts did) A question with
    its answer, Q: and A: (问： and 答：), asks nothing and signs nobody up."""
    invites, texts = await _said(tmp_path, "op_lin", text)
    assert invites == [] and INVITED not in texts, texts


@pytest.mark.parametrize(("text", "read"), [
    ("请问：可以报名吗？", Reading.SIGN_UP), ("我想问: 报名要交钱吗", Reading.QUESTION),
    ("q:" * 20000 + "报名", Reading.SIGN_UP)])
def test_a_question_without_its_answer_reads_as_before(text: str, read: Reading) -> None:
    assert _reading(text) is read
