"""A group's life cycle: capacity, silent members and a daily health report.

- Capacity: a group fuller than its type's `capacity` (types/NAME.yaml) moves each member
  over the limit: an invitation to the sibling group of the same type with the most room,
  a word in the full group, then removal from it (asked of the admins when the bot is not
  the owner), so the member is welcomed and reminded only in the new group. With no sibling
  left, the admins are asked to open one. (Every invitation the bot makes picks a group
  with room, so nobody is invited into a full one.)
- Silent members: once a day, members who have not spoken for `silent.after` (counted from
  their last message, their join, or when the bot first saw them) are reported to the
  admins, once until they speak again. Where `silent.remove` is on, they are warned in the
  group and removed `silent.grace` after the warning went out (bot/receipts.py) unless they
  speak in between; a warning the send budget dropped is given again the next day.
- The daily report (`report: true`): size against capacity, active speakers in the last 7
  days against `active_target`, joins, leaves, warnings and check-ins of the last day, and
  how far the group's newcomers got in the funnel, sent to the admins (bot/py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import Field

from bot import activity, moderation, roster
from bot.config import Count, DailyCron, Duration, Template, TemplateText, placeholders
from bot.context import Context, Group
from bot.events import Member, MemberJoined, Tick
from bot.handler import CONTINUE, Flow, Handler, HandlerConfig, Schedule
from bot.sanitize import clean, first_of, other_group
from bot.store import Reader, Store
from bot.times import span, stamp, unstamp
from handlers import checkin
from handlers import funnel as funnel_stages

SEEN = "lifecycle_seen"  # when the bot first saw each member (those there before it came)
DAY = timedelta(days=1)
SHOWN = 30  # members named in a text to the admins (silent, over capacity); the rest counted


class Silent(HandlerConfig):
    after: Duration = timedelta(days=14)
    remove: bool = False
    grace: Duration = timedelta(days=1)
    warning: Annotated[TemplateText, placeholders("days", "after", "grace")] = Template(
        "以上成员已经 {after}没有发言了。{grace}内仍未发言将被移出本群，"
        "想留下的话随便说句话就好～")
    max_mentions: Count = Field(20, ge=1, le=50)


class Config(HandlerConfig):
    daily_at: DailyCron = "30 23 * * *"
    report: bool = False
    active_target: Count = Field(20, ge=0, le=100)
    silent: Silent | None = Silent()
    overflow: bool = True
    overflow_text: Annotated[TemplateText, placeholders("group", "capacity")] = Template(
        "本群已满 {capacity} 人，已邀请你加入「{group}」，请在微信里接受群邀请，"
        "本群稍后会将你移出。")


# ------------------------------------------- the figures (owner of group_facts; bot/py
# prints them for `groupbot report`)

ACTIVE_WINDOW = timedelta(days=7)
FACTS = "group_facts"
FACTS_MIGRATION = f"""
    CREATE TABLE {FACTS} (
        grp TEXT PRIMARY KEY, topic TEXT NOT NULL, type TEXT NOT NULL, size INTEGER NOT NULL,
        capacity INTEGER NOT NULL, active_target INTEGER NOT NULL, seen_at TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class GroupFacts:
    """What the platform and the config say about a group: the report's starting point."""

    id: str
    topic: str
    type: str
    size: int
    capacity: int
    active_target: int  # percent of the members who should have spoken in the last 7 days


@dataclass(frozen=True, slots=True)
class FunnelRow:
    stage: str
    reached: int  # ever
    new: int  # within the period


@dataclass(frozen=True, slots=True)
class Health:
    """One group's figures for the period [since, until)."""

    facts: GroupFacts
    since: datetime
    until: datetime
    active: int  # members present who spoke in the 7 days before `until`
    joins: int
    leaves: int
    warnings: int  # given and not taken back (bot/moderation.py)
    checkins: int
    funnel: tuple[FunnelRow, ...]  # the whole funnel, for a group whose type is a stage

    @property
    def active_percent(self) -> int:
        return round(100 * self.active / self.facts.size) if self.facts.size else 0


# ---------------------------------------------------------------- group facts


def remember(store: Store, facts: GroupFacts, now: datetime) -> None:
    """Keep the facts, with the commit of the event (deferred: only the reports read them,
    and they read what is committed)."""
    store.defer(
        f"INSERT INTO {FACTS} VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (grp) DO UPDATE SET"
        " topic=excluded.topic, type=excluded.type, size=excluded.size,"
        " capacity=excluded.capacity, active_target=excluded.active_target,"
        " seen_at=excluded.seen_at",
        (facts.id, facts.topic, facts.type, facts.size, facts.capacity, facts.active_target,
         stamp(now)))


async def known_groups(store: Reader, group: str | None = None) -> list[GroupFacts]:
    where, params = ("", ()) if group is None else (" WHERE grp=?", (group,))
    rows = await store.all(
        f"SELECT grp, topic, type, size, capacity, active_target FROM {FACTS}{where}"
        " ORDER BY type, grp", params)
    return [GroupFacts(*row) for row in rows]


# ---------------------------------------------------------------- figures


async def health(store: Reader, facts: GroupFacts, since: datetime, until: datetime,
                 stages: Sequence[str], is_bot: Callable[[str], bool]) -> Health:
    """The group's figures in [since, until); `is_bot`: the bot's own ids (its join is no
    newcomer's)."""
    active_since = until - ACTIVE_WINDOW
    spoke = await activity.speakers(store, facts.id, active_since, until)
    active, joins, leaves = await roster.counts(store, facts.id, since, until, active_since,
                                                spoke, is_bot)
    warnings = await moderation.warnings_given(store, facts.id, since, until)
    checkins = await checkin.given(store, facts.id, since, until)
    rows = await funnel(store, stages, since, until) if facts.type in stages else []
    return Health(facts, since, until, active, joins, leaves, warnings, checkins, tuple(rows))


async def funnel(store: Reader, stages: Sequence[str], since: datetime,
                 until: datetime) -> list[FunnelRow]:
    """Every member's furthest progress: how many ever reached each stage, and in the period."""
    return [FunnelRow(stage, await funnel_stages.reached(store, stage),
                      await funnel_stages.reached(store, stage, since, until))
            for stage in stages]


def stages_in(group: Group | None) -> list[str]:
    """The funnel's stages, if the group's type runs the funnel."""
    config = group.config("funnel") if group is not None else None
    return list(config.stages) if config is not None else []


def rate(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def funnel_line(rows: Sequence[FunnelRow], titles: Mapping[str, str]) -> str:
    """"招募群 5 → 实习群 3（60%） → 正式群 1（33%）": each stage by its type's title."""
    parts = []
    for i, row in enumerate(rows):
        share = f"（{rate(row.reached, rows[i - 1].reached)}）" if i else ""
        parts.append(f"{titles.get(row.stage, row.stage)} {row.reached}{share}")
    return " → ".join(parts) or "-"


class Lifecycle(Handler[Config]):
    name = "lifecycle"
    events = (MemberJoined, Tick)
    Config = Config
    migrations = (
        FACTS_MIGRATION + f"""
        CREATE TABLE {SEEN} (
            grp TEXT NOT NULL, member TEXT NOT NULL, since TEXT NOT NULL,
            PRIMARY KEY (grp, member));
        """,
    )

    def schedules(self) -> list[Schedule]:
        return [Schedule(key="daily", cron=self.config.daily_at)]

    def shadows(self, later: Sequence[Handler[Any]]) -> list[tuple[tuple[str | int, ...], str]]:
        """A warning that says `{days}` for an `after` not in whole days: the members would
        read a rounded figure, "0" for 1h (the shipped text says `{after}`, true for any)."""
        silent = self.config.silent
        if silent is None or "days" not in silent.warning.names or not silent.after % DAY:
            return []
        return [(("silent", "warning"), (
            f"{{days}} says {_days(silent.after)} for an after of {span(silent.after)} (not "
            f"whole days: rounded down to a tenth); {{after}} says {span(silent.after)}"))]

    async def handle(self, event: MemberJoined | Tick, ctx: Context) -> Flow:
        if isinstance(event, MemberJoined):
            facts = await self._facts(ctx)
            if self.config.overflow and facts.size > facts.capacity:
                await self._overflow(event, facts, ctx)
        elif event.key == "daily":
            await self._daily(event.due, ctx)
        else:
            await self._remove(event.data, ctx)
        return CONTINUE

    async def _facts(self, ctx: Context) -> GroupFacts:
        """The group as the platform shows it now; remembered for `groupbot report`."""
        assert ctx.group is not None
        info = await ctx.group_info()
        facts = GroupFacts(ctx.group_id, info.topic, ctx.group.type, info.member_count,
                                  ctx.group.capacity, self.config.active_target)
        remember(ctx.store, facts, ctx.now)
        return facts

    # ------------------------------------------------------------ capacity

    async def _overflow(self, event: MemberJoined, facts: GroupFacts,
                        ctx: Context) -> None:
        # those removed again as they come in (the block list: handlers/antispam.py) leave
        # room, and are not moved on
        removed = {m.id for m in event.members if ctx.removal_queued(m.id)}
        newcomers = [m for m in event.members if not ctx.is_bot(m.id) and m.id not in removed]
        excess = facts.size - len(removed) - facts.capacity
        over = newcomers[max(0, len(newcomers) - excess):] if excess > 0 else []
        if not over:
            return
        full = f"「{clean(facts.topic)}」已超员（{facts.size}/{facts.capacity}）"
        sibling = await ctx.group_with_room(facts.type)
        # no more than the sibling has room for: the others wait for a group to be opened
        room = 0 if sibling is None else facts.capacity - sibling.member_count
        moving, staying = over[:room], over[room:]
        if staying:
            ctx.tell_admins(f"[groupbot] {full}：{_names(staying)} 是超出的成员，"
                            f"其他「{ctx.type_title(facts.type)}」也都满了，请新建一个群。")
        if sibling is None or not moving:
            return
        for member in moving:
            ctx.invite(sibling.id, member.id, leaving=ctx.group_id)
            await ctx.audit("overflow", member.id, f"{facts.id} is full; invited to {sibling.id}")
        ctx.say(self.config.overflow_text.render({"group": other_group(
                                                      sibling.topic, ctx.type_title(facts.type)),
                                                  "capacity": facts.capacity}),
                mentions=[m.id for m in moving])
        # Removed after the word above, in this group's order: the leave WeChat reports
        # cancels the welcome and the name-card reminders still pending here.
        removable = await ctx.can_remove()
        for member in moving if removable else ():
            ctx.kick(member.id, f"本群已满，已邀请加入「{clean(sibling.topic)}」",
                     moved_to=sibling.id)
        moved = ("，并移出本群。" if removable
                 else "。机器人不是本群群主，无法移出，请手动将其移出本群。")
        ctx.tell_admins(f"[groupbot] {full}：已邀请 {_names(moving)} 加入「{clean(sibling.topic)}」"
                        f"（{sibling.member_count}/{facts.capacity}）{moved}")

    # ------------------------------------------------------------ the daily run

    async def _daily(self, due: datetime, ctx: Context) -> None:
        facts = await self._facts(ctx)
        silent = await self._newly_silent(ctx) if self.config.silent else []
        if silent and self.config.silent and self.config.silent.remove:
            await self._warn(silent, ctx)
        if self.config.report:
            stages = stages_in(ctx.group)
            figures = await health(ctx.store, facts, due - DAY, due, stages, ctx.is_bot)
            titles = {stage: ctx.type_title(stage) for stage in stages}
            ctx.tell_admins(self._report_text(figures, silent, titles))
        elif silent:
            ctx.tell_admins(self._silent_text(facts, silent))

    async def _newly_silent(self, ctx: Context) -> list[tuple[Member, str]]:
        """Members silent for `silent.after` not reported since they last spoke, each with
        the moment their silence began."""
        assert self.config.silent is not None
        present = [e for e in await roster.present(ctx.store, ctx.group_id)
                   if not ctx.is_bot(e.member)]
        await ctx.store.executemany(
            f"INSERT INTO {SEEN} (grp, member, since) VALUES (?, ?, ?)"
            " ON CONFLICT (grp, member) DO NOTHING",
            [(ctx.group_id, e.member, stamp(ctx.now)) for e in present])
        first_seen = {member: since for member, since in await ctx.store.all(
            f"SELECT member, since FROM {SEEN} WHERE grp=?", (ctx.group_id,))}
        limit = ctx.now - self.config.silent.after
        found = []
        for entry in sorted(present, key=lambda e: e.member):
            since = _quiet_since(entry, first_seen.get(entry.member))
            if ctx.is_admin(entry.member) or since is None or since > limit:
                continue
            mark = stamp(since)
            if await ctx.get("silent", member=entry.member) != mark:
                await ctx.set("silent", mark, member=entry.member)
                found.append((Member(entry.member, entry.name), mark))
        return found

    async def _warn(self, silent: list[tuple[Member, str]], ctx: Context) -> None:
        settings = self.config.silent
        assert settings is not None
        text = settings.warning.render({"days": _days(settings.after),
                                        "after": span(settings.after),
                                        "grace": span(settings.grace)})
        for start in range(0, len(silent), settings.max_mentions):
            chunk = silent[start:start + settings.max_mentions]
            # the removal follows the warning the member got: grace after it went
            warning = f"silent:{stamp(ctx.now)}:{start}"
            ctx.say(text, mentions=[m.id for m, _ in chunk], receipt=warning)
            for member, since in chunk:
                await ctx.schedule(f"remove:{member.id}", settings.grace,
                                   {"member": member.id, "quiet_since": since,
                                    "warning": warning})

    async def _remove(self, data: dict[str, str], ctx: Context) -> None:
        """Remove a warned member who is still there and has not spoken since their warning
        went, `silent.grace` ago."""
        member, quiet_since = data["member"], data["quiet_since"]
        entry = await roster.entry(ctx.store, ctx.group_id, member)
        if entry is None or entry.left_at is not None:
            return  # gone since the warning
        row = await ctx.store.one(f"SELECT since FROM {SEEN} WHERE grp=? AND member=?",
                                  (ctx.group_id, member))
        since = _quiet_since(entry, row[0] if row else None)
        if since is None or stamp(since) != quiet_since:
            return  # spoke (or came back) since the warning
        if "warning" in data and not await self._warned(data, ctx):
            return
        topic = clean(ctx.group.topic if ctx.group else ctx.group_id)
        if not await ctx.can_remove():
            await ctx.audit("silent_not_removed", member, "the bot is not the group owner")
            ctx.tell_admins(f"[groupbot] 「{topic}」：{clean(entry.name)}（{member}）长期未发言，"
                            "但机器人不是群主，无法移出，请手动处理。")
            return
        await ctx.audit("silent_removed", member, f"silent since {quiet_since}")
        # should the send budget drop the removal, the member, still there and silent, is
        # reported, warned and removed again from the next daily run
        await ctx.forget("silent", member=member)
        ctx.kick(member, "长期未发言")

    async def _warned(self, data: dict[str, str], ctx: Context) -> bool:
        """Whether the member's warning went `silent.grace` ago or more. One still queued
        (the send budget holds it back) or sent less than that ago: the removal waits (asked
        again then). One that never went (dropped): no removal; the member is silent anew,
        reported and warned again at the next daily run."""
        assert self.config.silent is not None
        grace, member = self.config.silent.grace, data["member"]
        receipt = await ctx.receipt(data["warning"])
        if receipt is not None and (receipt.queued or receipt.delivered):
            if receipt.queued or ctx.now < receipt.at + grace:
                await ctx.schedule(f"remove:{member}", grace if receipt.queued
                                   else receipt.at + grace, data)
                return False
            return True
        await ctx.forget("silent", member=member)
        await ctx.audit("silent_not_removed", member, "its warning was not sent ("
                        + (receipt.outcome if receipt else "unknown") + "); warned again next")
        return False

    # ------------------------------------------------------------ texts for the admins

    def _report_text(self, h: Health, silent: list[tuple[Member, str]],
                     titles: Mapping[str, str]) -> str:
        f = h.facts
        lines = [f"📊 群日报「{clean(f.topic)}」{h.until.month}月{h.until.day}日",
                 f"人数：{f.size}/{f.capacity}",
                 f"近 7 天发言：{h.active} 人（{h.active_percent}%，目标 {f.active_target}%）",
                 f"近 24 小时：入群 {h.joins} · 退群 {h.leaves}"
                 + f" · 警告 {h.warnings} · 签到 {h.checkins}"]
        if h.funnel:
            lines.append(f"转化：{funnel_line(h.funnel, titles)}")
        if self.config.silent is not None:
            lines.append(self._silent_line(silent))
        return "\n".join(lines)

    def _silent_text(self, facts: GroupFacts, silent: list[tuple[Member, str]]) -> str:
        return f"[groupbot] 「{clean(facts.topic)}」{self._silent_line(silent)}"

    def _silent_line(self, silent: list[tuple[Member, str]]) -> str:
        assert self.config.silent is not None
        after = span(self.config.silent.after)
        names = first_of(silent, SHOWN, "人", lambda said: clean(said[0].name)) or "无"
        action = "，已提醒，届时仍未发言将移出" if silent and self.config.silent.remove else ""
        return f"新增沉默 ≥{after}：{names}{action}"


def _days(after: timedelta) -> str:
    """`after` in days for a warning's {days}: whole, or to a tenth rounded down ("1.5" for
    36h, never more than the members were silent); it said "1" for 36h and for 1h."""
    tenths = after * 10 // DAY
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths / 10:.1f}"


def _names(members: Sequence[Member]) -> str:
    """Members for the admins: each name (cleaned) with the id, the first SHOWN of them."""
    return first_of(members, SHOWN, "人", lambda m: f"{clean(m.name)}（{m.id}）")


def _quiet_since(entry: roster.Entry, first_seen: str | None) -> datetime | None:
    """When a member's silence began: their last message or join, whichever is later, else
    when the bot first saw them (members who were there before the bot have neither)."""
    return entry.quiet_since or unstamp(first_seen)
