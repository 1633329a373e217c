"""Name cards in internship groups, by where a trainee is now (h40c): one added to the
official group by mistake and removed, or promoted and dismissed from it, is a trainee in
the internship group again. The funnel keeps every stage ever reached, so r33 found them
reminded no more and left out of the admins' list; the roster says who is in an official
group now. (A reminder that fell due while they were there is not sent but counts, and the
schedule set at the join goes on: once dismissed they get the reminders still to come,
h50c; after it ran out, they are listed but reminded only after a rename.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness
from test_namecard_promoted import GROUPS, _pass_quiz, _reminders

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL


async def test_a_trainee_dismissed_from_the_official_group_is_reminded(
        tmp_path: Path) -> None:
    """dave passes the quiz and joins the official group, and is dismissed from it before
    his first name-card reminder: he gets it, and the rest, as erin does."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("i1", "dave", "erin")
        await _pass_quiz(h, "dave")               # in o1 by 09:03
        await h.leave("o1", "dave")               # dismissed; the reminder is due at 09:10
        await h.advance("3d")
        assert _reminders(h, "dave") == _reminders(h, "erin") == [
            "2026-11-23T09:10", "2026-11-24T09:10", "2026-11-25T09:10"]


async def test_the_admins_list_names_a_member_who_left_the_official_group(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.advance("1s")             # the bot learns who was there before it (backstop)
        await h.join("i1", "dave", "erin")
        await h.join("o1", "dave")                # added by mistake
        await h.say("i1", "op_lin", "/名片")
        await h.advance("5s")
        await h.leave("o1", "dave")               # and removed
        await h.say("i1", "op_lin", "/names")
        await h.advance("1m")                     # (two messages to one contact: paced)
        before, after = (listing["text"].split("\n") for listing in h.actions("dm", to="op_lin"))
        heading = "「Listener Internship 01」群名片不规范的成员 {0}/{0} 人（格式示例：上海-小林）："
        assert "erin（erin）" in before and "dave（dave）" not in before
        assert sorted(after[1:]) == sorted([*before[1:], "dave（dave）"])
        assert (before[0], after[0]) == (heading.format(len(before) - 1),
                                         heading.format(len(after) - 1))
