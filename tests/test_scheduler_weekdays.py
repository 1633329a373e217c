"""Day names in a cron weekday field mean crontab's numbers (sun 0 ... sat 6) and take part
in ranges, lists and steps with them, as crontab's do: `mon-fri/2` and `mon,3` were refused
with a false reason ("weekday 'mon' is not 0-7 (or a day name)", review s32a T7)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduler import cron_trigger

TZ = ZoneInfo("Asia/Shanghai")


def _days(weekday: str) -> list[str]:
    """The days of the week from Sunday 2026-11-22 on that a 09:00 line runs on."""
    trigger, fire = cron_trigger(f"0 9 * * {weekday}", TZ), datetime(2026, 11, 22, tzinfo=TZ)
    found = []
    while (fire := trigger.get_next_fire_time(None, fire)) < datetime(2026, 11, 29, tzinfo=TZ):
        found.append(f"{fire:%a}")
        fire += timedelta(seconds=1)
    return found


@pytest.mark.parametrize(("weekday", "days"), [
    ("mon-fri/2", ["Mon", "Wed", "Fri"]),
    ("mon,3", ["Mon", "Wed"]),
    ("wed-fri/2", ["Wed", "Fri"]),
    ("sun,6", ["Sun", "Sat"]),
    ("MON-Fri", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
    ("sun-tue", ["Sun", "Mon", "Tue"]),  # APScheduler's week ends on Sunday: was refused
    ("sat-sun", ["Sun", "Sat"]),  # sun ending a range is 7, as crontab's 6-7
])
def test_day_names_mix_with_numbers_and_steps_as_in_crontab(weekday: str,
                                                            days: list[str]) -> None:
    assert _days(weekday) == days


@pytest.mark.parametrize(("weekday", "reason"), [
    ("fri-mon", "weekday range 'fri-mon' runs backwards"),
    ("mon,xyz", "weekday 'xyz' is neither 0-7 nor a day name (sun mon tue wed thu fri sat)"),
    ("monday", "weekday 'monday' is neither 0-7 nor a day name"),
])
def test_a_weekday_field_crontab_refuses_is_refused_with_the_true_reason(
        weekday: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        cron_trigger(f"0 9 * * {weekday}", TZ)
