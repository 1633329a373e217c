"""`groupbot check`'s push check (handlers/push.py, `held_back`) read on the bot's clock: its
day is the bot's day, not UTC's; a run a quiet night merges into another of its schedule is
told as such, not as held back by min_gap; a line of 29 February is read on one."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import handlers.push
from handlers.push import Config, Push, held_back

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _config(min_gap: str, *schedules: dict[str, Any], zone: ZoneInfo = SHANGHAI,
            quiet: dict[str, Any] | None = None) -> Config:
    return Config.model_validate(
        {"min_gap": min_gap, "quiet_hours": quiet,
         "schedules": [{"id": f"s{i}", "text": "x", **schedule}
                       for i, schedule in enumerate(schedules)]},
        context={"timezone": zone})


def _now(monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
    """The check runs at `at` (aware)."""
    class Frozen(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Frozen:  # type: ignore[override]
            return cls.fromtimestamp(at.timestamp(), tz)

    monkeypatch.setattr(handlers.push, "datetime", Frozen)


@pytest.mark.parametrize("zone, now, notice, warned", [
    # 01:00 on 1 December in Shanghai (17:00 on 30 November in UTC): the notice of the
    # evening before is past, and holds back no lesson
    (SHANGHAI, datetime(2026, 12, 1, 1, 0, tzinfo=SHANGHAI), "2026-11-30 19:30", False),
    # 20:00 on 1 December in New York (01:00 on the 2nd in UTC): tonight's notice at 22:30
    # is still to come, and holds back that night's lesson
    (ZoneInfo("America/New_York"), datetime(2026, 12, 1, 20, 0, tzinfo=UTC).replace(
        tzinfo=ZoneInfo("America/New_York")), "2026-12-01 22:30", True),
])
def test_the_check_starts_from_the_bots_day(monkeypatch: pytest.MonkeyPatch, zone: ZoneInfo,
                                           now: datetime, notice: str, warned: bool) -> None:
    config = _config("1h", {"cron": "0 23 * * *" if warned else "0 20 * * *"},
                     {"at": notice}, zone=zone)
    _now(monkeypatch, now)
    found = Push(config).shadows([])
    assert [key for key, _ in found] == ([("schedules", 0, "cron")] if warned else [])


QUIET = {"start": "22:00", "end": "08:00", "action": "move"}
MONDAY = datetime(2026, 11, 30)


@pytest.mark.parametrize("min_gap", ["1h", "0m"])
def test_runs_a_quiet_night_merges_are_told_as_such(min_gap: str) -> None:
    """23:00 and 01:00 both move to 08:00: the handler posts the first, and the second finds
    its schedule's timer set (skipped for quiet hours, not for min_gap). It was told as held
    back by min_gap after a push of itself, and not at all with no min_gap."""
    [(key, why)] = held_back(_config(min_gap, {"cron": "0 23,1 * * *"}, quiet=QUIET), MONDAY)
    assert key == ("schedules", 0, "cron")
    assert why.startswith("366 of its 732 runs in the next year are not posted: they come out "
                          "of quiet hours (22:00-08:00) at 08:00 after another of its runs "
                          "moved the same night")
    assert "min_gap" not in why


def test_another_schedule_moved_the_same_night_is_still_held_back_by_min_gap() -> None:
    [(key, why)] = held_back(_config("1h", {"cron": "0 23 * * *"}, {"cron": "0 1 * * *"},
                                     quiet=QUIET), MONDAY)
    assert key == ("schedules", 1, "cron") and "less than min_gap (1h) after a push of s0" in why


def test_a_line_of_29_february_is_read_up_to_its_run() -> None:
    """From December 2026 the year ahead holds no 29 February: the line's clash with the
    daily lesson was never read, nor warned. The check reads on to its run (2028-02-29)."""
    [(key, why)] = held_back(_config("1h", {"cron": "0 20 * * *"}, {"cron": "30 20 29 2 *"}),
                             datetime(2026, 12, 1))
    assert key == ("schedules", 1, "cron")
    assert why.startswith("its one run in the next 456 days (to 2028-02-29: a line of 29 "
                          "February runs once in four years) is not posted: it comes less "
                          "than min_gap (1h) after a push of s0")
