"""Health and funnel figures, computed in one place for the daily report to the admins
(handlers/lifecycle.py) and for `groupbot report` and `groupbot export` (bot/cli.py).

Everything is read from the store: the core's roster (joins, leaves, who spoke when), the
funnel's stages (handlers/funnel.py), the quiz's attempts (handlers/quiz.py), and, when the
handlers that write them have run on this database, the moderation `warnings` and the
`checkins`. The last known size, type and capacity of each group are kept in
`group_facts` by the lifecycle handler, so the command line needs no chat connection.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from bot import config, csvfile, moderation, roster
from bot.audit_command import parse_since
from bot.config import Deployment, GroupType
from bot.context import Group
from bot.handler import Registry
from bot.store import Store, open_store
from bot.table import table
from bot.times import stamp

ACTIVE_WINDOW = timedelta(days=7)
FACTS = "group_facts"
FACTS_MIGRATION = f"""
    CREATE TABLE {FACTS} (
        grp TEXT PRIMARY KEY, topic TEXT NOT NULL, type TEXT NOT NULL, size INTEGER NOT NULL,
        capacity INTEGER NOT NULL, active_target INTEGER NOT NULL, seen_at TEXT NOT NULL);
"""
# ISO times with any offset compare as instants through julianday()
_IN_PERIOD = "julianday({0}) >= julianday(?) AND julianday({0}) < julianday(?)"


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
    warnings: int | None  # None: no moderation on this database
    checkins: int | None  # None: no check-ins on this database
    funnel: tuple[FunnelRow, ...]  # the whole funnel, for a group whose type is a stage

    @property
    def active_percent(self) -> int:
        return round(100 * self.active / self.facts.size) if self.facts.size else 0


# ---------------------------------------------------------------- group facts


async def remember(store: Store, facts: GroupFacts, now: datetime) -> None:
    await store.execute(
        f"INSERT INTO {FACTS} VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (grp) DO UPDATE SET"
        " topic=excluded.topic, type=excluded.type, size=excluded.size,"
        " capacity=excluded.capacity, active_target=excluded.active_target,"
        " seen_at=excluded.seen_at",
        (facts.id, facts.topic, facts.type, facts.size, facts.capacity, facts.active_target,
         stamp(now)))


async def known_groups(store: Store, group: str | None = None) -> list[GroupFacts]:
    if not await has_table(store, FACTS):
        return []
    rows = await store.all(
        f"SELECT grp, topic, type, size, capacity, active_target FROM {FACTS}"
        " WHERE ? IS NULL OR grp=? ORDER BY type, grp", (group, group))
    return [GroupFacts(*row) for row in rows]


# ---------------------------------------------------------------- figures


async def health(store: Store, facts: GroupFacts, since: datetime, until: datetime,
                 stages: Sequence[str]) -> Health:
    period = (facts.id, since.isoformat(), until.isoformat())
    active, joins, leaves = await roster.counts(store, facts.id, since, until,
                                                until - ACTIVE_WINDOW)
    warnings = checkins = None
    if await has_table(store, "warnings"):  # bot/moderation.py: revoked ones do not count
        warnings = await moderation.warnings_given(store, facts.id, since, until)
    if await has_table(store, "checkins"):  # handlers/checkin.py
        checkins = await _count(store, "SELECT count(*) FROM checkins WHERE grp=?"
                                       f" AND {_IN_PERIOD.format('at')}", period)
    rows = await funnel(store, stages, since, until) if facts.type in stages else []
    return Health(facts, since, until, active, joins, leaves, warnings, checkins, tuple(rows))


async def funnel(store: Store, stages: Sequence[str], since: datetime,
                 until: datetime) -> list[FunnelRow]:
    """Every member's furthest progress: how many ever reached each stage, and in the period."""
    if not await has_table(store, "funnel_stages"):
        return [FunnelRow(stage, 0, 0) for stage in stages]
    rows = []
    for stage in stages:
        reached = await _count(store, "SELECT count(*) FROM funnel_stages WHERE stage=?",
                               (stage,))
        new = await _count(store, "SELECT count(*) FROM funnel_stages WHERE stage=?"
                                  f" AND {_IN_PERIOD.format('at')}",
                           (stage, since.isoformat(), until.isoformat()))
        rows.append(FunnelRow(stage, reached, new))
    return rows


def stages_of(types: Iterable[GroupType]) -> list[str]:
    """The funnel's stages, as the first of these types that runs the funnel lists them."""
    for gtype in types:
        for handler in gtype.handlers:
            if handler.name == "funnel":
                return list(handler.config.stages)
    return []


def stages_in(group: Group | None) -> list[str]:
    """The funnel's stages, if the group's type runs the funnel."""
    funnel = group.config("funnel") if group is not None else None
    return list(funnel.stages) if funnel is not None else []


def rate(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


async def has_table(store: Store, name: str) -> bool:
    return await store.one("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                           (name,)) is not None


async def _count(store: Store, sql: str, params: Sequence[Any]) -> int:
    row = await store.one(sql, params)
    return int(row[0]) if row and row[0] is not None else 0


# ---------------------------------------------------------------- what the commands print


def health_table(reports: Sequence[Health]) -> str:
    header = ("group", "topic", "type", "size", "active 7d", "target", "joins", "leaves",
              "warnings", "check-ins")
    rows: list[Sequence[object]] = [header]
    for h in reports:
        f = h.facts
        rows.append((f.id, f.topic, f.type, f"{f.size}/{f.capacity}",
                     f"{h.active} ({h.active_percent}%)", f"{f.active_target}%", h.joins,
                     h.leaves, _maybe(h.warnings), _maybe(h.checkins)))
    return table(rows)


def funnel_table(rows: Sequence[FunnelRow]) -> str:
    lines: list[Sequence[object]] = [("stage", "reached", "from previous", "new in period")]
    previous = None
    for row in rows:
        lines.append((row.stage, row.reached,
                      rate(row.reached, previous.reached) if previous else "-", row.new))
        previous = row
    return table(lines)


def funnel_line(rows: Sequence[FunnelRow]) -> str:
    """"recruitment 5 -> internship 3 (60%) -> official 1 (33%)"."""
    parts = []
    for i, row in enumerate(rows):
        share = f" ({rate(row.reached, rows[i - 1].reached)})" if i else ""
        parts.append(f"{row.stage} {row.reached}{share}")
    return " -> ".join(parts) or "-"


def span(delta: timedelta) -> str:
    """A duration as members read it: "3 分钟", "1 天", "36 小时"."""
    seconds = int(delta.total_seconds())
    for unit, name in ((86400, "天"), (3600, "小时"), (60, "分钟")):
        if seconds >= unit and seconds % unit == 0:
            return f"{seconds // unit} {name}"
    return f"{seconds} 秒"


def _maybe(value: int | None) -> str:
    return "-" if value is None else str(value)


# ---------------------------------------------------------------- CSV exports


async def export(store: Store, what: str, out: Path, tz: tzinfo, stages: Sequence[str],
                 group: str | None = None) -> int:
    """Write one CSV (safe for spreadsheets: bot/csvfile.py); return the number of data rows.
    Raises LookupError when the database holds none of that kind (its handler never ran on
    it)."""
    header, rows = await _EXPORTERS[what](store, group, tz, stages)
    return csvfile.write_file(out, header, rows)


Rows = tuple[Sequence[str], Sequence[Sequence[Any]]]


async def _members(store: Store, group: str | None, tz: tzinfo, stages: Sequence[str]) -> Rows:
    rows = [(e.group, e.member, e.name, _shown(e.joined_at, tz), _shown(e.left_at, tz),
             e.inviter, _shown(e.last_spoke, tz), e.messages)
            for e in await roster.everyone(store, group)]
    return ("group", "member", "name", "joined_at", "left_at", "inviter", "last_spoke",
            "messages"), rows


def _shown(at: datetime | None, tz: tzinfo) -> str | None:
    return at.astimezone(tz).isoformat() if at is not None else None


async def _checkins(store: Store, group: str | None, tz: tzinfo, stages: Sequence[str]) -> Rows:
    await _require(store, "checkins", "check-ins", "checkin")
    rows = await store.all(
        "SELECT grp, member, day, at, streak, points FROM checkins WHERE ? IS NULL OR grp=?"
        " ORDER BY at", (group, group))
    return ("group", "member", "day", "at", "streak", "points"), rows


async def _warnings(store: Store, group: str | None, tz: tzinfo, stages: Sequence[str]) -> Rows:
    await _require(store, "warnings", "warnings", "antispam")
    rows = await moderation.all_warnings(store, group)
    return ("group", "member", "at", "detector", "reason", "weight", "ended"), [
        (grp, member, datetime.fromtimestamp(at, tz).isoformat(), *rest)
        for grp, member, at, *rest in rows]


async def _funnel(store: Store, group: str | None, tz: tzinfo, stages: Sequence[str]) -> Rows:
    await _require(store, "funnel_stages", "funnel stages", "funnel")
    reached: dict[str, dict[str, tuple[str, str]]] = {}
    for member, stage, grp, at in await store.all(
            "SELECT member, stage, grp, at FROM funnel_stages"
            " WHERE ? IS NULL OR member IN (SELECT member FROM funnel_stages WHERE grp=?)"
            " ORDER BY at", (group, group)):
        reached.setdefault(member, {})[stage] = (grp, at)
    quiz: dict[str, tuple[int, int | None, str | None]] = {}
    if await has_table(store, "quiz_attempts"):
        for member, attempts, best, passed_at in await store.all(
                "SELECT member, count(*), max(score), min(CASE WHEN passed THEN finished_at END)"
                " FROM quiz_attempts GROUP BY member"):
            quiz[member] = (attempts, best, passed_at)
    header = ["member", "stage"]
    for stage in stages:
        header += [f"{stage}_at", f"{stage}_group"]
    header += ["quiz_attempts", "quiz_best_score", "quiz_passed_at"]
    rows = []
    for member, seen in reached.items():
        furthest = max((s for s in seen if s in stages), key=stages.index, default="")
        row: list[Any] = [member, furthest]
        for stage in stages:
            grp, at = seen.get(stage, ("", ""))
            row += [at, grp]
        row += list(quiz.get(member, (0, None, None)))
        rows.append(row)
    return header, rows


async def _require(store: Store, table_name: str, what: str, handler: str) -> None:
    if not await has_table(store, table_name):
        raise LookupError(f"this database holds no {what}: the {handler} handler has never "
                          "run on it")


_EXPORTERS = {"members": _members, "checkins": _checkins, "warnings": _warnings,
              "funnel": _funnel}


# ---------------------------------------------------------------- the commands


def report_command(args: argparse.Namespace, registry: Registry) -> int:
    """`groupbot report`: the health of each group and the funnel, as tables."""
    return _command(args, registry, _report)


def export_command(args: argparse.Namespace, registry: Registry) -> int:
    """`groupbot export`: one kind of record as CSV."""
    return _command(args, registry, _export)


Job = Callable[[argparse.Namespace, Deployment, Store], Awaitable[str]]


def _command(args: argparse.Namespace, registry: Registry, job: Job) -> int:
    deployment = config.load(args.config, registry)
    db = args.db or deployment.storage_path
    if not db.exists():
        print(f"no database at {db}: the bot has not run with this config yet", file=sys.stderr)
        return 2

    async def run() -> str:
        store = await open_store(db, {})
        try:
            return await job(args, deployment, store)
        finally:
            await store.close()

    try:
        print(asyncio.run(run()))
    except (ValueError, LookupError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


async def _report(args: argparse.Namespace, deployment: Deployment, store: Store) -> str:
    now = datetime.now(deployment.settings.timezone)
    until = parse_since(args.until, now, "--until") if args.until else now
    since = parse_since(args.since, until) if args.since else until - timedelta(days=1)
    if since >= until:
        raise ValueError(f"--since {since:%Y-%m-%d %H:%M} is not before {until:%Y-%m-%d %H:%M}")
    stages = stages_of(deployment.types.values())
    groups = await known_groups(store, args.group)
    if args.group and not groups:
        raise LookupError(f"no group {args.group!r} in the database")
    reports = [await health(store, facts, since, until, stages) for facts in groups]
    period = f"{since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M}"
    parts = [f"Groups, {period} (active: spoke in the 7 days before the end)",
             health_table(reports) if reports else "(no groups recorded yet)"]
    if stages:
        parts += ["", f"Funnel, new in period: {period}",
                  funnel_table(await funnel(store, stages, since, until))]
    return "\n".join(parts)


async def _export(args: argparse.Namespace, deployment: Deployment, store: Store) -> str:
    count = await export(store, args.what, args.out, deployment.settings.timezone,
                         stages_of(deployment.types.values()), args.group)
    return f"wrote {count} {args.what} row(s) to {args.out}"
