"""Name cards in internship groups: a reminder that falls due while a trainee is in the
official group passes unsent, and the schedule goes on (h50c). A trainee dismissed from the
official group after a reminder fell due (h40c found it) was reminded no more: the reminder
had been dropped, and nothing scheduled the next."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness
from test_namecard_promoted import GROUPS, _pass_quiz, _reminders

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL


def _days(h: Harness, member: str) -> list[str]:
    """The days the member got a name-card reminder in the internship group (each round
    comes some seconds later than the last: the batching window)."""
    return [at[5:10] for at in _reminders(h, member)]


async def test_a_trainee_dismissed_after_a_reminder_fell_due_gets_those_left(
        tmp_path: Path) -> None:
    """dave gets his first reminder, passes the quiz and is in the official group when the
    second falls due (not sent); dismissed from it that day, he gets the third, on the
    schedule his join set (the second had been dropped, and with it the rest)."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("i1", "dave", "erin")
        await h.advance("11m")                    # the first reminder, to both
        await _pass_quiz(h, "dave")               # promoted; he stays in i1 meanwhile
        await h.advance("1d3h")                   # 11-24 09:10 falls due
        await h.leave("o1", "dave")               # dismissed, 11-24 12:16
        await h.advance("5d")
        assert _days(h, "dave") == ["11-23", "11-25"]
        assert _days(h, "erin") == ["11-23", "11-24", "11-25"]


async def test_a_listener_who_joined_while_in_the_official_group_is_reminded_once_dismissed(
        tmp_path: Path) -> None:
    """fay, an official listener, joins the internship group: not reminded while she is
    one; dismissed from the official group, she gets the reminders her join scheduled."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("o1", "fay")
        await h.advance("1m")
        await h.join("i1", "fay")                 # 09:01: her first reminder at 09:11
        await h.advance("1d")
        assert _days(h, "fay") == []
        await h.leave("o1", "fay")                # 11-24 09:01
        await h.advance("3d")
        assert _days(h, "fay") == ["11-24", "11-25"]
