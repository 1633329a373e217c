"""The quiz's refusals ("passed already", "not before ...", "no attempts left") are told once
per `refusal_cooldown` to each member: repeating 「开始考试」 cannot spend the account's send
budget, which every group's welcomes and pushes share."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

GROUPS = {"i1": "Listener Internship 01", "o1": "Listener Official 01"}
RIGHT = ["B", "B", "ABD", "AC", "我会陪着对方，让他慢慢说"]


def _told(h: Harness, member: str) -> list[str]:
    return [r["text"] for r in h.actions("say", group="i1") if member in r["mentions"]]


async def _take_quiz(h: Harness, member: str, answers: list[str]) -> None:
    await h.say("i1", member, "开始考试")
    for answer in answers:
        await h.advance("20s")
        await h.say("i1", member, answer)
    await h.advance("1m")


async def _ask_every_11s(h: Harness, member: str, times: int) -> None:
    for _ in range(times):
        await h.say("i1", member, "开始考试")
        await h.advance("11s")


async def test_a_refusal_is_told_once_per_cooldown(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.friends.add("dave")
        await _take_quiz(h, "dave", RIGHT)                  # passed
        await _take_quiz(h, "erin", ["A"] * 5)              # failed: not before tomorrow
        passed, failed = len(_told(h, "dave")), len(_told(h, "erin"))
        await _ask_every_11s(h, "dave", 30)
        await _ask_every_11s(h, "erin", 30)
        assert _told(h, "dave")[passed:] == ["你已通过考核，无需再考。"]
        assert [t[:8] for t in _told(h, "erin")[failed:]] == ["可在 11月24"]
        await h.advance("10m")                              # the cooldown is over
        await h.say("i1", "dave", "开始考试")
        await h.advance("10s")
        assert _told(h, "dave")[passed:] == ["你已通过考核，无需再考。"] * 2


async def test_the_refusal_cooldown_can_be_set(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": (
        "handlers:\n  - quiz:\n      file: quiz/one.yaml\n      refusal_cooldown: 0s\n"
        "      texts: {failed: 'failed', retry: 'later'}\n")}, {"quiz/one.yaml": (
            "title: one\nquestions:\n  - {kind: single, text: '?', options: [x, y], answer: A}\n")})
    async with Harness(root, tmp_path) as h:
        await h.say("r1", "dave", "开始考试")
        await h.advance("20s")
        await h.say("r1", "dave", "B")
        await h.advance("1m")
        for _ in range(3):
            await h.say("r1", "dave", "开始考试")
            await h.advance("11s")
        assert [r["text"] for r in h.actions("say", group="r1")][-4:] == [
            "failedlater", "later", "later", "later"]
