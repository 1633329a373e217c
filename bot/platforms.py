"""Which platform a database serves: WeChat, or the terminal simulator. Owner of the
`platform` table (one row: the platform, since when).

`groupbot run` records it at each start (bot/terminal.py). The terminal simulator runs only
on a database it made itself: one WeChat has used holds real groups and members, which the
simulator would mix its simulated ones into and `/reset` would delete (docs/wechat.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.store import Location, Store, open_store
from bot.times import stamp

WECHAT = "wechat"
SIMULATOR = "simulator"

MIGRATIONS: Sequence[str] = (
    "CREATE TABLE platform (id INTEGER PRIMARY KEY, name TEXT NOT NULL, since TEXT NOT NULL);",
)


async def recorded(db: Location, migrations: Mapping[str, Sequence[str]]) -> str | None:
    """The platform recorded in the database at `db` (None: none yet), before a bot opens it."""
    store = await open_store(db, migrations)
    try:
        row = await store.one("SELECT name FROM platform WHERE id = 1")
    finally:
        await store.close()
    return str(row[0]) if row is not None else None


async def record(store: Store, platform: str, now: datetime) -> None:
    """`platform` serves the database from now on (unchanged if it did already)."""
    async with store.transaction():
        await store.execute(
            "INSERT INTO platform VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE"
            " SET name = excluded.name, since = excluded.since"
            " WHERE platform.name <> excluded.name", (platform, stamp(now)))
    await store.flush()
