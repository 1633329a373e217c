"""`groupbot audit`: the audit log (bot/audit.py) as a table an operator can read, from the
deployment's database, read off the event loop."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from bot import bindings, config, roster, schema, storage_copy
from bot import table as tables
from bot.audit import Record, newest, records
from bot.config import absent, parse_duration
from bot.handler import Registry
from bot.sanitize import clean
from bot.store import Reader, StoreError, check_readable, open_reader

COLUMNS = ("time", "group", "member", "action", "handler", "detail")
DEFAULT_CONFIG = Path("config")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


EARLIEST = datetime(1970, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def parse_since(value: str, now: datetime, option: str = "--since") -> datetime:
    """'7d', '12h', '30m' back from now, or an ISO date or time in `now`'s time zone; between
    1970 and 9999 (ValueError naming `option` otherwise)."""
    if not _DATE.match(value):
        try:
            since = now - parse_duration(value)
        except ValueError:
            raise ValueError(f"{option} {value!r}: give a duration back from now (7d, 12h) "
                             f"or an ISO date (2026-11-01)") from None
        except OverflowError:
            since = EARLIEST - timedelta(days=1)
    else:
        try:
            since = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{option} {value!r} is not an ISO date like 2026-11-01 or "
                             f"2026-11-01T08:00") from None
        since = since if since.tzinfo else since.replace(tzinfo=now.tzinfo)
    if not EARLIEST <= since <= LATEST:
        raise ValueError(f"{option} {value!r} is not between {EARLIEST:%Y-%m-%d} and "
                         f"{LATEST:%Y-%m-%d}")
    return since


def no_database(command: str, db: Path | str, storage: Path | str | None) -> str:
    """The line for a database that is not there: the config's `storage` (the bot has not
    run with it yet), or what `--db` named (a path mistyped, most likely), in the command's
    name (review s41 r51 finding 10)."""
    if db == storage:
        return f"groupbot {command}: no database at {db}: the bot has not run with this " \
            "config yet"
    return f"groupbot {command}: --db: no database at {db} (the SQLite file the bot used)"


def rows(db: Path | str, group: str | None, since: datetime | None, tz: tzinfo,
         registry: Registry) -> list[tuple[str, ...]]:
    """The audit rows as the table shows them, read off the loop's connection (from a
    database this version reads as it is: store.check_readable)."""
    async def read() -> list[Record]:
        reader = open_reader(db)
        try:
            await check_readable(reader, db, schema.migrations(registry))
            await storage_copy.note_if_copied("audit", db)
            found = await records(reader, group, since)
            if group is not None and not found and not await _known(reader, group):
                raise LookupError(f"no group {group!r} in the database")
            return found
        finally:
            await reader.close()

    return [(f"{r.at.astimezone(tz):%Y-%m-%d %H:%M:%S}", r.group,
             f"{clean(r.name)} ({clean(r.member)})" if r.name and r.name != r.member
             else clean(r.member),  # member-supplied: a 100 KB name would widen every row
             r.action, r.handler, clean(r.detail, DETAIL_LIMIT)) for r in asyncio.run(read())]


async def _known(reader: Reader, group: str) -> bool:
    """Whether the database knows `group`: its members, its binding, or audit records of it
    at any time. An unknown `--group` (a typo) is refused, as `report` and `export` refuse
    it, rather than passing for a clean log (review s41 r51 finding 3)."""
    if group in await roster.groups_seen(reader) or \
            any(grp == group for grp, _, _ in await bindings.kept(reader)):
        return True
    return (await newest(reader, group=group, limit=1))[1] > 0


DETAIL_LIMIT = 200
"""The most characters of a record's detail shown: it may quote a member's link or words."""


def table(records: Sequence[Sequence[str]]) -> str:
    return tables.table((COLUMNS, *records), rule=True)


def main(args: argparse.Namespace, registry: Registry) -> int:
    """The config gives the database (`storage`) and the time zone of the times shown;
    `--db` without a config (no --config, no ./config) reads that database and shows UTC."""
    root: Path = args.config or DEFAULT_CONFIG
    tz: tzinfo
    if args.config is None and not (root / "bot.yaml").exists():
        if args.db is None:
            print(f"groupbot audit: no config at ./{root}: give --config DIR (its `storage` is "
                  "the database), or --db PATH to read a database without a config",
                  file=sys.stderr)
            return 2
        print(f"no config at ./{root}: times in UTC (give --config DIR for the bot's time "
              "zone)", file=sys.stderr)
        tz, db, storage = UTC, args.db, None
    else:
        deployment = config.load(root, registry)
        storage = deployment.storage_path
        tz, db = deployment.settings.timezone, args.db or storage
    try:
        since = parse_since(args.since, datetime.now(tz)) if args.since else None
    except ValueError as exc:
        print(f"groupbot audit: {exc}", file=sys.stderr)
        return 2
    if absent(db):
        print(no_database("audit", db, storage), file=sys.stderr)
        return 2
    try:
        found = rows(db, args.group, since, tz, registry)
    except LookupError as exc:
        print(f"groupbot audit: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        said = str(exc)  # (a foreign or unusable database names itself already)
        print(f"groupbot audit: {said}" if str(db) in said else
              f"groupbot audit: cannot read the audit log in {db}: {said}", file=sys.stderr)
        return 2
    if found:
        print(table(found))
    else:
        group = args.group or ""  # as typed: a pasted id may hold an escape sequence
        where = f" in {group if group.isprintable() else repr(group)}" if group else ""
        when = f" since {since:%Y-%m-%d %H:%M}" if since else ""
        print(f"no audit records{where}{when}")
    return 0
