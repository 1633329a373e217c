"""The one way times are stored: ISO 8601 text in UTC with microseconds, fixed width
("2026-11-23T01:00:00.000000+00:00"), so text order is time order in any database and a
period is a plain `at >= ? AND at < ?`. Convert at the edge: `stamp` before writing, `unstamp`
after reading (aware, in UTC; show it in the bot's zone with `astimezone`)."""

from __future__ import annotations

from datetime import UTC, datetime


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def unstamp(value: object) -> datetime | None:
    """A stored time back as an aware datetime; None stays None."""
    if value is None:
        return None
    return datetime.fromisoformat(str(value)).astimezone(UTC)
