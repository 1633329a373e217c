"""The clocks (bot/clock.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import SystemClock

TZ = ZoneInfo("Asia/Shanghai")


def test_the_simulators_clock_starts_no_earlier_than_a_time_its_last_run_stored() -> None:
    """Review r6 R6-5: `/wait 3d`, then a restart: the clock was back at real time, three
    days behind what the last run stored. `not_before` takes it there; a time already past
    changes nothing."""
    clock = SystemClock(TZ)
    ahead = datetime.now(UTC) + timedelta(days=3)
    clock.not_before(ahead)
    assert ahead <= clock.now() < ahead + timedelta(minutes=1)
    assert clock.now().tzinfo is TZ
    clock.not_before(datetime.now(UTC) - timedelta(days=30))
    assert ahead <= clock.now() < ahead + timedelta(minutes=1)
