"""Daily check-ins: a member sends "签到" once a day and earns points, more on streak days.

A day runs from `day_starts` to `day_starts` on the bot's clock (midnight by default). A
streak counts consecutive days with a check-in, across month and year ends; a whole day
without one starts it again at 1. A second check-in on one day earns nothing and is told so
(once per `already_cooldown` for each member; 我的数据 likewise once per `my_data.cooldown`).
Members can ask for the leaderboard (this week, this month, all time) and for their own
figures. Points belong to the group, or to all groups of the type (`scope: type`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from bot import moderation, roster
from bot.actions import split_text
from bot.config import ClockTime, Count, Duration, SaidText, Template, TemplateText, placeholders
from bot.context import Context
from bot.events import Kind, Message
from bot.handler import CONTINUE, STOP, Flow, Handler, HandlerConfig
from bot.sanitize import Safe
from bot.store import Reader, sqlite_only
from bot.text import command
from bot.times import stamp, to_utc, unstamp
from bot.yamlfile import At
from handlers import fission

# how long after it was written a check-in still counts for that time's day (handled after
# the day changed); one handled later counts as written this long before its handling
LATE = timedelta(minutes=10)


# ---------------------------------------------------------------- day and streak arithmetic


def checkin_day(at: datetime, day_starts: time) -> date:
    """The check-in day `at` (on the bot's clock) belongs to: days begin at `day_starts`, the
    first time the clock shows it. (The night clocks go back over `day_starts`, the clock
    shows the times before it again, in the new day: a later moment is never an earlier day.)"""
    if at.time() >= day_starts or (at.fold and _shown_twice(at.date(), day_starts, at)):
        return at.date()
    return at.date() - timedelta(days=1)


def _shown_twice(day: date, clock: time, zone_of: datetime) -> bool:
    """Whether the clock shows `clock` twice on `day` (in the hour it goes back over)."""
    first = datetime.combine(day, clock, tzinfo=zone_of.tzinfo)
    return first.utcoffset() != first.replace(fold=1).utcoffset()


def next_streak(last_day: date | None, last_streak: int, today: date) -> int:
    """The streak after checking in on `today`, given the last check-in day before it."""
    if last_day is not None and (today - last_day).days == 1:
        return last_streak + 1
    return 1


def standing_streak(last_day: date | None, last_streak: int, today: date) -> int:
    """The streak that still stands on `today`: 0 once a whole day went by without a check-in."""
    if last_day is not None and (today - last_day).days in (0, 1):
        return last_streak
    return 0


def points_for(streak: int, base: int, bonuses: Mapping[int, int]) -> tuple[int, int]:
    """(points earned, of which bonus) for a check-in that makes the streak `streak`."""
    bonus = bonuses.get(streak, 0)
    return base + bonus, bonus


def scope_of(config: Config, group: str, group_type: str) -> str:
    """Whose points these are: the group's, or every group's of its type."""
    return group if config.scope is Scope.GROUP else f"type:{group_type}"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


# ---------------------------------------------------------------- config


class Scope(StrEnum):
    GROUP = "group"
    TYPE = "type"


CheckinText = Annotated[TemplateText,
                       placeholders("member", "streak", "points", "bonus", "total", "rank")]
BoardText = Annotated[TemplateText, placeholders("week", "month", "all", "top")]
BoardLine = Annotated[TemplateText, placeholders("rank", "member", "points", "days")]
MyDataText = Annotated[TemplateText, placeholders("member", "messages", "checkins", "streak",
                                                  "total", "warnings")]


class Leaderboard(HandlerConfig):
    # the board's own title (签到排行榜) and what members call it (积分排行榜, 积分榜)
    triggers: list[str] = ["签到排行", "签到排行榜", "排行榜", "积分排行榜", "积分榜",
                           "leaderboard"]
    top: Count = Field(default=10, ge=1, le=50)
    cooldown: Duration = timedelta(minutes=5)
    template: BoardText = Template(
        "🏆 签到排行榜（前 {top} 名）\n【本周】\n{week}\n【本月】\n{month}\n【总榜】\n{all}")
    line: BoardLine = Template("{rank}. {member}  {points} 分")
    empty: SaidText = "暂无"


class MyData(HandlerConfig):
    triggers: list[str] = ["我的数据", "我的积分", "查积分", "my data"]
    cooldown: Duration = timedelta(minutes=10)  # per member: one answer, then silence
    template: MyDataText = Template(
        "📊 {member} 的数据\n发言 {messages} 条 · 签到 {checkins} 天 · 连续签到 {streak} 天\n"
        "积分 {total} 分 · 警告 {warnings} 次")
    # sent privately as well, when web.public_url is set and the member is the bot's friend
    link: Annotated[TemplateText, placeholders("url", "days")] = Template(
        "🔗 你的个人数据中心（{days} 天内有效，请勿转发）：{url}")


class Config(HandlerConfig):
    triggers: list[str] = Field(default=["签到", "check in"], min_length=1)
    day_starts: ClockTime = time(0, 0)
    points: Count = Field(default=10, ge=0)
    bonuses: dict[Count, Count] = {7: 30, 30: 100}
    scope: Scope = Scope.GROUP
    mention: bool = False
    reply: CheckinText = Template(
        "✅ {member} 签到成功！连续签到 {streak} 天，今日 +{points} 分，累计 {total} 分，"
        "今天第 {rank} 个签到。")
    bonus_reply: CheckinText = Template("🎁 连续签到 {streak} 天，额外奖励 {bonus} 分！")
    already: CheckinText = Template(
        "{member} 今天已经签过到啦～ 连续签到 {streak} 天，今日已得 {points} 分，"
        "累计 {total} 分，今天第 {rank} 个签到。")
    already_cooldown: Duration = timedelta(minutes=10)  # per member: one `already`, then silence
    leaderboard: Leaderboard = Leaderboard()
    my_data: MyData = MyData()

    @field_validator("bonuses")
    @classmethod
    def _streak_days(cls, bonuses: dict[int, int]) -> dict[int, int]:
        for day, bonus in bonuses.items():
            if day < 1 or bonus < 0:
                raise ValueError(f"a bonus is `streak day: points`, both positive: {day}: {bonus}")
        return bonuses

    @model_validator(mode="after")
    def _distinct_triggers(self) -> Config:
        seen: dict[str, str] = {}
        for what, words in (("triggers", self.triggers),
                            ("leaderboard.triggers", self.leaderboard.triggers),
                            ("my_data.triggers", self.my_data.triggers)):
            for word in words:
                key = command(word)
                if not key:
                    raise At(tuple(what.split(".")), f"an empty trigger {word!r}")
                if key in seen and seen[key] != what:  # (at the first: both are named)
                    raise At(tuple(seen[key].split(".")),
                             f"{word!r} is in both {seen[key]} and {what}")
                seen[key] = what
        return self


# ---------------------------------------------------------------- the handler

MIGRATIONS = (
    """
    CREATE TABLE checkins (
        scope TEXT NOT NULL, member TEXT NOT NULL, day TEXT NOT NULL, grp TEXT NOT NULL,
        at TEXT NOT NULL, message TEXT NOT NULL, streak INTEGER NOT NULL,
        points INTEGER NOT NULL, UNIQUE (scope, member, day));
    CREATE INDEX checkins_by_day ON checkins (scope, day);
    """,
    to_utc("checkins", "at"),
    # 3: PostgreSQL has no implicit rowid: the order check-ins came in (the day's rank)
    sqlite_only("", postgresql="ALTER TABLE checkins ADD COLUMN rowid BIGINT"
                " GENERATED BY DEFAULT AS IDENTITY"),
)


class Checkin(Handler[Config]):
    name = "checkin"
    events = (Message,)
    Config = Config
    migrations = MIGRATIONS

    def prepare(self) -> None:
        config = self.config
        # the method's name, not the bound method: that would be a reference cycle, which a
        # config frozen after its load (config.load_in_background) never lets go of
        self._commands = {
            **{command(w): "_check_in" for w in config.triggers},
            **{command(w): "_leaderboard" for w in config.leaderboard.triggers},
            **{command(w): "_my_data" for w in config.my_data.triggers},
        }

    def triggers(self) -> frozenset[str]:
        """A command is the whole message (normalized, without its mentions and the marks
        around it): the pipeline skips this handler for the messages that hold none."""
        return frozenset(self._commands)

    async def handle(self, event: Message, ctx: Context) -> Flow:
        if ctx.group is None or event.kind is not Kind.TEXT:
            return CONTINUE
        method = self._commands.get(command(event.text))
        if method is None:
            return CONTINUE
        await getattr(self, method)(event, ctx, scope_of(self.config, ctx.group.id,
                                                           ctx.group.type))
        return STOP

    def _today(self, ctx: Context) -> date:
        return checkin_day(ctx.now, self.config.day_starts)

    @staticmethod
    def _written(event: Message, ctx: Context) -> datetime:
        """When a check-in was written: WeChat's time, never later than its handling (a
        WeChat clock ahead) nor more than LATE before it (an old backlog books no past day)."""
        return max(min(event.at, ctx.now), ctx.now - LATE)

    # ------------------------------------------------------------ check in

    async def _last(self, ctx: Context, scope: str, member: str,
                    before: date | None = None) -> tuple[date | None, int]:
        """The member's last check-in day (before `before`) and the streak it made."""
        row = await ctx.store.one(
            "SELECT day, streak FROM checkins WHERE scope=? AND member=? AND day<?"
            " ORDER BY day DESC LIMIT 1",
            (scope, member, (before or date.max).isoformat()))
        return (date.fromisoformat(row[0]), row[1]) if row else (None, 0)

    async def _check_in(self, event: Message, ctx: Context, scope: str) -> None:
        # the day it was written: one written at 23:59:58 and handled after midnight (a
        # takeover's replay, a slow lookup) is the day before's
        written = self._written(event, ctx)
        member, today = event.sender.id, checkin_day(written, self.config.day_starts)
        streak = next_streak(*await self._last(ctx, scope, member, before=today), today)
        points, bonus = points_for(streak, self.config.points, self.config.bonuses)
        added = await ctx.store.changes(
            "INSERT INTO checkins (scope, member, day, grp, at, message, streak, points)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (scope, member, day) DO NOTHING",
            (scope, member, today.isoformat(), ctx.group_id, stamp(written), event.id,
             streak, points))
        if added and today < self._today(ctx):  # written before the day changed: a day
            await self._carry_streak(ctx, scope, member, today, streak)  # after it may be in
        # the day's check-in with its rank that day and the member's total, in one statement
        streak, points, message, rank, total = await ctx.store.one(
            "SELECT streak, points, message, (SELECT COUNT(*) FROM checkins AS c"
            " WHERE c.scope=d.scope AND c.day=d.day AND c.rowid<=d.rowid),"
            " (SELECT SUM(c.points) FROM checkins AS c WHERE c.scope=d.scope"
            " AND c.member=d.member) FROM checkins AS d WHERE scope=? AND member=? AND day=?",
            (scope, member, today.isoformat())) or (0, 0, "", 1, points)
        if not added and event.id and message == event.id:
            return  # the same message delivered again: it was answered the first time
        total += (await self._rewards(ctx, member=member)).get(member, 0)
        if not added and not await ctx.off_cooldown("already", self.config.already_cooldown,
                                                    member=member):
            return  # told already a moment ago: repeating it only spends the send budget
        facts = {"member": event.sender.name, "streak": streak, "points": points,
                 "bonus": bonus, "total": total, "rank": rank}
        text = (self.config.reply if added else self.config.already).render(facts)
        if added and bonus:
            text += "\n" + self.config.bonus_reply.render(facts)
        ctx.reply(text, mention=self.config.mention)

    async def _carry_streak(self, ctx: Context, scope: str, member: str, day: date,
                            streak: int) -> None:
        """A check-in booked for a day before the member's later ones (written before
        midnight, handed over after their next day's check-in was): the streaks of the days
        after it, booked without it, are carried on from it, and their points with them (a
        bonus day reached). Only for a check-in of the day before: one read."""
        rows = await ctx.store.all(
            "SELECT day, streak FROM checkins WHERE scope=? AND member=? AND day>?"
            " ORDER BY day", (scope, member, day.isoformat()))
        for later, booked in rows:
            later_day = date.fromisoformat(later)
            carried = next_streak(day, streak, later_day)
            if carried == booked:
                return  # the days after it were counted from it already
            points, _ = points_for(carried, self.config.points, self.config.bonuses)
            await ctx.store.execute(
                "UPDATE checkins SET streak=?, points=? WHERE scope=? AND member=? AND day=?",
                (carried, points, scope, member, later))
            day, streak = later_day, carried

    # ------------------------------------------------------------ leaderboard

    async def _leaderboard(self, event: Message, ctx: Context, scope: str) -> None:
        board = self.config.leaderboard
        if not await ctx.off_cooldown("leaderboard_posted", board.cooldown):
            return
        today = self._today(ctx)
        sections = {}
        for period, since in (("week", week_start(today)), ("month", today.replace(day=1)),
                              ("all", None)):
            sections[period] = await self._top(ctx, scope, since)
        # (top 50 in three sections: up to ~8,000 characters, in several messages, where a
        # message that begins inside a section begins with its head: the template's own lines)
        heads = set(board.template.render(
            {**dict.fromkeys(sections, ""), "top": board.top}).split("\n")) - {""}
        for part in split_text(board.template.render({**sections, "top": board.top}),
                               section=heads.__contains__):
            ctx.reply(part)

    async def _top(self, ctx: Context, scope: str, since: date | None) -> str:
        """The period's best by points: their check-ins' and, where fission runs, their
        rewards' (a member with rewards only is on the board with 0 days); not a member
        removed (on the block list)."""
        board = self.config.leaderboard
        day = since.isoformat() if since else ""
        rewards = await self._rewards(ctx, since)
        # every member's, the rewards added (a group's members: a few hundred rows)
        found = {member: (points, days, first) for member, points, days, first in
                 await ctx.store.all("SELECT member, SUM(points), COUNT(*), MIN(rowid)"
                                     " FROM checkins WHERE scope=? AND day>=?"
                                     " GROUP BY member", (scope, day))}
        last = 1 + max((first for _, _, first in found.values()), default=0)
        merged = [(member, points + rewards.get(member, 0), days, first)
                  for member, (points, days, first) in found.items()]
        merged += [(member, points, 0, last) for member, points in rewards.items()
                   if member not in found]
        removed = await moderation.blocked_among(ctx.store, [row[0] for row in merged])
        merged = sorted((row for row in merged if row[0] not in removed),
                        key=lambda row: (-row[1], row[3]))
        rows = [(member, points, days) for member, points, days, _ in merged[:board.top]]
        lines = [board.line.render({"rank": rank, "member": await ctx.name(member),
                                    "points": points, "days": days})
                 for rank, (member, points, days) in enumerate(rows, start=1)]
        return Safe("\n".join(lines) or board.empty)

    async def _rewards(self, ctx: Context, since: date | None = None,
                       member: str | None = None) -> dict[str, int]:
        """The points fission's rewards gave in the scope's groups (from the day `since` on;
        of one member), by member: a member told 「奖励 10 积分」 finds them in 我的数据 and
        on the board. None where the type runs no fission (no read)."""
        group = ctx.group
        if group is None or group.config("fission") is None:
            return {}
        groups = [group.id] if self.config.scope is Scope.GROUP else [
            info.id for info in await ctx.groups_of_type(group.type)]
        start = None if since is None else datetime.combine(
            since, self.config.day_starts, tzinfo=ctx.now.tzinfo)
        return await fission.reward_points(ctx.store, groups, start, member)

    # ------------------------------------------------------------ my data

    async def _my_data(self, event: Message, ctx: Context, scope: str) -> None:
        member = event.sender.id
        if not await ctx.off_cooldown("my_data", self.config.my_data.cooldown, member=member):
            return
        spoke = await roster.entry(ctx.store, ctx.group_id, member)
        days, total = await ctx.store.one(
            "SELECT COUNT(*), COALESCE(SUM(points), 0) FROM checkins WHERE scope=? AND member=?",
            (scope, member)) or (0, 0)
        total += (await self._rewards(ctx, member=member)).get(member, 0)
        streak = standing_streak(*await self._last(ctx, scope, member), self._today(ctx))
        ctx.reply(self.config.my_data.template.render({
            "member": event.sender.name, "messages": spoke.messages if spoke else 0,
            "checkins": days, "streak": streak, "total": total,
            "warnings": await _warnings(ctx, member)}), mention=self.config.mention)
        link = await ctx.member_link(member)
        if link is not None:
            url, lasts = link
            ctx.dm(member, self.config.my_data.link.render(
                {"url": Safe(url), "days": max(1, round(lasts / timedelta(days=1)))}))


async def _warnings(ctx: Context, member: str) -> int:
    """The member's warnings in force here, by the rule `/warns` counts by."""
    policy = moderation.policy_of(ctx.group)
    return await moderation.Moderator(policy, ctx, ctx.group_id).count(member)


async def given(store: Reader, group: str, since: datetime, until: datetime) -> int:
    """Check-ins made in the group in [since, until) (the daily report, bot/report.py)."""
    row = await store.one("SELECT count(*) FROM checkins WHERE grp=? AND at>=? AND at<?",
                          (group, stamp(since), stamp(until)))
    return int(row[0]) if row else 0


async def records(store: Reader, group: str | None = None
                  ) -> list[tuple[str, str, str, datetime | None, int, int]]:
    """Every check-in (group, member, day, at, streak, points), oldest first."""
    where, params = ("", ()) if group is None else (" WHERE grp=?", (group,))
    return [(grp, member, day, unstamp(at), streak, points)
            for grp, member, day, at, streak, points in await store.all(
                f"SELECT grp, member, day, at, streak, points FROM checkins{where} ORDER BY at",
                params)]


@dataclass(frozen=True, slots=True)
class Standing:
    """A member's check-ins in one scope: the days, points, and rank by points."""

    scope: str
    days: tuple[date, ...]
    last_streak: int
    points: int
    rank: int
    ranked: int  # members with points in the scope


async def times_since(store: Reader, since: datetime) -> list[datetime]:
    """When each check-in from `since` on was made (every group: the console's trend)."""
    return [at for (value,) in await store.all("SELECT at FROM checkins WHERE at >= ?",
                                                (stamp(since),))
            if (at := unstamp(value)) is not None]


async def points_by_member(store: Reader, scope: str,
                           rewarded: Sequence[str] = ()) -> dict[str, int]:
    """Each member's points in the scope, as 我的数据 and the board count them: their
    check-ins', and fission's rewards in the groups `rewarded` (the scope's groups, where
    their type runs fission)."""
    rows = await store.all("SELECT member, SUM(points) FROM checkins WHERE scope=?"
                           " GROUP BY member", (scope,))
    board = {str(member): int(points) for member, points in rows}
    for member, points in (await fission.reward_points(store, rewarded)).items():
        board[member] = board.get(member, 0) + points
    return board


async def standings(store: Reader, member: str,
                    rewarded: Mapping[str, Sequence[str]] | None = None) -> list[Standing]:
    """The member's standing in every scope they checked in or were rewarded in (`rewarded`:
    by scope, as `points_by_member` takes them), most points first."""
    rewarded = rewarded or {}
    scopes = dict.fromkeys(scope for (scope,) in await store.all(
        "SELECT DISTINCT scope FROM checkins WHERE member=?", (member,)))
    found = []
    for scope in {**scopes, **dict.fromkeys(rewarded)}:
        board = await points_by_member(store, scope, rewarded.get(scope, ()))
        if member not in board:
            continue  # (a scope with rewards, none of them theirs)
        rows = await store.all("SELECT day, streak FROM checkins WHERE scope=? AND member=?"
                               " ORDER BY day", (scope, member))
        mine = board[member]
        found.append(Standing(scope, tuple(date.fromisoformat(day) for day, _ in rows),
                              int(rows[-1][1]) if rows else 0, mine,
                              1 + sum(1 for p in board.values() if p > mine), len(board)))
    return sorted(found, key=lambda s: -s.points)
