"""h94: invite reads the question forms r90 found it missing (r90 findings 6 and 7): the
question mark's other emoji (【疑问】, ❓, ❔), 咋 (how), a closing 不/没 before an emoji, a
two-character A-not-A, Cantonese 咩 and Wu 伐 ending the clause; and may-I after the word
("报名可以不", "我报名可以吗") asks for it as may-I before it does ("我可以报名吗")."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from harness import SHIPPED, Harness
from test_h50b_signup_questions import HINT, INVITED, RECRUITMENT, _reading
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


@pytest.mark.parametrize("ending", ["咩", "伐"])
@pytest.mark.parametrize("text", ["报名免费吗", "报名还没开始吗", "报名要交钱吗", "报名开始了吗",
                                  "我报名吗", "我要报名吗", "可以报名吗", "他报名了吗",
                                  "报名截止了吗？我报名", "报名吗", "报名免费吗？"])
def test_cantonese_me_and_wu_va_ask_as_ma_does(text: str, ending: str) -> None:
    assert _reading(text.replace("吗", ending)) is _reading(text)


@pytest.mark.parametrize("text", ["报名免费不", "报名开始了没", "报名截止了没有", "可以报名不",
                                  "还能报名不？", "报名要交钱不"])
def test_a_closing_not_a_asks_with_an_emoji_after_it_too(text: str) -> None:
    """「报名免费不[捂脸]」 signed up while 「报名免费不」 asks (and 「可以报名不[捂脸]」 asks for
    it as 「可以报名不」 does)."""
    assert _reading(f"{text}[捂脸]") is _reading(text)


@pytest.mark.parametrize(("text", "read"), [
    ("报名免费不免费", Reading.QUESTION), ("报名收费不收费", Reading.QUESTION),
    ("报名开始没开始", Reading.QUESTION), ("我纠结报名不报名", Reading.QUESTION),
    ("你报名不报名", Reading.NOTHING), ("报名要钱吗？我报名还是不报名", Reading.NOTHING),
    ("报名跟上大家的步伐", Reading.SIGN_UP), ("我报名，喜欢不喜欢", Reading.SIGN_UP)])
def test_a_two_character_a_not_a_asks(text: str, read: Reading) -> None:
    """As 要不要 and 收不收 ask; not in someone else's clause nor beside a sign-up; 伐 in
    步伐 asks nothing."""
    assert _reading(text) is read


_MARKS = "[-]" * 26 + "x"  # each [-] an emoji or three marks: 2**26 ways to try (a minute)
# (the bounds below are 3 s: a loaded machine reads it in tens of milliseconds)


def test_marks_after_a_closing_word_read_in_time() -> None:
    """「报名免费不[-][-]…[-]x」: trying every way to reach the clause's end took seconds
    from 22 of them on (doubling with each)."""
    started = time.perf_counter()
    _reading(f"报名免费不{_MARKS}")
    assert time.perf_counter() - started < 3.0


async def test_marks_after_a_closing_word_beside_a_sign_up_read_in_time(tmp_path: Path) -> None:
    """The same in a clause beside a sign-up, read for a question asked more."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        started = time.perf_counter()
        await h.say("r1", "alice", f"我要报名，好不{_MARKS}")
        await h.advance("1m")
        assert time.perf_counter() - started < 3.0
        assert [a["action"] for a in h.actions("invite")] == ["invite"]


@pytest.mark.xfail(strict=True, reason="old: an operator's Q&A post asking may-I and "
                   "answering it signs its writer up, as r90 finding 1's posts did")
@pytest.mark.parametrize("text", ["Q：在校生可以报名吗？A：可以的"])
async def test_an_operators_may_i_question_and_answer_post_invites_nobody(
        tmp_path: Path, text: str) -> None:
    invites, texts = await _said(tmp_path, "op_lin", text)
    assert invites == [] and INVITED not in texts, texts
