"""Hostile review (r33) of this round's fixes: quiz answers in a sentence (f26), the outbox's
stored retry time (f24) and namecard's promoted members (f28)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from harness import SHIPPED, Harness
from test_accounts import KEYWORD, REPLY, TAKEOVER, Accounts, accounts, holder  # noqa: F401
from test_delivery_retry_due import _config, _failing
from test_namecard_promoted import GROUPS as STAGES
from test_namecard_promoted import _reminders
from test_outbox import _put

from bot.actions import Say
from bot.adapters.base import GatewayError, RateLimited
from bot.times import stamp
from handlers.quiz import Question, QuestionKind


def _question(kind: QuestionKind, answer: str) -> Question:
    return Question(kind=kind, text="?", options=["w", "x", "y", "z"], answer=answer)


# ------------------------------------------------------------ f26: the article "a"

@pytest.mark.parametrize("reply", ["A BC", "a bc", "A CD B"])
def test_a_before_a_run_of_option_letters_is_the_letter(reply: str) -> None:
    """「A BC」 answers A, B and C: "bc" is option letters, no word the article goes with.
    f26 read the "a" as the article and graded the right answer wrong (main: right)."""
    assert _question(QuestionKind.MULTIPLE, "ABC" if "d" not in reply.lower() else "ABCD"
                     ).judge(reply) is True


@pytest.mark.parametrize("reply", ["A then C", "A plus C", "A also C", "A with C"])
def test_a_joined_to_another_letter_by_a_word_is_the_letter(reply: str) -> None:
    """「A then C」 names A and C, as 「A and C」 does: no article comes before "then", "plus",
    "also" or "with". f26 graded it wrong (C alone); main graded it right."""
    assert _question(QuestionKind.MULTIPLE, "AC").judge(reply) is True


@pytest.mark.parametrize("reply", ["A maybe", "A ok", "A okay", "A probably", "A perhaps",
                                   "A please", "A thanks"])
def test_a_followed_by_a_hedge_or_thanks_answers_a(reply: str) -> None:
    """「A maybe」 and 「A thanks」 answer A: the article goes with no such word. f26 read them
    as no answer, so the question waited on a candidate who had answered and timed out
    (0 points; main: A)."""
    assert _question(QuestionKind.SINGLE, "A").judge(reply) is True


@pytest.mark.parametrize("reply", ["I have a question", "B. a bit unsure", "B, a good guess",
                                   "a lot of thought: B", "A question: is it B?"])
def test_the_article_still_names_no_option(reply: str) -> None:
    """What f26 fixed holds: the article before a word is no A."""
    assert _question(QuestionKind.SINGLE, "B").judge(reply) in (None, True)


@pytest.mark.parametrize("reply", ["I think it's C", "C, I think", "I guess C"])
def test_the_pronoun_is_no_option_among_nine(reply: str) -> None:
    """With options A-I (or more) 「I think it's C」 named I and C, graded wrong: the pronoun
    was skipped only when there is no option I (f26's sentences). A lone "i" before a word
    is the pronoun, as "a" is the article (h40c)."""
    question = Question(kind=QuestionKind.SINGLE, text="?", options=list("123456789"), answer="C")
    assert question.judge(reply) is True


# ------------------------------------------------------------ f24: not_before read back

async def _stored_retry(h: Harness, due: str) -> list:  # type: ignore[type-arg]
    """A group message whose try failed, its retry stored as due at `due`; then a restart."""
    tries = _failing(h, [GatewayError("the gateway answered 502")])
    await _put(h, Say("r1", "通知"))
    await h.advance("1s")
    assert len(tries) == 1
    await h.bot.store.execute("UPDATE outbox SET not_before = ?", (due,))
    await h.restart()
    return tries


@pytest.mark.usefixtures("backend")
async def test_a_retry_stored_far_ahead_by_a_clock_set_back_still_goes(tmp_path: Path) -> None:
    """The clock was a year ahead when the retry was stored (or has been set back since):
    the restarted bot waits out no more than a back-off, as `_last` does with a send time
    in the future, and does not hold the message (and what waits for it) for a year."""
    async with Harness(_config(tmp_path), tmp_path) as h:
        tries = await _stored_retry(h, stamp(h.clock.now() + timedelta(days=365)))
        await h.advance("1h")
        assert len(tries) == 2 and h.texts("r1") == ["通知"]


async def test_an_account_taking_over_a_retry_stored_far_ahead_sends_it_within_the_hour(
        accounts: Accounts) -> None:  # noqa: F811
    """a's gateway asked for a month's wait (a bogus retry_after), then a crashed: b, taking
    the group over (both backends), adopts the reply with at most an hour's wait, not the
    month a's platform asked of a."""
    a = await accounts.start("a")
    await accounts.start("b")
    await accounts.advance(timedelta(seconds=1))
    assert await holder(accounts, "r1") == "a"

    async def limited(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
        raise RateLimited("发送消息过于频繁", retry_after=30 * 86400)

    accounts.worlds["a"].send_text = limited  # type: ignore[method-assign]
    await accounts.say("r1", KEYWORD)
    await accounts.advance(timedelta(seconds=1))
    await a.store.close()  # a crash: no release, its lease runs out
    del accounts.bots["a"]
    await accounts.advance(TAKEOVER * 2)
    assert await holder(accounts, "r1") == "b"
    await accounts.advance(timedelta(hours=1, seconds=1))
    assert accounts.texts("r1", "b") == [REPLY]


async def test_an_unreadable_stored_retry_time_does_not_stop_the_start(tmp_path: Path) -> None:
    """A not_before that is no time (a hand edit; a restore from another tool) is read as
    due now; the start does not fail on it (every queued action would wait for a fix)."""
    async with Harness(_config(tmp_path), tmp_path) as h:
        tries = await _stored_retry(h, "soon")
        await h.advance("1h")
        assert len(tries) == 2 and h.texts("r1") == ["通知"]


# ------------------------------------------------------------ f28: namecard and the funnel

async def test_a_member_who_left_the_official_group_is_reminded_again(tmp_path: Path) -> None:
    """dave was added to the official group by mistake and removed a minute later (or was
    promoted and dismissed): he is a trainee in the internship group again, whose name card
    is its business; the funnel still shows him at the official stage, and f28 reminded him
    no more. Where he is now counts (the roster, h40c)."""
    async with Harness(SHIPPED, tmp_path, groups=STAGES) as h:
        await h.join("i1", "dave", "erin")
        await h.join("o1", "dave")
        await h.advance("1m")
        await h.leave("o1", "dave")
        await h.advance("3d")
        assert len(_reminders(h, "erin")) == 3
        assert _reminders(h, "dave") == _reminders(h, "erin")
