"""`groupbot audit`: the audit log (bot/audit.py) as a table an operator can read, from the
deployment's database, read off the event loop."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path

from bot import config
from bot import table as tables
from bot.audit import Record, records
from bot.config import parse_duration
from bot.handler import Registry
from bot.store import StoreError, open_reader

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
    """The audit rows as the table shows them, read off the loop's connection."""
    async def read() -> list[Record]:
        reader = open_reader(db)
        try:
            return await records(reader, group, since)
        finally:
            await reader.close()

    return [(f"{r.at.astimezone(tz):%Y-%m-%d %H:%M:%S}", r.group,
             f"{r.name} ({r.member})" if r.name and r.name != r.member else r.member,
             r.action, r.handler, r.detail) for r in asyncio.run(read())]


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
    except StoreError as exc:
        print(f"cannot read the audit log in {db}: {exc}", file=sys.stderr)
        return 2
    if found:
        print(table(found))
    else:
        where = f" in {args.group}" if args.group else ""
        when = f" since {since:%Y-%m-%d %H:%M}" if since else ""
        print(f"no audit records{where}{when}")
    return 0
