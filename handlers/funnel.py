"""Track each member through the listener funnel: recruitment -> internship -> official.

A stage is a group type. A member reaches a stage when they join a group of that type, by
whatever way they got there (the sign-up keyword's invitation, the quiz's promotion, an
operator adding them by hand), so the stage is recorded in this one place (`arrived`; the
one other caller is the quiz, for a pass by someone already in a group of the next type, who
will not join it again). A member sent a group's QR code or an account's card instead of an
invitation (bot/invitations.py) moves on only with that join too, which settles the
invitation. Each member's first arrival at each stage is kept with its date and group; the
current stage is the furthest one reached. A stage reached is kept for good, leaving its
group too (the reports count who got there): whether a member is in a group of a stage
now is the roster's to say (namecard: bot/roster.py `present_in_any`). The quiz
(handlers/quiz.py) keeps the test results; the reports (bot/report.py) take the stage
order from this handler's config.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import Field, field_validator

from bot import invitations
from bot.config import GroupTypeName, TypeName
from bot.context import Context
from bot.events import MemberJoined
from bot.handler import CONTINUE, Flow, Handler, HandlerConfig
from bot.store import Reader, Store, in_parts
from bot.times import stamp, to_utc, unstamp

TABLE = "funnel_stages"


class Config(HandlerConfig):
    stages: list[GroupTypeName] = Field(
        [TypeName("recruitment"), TypeName("internship"), TypeName("official")], min_length=2)

    @field_validator("stages")
    @classmethod
    def _distinct(cls, stages: list[str]) -> list[str]:
        if len(set(stages)) < len(stages):
            raise ValueError("a group type is listed twice; each stage is one type")
        return stages


class Funnel(Handler[Config]):
    name = "funnel"
    events = (MemberJoined,)
    Config = Config
    migrations = (
        f"""
        CREATE TABLE {TABLE} (
            member TEXT NOT NULL, stage TEXT NOT NULL, grp TEXT NOT NULL, at TEXT NOT NULL,
            PRIMARY KEY (member, stage));
        CREATE INDEX {TABLE}_grp ON {TABLE} (grp, stage);
        """,
        to_utc(TABLE, "at"),
    )

    def wants(self, event: MemberJoined, ctx: Context) -> bool:
        """A join into a group whose type is a stage (into any other: nothing to record)."""
        return ctx.group is not None and ctx.group.type in self.config.stages

    async def handle(self, event: MemberJoined, ctx: Context) -> Flow:
        if ctx.group is None or ctx.group.type not in self.config.stages:
            return CONTINUE
        # not those removed again as they come in (the block list: handlers/antispam.py)
        await arrived(ctx.store, [m.id for m in event.members if not ctx.is_bot(m.id)
                                  and not ctx.removal_queued(m.id)],
                      ctx.group.type, ctx.group_id, ctx.now)
        await invitations.joined(ctx.store, ctx.group_id, [m.id for m in event.members])
        return CONTINUE


async def arrived(store: Store, members: Sequence[str], stage: str, group: str,
                  now: datetime) -> None:
    """They are at `stage`, in `group` (a join; the quiz's pass of someone in a group of the
    next type already); a stage reached before keeps its first date."""
    await store.executemany(
        f"INSERT INTO {TABLE} (member, stage, grp, at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (member, stage) DO NOTHING",
        [(member, stage, group, stamp(now)) for member in members])


async def reached(store: Reader, stage: str, since: datetime | None = None,
                  until: datetime | None = None) -> int:
    """How many members ever reached the stage (or did in [since, until))."""
    if since is None or until is None:
        row = await store.one(f"SELECT count(*) FROM {TABLE} WHERE stage=?", (stage,))
    else:
        row = await store.one(f"SELECT count(*) FROM {TABLE} WHERE stage=? AND at>=? AND at<?",
                              (stage, stamp(since), stamp(until)))
    return int(row[0]) if row else 0


async def first_arrival(store: Reader) -> datetime | None:
    """When a member first reached a stage, any stage (None before anyone did)."""
    row = await store.one(f"SELECT min(at) FROM {TABLE}")
    return unstamp(row[0]) if row else None


async def weekly(store: Reader, weeks: Sequence[datetime], until: datetime
                 ) -> dict[str, list[int]]:
    """How many members reached each stage in each week: from each of `weeks` (in time order)
    to the next, the last to `until`; a stage no one reached in them is left out. Counted by
    the database (stored times are UTC ISO text: they compare as they sort), not walked
    row by row on the bot's loop, which stalled it a third of a second at 60,000 members."""
    if not weeks:
        return {}
    bounds = [stamp(week) for week in weeks[1:]]
    which = f"CASE {' '.join(f'WHEN at < ? THEN {i}' for i in range(len(bounds)))} " \
        f"ELSE {len(bounds)} END" if bounds else "0"
    counts: dict[str, list[int]] = {}
    for stage, week, count in await store.all(
            f"SELECT stage, {which} AS week, count(*) FROM {TABLE}"
            " WHERE at >= ? AND at < ? GROUP BY stage, week",
            (*bounds, stamp(weeks[0]), stamp(until))):
        counts.setdefault(stage, [0] * len(weeks))[int(week)] = int(count)
    return counts


async def journeys(store: Reader, group: str | None = None,
                   members: Sequence[str] | None = None
                   ) -> dict[str, dict[str, tuple[str, datetime | None]]]:
    """Each member's stages with the group and time they reached it, in time order: of
    members who were ever in `group`, or of `members`, if given."""
    queries: list[tuple[str, Sequence[str]]] = [("", ())]
    if members is not None:
        queries = [(f" WHERE member IN ({marks})", part) for marks, part in in_parts(members)]
    elif group is not None:
        queries = [(f" WHERE member IN (SELECT member FROM {TABLE} WHERE grp=?)", (group,))]
    found: dict[str, dict[str, tuple[str, datetime | None]]] = {}
    for where, params in queries:  # (a part's members are all of theirs: in time order)
        for member, stage, grp, at in await store.all(
                f"SELECT member, stage, grp, at FROM {TABLE}{where} ORDER BY at", params):
            found.setdefault(member, {})[stage] = (grp, unstamp(at))
    return found
