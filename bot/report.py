"""Health and funnel figures, computed in one place for the daily report to the admins
(handlers/lifecycle.py) and for `groupbot report` and `groupbot export` (bot/cli.py).

Everything is read from the store: the core's roster (joins, leaves, who spoke last) and
activity history (who spoke in which hour), the funnel's stages (handlers/funnel.py), the
quiz's attempts (handlers/quiz.py), and, when the handlers that write them have run on this
database, the moderation `warnings` and the `checkins`. The last known size, type and
capacity of each group are kept in `group_facts` by the lifecycle handler, so the command
line needs no chat connection.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from statistics import median
from typing import Any

from bot import (
    bindings,
    config,
    csvfile,
    friendships,
    governor,
    leases,
    moderation,
    roster,
    sanitize,
    schema,
    storage_copy,
)
from bot.audit_command import no_database, parse_since
from bot.config import Deployment, GroupType, absent
from bot.handler import Registry
from bot.sanitize import clean
from bot.store import Reader, check_readable, open_reader
from bot.table import table
from handlers import checkin, quiz
from handlers import funnel as funnel_stages
from handlers.lifecycle import (
    FunnelRow,
    GroupFacts,
    Health,
    funnel,
    health,
    known_groups,
    rate,
)

DEFAULT_ACTIVE_TARGET = 20  # percent, for a type without the lifecycle handler


def stages_of(types: Iterable[GroupType]) -> list[str]:
    """The funnel's stages, as the first of these types that runs the funnel lists them."""
    for gtype in types:
        for handler in gtype.handlers:
            if handler.name == "funnel":
                return list(handler.config.stages)
    return []


# ---------------------------------------------------------------- what the commands print


def health_table(reports: Sequence[Health]) -> str:
    header = ("group", "topic", "type", "size", "active 7d", "target", "joins", "leaves",
              "warnings", "check-ins")
    rows: list[Sequence[object]] = [header]
    for h in reports:
        f = h.facts
        # a member may rename the group at length: clipped, or it widens every row
        rows.append((f.id, clean(f.topic), f.type, f"{f.size}/{f.capacity}",
                     f"{h.active} ({h.active_percent}%)", f"{f.active_target}%", h.joins,
                     h.leaves, h.warnings, h.checkins))
    return table(rows)


def accounts_table(served: Iterable[leases.Lease], shown: set[str], now: datetime) -> str:
    """Which account serves which of the groups shown (several accounts: docs/scale.md)."""
    by_account: dict[str, list[leases.Lease]] = {}
    for lease in served:
        if lease.group in shown:
            by_account.setdefault(lease.account, []).append(lease)
    rows: list[Sequence[object]] = [("account", "groups served", "expired", "groups")]
    for account, held in sorted(by_account.items()):
        groups = [lease.group for lease in held]
        rows.append((account, len(held), sum(lease.expires <= now for lease in held),
                     ", ".join(groups[:8]) + (" ..." if len(groups) > 8 else "")))
    return "Accounts (the group's lease holder)\n" + table(rows)


def funnel_table(rows: Sequence[FunnelRow]) -> str:
    lines: list[Sequence[object]] = [("stage", "reached", "from previous", "new in period")]
    previous = None
    for row in rows:
        lines.append((row.stage, row.reached,
                      rate(row.reached, previous.reached) if previous else "-", row.new))
        previous = row
    return table(lines)


# ---------------------------------------------------------------- CSV exports


async def export(store: Reader, what: str, out: Path | None, tz: tzinfo,
                 stages: Sequence[str], group: str | None = None) -> int:
    """Write one CSV (safe for spreadsheets: bot/csvfile.py) to the file `out`, or to standard
    output for None; return the number of data rows (none: the header alone, as for a
    young deployment's first nightly export)."""
    header, rows = await _EXPORTERS[what](store, group, tz, stages)
    if out is None:  # the same bytes as the file would hold
        sys.stdout.flush()
        sys.stdout.buffer.write(csvfile.to_bytes(header, rows))
        sys.stdout.buffer.flush()
        return len(rows)
    return csvfile.write_file(out, header, rows)


Rows = tuple[Sequence[str], Sequence[Sequence[Any]]]


async def export_rows(store: Reader, what: str, tz: tzinfo, stages: Sequence[str],
                      group: str | None = None) -> Rows:
    """The header and rows of one export, for a writer of its own (the console's downloads
    go through bot/csvfile.py's `to_bytes`)."""
    return await _EXPORTERS[what](store, group, tz, stages)


async def _members(store: Reader, group: str | None, tz: tzinfo, stages: Sequence[str]) -> Rows:
    rows = [(e.group, e.member, e.name, _shown(e.joined_at, tz), _shown(e.left_at, tz),
             e.inviter, _shown(e.last_spoke, tz), e.messages)
            for e in await roster.everyone(store, group)]
    return ("group", "member", "name", "joined_at", "left_at", "inviter", "last_spoke",
            "messages"), rows


def _shown(at: datetime | None, tz: tzinfo) -> str | None:
    return at.astimezone(tz).isoformat() if at is not None else None


async def _checkins(store: Reader, group: str | None, tz: tzinfo,
                    stages: Sequence[str]) -> Rows:
    rows = await checkin.records(store, group)
    return ("group", "member", "day", "at", "streak", "points"), [
        (grp, member, day, _shown(at, tz), streak, points)
        for grp, member, day, at, streak, points in rows]


async def _warnings(store: Reader, group: str | None, tz: tzinfo,
                    stages: Sequence[str]) -> Rows:
    rows = await moderation.all_warnings(store, group)
    return ("group", "member", "at", "detector", "reason", "weight", "ended"), [
        (grp, member, _shown(at, tz), *rest)
        for grp, member, at, *rest in rows]


async def _funnel(store: Reader, group: str | None, tz: tzinfo, stages: Sequence[str]) -> Rows:
    reached = await funnel_stages.journeys(store, group)
    results = await quiz.results(store)
    header = ["member", "stage"]
    for stage in stages:
        header += [f"{stage}_at", f"{stage}_group"]
    header += ["quiz_attempts", "quiz_best_score", "quiz_passed_at"]
    rows = []
    for member, seen in reached.items():
        furthest = max((s for s in seen if s in stages), key=stages.index, default="")
        row: list[Any] = [member, furthest]
        for stage in stages:
            grp, at = seen.get(stage, ("", None))
            row += [_shown(at, tz) or "", grp]
        attempts, best, passed_at = results.get(member, (0, None, None))
        row += [attempts, best, _shown(passed_at, tz)]
        rows.append(row)
    return header, rows


_EXPORTERS = {"members": _members, "checkins": _checkins, "warnings": _warnings,
              "funnel": _funnel}


# ---------------------------------------------------------------- the commands


def report_command(args: argparse.Namespace, registry: Registry) -> int:
    """`groupbot report`: the health of each group and the funnel, as tables."""
    return _command(args, registry, _report)


def export_command(args: argparse.Namespace, registry: Registry) -> int:
    """`groupbot export`: one kind of record as CSV."""
    return _command(args, registry, _export)


Job = Callable[[argparse.Namespace, Deployment, Reader], Awaitable[str]]


def _command(args: argparse.Namespace, registry: Registry, job: Job) -> int:
    deployment = config.load(args.config, registry)
    sanitize.screen_names_with(deployment.name_lists)  # (a report shows names)
    db = args.db or deployment.storage_path
    if absent(db):
        print(no_database(args.command, db, deployment.storage_path), file=sys.stderr)
        return 2

    async def run() -> str:
        reader = open_reader(db)  # long reads, off the loop
        try:
            await check_readable(reader, db, schema.migrations(registry))
            await storage_copy.note_if_copied(args.command, db)
            return await job(args, deployment, reader)
        finally:
            await reader.close()

    try:  # (an OSError, e.g. --out is a directory, is bot/cli.py's to print, with the name)
        said = asyncio.run(run())
    except (ValueError, LookupError) as exc:  # each error line in the command's name
        print(f"groupbot {args.command}: {exc}", file=sys.stderr)
        return 2
    if said:
        print(said)
    return 0


async def _report(args: argparse.Namespace, deployment: Deployment, store: Reader) -> str:
    now = datetime.now(deployment.settings.timezone)
    until = parse_since(args.until, now, "--until") if args.until else now
    since = parse_since(args.since, until) if args.since else until - timedelta(days=1)
    if since >= until:
        raise ValueError(f"--since {since:%Y-%m-%d %H:%M} is not before {until:%Y-%m-%d %H:%M}")
    stages = stages_of(deployment.types.values())
    groups = await listed_groups(store, deployment, args.group)
    if args.group and not groups:
        raise LookupError(f"no group {args.group!r} in the database")
    served = await leases.leases(store)
    account, listed = getattr(args, "account", None), len(groups)
    if account is not None:
        if deployment.settings.account(account) is None:
            known = ", ".join(a.name for a in deployment.settings.accounts)
            raise LookupError(f"no account {account!r} in bot.yaml's accounts (known: {known})"
                              if known else f"no account {account!r}: bot.yaml lists no "
                              "`accounts` (one process serves every group: docs/scale.md)")
        groups = [g for g in groups if g.id in served and served[g.id].account == account]
    bots = {deployment.settings.bot.id, *await friendships.contacts(
        store, (a.name for a in deployment.settings.accounts))}  # (their joins: no newcomers)
    reports = [await health(store, facts, since, until, stages, bots.__contains__)
               for facts in groups]
    period = f"{since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M}"
    parts = [f"Groups, {period} (active: spoke in the 7 days before the end)",
             health_table(reports) if reports else _no_groups(account, listed)]
    if stages:
        parts += ["", f"Funnel, new in period: {period}",
                  funnel_table(await funnel(store, stages, since, until))]
    if served and not args.group:
        parts += ["", accounts_table(served.values(), {g.id for g in groups}, until)]
    if not args.group:  # the account's, not a group's
        parts += ["", await governor.report(store, deployment.settings.governor, since, until)]
    opened, answered = await moderation.response_times(store, "question", since, until)
    if opened:
        parts += ["", handoff_line(opened, answered)]
    return "\n".join(parts)


def handoff_line(opened: int, answered: Sequence[float]) -> str:
    """Questions handed to a person (handlers/faq.py) and how soon they were answered."""
    line = f"Hand-offs: {opened} opened, {len(answered)} answered"
    if answered:
        line += (f"; first response median {_minutes(median(answered))},"
                 f" slowest {_minutes(max(answered))}")
    return line


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def overwrites(out: Path, db: Path) -> bool:
    """Whether a file written at `out` would replace the SQLite database `db` or one of its
    side files (-wal, -shm, -journal), through a symbolic or hard link too."""
    target = config.real(out)  # a link loop is no database: write_file refuses it
    for path in (db, *(db.with_name(db.name + side) for side in SQLITE_SIDES)):
        if target == config.real(path) or (target.exists() and path.exists()
                                         and os.path.samefile(target, path)):
            return True
    return False


SQLITE_SIDES = ("-wal", "-shm", "-journal")


def _no_groups(account: str | None, listed: int) -> str:
    """The line in place of the groups' table: an account that serves none of the database's
    groups is not a database without groups (review s41 r51 finding 4)."""
    if account is None or not listed:
        return "(no groups recorded yet)"
    return f"(account {account} serves no group: no lease gives it one of the {listed} " \
        "in the database)"


async def listed_groups(store: Reader, deployment: Deployment,
                        only: str | None = None) -> list[GroupFacts]:
    """Every bound group: as the lifecycle handler last read it from the platform (a join,
    its daily run), else as bound (a name binding is kept from when the bot first saw the
    group; an id binding in bot.yaml counts once the roster has seen the group), sized by
    the members the roster knows of."""
    listed = {facts.id: facts for facts in await known_groups(store, only)}
    found = {grp: (kind, topic) for grp, kind, topic in await bindings.kept(store)}
    seen = await roster.groups_seen(store)  # (not every row: a console page asks at each view)
    for binding in deployment.settings.groups:
        if binding.match.id is not None and binding.match.id in seen:
            found[binding.match.id] = (binding.type, binding.match.id)  # its name: unknown
    for grp, (kind, topic) in found.items():
        gtype = deployment.types.get(kind)
        if grp in listed or (only is not None and grp != only) or gtype is None:
            continue
        lifecycle = next((h.config for h in gtype.handlers if h.name == "lifecycle"), None)
        target = lifecycle.active_target if lifecycle is not None else DEFAULT_ACTIVE_TARGET
        size = await roster.present_count(store, grp)
        listed[grp] = GroupFacts(grp, topic, kind, size, gtype.capacity, target)
    return sorted(listed.values(), key=lambda facts: (facts.type, facts.id))


def _out(name: str) -> Path | None:
    """The file `--out` names; None for standard output: `-`, or a name that leads to it,
    such as /dev/stdout (in a pipe it leads to no file: `pipe:[N]`)."""
    if not name:
        raise ValueError("--out '' names no file: give a file name, or - for standard output")
    if name == "-" or _is_standard_output(name):
        return None
    return Path(name)


def _is_standard_output(name: str) -> bool:
    try:
        return os.path.samestat(os.stat(name), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError):  # no such file; a standard output that has no descriptor
        return False


async def _export(args: argparse.Namespace, deployment: Deployment, store: Reader) -> str:
    """The export; what it wrote, to say on stdout (on stderr when the CSV went there)."""
    out = _out(args.out)
    db = args.db or deployment.storage_path
    if out is not None and isinstance(db, Path) and overwrites(out, db):
        raise ValueError(f"--out {out} is the database {db} or one of its files: an "
                         "export never overwrites it (give another file name)")
    if args.group and not await listed_groups(store, deployment, args.group):
        raise LookupError(f"no group {args.group!r} in the database")
    count = await export(store, args.what, out, deployment.settings.timezone,
                         stages_of(deployment.types.values()), args.group)
    if out is None:
        print(f"wrote {count} {args.what} row(s) to standard output", file=sys.stderr)
        return ""
    return f"wrote {count} {args.what} row(s) to {out}"
