"""Who spoke when, by the hour: owner of the `activity` table. The roster keeps only each
member's last message; the console's daily series (messages, active members per day), its
hour x weekday heatmap and the "active 7d" of a past period (bot/report.py) need the history,
one row per group, member and hour spoken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.store import Reader, Store
from bot.times import stamp

MIGRATIONS = (
    """
    CREATE TABLE activity (
        grp TEXT NOT NULL, member TEXT NOT NULL, hour TEXT NOT NULL,
        messages INTEGER NOT NULL, PRIMARY KEY (grp, hour, member));
    """,
)


def _hour(at: datetime) -> str:
    return stamp(at)[:13]  # "2026-11-23T01": the event's stamp, made once for its owners


async def spoke(store: Store, group: str, member: str, at: datetime) -> None:
    await store.execute(
        "INSERT INTO activity VALUES (?, ?, ?, 1) ON CONFLICT (grp, hour, member)"
        " DO UPDATE SET messages = activity.messages + 1", (group, member, _hour(at)))


@dataclass(frozen=True, slots=True)
class Spoken:
    group: str
    member: str
    hour: datetime  # the start of the hour, UTC
    messages: int


async def since(store: Reader, start: datetime, group: str | None = None) -> list[Spoken]:
    """Every (group, member, hour) with messages from the hour of `start` on."""
    rows = await store.all(
        "SELECT grp, member, hour, messages FROM activity WHERE hour >= ?"
        " AND (CAST(? AS TEXT) IS NULL OR grp = ?) ORDER BY hour",
        (_hour(start), group, group))
    # each hour parsed once (a month is some 720 of them, over as many rows as members spoke
    # in each: strptime a row was most of the console's 30-day series)
    hours = {hour: datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)
             for hour in {row[2] for row in rows}}
    return [Spoken(grp, member, hours[hour], messages) for grp, member, hour, messages in rows]


async def speakers(store: Reader, group: str, start: datetime, end: datetime) -> set[str]:
    """The members who spoke in the group in the hours wholly inside [start, end): exact when
    both fall on the hour (a day's start, in a time zone whole hours from UTC)."""
    hour_start = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    first = hour_start if hour_start == start else hour_start + timedelta(hours=1)
    rows = await store.all(
        "SELECT DISTINCT member FROM activity WHERE grp = ? AND hour >= ? AND hour < ?",
        (group, _hour(first), _hour(end)))
    return {str(member) for (member,) in rows}
