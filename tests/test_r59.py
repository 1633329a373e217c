"""Review s41 r59, a short hostile pass over f54 (bot/contacts.py, content/words/) and f56
(handlers/invite.py's hint). Each finding is a test that fails on s41 (ea89084) and passes
once it is fixed (strict xfail: a fix turns it into an unexpected pass, and then the mark
goes). Every ad here was caught at b21c4be (f54's base), every innocent message there and at
a0813e1 left alone; every hint here was given at 443ee60 (f56's base)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import SHIPPED, Harness
from test_h50b_signup_questions import HINT, _reading
from test_h50b_signup_questions import RECRUITMENT as GROUPS

from bot.cli import main
from bot.contacts import find_contacts
from bot.events import QUOTE_RULE
from handlers.invite import Reading

TEST = ["moderation", "test", "--config", str(SHIPPED), "--type", "customer"]


def _corpus(tmp_path: Path, flag: bool, cases: list[list[str]]) -> str:
    """A corpus file of wechat cases, each a list of messages, all flagged or none."""
    lines = ["cases:"] + [
        f"  - {{family: wechat, flag: {str(flag).lower()}, messages: {json.dumps(messages)}}}"
        for messages in cases]
    path = tmp_path / "corpus.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


# ---- 1 (high): an ad's ask in a sentence with 谁/哪/什么/多少/了 is blanked as a question

ASK_IN_A_QUESTIONS_SHAPE = ["王薇 20231234\n谁需要私聊", "王薇 20231234。谁需要私聊",
                            "王薇 20231234\n哪位宝妈需要加我", "王薇 20231234\n什么都能做，私聊",
                            "王薇 20231234\n多少都可以，加我",
                            "王薇 20231234\n名额不多了，需要的私聊"]


@pytest.mark.parametrize("text", ASK_IN_A_QUESTIONS_SHAPE)
def test_an_ask_in_a_sentence_with_a_question_word_is_still_an_ask(text: str) -> None:
    assert find_contacts(text)


def test_the_ads_caught_before_f54_are_caught(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Through the handler, one message or two (b21c4be caught all 9, s41 none)."""
    cases = [[text] for text in ASK_IN_A_QUESTIONS_SHAPE] + [
        ["王薇 20231234", "谁需要私聊"], ["王薇 20231234", "哪位宝妈需要，加我"],
        ["王薇 20231234", "名额不多了，要的私聊"]]
    code = main([*TEST, _corpus(tmp_path, True, cases)])
    out = capsys.readouterr().out
    assert code == 0, out


# ---- 2 (high): joining across a space glues one word's end to the next word's start

SPACED_INNOCENT = ["王薇 20231234 周日 结束报名", "三年级二班 王薇 20231234 今日 结课",
                   "王薇 20231234 生日 结束了", "王薇 20231234 明天 参加 我们的活动",
                   "名单\n王薇 20231234 已交\n李威 20231235 参加 我们的比赛"]


@pytest.mark.parametrize("text", SPACED_INNOCENT)
def test_words_apart_are_not_glued_into_an_ask_or_a_selling_word(text: str) -> None:
    assert find_contacts(text) == []


def test_a_class_s_spaced_messages_are_left_alone(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Through the handler, one message or two (b21c4be and a0813e1 flagged none)."""
    cases = [[text] for text in SPACED_INNOCENT] + [["王薇 20231234", "明天 参加 我们的活动"]]
    code = main([*TEST, _corpus(tmp_path, False, cases)])
    out = capsys.readouterr().out
    assert code == 0, out


# ---- 3 (medium): members asking about a third person's sign-up, or 请问你, get the hint

@pytest.mark.parametrize("text", ["请问你报名了吗", "问一下你报名了没有", "他报名了吗",
                                  "他们都报名了吗", "宝妈们报名了吗"])
def test_a_question_about_another_s_sign_up_is_chat(text: str) -> None:
    assert _reading(text) is Reading.NOTHING


# ---- 4 (medium): asking the group how to sign up gets silence

@pytest.mark.parametrize("text", ["有人知道怎么报名吗", "有人知道报名入口在哪吗",
                                  "你知道报名入口在哪吗", "大家报名入口在哪里"])
def test_asking_the_group_how_to_sign_up_is_a_question(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


# ---- 5 (low): a quote-reply to one's own message is no question put to another

async def test_a_follow_up_under_one_s_own_question_gets_the_hint(tmp_path: Path) -> None:
    """(s41 f62: alice's name in the harness is 「alice」, so her own quote shows that.)"""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", f"「alice：有人吗」{QUOTE_RULE}报名入口在哪")
        await h.advance("1m")
        texts = h.texts("r1")
    assert texts == [HINT], texts


# ---- 6 (medium): 招募宝妈 + a term, then pay or an invitation not in the 10 literal asks

def test_a_call_for_mothers_that_pays_or_invites_is_recruiting(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """b21c4be caught all 4 (a0813e1 none); an invitation with a word between, or pay."""
    cases = [["招募宝妈，零基础，可私聊"], ["招募宝妈 零基础 日结"],
             ["招募宝妈，免费培训，感兴趣的私我"], ["招募宝妈，零基础也可以，滴滴我"]]
    code = main([*TEST, _corpus(tmp_path, True, cases)])
    out = capsys.readouterr().out
    assert code == 0, out
