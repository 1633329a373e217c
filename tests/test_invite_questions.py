"""A sign-up that asks something more, and a question about signing up (s40 f48a, r47 findings
2, 3, 7, 12): invite runs before keywords in the shipped recruitment type, so it must let a
question go on to them, and must not take a question for a sign-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness

from bot.text import normalize
from handlers.invite import Config, InviteHandler

RECRUITMENT = {"r1": "Listener Recruitment 01", "i1": "Listener Internship 01"}
INVITED = "报名成功！已邀请你加入「Listener Internship 01」，请在微信里接受群邀请 📚"


def _faq(name: str) -> str:
    return (SHIPPED.parent / "content" / "faq" / f"{name}.md").read_text().strip()


def _invite() -> InviteHandler:
    invite = InviteHandler(Config(words=["报名", "join"], to="internship"))
    invite.prepare()
    return invite


@pytest.mark.parametrize("text", ["我要报名，收入怎么算？", "我要报名，收入？",
                                  "我要报名 收入怎么算"])
async def test_a_sign_up_with_a_question_is_invited_and_answered(tmp_path: Path,
                                                                 text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", text)
        await h.advance("1m")
        assert [a["action"] for a in h.actions("invite")] == ["invite"]
        texts = h.texts("r1")
    assert any(INVITED in t for t in texts) and any(_faq("income") in t for t in texts), texts


@pytest.mark.parametrize(("text", "mentions"), [("报名", ()), ("@Helper 报名", ("bot",)),
                                                ("我要报名，不过晚上才有空", ())])
async def test_a_sign_up_asking_nothing_more_goes_no_further(
        tmp_path: Path, text: str, mentions: tuple[str, ...]) -> None:
    """Not to faq either, which answers or hands off a mention of the bot."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", text, mentions=mentions)
        await h.advance("1m")
        assert h.texts("r1") == [INVITED], h.texts("r1")
        assert [r for r in h.sent if r.get("group") not in ("r1", "i1")] == [], h.sent


@pytest.mark.parametrize(("again", "mentions"), [("报名", ()), ("@Helper 报名", ("bot",)),
                                                 ("报名！", ())])
async def test_a_repeated_sign_up_within_the_cooldown_still_does_nothing(
        tmp_path: Path, again: str, mentions: tuple[str, ...]) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("alice")
        await h.say("r1", "alice", "报名")
        await h.advance("1h")
        before = len(h.texts("r1"))
        await h.say("r1", "alice", again, mentions=mentions)
        await h.advance("1m")
        assert h.texts("r1")[before:] == []
        assert [r for r in h.sent if r.get("group") not in ("r1", "i1")] == [], h.sent
        assert len(h.actions("invite")) == 1


async def test_a_private_sign_up_asked_twice_gets_the_invitation_alone(tmp_path: Path) -> None:
    """The shipped private type's keyword rule `signup-question` matches 「报名？」: it must not
    tell someone just invited, or within the cooldown, how to sign up."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("dave")
        await h.say(None, "dave", "报名？")
        await h.advance("1h")
        await h.say(None, "dave", "报名？")
        await h.advance("1m")
        dms = [r["text"] for r in h.actions("dm", to="dave")]
    assert len(dms) == 1 and dms[0].startswith("已邀请你加入"), dms


# a question about signing up asked as a noun phrase, and the keyword rule answering it
NOUN_QUESTIONS = {"报名要求？": "requirements", "报名的条件？": "requirements",
                  "报名流程？": "signup", "报名方式？": "signup", "报名时间？": "signup"}


async def test_a_noun_phrase_question_about_signing_up_gets_its_answer(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        for number, question in enumerate(NOUN_QUESTIONS):
            await h.say("r1", f"m{number}", question)
            await h.advance("1m")
        answers = h.texts("r1")
        assert h.actions("invite") == []
    assert len(answers) == len(NOUN_QUESTIONS), answers
    for answer, faq in zip(answers, NOUN_QUESTIONS.values(), strict=True):
        assert _faq(faq) in answer, answers


@pytest.mark.parametrize("text", ["报名要求？", "报名的收入", "报名 收入怎么算",
                                  "join requirements?", "requirements to join?", "我想知道报名时间",
                                  "我还没报名，报名费用？", "报名截止时间？", "报名截止到哪天？"])
def test_a_clause_naming_a_thing_of_signing_up_is_no_sign_up(text: str) -> None:
    assert not _invite().asks(normalize(text))


@pytest.mark.parametrize("text", ["我要报名，报名要求？", "报名要求看过了，我要报名",
                                  "报名时间来得及，报名", "join",
                                  "i want to join, what are the requirements?",
                                  "it's time to join!"])
def test_a_sign_up_beside_such_a_clause_still_signs_up(text: str) -> None:
    assert _invite().asks(normalize(text))


async def test_a_removed_member_signing_up_with_a_question_gets_its_answer_alone(
        tmp_path: Path) -> None:
    """No invitation (test_invite's removed member), but the question goes on to keywords as
    any question of theirs would, whether or not within the cooldown (the shipped private
    type's `signup-question` answers it)."""
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        h.world.friends.add("dave")
        await h.join("r1", "dave")
        await h.say("r1", "op_lin", "/kick @dave", mentions=("dave",))
        await h.advance("1m")
        sent = len(h.sent)
        for _ in range(2):  # (keywords answers a member's rule once a minute)
            await h.say(None, "dave", "我要报名，收入怎么算？")
            await h.advance("2m")
        assert h.actions("invite") == []
        dms = [r["text"] for r in h.sent[sent:] if r["action"] == "dm"]
    assert len(dms) == 2 and all(dm.startswith("报名要求、流程、收入等问题") for dm in dms), dms
