"""A sign-up that asks something more, and a question about signing up (s40 f48a, r47 findings
2, 3, 7, 12): invite runs before keywords in the shipped recruitment type, so it must let a
question go on to them, and must not take a question for a sign-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness

from bot.text import normalize
from handlers.invite import Config, Invite

RECRUITMENT = {"r1": "Listener Recruitment 01", "i1": "Listener Internship 01"}


def _faq(name: str) -> str:
    return (SHIPPED.parent / "content" / "faq" / f"{name}.md").read_text().strip()


def _invite() -> Invite:
    invite = Invite(Config(words=["报名", "join"], to="internship"))
    invite.prepare()
    return invite


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
                                  "我还没报名，报名费用？"])
def test_a_clause_naming_a_thing_of_signing_up_is_no_sign_up(text: str) -> None:
    assert not _invite().asks(normalize(text))


@pytest.mark.parametrize("text", ["我要报名，报名要求？", "报名要求看过了，我要报名",
                                  "报名时间来得及，报名", "join",
                                  "i want to join, what are the requirements?",
                                  "it's time to join!"])
def test_a_sign_up_beside_such_a_clause_still_signs_up(text: str) -> None:
    assert _invite().asks(normalize(text))

