"""The quiz judges an answer by when the candidate wrote it (the message's time), not by when
the bot handled it: an answer written in time but handled after its deadline ran is not
judged against the next question, and one written after the deadline but handled before
it ran is a timeout."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from harness import SHIPPED, Harness

from bot.events import Kind, Message

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
        await h.advance(LIMIT + timedelta(seconds=1))  # the deadline ran: question 2 asked
        told = _told(h, "dave")
        assert TIMEOUT_1 in told[-1]
        # the answer to question 1, written 10 s before its deadline, handled now
        await _written(h, "dave", "C", timedelta(seconds=11))
        await h.advance("1m")  # (what it would say has gone by then; question 2's time runs)
        assert _told(h, "dave") == told  # question 2 still waits for its own answer


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
