"""The one way times are stored: ISO 8601 text in UTC with microseconds, fixed width
("2026-11-23T01:00:00.000000+00:00"), so text order is time order in any database and a
period is a plain `at >= ? AND at < ?`. Convert at the edge: `stamp` before writing, `unstamp`
after reading (aware, in UTC; show it in the bot's zone with `astimezone`).

Arithmetic and order are on instants: two aware datetimes sharing one zone add, subtract and
compare in wall time (on the night clocks go forward, 01:00 + 2h is 03:00, one real hour
later; 01:30 before and after they go back compare equal). So the core keeps instants in UTC
(`utc`), moves a time in the bot's zone with `later`, and reads the bot's zone only for the
clock's face: display, cron lines, local days and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store import sqlite_only

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_last: tuple[datetime, str] = (_EPOCH, "1970-01-01T00:00:00.000000+00:00")


def stamp(at: datetime) -> str:
    """`at` as stored. The last one is kept: an event's time is stamped by several owners
    (the seen id, the roster...), and each stamp costs a few microseconds."""
    global _last
    last = _last
    if last[0] is at:  # (a datetime never changes: the very object, the very stamp)
        return last[1]
    text = at.astimezone(UTC).isoformat(timespec="microseconds")
    _last = (at, text)  # one tuple: a thread never reads a stamp of another time
    return text


def utc(at: datetime) -> datetime:
    """The instant `at` in UTC, where `+`, `-` and `<` are on real time."""
    return at.astimezone(UTC)


def later(at: datetime, delta: timedelta) -> datetime:
    """`delta` of real time after `at` (before it, if negative), in `at`'s zone."""
    return (at.astimezone(UTC) + delta).astimezone(at.tzinfo)


def unstamp(value: object) -> datetime | None:
    """A stored time back as an aware datetime; None stays None."""
    if value is None:
        return None
    return datetime.fromisoformat(str(value)).astimezone(UTC)


def instant(value: object) -> datetime:
    """A stored time that is never NULL, as an aware datetime in UTC."""
    return datetime.fromisoformat(str(value)).astimezone(UTC)


def to_utc(table: str, *columns: str) -> str:
    """The SQLite migration step that rewrites a table's times, stored before in the bot's
    zone, as `stamp` stores them (to the millisecond). PostgreSQL databases are younger:
    nothing to rewrite there."""
    return sqlite_only("".join(
        f"UPDATE {table} SET {c} = strftime('%Y-%m-%dT%H:%M:%f', {c}) || '000+00:00';"
        for c in columns))


def from_epoch(table: str, *columns: str) -> str:
    """The SQLite migration step that rewrites a table's times, stored before as epoch seconds,
    as `stamp` stores them (to the millisecond); NULL stays NULL. (Nothing on PostgreSQL, as
    `to_utc`.)"""
    return sqlite_only("".join(
        f"UPDATE {table} SET {c} = strftime('%Y-%m-%dT%H:%M:%f', {c}, 'unixepoch')"
        " || '000+00:00';" for c in columns))


def span(delta: timedelta) -> str:
    """A duration as members read it: "3 分钟", "1 天", "36 小时"."""
    seconds = int(delta.total_seconds())
    for unit, name in ((86400, "天"), (3600, "小时"), (60, "分钟")):
        if seconds >= unit and seconds % unit == 0:
            return f"{seconds // unit} {name}"
    return f"{seconds} 秒"
