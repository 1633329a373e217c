"""r90: a hostile review of h89's invite change (merged as 6675125) against b73435a: 么, a
closing 不 and [疑问] ask, 嘞 捏 耶 噻 end a statement, 请问/问一下/问下/想问 announce a
question, and asked-then-done-plainly signs up. Each finding is a strict xfail
(/work/helpers/reports/r90.md); findings 1 to 5 and 8 were fixed by taking back the last two
rules (the announced question, asked then done), 6 and 7 stand; the plain tests pin what
was checked and holds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from harness import SHIPPED, Harness
from test_h50b_signup_questions import INVITED, RECRUITMENT, _reading

from handlers.invite import Reading


async def _said(tmp_path: Path, member: str, text: str, *, before: str | None = None
                ) -> tuple[list[str], list[str]]:
    """What the shipped recruitment group does with a message (after `before`, two hours
    earlier, when given): the invite actions, and the texts the bot sent for the message."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add(member)
        if before is not None:
            await h.say("r1", member, before)
            await h.advance("2h")
        sent = len(h.texts("r1"))
        await h.say("r1", member, text, mentions=("bot",) if "@Helper" in text else ())
        await h.advance("1m")
        return [a["action"] for a in h.actions("invite")], h.texts("r1")[sent:]


# ---------------------------------------------------------------- findings

@pytest.mark.parametrize("text", [
    "Q：报名要交钱吗？A：不用，直接报名", "报名需要什么条件？年满18岁即可报名",
    "报名截止了吗？没有，欢迎报名", "报名有什么要求？没要求，随时报名",
    "报名难吗？不难！报名即可", "报名截止了吗？还没有！抓紧报名"])
async def test_r90_1_an_operators_question_and_answer_post_invites_nobody(
        tmp_path: Path, text: str) -> None:
    """On b73435a the question kept these from signing up; now the later plain 报名 is "done",
    and the operator (op_lin, shipped admin) gets 「报名成功！已邀请你加入…」 in public."""
    invites, texts = await _said(tmp_path, "op_lin", text)
    assert invites == [] and INVITED not in texts, (invites, texts)


@pytest.mark.parametrize("text", [
    "报名要钱吗？问清楚再报名", "报名要钱吗？确认下再报名", "报名要钱吗？回复我再报名",
    "报名要钱吗？如果免费我报名", "报名要钱吗？要是免费我报名", "报名要钱吗？免费我就报名",
    "报名要钱吗？不要钱我就报名", "报名要钱吗？我报名还是算了", "报名要钱吗？我报名？",
    "报名要钱吗？我报名吧？", "报名要钱吗？考完试报名", "报名要钱吗？下班报名"])
def test_r90_2_asked_then_put_off_or_asked_again_is_no_sign_up(text: str) -> None:
    """Each was QUESTION on b73435a ("等你回复再报名", "免费的话我报名" still are)."""
    assert _reading(text) is not Reading.SIGN_UP


@pytest.mark.parametrize(("before", "text"), [
    (None, "@Helper 报名有什么要求？我报名"), (None, "@Helper 报名要交钱吗？如果免费我报名"),
    ("报名", "@Helper 报名有什么要求？我报名了"), ("报名", "@Helper 报名要交钱吗？我已经报名了")])
async def test_r90_3_what_was_asked_before_the_sign_up_is_answered(
        tmp_path: Path, before: str | None, text: str) -> None:
    """docs/handlers/invite.md: "What it asked goes on as a sign-up's question does". On
    b73435a faq answered the requirements / the operators got the fee question as a case /
    keywords answered; now the invitation alone, or (within the cooldown) nothing at all."""
    _, texts = await _said(tmp_path, "alice", text, before=before)
    assert [t for t in texts if t != INVITED], texts


@pytest.mark.parametrize("text", [
    "报名要钱吗？朋友报名了", "报名要钱吗？听说报名", "报名要钱吗？我考虑报名",
    "报名要钱吗？我犹豫报名", "报名要钱吗？我怕报名", "有人问：报名要钱吗？我说：报名",
    "1.报名要钱吗？2.报名"])
def test_r90_4_asked_then_talk_of_it_is_no_sign_up(text: str) -> None:
    """The same second clause alone signs up on b73435a too (old); the question kept these
    from it, and the asked-then-done rule takes any clause not read otherwise as "done"."""
    assert _reading(text) is not Reading.SIGN_UP


@pytest.mark.parametrize(("text", "read"), [
    ("顾问下周报名", Reading.NOTHING), ("我们顾问下午报名", Reading.NOTHING),
    ("我不想问直接报名", Reading.SIGN_UP),
    pytest.param("我刚才问一下报名还没截止", Reading.NOTHING, marks=pytest.mark.xfail(
        strict=True, reason="r90 finding 5's old case: SIGN_UP on b73435a too"))])
def test_r90_5_no_question_announced(text: str, read: Reading) -> None:
    """顾问 (a consultant) + 下周; "I don't want to ask, just sign up"; 刚才 as 刚 does."""
    assert _reading(text) is read


@pytest.mark.xfail(strict=True, reason="r90 finding 6 (LOW, regression of 6675125): "
                   "may-I with a closing 不 after the word no longer signs up")
@pytest.mark.parametrize("text", ["报名可以不", "我报名可以不", "报名行不", "报名成不",
                                  "我报名能行不"])
def test_r90_6_may_i_with_a_closing_bu_signs_up(text: str) -> None:
    """SIGN_UP on b73435a, as "报名，可以不", "可以报名不？" still are (the 吗 twin 「报名可以吗」
    was QUESTION already: old)."""
    assert _reading(text) is Reading.SIGN_UP


_LEFT_OUT = pytest.mark.xfail(strict=True, reason="r90 finding 7 (LOW, old): question forms "
                              "the new rules leave out: 不 then an emoji, a two-character "
                              "A-not-A, 咩/伐")


@pytest.mark.parametrize("text", [
    pytest.param("报名免费不[捂脸]", marks=_LEFT_OUT),
    pytest.param("报名免费不免费", marks=_LEFT_OUT),
    pytest.param("报名收费不收费", marks=_LEFT_OUT),
    "报名还没开始❓",
    pytest.param("报名免费咩", marks=_LEFT_OUT),
    pytest.param("报名免费伐", marks=_LEFT_OUT)])
def test_r90_7_other_question_forms_ask(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


@pytest.mark.parametrize("text", [
    "请问一下我昨天已经报名了但是还没拉我进群", "请问一下我已经报名了，怎么没拉我",
    "请问我已经报名了", "我问一下我报名", "问下我报名", "请问下我报名"])
def test_r90_8_a_sign_up_said_after_a_polite_opener_signs_up(text: str) -> None:
    """SIGN_UP on b73435a: the member who says they signed up and was not pulled in was
    invited; now the hint tells them 「想报名的话，直接在群里发送「报名」…」."""
    assert _reading(text) is Reading.SIGN_UP


# ---------------------------------------------------------------- what holds

@pytest.mark.parametrize("text", [
    "这么好的机会，我报名", "那么我报名", "多么好的机会，我要报名", "要么我报名吧", "我报名么么哒",
    "么么哒我报名", "报名啦么么哒", "报名，我不错吧", "报名不错", "我报名，感觉不错",
    "我要报名，不要钱吧", "我报名，不用拉群了", "报名，不了解", "我报名，要不然来不及",
    "我报名，好不好", "报名，行不行", "我报名，对不对", "我报名了，对不", "我问一下，我报名",
    "请问一下我要报名", "我想问一下我能报名吗", "我报名，想问一下收入", "我报名 问一下",
    "报名[捂脸][疑问]", "[疑问][疑问]我报名", "报名 [疑问]"])
def test_sign_ups_with_the_new_marks_in_other_words_still_sign_up(text: str) -> None:
    assert _reading(text) is Reading.SIGN_UP


@pytest.mark.parametrize(("text", "read"), [
    ("报名要钱吗？报名要钱的话我就不报名了", Reading.QUESTION),
    ("报名要钱吗？我不报名", Reading.NOTHING), ("报名要钱吗？我没报名", Reading.QUESTION),
    ("报名要钱吗？我还没报名", Reading.QUESTION), ("报名要钱吗？我报名了吗", Reading.QUESTION),
    ("我也报名吗？我报名了吗", Reading.QUESTION), ("报名要钱吗？我报名吗", Reading.QUESTION),
    ("报名要钱吗？他报名", Reading.QUESTION), ("报名要钱吗？你报名吧", Reading.QUESTION),
    ("报名要钱吗？回复报名", Reading.QUESTION), ("报名要钱吗？直接发报名", Reading.QUESTION),
    ("报名要钱吗？等你回复再报名", Reading.QUESTION), ("报名要钱吗？明天报名", Reading.NOTHING),
    ("报名要钱吗？我报名还是不报名", Reading.NOTHING),
    ("报名要钱吗？我报名，报名要钱吗", Reading.QUESTION),
    ("报名要钱吗？我报名。报名费多少？", Reading.QUESTION),
    ("报名免费吗？免费，大家快来报名", Reading.QUESTION)])
def test_asked_then_not_done_plainly_stays_as_it_was(text: str, read: Reading) -> None:
    """Negations, someone else, the word told, a later time, done then asked again."""
    assert _reading(text) is read


@pytest.mark.parametrize("text", [
    "报名还没开始[疑问]", "报名还没开始[疑问][疑问]", "报名还没开始 [疑问]",
    "报名还没开始[捂脸][疑问]", "报名还没开始[疑问][捂脸]", "报名还没开始？？",
    "报名还没开始 ？"])
def test_the_question_emoji_beside_others_and_repeated_asks(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


@pytest.mark.parametrize("unit", ["报名？我报名", "报名吗我报名", "问下", "么", "[疑问]报名",
                                  "报名不", "报名 要钱 吗 "])
def test_a_long_message_reads_in_time(unit: str) -> None:
    """64,000 characters built of one unit read in well under a second (about 10 ms here,
    as on b73435a: the reading is bounded, not quadratic)."""
    text = (unit * (64_000 // len(unit) + 1))[:64_000] + "报名"
    started = time.perf_counter()
    _reading(text)
    assert time.perf_counter() - started < 1.0
