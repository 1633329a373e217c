"""Which platform a database serves: WeChat, or the terminal simulator. Owner of the
`platform` table (one row: the platform, since when).

`groupbot run` records it at each start (bot/terminal.py). The terminal simulator runs only
on a database it made itself: one WeChat has used holds real groups and members, which the
simulator would mix its simulated ones into and `/reset` would delete (docs/wechat.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot import postgres
from bot.store import (
    Location,
    NewerDatabase,
    OlderDatabase,
    Reader,
    Store,
    StoreError,
    check_readable,
    open_reader,
)
from bot.times import stamp

WECHAT = "wechat"
SIMULATOR = "simulator"

MIGRATIONS: Sequence[str] = (
    "CREATE TABLE platform (id INTEGER PRIMARY KEY, name TEXT NOT NULL, since TEXT NOT NULL);",
)


async def recorded(db: Location) -> str | None:
    """The platform recorded in the database at `db` (None: none yet), read before a bot
    opens it (`_read`)."""
    row = await _read(db, "platforms", "SELECT name FROM platform WHERE id = 1")
    return str(row[0]) if row is not None else None


async def made(db: Location) -> bool:
    """Whether the database at `db` has the core's tables (a new one has none yet)."""
    return await _read(db, "core", "SELECT 1") is not None


async def holds_groups(db: Location) -> bool:
    """Whether the database at `db` knows any group's members (read as `recorded`)."""
    return await _read(db, "core", "SELECT 1 FROM roster LIMIT 1") is not None


async def _read(db: Location, component: str, query: str) -> tuple[object, ...] | None:
    """`query`'s first row, on a reader: None when `component` has not made its tables in
    the database (yet: a new database, or an older groupbot's). Nothing is migrated or
    written: the bot does not hold the one-process lock yet, and another groupbot, of
    another version maybe, may serve the database (docs/scale.md). Another application's
    database is refused as the store refuses it, before the bot writes a byte to it."""
    reader = open_reader(db)
    try:
        return await reader.one(query) if component in await _versions(reader, db) else None
    finally:
        await reader.close()


async def _versions(reader: Reader, db: Location) -> dict[str, int]:
    """Each component's version in the database ({}: a new one, without tables)."""
    older = False
    try:  # the check the read-only commands make: another application's database refused,
        await check_readable(reader, db, {})  # an SQLite file without a side file left
    except NewerDatabase:
        pass
    except OlderDatabase:  # (an older core, or a database without tables yet)
        if postgres.is_url(db) and not await reader.all(postgres.TABLES):
            return {}  # a new PostgreSQL database: no tables at all
        older = True
    try:
        return {str(c): int(v) for c, v in await reader.all(
            "SELECT component, version FROM schema_version")}
    except StoreError:
        if older and not postgres.is_url(db):
            return {}  # the file has no tables (else it would have said so above)
        raise


async def record(store: Store, platform: str, now: datetime) -> None:
    """`platform` serves the database from now on (unchanged if it did already)."""
    async with store.transaction():
        await store.execute(
            "INSERT INTO platform VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE"
            " SET name = excluded.name, since = excluded.since"
            " WHERE platform.name <> excluded.name", (platform, stamp(now)))
    await store.flush()
