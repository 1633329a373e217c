"""A join or leave handled after a later change of the same member (the adapter lets an event
overtake one whose lookups are slow; an event whose load failed is read again later) is no
news about them: it changes neither the roster nor what handlers do (review s31 S10)."""

from __future__ import annotations

from pathlib import Path

from harness import SHIPPED, Harness

from bot import roster
from bot.events import MemberJoined, MemberLeft


async def test_a_leave_handled_after_the_rejoin_leaves_the_member_in(tmp_path: Path) -> None:
    # The late leave marked dave, who is in the group, as gone (left_at after joined_at).
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "dave", inviter="alice")
        await h.advance("10m")
        left_at = h.clock.now()
        gone = h.world.leave("r1", ["dave"])  # dave leaves at 09:10:00 ...
        await h.advance("20s")
        await h.feed(MemberJoined(h.clock.now(), "r1", h.world.join("r1", ["dave"]), None))
        rejoined = h.clock.now()  # ... and scans the QR code again at 09:10:20
        await h.feed(MemberLeft(left_at, "r1", gone))  # the leave, handled late
        entry = await roster.entry(h.bot.store, "r1", "dave")
        assert entry is not None and entry.left_at is None and entry.joined_at == rejoined


async def test_a_join_handled_after_the_leave_leaves_the_member_out(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        joined_at = h.clock.now()
        came = h.world.join("r1", ["dave"])
        await h.advance("20s")
        await h.feed(MemberLeft(h.clock.now(), "r1", h.world.leave("r1", ["dave"])))
        await h.feed(MemberJoined(joined_at, "r1", came, "alice"))  # the join, late
        await h.advance("1m")
        entry = await roster.entry(h.bot.store, "r1", "dave")
        assert entry is not None and entry.left_at is not None
        assert h.texts("r1") == []  # not welcomed into a group he has left


async def test_a_late_leave_does_not_end_a_quiz_begun_after_the_rejoin(tmp_path: Path) -> None:
    # The attempt was finished at once as failed (score 0, an attempt spent, a day's wait).
    async with Harness(SHIPPED, tmp_path, groups={"i1": "Listener Internship 01",
                                                  "o1": "Listener Official 01"}) as h:
        await h.join("i1", "dave")
        await h.advance("1h")
        left_at = h.clock.now()
        gone = h.world.leave("i1", ["dave"])
        await h.advance("20s")
        await h.feed(MemberJoined(h.clock.now(), "i1", h.world.join("i1", ["dave"]), None))
        await h.advance("1m")
        await h.say("i1", "dave", "开始考试")
        await h.advance("30s")
        await h.feed(MemberLeft(left_at, "i1", gone))  # read again after a reconnect
        await h.advance("30s")
        await h.say("i1", "dave", "C")  # his answer to the first question
        await h.advance("1m")
        rows = await h.bot.store.all("SELECT finished_at FROM quiz_attempts")
        assert [row[0] for row in rows] == [None]  # still under way
