"""f58: a rename after the reminder schedule ran out starts a fresh one (r57 finding 7, its
promoted trainee's test in tests/test_r57.py); a rename while it goes on keeps its rounds."""

from __future__ import annotations

from pathlib import Path

from harness import SHIPPED, Harness
from test_namecard import GROUPS, _reminders


async def test_a_wrong_rename_after_the_last_reminder_starts_a_fresh_schedule(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "dave")
        await h.advance("5d")                       # three reminders: the schedule ran out
        await h.rename("c1", "dave", "大卫")
        await h.advance("5d")
        assert len(_reminders(h, "dave")) == 6


async def test_a_wrong_rename_between_reminders_keeps_the_count(tmp_path: Path) -> None:
    """Even in the seconds between a round falling due and its message (the `window` that
    gathers others due), when no timer of dave's is pending: the count goes on."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "dave")
        await h.advance("1d")                       # the first reminder
        await h.advance("10m20s")                   # the second is due, not yet sent
        await h.rename("c1", "dave", "大卫")
        await h.advance("5d")
        assert len(_reminders(h, "dave")) == 3
