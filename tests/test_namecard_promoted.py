"""Name cards in internship groups: a trainee promoted to the official stage (the quiz's
pass, the join the funnel records) who stays in the internship group meanwhile is no longer
reminded there, nor listed to the admins; their name card is the official group's business.
Trainees who have not passed are reminded as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

GROUPS = {"i1": "Listener Internship 01", "o1": "Listener Official 01"}
RIGHT = ["C", "A", "BCD", "BC", "我会陪着对方，让他慢慢说"]
REMINDER = "请把群昵称改为「城市-姓名」"


def _reminders(h: Harness, member: str) -> list[str]:
    """When the internship group's name-card reminders mentioning `member` went."""
    return [r["t"][:16] for r in h.actions("say", group="i1")
            if r["text"].startswith(REMINDER) and member in r["mentions"]]


async def _pass_quiz(h: Harness, member: str) -> None:
    """The member passes the quiz; a friend of the bot, invited, joins the official group."""
    h.world.friends.add(member)
    await h.say("i1", member, "开始考试")
    for answer in RIGHT:
        await h.advance("20s")
        await h.say("i1", member, answer)
    await h.advance("1m")
    assert [r["group"] for r in h.actions("invite", member=member)] == ["o1"]


async def test_a_trainee_promoted_meanwhile_is_reminded_no_more(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("i1", "dave", "erin")
        await h.advance("11m")                    # the first reminder, to both
        await _pass_quiz(h, "dave")               # promoted; he stays in i1 meanwhile
        await h.advance("3d")
        assert _reminders(h, "dave") == ["2026-11-23T09:10"]
        assert _reminders(h, "erin") == [          # not passed: reminded as before
            "2026-11-23T09:10", "2026-11-24T09:10", "2026-11-25T09:10"]


async def test_a_trainee_promoted_before_the_first_reminder_gets_none(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("i1", "dave", "erin")
        await _pass_quiz(h, "dave")               # done by 09:03, the reminder due at 09:10
        await h.advance("3d")
        assert _reminders(h, "dave") == []
        assert len(_reminders(h, "erin")) == 3


async def test_a_promoted_trainee_renaming_to_another_wrong_name_is_not_reminded(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("i1", "dave")
        await h.rename("i1", "dave", "上海-大卫")
        await _pass_quiz(h, "dave")
        await h.rename("i1", "dave", "大卫")
        await h.advance("3d")
        assert _reminders(h, "dave") == []


async def test_a_listener_of_the_official_stage_joining_an_internship_group_is_not_reminded(
        tmp_path: Path) -> None:
    """Someone already an official listener (a mentor visiting the trainees) is past this
    stage: the name card asked of trainees is not theirs to follow."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("o1", "fay")
        await h.advance("1m")
        await h.join("i1", "fay", "erin")
        await h.advance("3d")
        assert _reminders(h, "fay") == [] and len(_reminders(h, "erin")) == 3


async def test_the_admins_list_leaves_the_promoted_out(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.advance("1s")             # the bot learns who was there before it (backstop)
        await h.join("i1", "dave", "erin")
        await _pass_quiz(h, "dave")
        await h.say("i1", "op_lin", "/名片")
        await h.advance("5s")
        [listing] = h.actions("dm", to="op_lin")
        lines = listing["text"].split("\n")
        held = len(lines) - 1
        assert lines[0].startswith(f"「Listener Internship 01」群名片不规范的成员 {held}/{held} 人")
        assert "erin（erin）" in lines and not any("dave" in line for line in lines)


async def test_a_pass_whose_way_in_is_still_pending_is_reminded_until_the_join(
        tmp_path: Path) -> None:
    """No friend of the bot, dave gets the account's card (handlers/quiz.py): the funnel
    records the official stage when he joins, and so do the reminders stop."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("i1", "dave")
        await h.say("i1", "dave", "开始考试")
        for answer in RIGHT:
            await h.advance("20s")
            await h.say("i1", "dave", answer)
        await h.advance("25h")
        assert h.actions("invite") == [] and len(_reminders(h, "dave")) == 2
        await h.join("o1", "dave")                # he used the card
        await h.advance("3d")
        assert _reminders(h, "dave") == ["2026-11-23T09:10", "2026-11-24T09:10"]
