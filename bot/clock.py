"""Injected time. Real time in `run`, virtual time in `replay` and tests.

`now()` is in the bot's zone, a real time of it (on the night clocks go forward there is no
02:30; on the night they go back, 01:30 before and after the change are told apart by
`fold`). Moving a clock is done on instants (bot/times.py): `wait: 24h` is 24 real hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol

from bot.times import utc


class Clock(Protocol):
    tz: tzinfo

    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time in the bot's zone; `skip` jumps ahead (the terminal simulator's `/wait`)."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self._offset = timedelta()

    def now(self) -> datetime:
        return (datetime.now(UTC) + self._offset).astimezone(self.tz)

    def skip(self, delta: timedelta) -> None:
        self._offset += delta

    def not_before(self, at: datetime) -> None:
        """Jump ahead to `at` if it is later than now: a simulator started again goes on
        from the time its last run's clock reached (bot/terminal.py `_restore`)."""
        self.skip(max(utc(at) - utc(self.now()), timedelta()))

    def reset(self) -> None:
        """Back to the wall clock (the simulator's `/reset` on a new database)."""
        self._offset = timedelta()


class VirtualClock:
    """Time that moves only when told to."""

    def __init__(self, tz: tzinfo, start: datetime) -> None:
        self.tz = tz
        self._now = utc(start).astimezone(tz)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if utc(when) < utc(self._now):
            raise ValueError(f"time cannot go back from {self._now} to {when}")
        self._now = utc(when).astimezone(self.tz)
