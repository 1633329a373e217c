"""`groupbot audit`: what the bot decided about whom (warnings, removals, refusals...), as a
table an operator can read, from the deployment's database."""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path

from bot import config
from bot import table as tables
from bot.config import parse_duration
from bot.handler import Registry

COLUMNS = ("time", "group", "member", "action", "handler", "detail")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def parse_since(value: str, now: datetime) -> datetime:
    """'7d', '12h', '30m' back from now, or an ISO date or time in `now`'s time zone."""
    if not _DATE.match(value):
        try:
            return now - parse_duration(value)
        except ValueError:
            raise ValueError(f"--since {value!r}: give a duration back from now (7d, 12h) "
                             f"or an ISO date (2026-11-01)") from None
    try:
        since = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--since {value!r} is not an ISO date like 2026-11-01 or "
                         f"2026-11-01T08:00") from None
    return since if since.tzinfo else since.replace(tzinfo=now.tzinfo)


def rows(db: Path, group: str | None, since: datetime | None,
         tz: tzinfo) -> list[tuple[str, ...]]:
    """The audit rows, oldest first, with members shown by name where the roster knows it."""
    sql = ("SELECT a.at, a.grp, a.member, r.name, a.action, a.handler, a.detail FROM audit a"
           " LEFT JOIN roster r ON r.grp = a.grp AND r.member = a.member WHERE 1=1")
    params: list[str] = []
    if group is not None:
        sql += " AND a.grp = ?"
        params.append(group)
    if since is not None:
        sql += " AND julianday(a.at) >= julianday(?)"
        params.append(since.isoformat())
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        found = connection.execute(sql + " ORDER BY a.id", params).fetchall()
    return [(f"{datetime.fromisoformat(at).astimezone(tz):%Y-%m-%d %H:%M:%S}", grp,
             f"{name} ({member})" if name and name != member else member, action, handler,
             detail) for at, grp, member, name, action, handler, detail in found]


def table(records: Sequence[Sequence[str]]) -> str:
    return tables.table((COLUMNS, *records), rule=True)


def main(args: argparse.Namespace, registry: Registry) -> int:
    deployment = config.load(args.config, registry)
    tz, db = deployment.settings.timezone, deployment.storage_path
    try:
        since = parse_since(args.since, datetime.now(tz)) if args.since else None
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not db.exists():
        print(f"no database at {db}: the bot has not run with this config yet", file=sys.stderr)
        return 2
    try:
        found = rows(db, args.group, since, tz)
    except sqlite3.Error as exc:
        print(f"cannot read the audit log in {db}: {exc}", file=sys.stderr)
        return 2
    if found:
        print(table(found))
    else:
        where = f" in {args.group}" if args.group else ""
        when = f" since {since:%Y-%m-%d %H:%M}" if since else ""
        print(f"no audit records{where}{when}")
    return 0
