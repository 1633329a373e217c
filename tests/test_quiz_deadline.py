"""The quiz judges an answer by when the candidate wrote it (the message's time), not by when
the bot handled it: an answer written in time and handed over a few seconds late counts, one
handled after its deadline ran is not judged against the next question, and one written
after the deadline but handled before it ran is a timeout."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from harness import SHIPPED, Harness

from bot.adapters.base import Refused
from bot.events import Kind, Message
from bot.times import instant
from handlers.quiz import GRACE

GROUPS = {"i1": "Listener Internship 01", "o1": "Listener Official 01"}
LIMIT = timedelta(minutes=3)  # the shipped quiz's time per question
TIMEOUT_1 = "⏰ 第 1 题超时，计 0 分。"

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL


def _told(h: Harness, member: str) -> list[str]:
    return [r["text"] for r in h.actions("say", group="i1") if member in r["mentions"]]


async def _written(h: Harness, member: str, text: str, ago: timedelta) -> None:
    """A message `member` wrote `ago` before the bot handles it."""
    await h.feed(Message(h.clock.now() - ago, "i1", h.world.member("i1", member), text,
                         Kind.TEXT, (), False, None, f"late-{member}-{text}"))


async def test_an_answer_handled_after_its_deadline_ran_is_not_judged_on_the_next(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("i1", "dave", "开始考试")
        await h.advance(LIMIT + GRACE + timedelta(seconds=1))  # the deadline ran: question 2
        told = _told(h, "dave")
        assert TIMEOUT_1 in told[-1]
        # the answer to question 1, written 10 s before its deadline, handled now
        await _written(h, "dave", "C", GRACE + timedelta(seconds=11))
        await h.advance("1m")  # (what it would say has gone by then; question 2's time runs)
        assert _told(h, "dave") == told  # question 2 still waits for its own answer


async def _asked(h: Harness, member: str) -> timedelta:
    """How long ago the member's last question went out."""
    last = [r for r in h.actions("say", group="i1") if member in r["mentions"]][-1]
    return h.clock.now() - instant(last["t"])


async def test_an_answer_written_in_time_and_handed_over_late_counts(tmp_path: Path) -> None:
    """Review s33a Q8: the gateway handed dave's right answer over 12 s after he wrote it,
    4 s before question 1's time was up: the deadline had run at the limit, the answer was
    lost. The deadline now waits GRACE for such an answer."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("i1", "dave", "开始考试")
        await h.advance("1s")
        await h.advance(LIMIT + timedelta(seconds=8) - await _asked(h, "dave"))
        await _written(h, "dave", "C", timedelta(seconds=12))
        await h.advance("1m")
        told = _told(h, "dave")
        assert not any("超时" in text for text in told), told
        assert "第 2/5 题" in told[1]
        assert await h.bot.store.all("SELECT question, passed FROM quiz_answers") == [(0, 1)]


async def test_a_message_written_before_the_answer_is_no_answer_to_the_next_question(
        tmp_path: Path) -> None:
    """Two texts of dave's handed over out of order: 「C」 answers question 1, then 「A」 (the
    right answer to question 2), written a second BEFORE 「C」, arrives once question 2 went
    out. It was written before question 2 was asked: no answer to it."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("i1", "dave", "开始考试")
        await h.advance("30s")
        await h.say("i1", "dave", "C")
        await h.advance("1s")
        await _written(h, "dave", "A", timedelta(seconds=2))
        await h.advance("1m")
        assert await h.bot.store.all("SELECT question, passed FROM quiz_answers") == [(0, 1)]
        assert "第 2/5 题" in _told(h, "dave")[-1]


async def test_an_answer_written_after_the_deadline_is_a_timeout_however_soon_handled(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("i1", "erin", "开始考试")
        await h.advance("1s")
        asked = h.clock.now() - timedelta(seconds=1)
        h.clock.set(asked + LIMIT + timedelta(seconds=10))  # the bot busy: the tick waits
        await _written(h, "erin", "C", timedelta(seconds=5))  # 5 s after the deadline
        await h.advance("1m")  # the deadline's tick, late: the question moved on already
        told = _told(h, "erin")
        assert sum(TIMEOUT_1 in text for text in told) == 1
        assert len(told) == 2  # question 1 (with the intro), then the timeout and question 2


# ---------------------------------------------------------------- time from the send

def _busy(n: int) -> dict[str, str]:
    groups = {f"r{i}": f"Listener Recruitment {i:02d}" for i in range(n)}
    return groups | GROUPS


async def _rush(h: Harness, n: int) -> None:
    """A busy moment: n members ask how to sign up at once, and n answers queue up before
    the quiz's question (a new account's budget: 81 answers an hour)."""
    await h.advance("1m")
    for i in range(n):
        await h.say(f"r{i}", f"asker{i}", "请问怎么报名")


async def test_a_question_held_back_by_the_send_budget_gets_its_whole_time_once_sent(
        tmp_path: Path) -> None:
    """Review s30 R7: the deadline ran from the decision to ask, so a question the budget
    held back longer than its time limit timed out before the candidate saw it. Now it runs
    from the send: dave answers question 1 a minute after it reached him, and that counts."""
    async with Harness(SHIPPED, tmp_path, groups=_busy(30)) as h:
        await _rush(h, 30)
        await h.say("i1", "dave", "开始考试")
        while not _told(h, "dave"):
            await h.advance("1m")
        [first] = [r for r in h.actions("say", group="i1") if "dave" in r["mentions"]]
        assert instant(first["t"]) - h.clock.now() < timedelta(minutes=1)
        await h.advance("1m")
        await h.say("i1", "dave", "C")
        await h.advance("10m")
        told = _told(h, "dave")
        assert not any(TIMEOUT_1 in text for text in told), told
        assert any("第 2/" in text for text in told[1:]), told
        started = await h.bot.store.one("SELECT started_at FROM quiz_attempts")
        assert started is not None
        assert instant(first["t"]) - instant(started[0]) > LIMIT  # it was held back that long


async def test_a_quiz_whose_question_never_went_out_is_no_failed_attempt(
        tmp_path: Path) -> None:
    """Review s30 R7: a question that never reached the candidate (WeChat refused it here;
    the send budget drops one held back longer than `keep.answer` the same way) cannot have
    been answered: the attempt is void, not counted, and the candidate is told so."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        sent = h.world.send_text

        async def refuse_the_first_question(group: str, text: str,
                                            mentions: tuple[str, ...] = ()) -> None:
            if "第 1/5 题" in text:
                raise Refused("the message was blocked")
            await sent(group, text, mentions)

        h.world.send_text = refuse_the_first_question  # type: ignore[method-assign]
        await h.say("i1", "dave", "开始考试")
        await h.advance("10m")
        assert await h.bot.store.all("SELECT finished_at, score FROM quiz_attempts") == []
        assert _told(h, "dave") == ["抱歉，第 1 题没能确认发给你，本次作答作废，不计考试次数。"
                                    "请发送「开始考试」重新开始。"]
        [detail] = await h.bot.store.all("SELECT detail FROM audit WHERE action='quiz_void'")
        assert detail[0].endswith(" was not sent (refused)")


async def test_an_answer_given_at_once_is_no_timeout_whatever_the_platform_clock(
        tmp_path: Path) -> None:
    """Review s30 R12: with WeChat's clock 4 minutes ahead of the bot's host, an answer
    given 20 s after the question was a timeout. A message is never later than its handling."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("i1", "dave", "开始考试")
        await h.advance("20s")
        ahead = timedelta(minutes=4)
        await h.feed(Message(h.clock.now() + ahead, "i1", h.world.member("i1", "dave"), "C",
                             Kind.TEXT, (), False, None, "answer-1"))
        await h.advance("1m")
        told = _told(h, "dave")
        assert not any("超时" in text for text in told), told
        assert any("第 2/" in text for text in told[1:]), told
