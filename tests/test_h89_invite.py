"""h89: invite reads questions asked with other particles and marks as it reads 吗 and ？:
么 asks as 吗 does, a not-A (不) ending the clause asks, WeChat's [疑问] emoji is a question
mark, and 嘞 捏 耶 噻 end a statement as 啊 does (r85 finding 8, in every sentence, not only
of the state)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness
from test_h50b_signup_questions import INVITED, RECRUITMENT, _reading

from handlers.invite import Reading

# sign-ups, questions and talk, with 吗 and ？ where the variants below put theirs
_ASKED = ["报名免费吗", "报名还没开始吗", "报名要交钱吗", "报名开始了吗", "报名了吗", "我报名吗",
          "我要报名吗", "可以报名吗", "还能报名吗", "他报名了吗", "你报名了吗", "报名吗",
          "报名截止了吗？我报名", "怎么报名吗"]
_MARKED = ["报名免费？", "报名还没开始？", "报名要交钱？", "报名入口？", "报名？", "我报名？",
           "我要报名，收入？", "报名还没截止？我要报名", "他报名了？", "报名截止了？我报名",
           "可以报名不？", "报名要求？", "还能报名？", "报名免费??"]
_SAID = ["报名还没开始啊", "报名免费的啊", "报名暂停了啊", "报名是免费的啊", "我报名啊",
         "报名啊", "他报名了啊", "我要报名啊", "报名截止了啊"]


@pytest.mark.parametrize("text", _ASKED)
def test_ma_asks_as_ma_does(text: str) -> None:
    assert _reading(text.replace("吗", "么")) is _reading(text)


@pytest.mark.parametrize("text", ["报名这么麻烦", "报名那么简单", "报名多么好", "我报名么么哒",
                                  "要么报名要么退群"])
def test_ma_in_other_words_asks_nothing(text: str) -> None:
    assert _reading(text) is not Reading.QUESTION


@pytest.mark.parametrize("text", ["报名免费不", "报名免费不？", "报名要交钱不", "报名开始了不",
                                  "报名还没截止不？"])
def test_a_not_a_ending_the_clause_asks(text: str) -> None:
    assert _reading(text) is Reading.QUESTION


@pytest.mark.parametrize("text", _MARKED)
def test_the_question_emoji_is_a_question_mark(text: str) -> None:
    assert _reading(text.replace("？", "[疑问]")) is _reading(text)


@pytest.mark.parametrize("particle", ["嘞", "捏", "耶", "噻"])
@pytest.mark.parametrize("text", _SAID)
def test_other_particles_end_a_statement_as_a_does(text: str, particle: str) -> None:
    assert _reading(text.replace("啊", particle)) is _reading(text)


@pytest.mark.parametrize(("text", "read"), [
    ("我问一下我要报名", Reading.SIGN_UP), ("请问我可以报名吗", Reading.SIGN_UP),
    ("我问一下，我报名", Reading.SIGN_UP), ("请问报名！", Reading.SIGN_UP),
    ("我刚问一下报名还没截止", Reading.NOTHING), ("我刚问了老师报名还没开始", Reading.NOTHING),
    ("请问他报名了吗", Reading.NOTHING),
    ("我报名，报名要交钱吗", Reading.QUESTION), ("报名，报名还没截止？", Reading.QUESTION),
    ("报名要交钱吗？先不报名了", Reading.NOTHING), ("报名要交钱吗？明天报名", Reading.NOTHING),
    ("报名截止了吗？报名链接发一下", Reading.QUESTION), ("你报名了吗？他报名了", Reading.NOTHING),
    ("报名还没截止？报名的人多吗", Reading.QUESTION)])
def test_a_want_a_no_talk_or_done_then_asked_reads_as_before(text: str, read: Reading) -> None:
    """Beside an announced question or one asked before the word: a want or 可以 signs up,
    a no or a later is none, talk is talk, and done then asked waits for the answer."""
    assert _reading(text) is read


@pytest.mark.parametrize(("text", "answered"), [("我要报名，能在家做[疑问]", True)])
async def test_a_sign_up_is_invited_and_what_it_asks_more_answered(
        tmp_path: Path, text: str, answered: bool) -> None:
    """The question beside a sign-up goes on to the handlers after invite ([疑问] as ？:
    faq answers what is asked of the bot)."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", f"@Helper {text}", mentions=("bot",))
        await h.advance("1m")
        invites, texts = h.actions("invite"), h.texts("r1")
    assert [a["action"] for a in invites] == ["invite"]
    assert texts[0] == INVITED and len(texts) == 1 + answered, texts
