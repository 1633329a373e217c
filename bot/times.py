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

from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

from bot.store import sqlite_only

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_last: tuple[datetime, str] = (_EPOCH, "1970-01-01T00:00:00.000000+00:00")


def stamp(at: datetime) -> str:
    """`at` as stored. The last one is kept: an event's time is stamped by several owners
    (the seen id, the roster...). Another is made from its minute's prefix (`stamp_of`):
    `isoformat` costs several times more, on every event."""
    global _last
    last = _last
    if last[0] is at:  # (a datetime never changes: the very object, the very stamp)
        return last[1]
    if at.year < 1973 or at.tzinfo is None:  # offsets of odd seconds, before 1973; a naive
        # time, in the process's local zone: timestamp() and astimezone() read a gap apart
        # (r92-4), and the zone may change (tzset)
        return at.astimezone(UTC).isoformat(timespec="microseconds")
    text = stamp_of(micros(at))
    _last = (at, text)  # one tuple: a thread never reads a stamp of another time
    return text


def micros(at: datetime) -> int:
    """An instant as whole microseconds since 1970 (exact: a stamp has microseconds, and a
    float timestamp is off by far less than half of one). The start of its minute on its
    clock is worked out once a minute (finding a zone's offset costs more than the rest):
    since 1973 every zone's offset is whole minutes, so it is the same all the minute."""
    global _last_minute
    start, minute = _last_minute
    if at.tzinfo is start.tzinfo and at.fold == start.fold:
        # the minute of the last call, most often: the time since its start is a plain
        # difference of wall times (no offset is looked up for two times of one zone)
        since = at - start
        seconds = since.seconds
        if not since.days and seconds < 60:  # (days: -1 for a time before the start)
            return minute + seconds * 1_000_000 + since.microseconds
    key = at.year, at.month, at.day, at.hour, at.minute, at.fold, at.tzinfo
    found = _minutes.get(key)
    if found is None:
        # (before 1973 an offset may have odd seconds: Monrovia's -0:44:30 ended in 1972;
        # naive: the local zone may change, tzset)
        if at.year < 1973 or at.tzinfo is None:
            return round(at.timestamp() * 1_000_000)
        if len(_minutes) > 4096:
            _minutes.clear()
        start = at.replace(second=0, microsecond=0)
        found = _minutes[key] = start, round(start.timestamp() * 1_000_000)
    _last_minute = found
    return found[1] + at.second * 1_000_000 + at.microsecond


_minutes: dict[tuple[object, ...], tuple[datetime, int]] = {}
# the start of the minute micros read last, and its micros: at first a zone of no time
_last_minute = datetime(1970, 1, 1, tzinfo=timezone(timedelta(0), "none")), 0


@lru_cache(maxsize=16)
def _minute(minute: int) -> str:
    return (_EPOCH + timedelta(minutes=minute)).isoformat()[:17]  # "2026-11-23T01:00:"


def stamp_of(at: int) -> str:
    """`stamp` of an instant in micros, in a fraction of its time (the date, hour and
    minute are made once a minute; the seconds without a format spec, which costs more)."""
    minute, within = divmod(at, 60_000_000)
    digits = str(100_000_000 + within)  # "1" and the seconds' 2 digits and 6 of the fraction
    return f"{_minute(minute)}{digits[1:3]}.{digits[3:]}+00:00"


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
