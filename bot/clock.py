"""Injected time. Real time in `run`, virtual time in `replay` and tests."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    tz: tzinfo

    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time in the bot's zone; `skip` jumps ahead (the terminal simulator's `/wait`)."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(self.tz) + self._offset

    def skip(self, delta: timedelta) -> None:
        self._offset += delta


class VirtualClock:
    """Time that moves only when told to."""

    def __init__(self, tz: tzinfo, start: datetime) -> None:
        self.tz = tz
        self._now = start.astimezone(tz)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when < self._now:
            raise ValueError(f"time cannot go back from {self._now} to {when}")
        self._now = when.astimezone(self.tz)
