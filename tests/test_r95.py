"""r95: a hostile review of h94's invite change (branch h94, merged as db9451a) against main
before it (0d8e4e0): may-I after the word ("报名可以不") signs up; 不/没 before an emoji, a
two-character A-not-A (免费不免费), 咩, 伐, 咋, ❓ ❔ and 【疑问】 ask. Each finding is a strict
xfail (/work/helpers/reports/r95.md); "regression" ones read otherwise on 0d8e4e0 (each case
checked there), "old" ones read the same there. The plain tests pin what was checked and
holds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from harness import SHIPPED, Harness
from test_h50b_signup_questions import HINT, RECRUITMENT, _reading
from test_r90 import _said

from handlers.invite import Config, InviteHandler, Reading

# ---------------------------------------------------------------- findings


# r95 finding 1 (HIGH, regression): may-I after the word for someone _FOR_ANOTHER does not list
# signs the writer up; taken back with h94's rule: holds
@pytest.mark.parametrize("text", [
    "帮我女朋友报名可以吗", "帮男朋友报名可以吗", "帮我对象报名可以吗", "帮舍友报名可以吗",
    "给娃报名可以吗", "给我家孩子报名可以吗", "帮我表哥报名可以吗", "帮家人报名可以吗",
    "帮张三报名可以吗", "帮我一个朋友报名可以吗", "代朋友报名可以吗", "替人报名可以吗"])
async def test_r95_1_may_i_after_the_word_for_another_invites_nobody(
        tmp_path: Path, text: str) -> None:
    """On 0d8e4e0 each was a question and got the hint; its before-twin (「可以帮我女朋友报名
    吗」) still is. Now the writer (a parent, a partner) is invited and told 「报名成功！」 in
    public, and the person meant is not: `_FOR_ANOTHER` lists 他/她/别人/其他人 and `_KIN`
    only, while docs/handlers/invite.md says "nor for someone else after 帮 替 给 为"."""
    invites, texts = await _said(tmp_path, "alice", text)
    assert invites == [] and HINT in texts, (invites, texts)


# r95 finding 2 (MEDIUM, regression): may-I after the word asking about a way of signing up
# (again, with a second account, as a team) signs up; taken back with h94's rule: holds
@pytest.mark.parametrize("text", [
    "重复报名可以吗", "再报名可以吗", "多次报名可以吗", "用小号报名可以吗", "用两个微信报名可以吗",
    "团体报名可以吗", "组队报名可以吗", "以公司名义报名可以吗", "匿名报名可以吗",
    "用假名报名可以吗", "我已经报名了，再报名可以吗"])
def test_r95_2_may_i_after_the_word_asking_a_way_of_it_asks(text: str) -> None:
    """QUESTION on 0d8e4e0, and their before-twins (「可以重复报名吗」 「可以用小号报名吗」)
    are QUESTION on both: `_MAY` must stand right before the word, so anything between
    asks; `_MAY_AFTER` takes whatever stands before the word."""
    assert _reading(text) is Reading.QUESTION


# r95 finding 3 (MEDIUM, regression): a two-character A-not-A in a sign-up said whatever the
# answer (不管免费不免费我都报名) asks; taken back with h94's rule: holds
@pytest.mark.parametrize("text", ["不管免费不免费我都报名", "无论收费不收费我都报名",
                                  "不管开始没开始我先报名", "收费不收费无所谓报名了"])
async def test_r95_3_a_sign_up_whatever_the_answer_is_invited(tmp_path: Path, text: str) -> None:
    """Invited on 0d8e4e0; now read as a question, and the member gets the hint telling them
    to send 「报名」. (The one-character twins, 「不管收不收费我都报名」, were questions on
    0d8e4e0 already: old.)"""
    invites, texts = await _said(tmp_path, "alice", text)
    assert invites == ["invite"] and HINT not in texts, (invites, texts)


_AS_ZEN = pytest.mark.xfail(strict=True, reason="r95 finding 4, by choice: read as its 怎 "
                            "twin (我报名怎么了, 报名怎样都行: QUESTION, old)")


# r95 finding 4 (LOW, regression): 咋 asked in 咋地 (so what) and 不咋地 (not much): fixed; 咋了,
# 咋啦 and 咋样 read as 怎么了 and 怎样 do
@pytest.mark.parametrize(("text", "read"), [
    ("我就报名咋地", Reading.SIGN_UP), pytest.param("我报名咋了", Reading.SIGN_UP, marks=_AS_ZEN),
    ("报名了又咋地", Reading.SIGN_UP), pytest.param("我报名咋啦", Reading.SIGN_UP, marks=_AS_ZEN),
    pytest.param("报名咋样都行", Reading.SIGN_UP, marks=_AS_ZEN),
    ("报名流程不咋地", Reading.NOTHING), ("报名不咋样", Reading.NOTHING)])
def test_r95_4_za_that_asks_nothing(text: str, read: Reading) -> None:
    """As read on 0d8e4e0. The 怎 twins (「我报名怎么了」, 「报名流程不怎么样」) are QUESTION on
    both, so 咋 = 怎 holds; the misreading came with 咋 (h94 guarded 咋呼 咋舌 only)."""
    assert _reading(text) is read


# r95 finding 5 (LOW, regression): 伐 and 咩 ending a word (攻伐 侵伐 挞伐 口诛笔伐; a
# name: 阿咩 咩咩 小咩) ask; taken back with h94's rule: holds
@pytest.mark.parametrize("text", ["报名参加攻伐", "报名侵伐", "报名挞伐", "报名参加口诛笔伐",
                                  "报名找阿咩", "报名联系咩咩", "报名给小咩", "报名参加咩咩"])
def test_r95_5_va_and_me_ending_a_word_ask_nothing(text: str) -> None:
    """SIGN_UP on 0d8e4e0. The lookbehind guards 步砍采征讨杀北 only, and 咩 has none (a
    real @mention is stripped before reading: 「报名 @咩咩」 is fine)."""
    assert _reading(text) is Reading.SIGN_UP


# r95 finding 6 (LOW, regression): 没/不 ending a statement before an emoji asks
# (「我报名了但群都没[捂脸]」); taken back with h94's rule: holds
@pytest.mark.parametrize(("text", "read"), [
    ("我报名了但群都没[捂脸]", Reading.SIGN_UP), ("报名了一点消息都没[捂脸]", Reading.SIGN_UP),
    ("我报名了钱都没[捂脸]", Reading.SIGN_UP), ("报名了等半天都没[捂脸]", Reading.SIGN_UP),
    ("报名不[捂脸]", Reading.NOTHING), ("我报名不[捂脸]", Reading.NOTHING)])
def test_r95_6_a_closing_no_before_an_emoji_that_asks_nothing(text: str, read: Reading) -> None:
    """As read on 0d8e4e0: a member complaining that nothing came after their sign-up was
    invited again; now they get no invitation (the hint, or nothing within the cooldown).
    The twins without the emoji are QUESTION on both (old), so the emoji only widened it."""
    assert _reading(text) is read


# r95 finding 7 (LOW, regression of an old class): may-I after the word signs up when it is
# reported or taken back; taken back with h94's rule: holds
@pytest.mark.parametrize("text", ["朋友问我报名可以吗", "老师问报名可以吗", "群主说报名可以吗",
                                  "有人私聊我问报名可以吗", "报名可以吗？不报了",
                                  "报名可以不？我不报了", "报名可以吗？算了"])
def test_r95_7_may_i_after_the_word_reported_or_taken_back_is_no_sign_up(text: str) -> None:
    """QUESTION on 0d8e4e0. The before-twins (「朋友问我可以报名吗」, 「我可以报名吗？不报了」)
    sign up on both: `_reading` returns at the first may-I clause and reported speech is
    not looked for; h94 carried that to the after form."""
    assert _reading(text) is not Reading.SIGN_UP


@pytest.mark.parametrize("text", ["我不[捂脸]报名了", "先不[捂脸]报名", "不想[捂脸]报名了",
                                  "别[捂脸]给我报名", "取消[捂脸]报名", "不[捂脸][捂脸]报名",
                                  "我不[Facepalm]join"])
def test_r95_8_a_no_with_an_emoji_before_the_word_is_no_sign_up(text: str) -> None:
    """r95 finding 8 (fixed): SIGN_UP (「我不😂报名了」 and 「我不 报名了」 were NOTHING):
    `_NO_BEFORE` wants the no right before the word, and a WeChat [emoji] was not skipped as
    a Unicode one is. A face right after the no is skipped now."""
    assert _reading(text) is not Reading.SIGN_UP


@pytest.mark.parametrize("text", ["不说了[捂脸]报名", "没办法[捂脸]报名", "算了[捂脸]报名",
                                  "不[捂脸]我要报名", "我还没[捂脸]报名，现在报名"])
def test_r95_8_a_face_after_a_phrase_that_ended_is_a_break(text: str) -> None:
    """(r98-1: the first fix, faces taken out of all the words before the word, read these
    as a no, and the members were silently not signed up)"""
    assert _reading(text) is Reading.SIGN_UP


# r95 finding 9 (MEDIUM, old): InviteHandler.reading stripped the marks around the whole message
# with a pattern quadratic in a run of them (16,000 characters: about 6 s); fixed
def test_r95_9_a_long_run_of_marks_reads_in_time() -> None:
    """「报名 [-] [-] … x」: 4,000 characters take 0.2 s, 8,000 1.2 s, 16,000 about 6 s on
    both (10 s through the harness): `[\\W_]+$` is tried from each mark and fails at the x.
    Not h94's; a member can hold the bot up with one long message."""
    invite = InviteHandler(Config(words=["报名"], to="internship"))
    invite.prepare()
    text = "报名" + " [-]" * 6000 + "x"  # 24,000 characters
    started = time.perf_counter()
    invite.reading(text)
    assert time.perf_counter() - started < 2.0  # (about 15 s before, a few ms now)


# r95 finding 10 (LOW, old; fixed): 「不能报名不」 signed up while 「不能报名吗」 asks
@pytest.mark.parametrize("text", ["不能报名不", "不可以报名不", "不能报名不[捂脸]",
                                  "不可以报名不[捂脸]"])
def test_r95_10_a_no_before_may_with_a_closing_not_is_no_sign_up(text: str) -> None:
    """The `_MAY_NOT` return came before the no was looked for (the emoji two signed up
    with h94's `_CLOSING` only, taken back)."""
    assert _reading(text) is not Reading.SIGN_UP


# ---------------------------------------------------------------- what holds


@pytest.mark.parametrize("text", ["报名参加植树，反对乱砍乱伐", "我报名，跟上步伐", "报名参加采伐",
                                  "我报名参加砍伐", "报名参加北伐", "我报名征伐", "报名讨伐",
                                  "报名杀伐", "报名，我叫小咩", "我叫阿咩报名", "我报名 咩咩",
                                  "别咋呼，我报名", "咋咋呼呼的，我报名", "报名嘛咋舌"])
def test_guarded_va_me_and_za_words_still_sign_up(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize("text", ["❓报名❓", "❓❓❓报名", "报名❓❓❓", "我报名❓", "我要报名❔",
                                  "【疑问】报名", "我报名【疑问】", "报名！❓", "❓我报名"])
def test_question_emoji_decorating_a_sign_up_still_signs_up(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize(("text", "read"), [
    ("报名可以不去吗", Reading.QUESTION), ("可以不报名吗", Reading.QUESTION),
    ("我可以不报名吗", Reading.QUESTION), ("报名可以不交钱吗", Reading.QUESTION),
    ("可以不报名", Reading.NOTHING), ("不报名可以吗", Reading.QUESTION),
    ("报名不可以吗", Reading.QUESTION), ("不免费不报名", Reading.NOTHING)])
def test_may_skip_and_conditional_no_are_no_sign_ups(text: str, read: Reading) -> None:
    """可以不 meaning "may skip" and 不X不报名 read as on 0d8e4e0."""
    assert _reading(text) is read


@pytest.mark.parametrize("text", ["他报名可以不", "你报名可以吗", "你们报名可以不",
                                  "大家报名可以不", "别人报名可以不", "我朋友报名可以不",
                                  "我同学报名可以吗",
                                  "他问报名可以吗", "有人问：报名可以吗", "我妈问报名可以吗",
                                  "帮她们报名可以吗"])
def test_may_i_after_the_word_of_someone_named_is_talk(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


@pytest.mark.parametrize("text", ["帮朋友报名可以吗", "帮同学报名可以吗", "帮我同学报名可以吗",
                                  "给孩子报名可以吗", "帮我老公报名可以吗", "帮同事报名可以吗",
                                  "为孩子报名可以吗", "替我朋友报名可以吗", "帮他报名可以吗",
                                  "帮朋友报名可以不", "我帮朋友报名可以吗"])
def test_may_i_after_the_word_for_listed_kin_asks(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


@pytest.mark.parametrize("unit", ["报名免费不免费", "报名可以不[捂脸]", "报名[不]", "报名咩",
                                  "报名伐", "咋报名", "报名❓", "【疑问】报名", "报名免费不[-][-]x",
                                  "报名还没开始[-][-][-]"])
def test_a_long_message_of_the_new_forms_reads_in_time(unit: str) -> None:
    """4,000 characters of each read in a few ms on the branch (at most 2-3 times
    0d8e4e0's; the 不 lookahead is quadratic only within a 1,024-character clause)."""
    text = (unit * (4000 // len(unit) + 1))[:4000]
    started = time.perf_counter()
    _reading(text)
    assert time.perf_counter() - started < 1.0


async def test_a_sign_up_mentioning_a_member_named_me_is_invited(tmp_path: Path) -> None:
    """The mention is stripped before reading, so 咩 ending a nickname asks nothing."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", "报名 @咩咩\u2005")
        await h.advance("1m")
        assert [a["action"] for a in h.actions("invite")] == ["invite"]
