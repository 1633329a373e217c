"""What each page and its JSON API show, read through the table owners' queries and acted on
through the same code as the admin commands. Plain data only: routes.py renders it as a page
or as JSON, the same figures either way.
"""

from __future__ import annotations

import asyncio
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import partial
from itertools import accumulate
from typing import Any

import yaml
from pydantic import BaseModel

from bot import (
    activity,
    audit,
    commands,
    config,
    csvfile,
    governor,
    leases,
    moderation,
    outbox,
    report,
    roster,
    scheduler,
)
from bot.config import Content, GroupType, OneOff, Template
from bot.context import Group
from bot.sanitize import visible
from bot.store import Reader
from bot.web import links
from bot.web.actor import acting
from bot.web.base import Console, on_thread, platform_state
from bot.yamlfile import InputError, Problem, format_path
from handlers import checkin, fission, lifecycle, quiz
from handlers import funnel as funnel_handler

DAYS = 30
WEEK = timedelta(days=7)
DEFAULT_TARGET = 20  # percent active in 7 days, when no lifecycle handler sets one
DEFAULT_SILENT = timedelta(days=14)
MEMBER_SORTS = ("name", "joined", "last_spoke", "messages", "warnings", "points")
BLOCKED_PER_PAGE = 100  # block list entries on a page of 群管 (and in /api/moderation)
EXPORTS = {"members": "成员", "checkins": "签到", "warnings": "警告", "funnel": "漏斗"}


def _shown(at: datetime | None, tz: tzinfo) -> str | None:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at is not None else None


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def handler_config(gtype: GroupType | None, name: str) -> Any:
    """The config of the group type's handler `name`, None when it does not run it."""
    for handler in gtype.handlers if gtype else ():
        if handler.name == name:
            return handler.config
    return None


def _rewarded(groups: Iterable[tuple[str, str, GroupType]]) -> dict[str, list[str]]:
    """By check-in scope, its groups (of `bound`'s) whose fission rewards count as points:
    those of a type that runs both handlers (handlers/checkin.py `points_by_member`)."""
    found: dict[str, list[str]] = {}
    for group, _, gtype in groups:
        config = handler_config(gtype, "checkin")
        if config is not None and handler_config(gtype, "fission") is not None:
            found.setdefault(checkin.scope_of(config, group, gtype.name), []).append(group)
    return found


def _policy(gtype: GroupType | None) -> moderation.Policy:
    """The moderation policy of a group type (its warning limit and window)."""
    configs = {h.name: h.config for h in gtype.handlers} if gtype is not None else {}
    return moderation.policy_of(Group("", "", gtype.name if gtype else "", 0, configs))


def _days(now: datetime, days: int = DAYS) -> tuple[datetime, list[date]]:
    """The start of the first of the last `days` local days, and those days."""
    first = now.date() - timedelta(days=days - 1)
    return datetime(first.year, first.month, first.day, tzinfo=now.tzinfo), [
        first + timedelta(days=i) for i in range(days)]


def _by_day(times: Iterable[datetime], days: Sequence[date], tz: tzinfo) -> list[int]:
    counts = Counter(at.astimezone(tz).date() for at in times)
    return [counts.get(day, 0) for day in days]


def _stages(console: Console) -> list[str]:
    return report.stages_of(console.deployment.types.values())


# ---------------------------------------------------------------- groups


@dataclass(frozen=True, slots=True)
class GroupRow:
    id: str
    topic: str
    type: str
    members: int
    capacity: int
    active: int  # present members who spoke in the last 7 days
    active_percent: int
    target: int
    silent: int
    joins: int  # in the last 7 days, like leaves, warnings and removals
    leaves: int
    warnings: int
    removals: int
    account: str = ""  # with several accounts: the one serving the group (its lease holder)

    def json(self) -> dict[str, Any]:
        return {**asdict(self), "name": self.topic}  # `name` is the contract's word (web.md)


async def bound(console: Console, live: bool = True) -> list[tuple[str, str, GroupType]]:
    """Every bound group as (id, topic, type): live from the platform while the bot runs
    (unless not `live`: a member's own page, open to the internet, asks the platform
    nothing), and every group `groupbot report` lists (bound from its first event on). The
    list is read on a thread of the console's own: it reads the whole roster, every member
    who ever was in a group (at 60,000 members, a tenth of a second of frozen bot a page)."""
    deployment = console.deployment
    found: dict[str, tuple[str, str, GroupType]] = {}
    for facts in await on_thread(console, console.reads,
                                 partial(report.listed_groups, deployment=deployment)):
        gtype = deployment.types.get(facts.type)
        if gtype is not None:
            found[facts.id] = (facts.id, facts.topic, gtype)
    if console.bot is not None and live:
        for info, gtype in await console.bot.groups.bound():
            found[info.id] = (info.id, info.topic, gtype)
    return sorted(found.values(), key=lambda g: (g[2].name, g[0]))


async def _rows(console: Console, known: Sequence[tuple[str, str, GroupType]]
                ) -> list[GroupRow]:
    """The figures of the `known` groups, read and counted on a thread of the console's own
    (every present member of every group: at 60,000 members, a third of a second)."""
    return await on_thread(console, console.reads, partial(
        _rows_of, now=console.clock.now(), known=known))


async def _rows_of(reader: Reader, *, now: datetime,
                   known: Sequence[tuple[str, str, GroupType]]) -> list[GroupRow]:
    return [await _row(reader, now, *group) for group in known]


async def _row(reader: Reader, now: datetime, group: str, topic: str,
               gtype: GroupType) -> GroupRow:
    week = now - WEEK
    present = await roster.present(reader, group)
    lifecycle = handler_config(gtype, "lifecycle")
    target = lifecycle.active_target if lifecycle is not None else DEFAULT_TARGET
    quiet = lifecycle.silent.after if lifecycle is not None and lifecycle.silent \
        else DEFAULT_SILENT
    active = sum(1 for m in present if m.last_spoke is not None and m.last_spoke >= week)
    silent = sum(1 for m in present if m.quiet_since is not None and m.quiet_since <= now - quiet)
    moves = await roster.moves(reader, week, group)
    return GroupRow(
        group, topic, gtype.name, len(present), gtype.capacity, active,
        _percent(active, len(present)), target, silent,
        sum(1 for kind, _ in moves if kind == "join"),
        sum(1 for kind, _ in moves if kind == "leave"),
        len(await moderation.warning_times(reader, week, group)),
        len(await audit.times(reader, "kick", week, group)))


async def groups(console: Console, account: str | None = None) -> list[GroupRow]:
    """Every bound group; with several accounts, each with the account serving it (only
    those `account` serves, when given)."""
    served = await leases.leases(console.reader)
    held = [(known, served[known[0]].account if known[0] in served else "")
            for known in await bound(console)]
    shown = [(known, holder) for known, holder in held if account is None or holder == account]
    return [replace(row, account=holder) for row, (_, holder) in zip(
        await _rows(console, [known for known, _ in shown]), shown, strict=True)]


async def group_row(console: Console, group: str) -> GroupRow | None:
    for known in await bound(console):
        if known[0] == group:
            return (await _rows(console, [known]))[0]
    return None


async def daily(console: Console, group: str | None) -> dict[str, Any]:
    """Members (at each day's end), messages and active members per day, for 30 days: read
    and counted on a thread of the console's own (every member's every hour with messages:
    at 60,000 members, seconds that froze the bot at each view of the overview)."""
    return await on_thread(console, console.reads, partial(
        _daily, now=console.clock.now(), tz=console.deployment.settings.timezone,
        group=group))


async def _daily(reader: Reader, *, now: datetime, tz: tzinfo,
                 group: str | None) -> dict[str, Any]:
    start, days = _days(now)
    messages, active = _per_day(await activity.since(reader, start, group), days, tz)
    return {"days": [d.isoformat() for d in days],
            "members": _present_at_ends(await roster.everyone(reader, group), days, tz),
            "messages": messages, "active": active}


def _per_day(spoken: Iterable[activity.Spoken], days: Sequence[date],
             tz: tzinfo) -> tuple[list[int], list[int]]:
    """Messages and active members on each of `days` (what falls on other days: nothing)."""
    messages: Counter[date] = Counter()
    speakers: dict[date, set[tuple[str, str]]] = {}
    for one in spoken:
        day = one.hour.astimezone(tz).date()
        messages[day] += one.messages
        speakers.setdefault(day, set()).add((one.group, one.member))
    return [messages.get(d, 0) for d in days], [len(speakers.get(d, ())) for d in days]


def _present_at_ends(entries: Iterable[roster.Entry], days: Sequence[date],
                     tz: tzinfo) -> list[int]:
    """How many of `entries` were in their group at the end of each of `days`: joined
    before it, and not left by then. Each entry is placed among the days' ends once (every
    entry compared with every day's end was 1.8 million comparisons at 60,000 members)."""
    ends = [(datetime(d.year, d.month, d.day, tzinfo=tz) + timedelta(days=1)).astimezone(UTC)
            for d in days]
    changes = [0] * (len(ends) + 1)
    for e in entries:
        # counted at the ends after the join, up to the first one after the leave
        first = 0 if e.joined_at is None else bisect_right(ends, e.joined_at)
        until = len(ends) if e.left_at is None else bisect_right(ends, e.left_at)
        if first < until:
            changes[first] += 1
            changes[until] -= 1
    return list(accumulate(changes[:-1]))


# ---------------------------------------------------------------- overview


async def overview(console: Console) -> dict[str, Any]:
    now = console.clock.now()
    rows = await groups(console)
    members, active = sum(r.members for r in rows), sum(r.active for r in rows)
    month = await on_thread(console, console.reads, partial(
        _month, now=now, tz=console.deployment.settings.timezone, stages=_stages(console)))
    outbox = console.deployment.settings.outbox
    return {
        "groups": len(rows), "members": members, "active": active,
        "active_percent": _percent(active, members), "target": DEFAULT_TARGET,
        "joins_7d": sum(r.joins for r in rows), "leaves_7d": sum(r.leaves for r in rows),
        "warnings_7d": sum(r.warnings for r in rows),
        "removals_7d": sum(r.removals for r in rows),
        **month,
        "outbox": {"queued": len(console.bot.outbox) if console.bot is not None else 0,
                   "sent_per_minute": console.metrics.sent_last_minute(),
                   "limit_per_minute": outbox.global_per_minute,
                   "group_interval_seconds": outbox.group_interval.total_seconds()},
        "platform": platform_state(console),
    }


async def _month(reader: Reader, *, now: datetime, tz: tzinfo, stages: Sequence[str],
                 ) -> dict[str, Any]:
    """The overview's month: its trend by day, its heatmap, the week's check-ins and the
    funnel, read and counted on a thread of the console's own, as `daily` (the month's joins
    and leaves, check-ins, warnings and removals, read on the loop, froze the bot about half
    a second a view at 60,000 members)."""
    start, days = _days(now)
    week = now - WEEK
    moves = await roster.moves(reader, start)
    messages, active_per_day, heat = await _month_spoken(
        reader, since=now - timedelta(days=DAYS), days=days, tz=tz)
    checked = await checkin.times_since(reader, start)
    return {
        "checkins_7d": sum(1 for at in checked if at >= week),
        "funnel": _conversions(await lifecycle.funnel(reader, stages, week, now)),
        "trend": {
            "days": [d.isoformat() for d in days],
            "joins": _by_day((at for kind, at in moves if kind == "join"), days, tz),
            "leaves": _by_day((at for kind, at in moves if kind == "leave"), days, tz),
            "messages": messages, "active": active_per_day,
            "checkins": _by_day(checked, days, tz),
            "warnings": _by_day(await moderation.warning_times(reader, start), days, tz),
            "removals": _by_day(await audit.times(reader, "kick", start), days, tz)},
        "heatmap": heat,
    }


async def _month_spoken(reader: Reader, *, since: datetime, days: Sequence[date], tz: tzinfo,
                        ) -> tuple[list[int], list[int], list[list[int]]]:
    """The overview's messages and active members per day of `days`, and its heatmap of
    messages since `since` by weekday (Monday first) and hour: one read of the month's
    activity (`since`, 30 days back, comes before the first of the days). (It was read
    twice, and the whole roster with it for a series not shown.)"""
    spoken = await activity.since(reader, since)
    heat = [[0] * 24 for _ in range(7)]
    for one in spoken:
        local = one.hour.astimezone(tz)
        heat[local.weekday()][local.hour] += one.messages
    return (*_per_day(spoken, days, tz), heat)


def _conversions(rows: Sequence[lifecycle.FunnelRow]) -> list[dict[str, Any]]:
    return [{"stage": row.stage, "reached": row.reached, "new": row.new,
             "conversion_percent": _percent(row.reached, rows[i - 1].reached)
             if i and rows[i - 1].reached else None} for i, row in enumerate(rows)]


# ---------------------------------------------------------------- members


@dataclass(frozen=True, slots=True)
class MemberRow:
    member: str
    name: str
    joined: str | None
    last_spoke: str | None
    messages: int
    warnings: int  # in force, by the moderation ledger's rule
    points: int
    stage: str | None
    namecard_ok: bool | None  # None: the type has no name-card rule

    def json(self) -> dict[str, Any]:
        return asdict(self)


async def _arrivals(console: Console, members: Sequence[str] | None = None
                    ) -> list[tuple[str, str, datetime]]:
    """Each member's first arrival at each funnel stage: (member, stage, when); of
    `members` only, when given (a page about a group's members, or one member's, reads only
    theirs: the whole table, walked on the event loop, stalled the bot for a second a page
    at 60,000 members)."""
    return [(member, stage, at) for member, stages in
            (await funnel_handler.journeys(console.reader, members=members)).items()
            for stage, (_, at) in stages.items() if at is not None]


async def furthest_stages(console: Console, members: Sequence[str] | None = None
                          ) -> dict[str, str]:
    order = _stages(console)
    furthest: dict[str, str] = {}
    for member, stage, _ in await _arrivals(console, members):
        if stage in order and (member not in furthest
                               or order.index(stage) > order.index(furthest[member])):
            furthest[member] = stage
    return furthest


async def members(console: Console, group: str, q: str | None, sort: str,
                  order: str) -> list[MemberRow]:
    tz, now = console.deployment.settings.timezone, console.clock.now()
    groups = await bound(console)
    gtype = next((t for g, _, t in groups if g == group), None)
    namecard = handler_config(gtype, "namecard")
    policy = _policy(gtype)
    warned = Counter[str]()
    for w in await moderation.warnings_in_force(
            console.reader, group, moderation.window_start(now, policy.warn_window), now):
        warned[w.member] += w.weight
    checkins = handler_config(gtype, "checkin")
    scope = checkin.scope_of(checkins, group, gtype.name) \
        if checkins is not None and gtype is not None else None
    points = {} if scope is None else await checkin.points_by_member(
        console.reader, scope, _rewarded(groups).get(scope, ()))
    present = await roster.present(console.reader, group)
    stages = await furthest_stages(console, [e.member for e in present])
    needle = visible(q or "").lower()  # (as the page shows the names: a zero-width space
    # in a name hides it from no search)
    rows = [MemberRow(e.member, e.name, _shown(e.joined_at, tz), _shown(e.last_spoke, tz),
                      e.messages, warned[e.member], points.get(e.member, 0),
                      stages.get(e.member),
                      bool(namecard.pattern.search(e.name)) if namecard is not None else None)
            for e in present
            if needle in visible(e.name).lower() or needle in e.member.lower()]
    if sort in ("messages", "warnings", "points"):
        rows.sort(key=lambda r: (getattr(r, sort), r.name), reverse=order == "desc")
    else:
        rows.sort(key=lambda r: (getattr(r, sort) or "", r.name), reverse=order == "desc")
    return rows


# ---------------------------------------------------------------- moderation


async def audit_log(console: Console, *, group: str | None, since: datetime | None,
                    action: str | None, member: str | None, page: int,
                    per_page: int) -> dict[str, Any]:
    tz = console.deployment.settings.timezone
    records, total = await audit.newest(console.reader, group=group, since=since,
                                        action=action, member=member,
                                        offset=(page - 1) * per_page, limit=per_page)
    return {"records": [{**asdict(r), "at": _shown(r.at, tz)} for r in records],
            "page": page, "per_page": per_page, "total": total}


async def moderation_state(console: Console, page: int = 1,
                           per_page: int = BLOCKED_PER_PAGE) -> dict[str, Any]:
    """Warnings in force in every bound group, and one page of the block list, newest
    first (`page`, `per_page`, and `blocked_total`, how many there are in all): the list is
    never pruned, and the whole of it (50,000 after a year of spam waves) was an 18 MB page
    read, converted and rendered on the bot's loop at each view, the bot frozen a second."""
    tz, now = console.deployment.settings.timezone, console.clock.now()
    warnings = []
    for group, topic, gtype in await bound(console):
        window = _policy(gtype).warn_window
        for w in await moderation.warnings_in_force(
                console.reader, group, moderation.window_start(now, window), now):
            name = await roster.name(console.reader, group, w.member)
            warnings.append({"id": w.id, "group": group, "topic": topic, "member": w.member,
                             "name": name, "at": _shown(w.at, tz), "detector": w.detector,
                             "reason": w.reason, "weight": w.weight})
    blocked = [{"member": b.member, "at": _shown(b.at, tz), "group": b.group,
                "reason": b.reason} for b in await moderation.blocked(
                    console.reader, tz, offset=(page - 1) * per_page, limit=per_page)]
    return {"warnings": warnings, "blocked": blocked, "page": page, "per_page": per_page,
            "blocked_total": await moderation.blocked_count(console.reader)}


async def revoke(console: Console, warning: int, operator: str) -> dict[str, Any] | None:
    """Take back one warning in force through the group's Moderator, as /unwarn does, and
    audit it with the operator; None when no such warning is in force."""
    bot = console.bot
    assert bot is not None
    group = await moderation.warning_group(bot.store, warning)
    gtype = next((t for g, _, t in await bound(console) if g == group), None)
    if group is None or gtype is None:
        return None
    async with acting(bot, operator) as actor:
        revoked = await moderation.Moderator(_policy(gtype), actor, group).revoke(warning)
        if revoked is None:
            return None
        await actor.audit("unwarn", revoked.member,
                          f"{revoked.detector}: {revoked.reason} (#{warning})", group)
    return {"id": warning, "group": group, "member": revoked.member, "reason": revoked.reason}


async def unblock(console: Console, member: str, operator: str) -> bool:
    """Let a removed member join again, as /unblock does, audited with the operator."""
    assert console.bot is not None
    async with acting(console.bot, operator) as actor:
        done = await moderation.unblock(actor.store, member)
        if done:
            await actor.audit("unblock", member, "unblocked")
    return done


# ---------------------------------------------------------------- funnel and schedules


async def funnel(console: Console, since: datetime) -> dict[str, Any]:
    now = console.clock.now()
    stages = _stages(console)
    rows = await lifecycle.funnel(console.reader, stages, since, now)
    # the weeks from `since`, or from the first arrival when that is later: a `since` of
    # 1900 (a typo for 2026, say) gave a week of zeros for every week since, each counted
    # over every arrival, on the event loop: seconds of stall (review s31b W4)
    first = await funnel_handler.first_arrival(console.reader)
    start = max(since, first or now).astimezone(now.tzinfo)
    monday = start.date() - timedelta(days=start.weekday())
    weeks = []
    week = datetime(monday.year, monday.month, monday.day, tzinfo=now.tzinfo)
    while week <= now:
        weeks.append(week)
        week += WEEK
    # counted by the database: every member's every stage walked here stalled the loop
    # 0.33 s at 60,000 members (review s32b V5)
    counted = await funnel_handler.weekly(console.reader, weeks, week) if weeks else {}
    new = {stage: counted.get(stage, [0] * len(weeks)) for stage in stages}
    return {"since": since.isoformat(), "stages": _conversions(rows),
            "weekly": {"weeks": [w.date().isoformat() for w in weeks], "new": new},
            "quiz": await _quiz(console)}


async def _quiz(console: Console) -> list[dict[str, Any]]:
    """Pass rates per question of the first quiz a group type runs."""
    for gtype in console.deployment.types.values():
        settings = handler_config(gtype, "quiz")
        if settings is None:
            continue
        results = await quiz.question_results(console.reader, settings.file.path)
        out = []
        for i, question in enumerate(settings.file.quiz.questions):
            answered, right = results.get(i, (0, 0))
            out.append({"question": f"{i + 1}. {question.text}", "answered": answered,
                        "passed": right, "pass_percent": _percent(right, answered)})
        return out
    return []


async def schedules(console: Console) -> list[dict[str, Any]]:
    """Every recurring job of every bound group: next run, last run and its outcome."""
    tz, now = console.deployment.settings.timezone, console.clock.now()
    jobs = []
    for group, topic, gtype in await bound(console):
        for handler in gtype.handlers:
            for schedule in handler.schedules():
                if console.bot is not None:
                    next_run = console.bot.scheduler.next_fire(group, handler.name,
                                                               schedule.key)
                else:
                    trigger = scheduler.trigger(schedule.cron, schedule.at, tz)
                    next_run = trigger.get_next_fire_time(None, now)
                    if next_run is not None and next_run < now:
                        next_run = None  # a one-off time gone by
                last = await scheduler.last_run(console.reader, group, handler.name,
                                                schedule.key)
                jobs.append({"group": group, "topic": topic, "handler": handler.name,
                             "job": schedule.key, "cron": schedule.cron,
                             "at": _shown(schedule.at, tz),
                             "next_run": _shown(next_run, tz),
                             "last_run": _shown(last[0], tz) if last else None,
                             "outcome": last[1] if last else None})
    return jobs


# ---------------------------------------------------------------- send budgets

BUDGET_NAMES = {"group_messages": "群消息", "private_messages": "私聊消息",
                "files": "图片和文件", "friend_accepts": "通过好友", "invitations": "邀请入群",
                "removals": "移出群聊"}


def _target(action: dict[str, Any]) -> str:
    return str(action.get("group") or action.get("to") or action.get("contact") or "")


async def budgets(console: Console) -> dict[str, Any]:
    """The send governor: per account each budget's use in the last hour and day and what
    remains (warm-up applied), the pauses in force, what the budget holds back now and what
    it dropped in the last day."""
    settings = console.deployment.settings.governor
    tz, now = console.deployment.settings.timezone, console.clock.now()
    accounts = []
    for account in await governor.status(console.reader, settings, now):
        accounts.append({
            "account": account.account, "first_seen": _shown(account.first_seen, tz),
            "warmup_percent": round(100 * account.warmup),
            "budgets": [{"budget": u.budget, "name": BUDGET_NAMES.get(u.budget, u.budget),
                         "hour": u.hour, "per_hour": u.per_hour,
                         "day": u.day, "per_day": u.per_day,
                         "remaining": max(0, min(u.per_hour - u.hour, u.per_day - u.day)),
                         "paused_until": _shown(u.paused_until, tz)} for u in account.budgets],
            "pauses": [{"what": "全部操作" if key == governor.ACCOUNT
                        else BUDGET_NAMES.get(key, key), "key": key,
                        "until": _shown(until, tz), "level": level}
                       for key, (until, level) in sorted(account.pauses.items())]})
    deferred = []
    for action, cls, since in await outbox.held_back(console.reader, now):
        data = action.to_json()
        keep = governor.keep_of(settings, action.kind, cls.name.lower())
        deferred.append({"kind": action.kind, "class": cls.name.lower(),
                         "target": _target(data), "text": str(data.get("text", ""))[:80],
                         "since": _shown(since, tz),
                         "waited_minutes": int((now - since).total_seconds() // 60),
                         "dropped_at": _shown(since + keep, tz) if keep else None})
    dropped = []
    for kind in governor.BUDGET_OF:
        found, _ = await audit.newest(console.reader, since=now - timedelta(days=1),
                                      action=f"{kind}_dropped", limit=100)
        dropped += [{"at": _shown(r.at, tz), "kind": kind, "group": r.group,
                     "member": r.member, "name": r.name, "detail": r.detail} for r in found]
    dropped.sort(key=lambda d: d["at"] or "", reverse=True)
    return {"enabled": settings.enabled, "accounts": accounts, "deferred": deferred,
            "dropped": dropped}


# ---------------------------------------------------------------- config


def _problem(problem: Problem) -> dict[str, Any]:
    return {"file": str(problem.where.file), "line": problem.where.line,
            "key": format_path(problem.path), "message": problem.message,
            "text": str(problem)}


def _plain(value: Any) -> Any:
    """Validated settings as YAML shows them, to load back as the same settings when pasted
    into a type file: each model by its keys as written (aliases), templates and content
    files by their source, patterns as text, a one-off time as a timestamp, durations with
    their unit, mappings with their keys as they are (a checkin bonus's day stays the number
    7, not the text '7')."""
    if isinstance(value, BaseModel):
        return {info.alias or name: _plain(getattr(value, name))
                for name, info in type(value).model_fields.items() if not info.exclude}
    if isinstance(value, dict):
        return {k if isinstance(k, int) and not isinstance(k, bool) else str(k): _plain(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, Template):
        return value.source
    if isinstance(value, (Content, quiz.QuizFile)):
        return value.path
    if isinstance(value, OneOff):  # (a timestamp, as YAML writes one: read back as it is)
        return value.at
    if isinstance(value, re.Pattern):
        return value.pattern
    if isinstance(value, timedelta):
        return config_duration(value)
    if isinstance(value, str):
        return str(value)  # an enum's value
    if value is None or isinstance(value, (int, float, bool)):
        return value
    return str(value)


def config_duration(value: timedelta) -> str:
    """A duration as a config writes it: the largest unit it is a whole number of, else
    seconds with their fraction to the microsecond (1.5s, not 1s)."""
    seconds, micro = divmod(value // timedelta(microseconds=1), 1_000_000)
    if micro:
        return f"{seconds}.{micro:06d}".rstrip("0") + "s"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def effective_config(console: Console) -> dict[str, Any]:
    """The running config as validated: per type, each handler's settings with defaults."""
    deployment = console.deployment
    types = []
    for gtype in deployment.types.values():
        handlers = []
        for handler in gtype.handlers:
            data = _plain(handler.config)
            handlers.append({"name": handler.name, "config": data,
                             "yaml": yaml.safe_dump(data, allow_unicode=True, sort_keys=False)})
        types.append({"name": gtype.name, "capacity": gtype.capacity, "handlers": handlers})
    bindings = [{"match": f"id {b.match.id}" if b.match.id else
                 f"topic /{b.match.topic.pattern if b.match.topic else ''}/", "type": b.type}
                for b in deployment.settings.groups]
    return {"root": str(deployment.root), "files": [str(f) for f in deployment.files],
            "bindings": bindings, "types": types}


async def validate(console: Console) -> dict[str, Any]:
    """Load the config on disk as a reload would, without swapping it in: with a running
    bot, the start-only keys bot.yaml changed are said as a reload would keep them (the
    first `kept` of `warnings`, as reload() gives them)."""
    bot = console.bot
    try:
        loaded = await asyncio.to_thread(
            config.load, console.deployment.root, console.registry,
            bot.deployment.settings if bot is not None else None,
            bot.account if bot is not None else None)
    except InputError as exc:
        return {"status": "invalid", "problems": [_problem(p) for p in exc.problems]}
    # what it accepts but likely did not mean, as `groupbot check` warns
    return {"status": "valid", "problems": [],
            "warnings": [_problem(p) for p in (*loaded.kept, *loaded.warnings)],
            "kept": len(loaded.kept)}


async def reload(console: Console, operator: str) -> dict[str, Any]:
    """Reload the running bot's config, as /reload does; a bad one changes nothing."""
    bot = console.bot
    assert bot is not None
    try:
        await bot.reload()
    except InputError as exc:
        async with acting(bot, operator) as actor:
            await actor.audit("reload_refused", operator, str(exc))
        return {"status": "refused", "problems": [_problem(p) for p in exc.problems]}
    await bot.bind_again()
    deployment = bot.deployment
    async with acting(bot, operator) as actor:
        await actor.audit("reload", operator,
                          config.reloaded([str(kept) for kept in deployment.kept]))
    # the start-only keys bot.yaml changed (kept at their running values: the first `kept`),
    # then what the config accepted but likely did not mean (as `groupbot check` says it)
    result: dict[str, Any] = {"status": "reloaded", "problems": [],
                              "warnings": [_problem(p) for p in (*deployment.kept,
                                                                 *deployment.warnings)],
                              "kept": len(deployment.kept),
                              "summary": {"types": sorted(deployment.types),
                                          "bindings": len(deployment.settings.groups)}}
    others = [a.name for a in deployment.settings.accounts if a.name != bot.account]
    if bot.account is not None and others and not operator.startswith(HANDED):
        # every process reads the same files: the others reload too, when they take it
        result["handed"] = {name: await hand(console, name, "reload", {}, operator)
                            for name in others}
    return result


# ---------------------------------------------------------------- several accounts

HANDED = "handed:"  # the operator of an action a process carries out for another's console


async def hand_revoke(console: Console, warning: int, operator: str) -> tuple[str, int] | None:
    """With several accounts, a warning in a group another account serves is revoked by that
    account's process: handed to it (the account, the command's id); else None (revoke it
    here)."""
    bot = console.bot
    assert bot is not None
    if bot.account is None:
        return None
    group = await moderation.warning_group(bot.store, warning) or ""
    lease = (await leases.leases(bot.store)).get(group)
    if lease is None or lease.account == bot.account:
        return None
    return lease.account, await hand(console, lease.account, "revoke", {"warning": warning},
                                     operator, group)


async def hand(console: Console, account: str, action: str, args: dict[str, Any],
               operator: str, group: str | None = None) -> int:
    """Queue a console action for `account`'s process (bot/commands.py), about `group` if
    it is about one (should the account lose it first, the group's next holder takes it);
    its id."""
    bot = console.bot
    assert bot is not None
    async with bot.turn():
        return await commands.hand(bot.store, account, action, args, operator,
                                   console.clock.now(), group)


async def carry_out(console: Console, command: commands.Command
                    ) -> tuple[bool, dict[str, Any]]:
    """A console action handed to this process by another's console: (done, result)."""
    operator = f"{HANDED}{command.operator}"
    if command.action == "reload":
        result = await reload(console, operator)
        return result["status"] == "reloaded", result
    if command.action == "revoke":
        revoked = await revoke(console, int(command.args["warning"]), operator)
        return revoked is not None, ({"status": "revoked", "warning": revoked} if revoked
                                     else {"status": "not in force"})
    return False, {"error": f"unknown action {command.action!r}"}


async def command(console: Console, command_id: int) -> dict[str, Any] | None:
    found = await commands.get(console.reader, command_id)
    return found.json() if found is not None else None


# ---------------------------------------------------------------- exports


async def export(console: Console, what: str, group: str | None) -> bytes:
    """One CSV download: the rows of `groupbot export`, through the one safe CSV writer.
    Made on a thread of the exports' own: a year of check-ins is seconds of Python (each
    row's times shown, each cell made safe) that would freeze the bot."""
    tz, stages = console.deployment.settings.timezone, _stages(console)

    async def made(reader: Reader) -> bytes:
        return csvfile.to_bytes(*await report.export_rows(reader, what, tz, stages, group))

    return await on_thread(console, console.exports, made)


# ---------------------------------------------------------------- members' data centre


async def member_of(console: Console, token: str) -> links.MemberLink | None:
    """The member a link was made for; None when it is forged, malformed or expired."""
    key = await links.key(console.reader)
    if key is None:
        return None
    try:
        return links.verify(key, token, console.clock.now())
    except links.BadLink:
        return None


async def me(console: Console, link: links.MemberLink) -> dict[str, Any]:
    """One member's own figures, and nobody else's."""
    tz, now = console.deployment.settings.timezone, console.clock.now()
    member = link.member
    groups = await bound(console, live=False)  # (any holder of the link may reload it)
    standings = await checkin.standings(console.reader, member, _rewarded(groups))
    best = standings[0] if standings else None
    today = now.date()
    days = set(best.days) if best else set()
    first = today.replace(day=1)
    month_days = [first + timedelta(days=i) for i in range(31)
                  if (first + timedelta(days=i)).month == first.month]
    streak = checkin.standing_streak(best.days[-1] if best and best.days else None,
                                     best.last_streak if best else 0, today)
    warnings = 0
    name = member
    for group, _, gtype in groups:
        window = _policy(gtype).warn_window
        warnings += sum(w.weight for w in await moderation.warnings_in_force(
            console.reader, group, moderation.window_start(now, window), now, member))
        name = await roster.name(console.reader, group, member) or name
    return {
        "member": member, "name": name, "expires": _shown(link.expires, tz),
        "calendar": {"month": f"{first.year}年{first.month}月", "offset": first.weekday(),
                     "days": [{"date": d.isoformat(), "day": d.day, "done": d in days}
                              for d in month_days]},
        "checkin_days": len(days), "streak": streak, "points": best.points if best else 0,
        "rank": best.rank if best else None, "ranked": best.ranked if best else 0,
        "quiz": [{"started": _shown(started, tz), "score": score, "passed": passed}
                 for started, score, passed in await quiz.attempts_of(console.reader, member)],
        "stage": (await furthest_stages(console, [member])).get(member),
        "invitations": await fission.invited_by(console.reader, member),
        "rewards": [{"group": grp, "invitations": n, "points": points, "at": _shown(at, tz)}
                    for grp, n, points, at in await fission.rewards_of(console.reader, member)],
        "warnings": warnings,
    }
