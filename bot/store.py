"""The bot's memory: one SQLite database (WAL), one connection, versioned migrations.

Every event is handled in one transaction, and each handler inside it in a savepoint, so
a handler that fails leaves nothing half-written and a crash never records half an event.
Handlers with tables of their own list their migrations; they are applied per component.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

CORE_MIGRATIONS: Sequence[str] = (
    # 1: state per (group, member, handler), one-shot timers, done cron runs, the outbox,
    #    the roster of who is (or was) in which group, and the audit log.
    """
    CREATE TABLE state (
        grp TEXT NOT NULL, member TEXT NOT NULL, handler TEXT NOT NULL, key TEXT NOT NULL,
        value TEXT NOT NULL, PRIMARY KEY (grp, member, handler, key));
    CREATE TABLE timers (
        grp TEXT NOT NULL, handler TEXT NOT NULL, key TEXT NOT NULL, due TEXT NOT NULL,
        data TEXT NOT NULL, PRIMARY KEY (grp, handler, key));
    CREATE INDEX timers_due ON timers (due);
    CREATE TABLE cron_runs (
        grp TEXT NOT NULL, handler TEXT NOT NULL, job TEXT NOT NULL, fire_time TEXT NOT NULL,
        outcome TEXT NOT NULL, PRIMARY KEY (grp, handler, job, fire_time));
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, grp TEXT NOT NULL, action TEXT NOT NULL);
    CREATE TABLE roster (
        grp TEXT NOT NULL, member TEXT NOT NULL, name TEXT NOT NULL, joined_at TEXT,
        left_at TEXT, inviter TEXT, last_spoke TEXT, messages INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (grp, member));
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, grp TEXT NOT NULL,
        member TEXT NOT NULL, action TEXT NOT NULL, handler TEXT NOT NULL,
        detail TEXT NOT NULL);
    CREATE INDEX audit_at ON audit (at);
    """,
    # 2: when each outbox lane last sent (pacing survives restarts), and the ids of handled
    #    messages (a message delivered again, even after a restart, is handled once).
    """
    CREATE TABLE outbox_sent (lane TEXT PRIMARY KEY, at TEXT NOT NULL);
    CREATE TABLE seen_messages (id TEXT PRIMARY KEY, at TEXT NOT NULL);
    CREATE INDEX seen_messages_at ON seen_messages (at);
    """,
)


class Store:
    """Owns the one aiosqlite connection. Use `await Store.open(...)` and always `close()`."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._depth = 0
        self._lazy: str | None = None  # a savepoint to open before the next write

    @classmethod
    async def open(cls, path: Path | str, migrations: Mapping[str, Sequence[str]]) -> Store:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        store = cls(db)
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await store._migrate({"core": CORE_MIGRATIONS, **migrations})
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        await self._db.close()

    async def _migrate(self, migrations: Mapping[str, Sequence[str]]) -> None:
        await self._db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY,"
            " version INTEGER NOT NULL)")
        for component, steps in migrations.items():
            row = await self.one("SELECT version FROM schema_version WHERE component = ?",
                                 (component,))
            done = row[0] if row else 0
            for version, sql in enumerate(steps[done:], start=done + 1):
                # executescript commits first, so each step is its own script-level transaction
                await self._db.executescript(
                    f"BEGIN; {sql}; INSERT INTO schema_version VALUES ('{component}', {version})"
                    f" ON CONFLICT (component) DO UPDATE SET version = {version}; COMMIT;")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A transaction, or a savepoint inside the one already open; rolled back on error."""
        name = f"sp{self._depth}"
        await self._db.execute("BEGIN" if self._depth == 0 else f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            await self._undo(name)
            raise
        self._depth -= 1
        await self._db.execute("COMMIT" if self._depth == 0 else f"RELEASE {name}")

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Like a nested transaction, but opened only if something is written inside it:
        most handlers only read for most events, and a savepoint costs two round trips."""
        name = self._lazy = f"lazy{self._depth}"
        try:
            yield
        except BaseException:
            if self._lazy is None:
                await self._undo(name)
            raise
        finally:
            opened, self._lazy = self._lazy is None, None
        if opened:
            await self._db.execute(f"RELEASE {name}")

    async def _undo(self, name: str) -> None:
        if self._depth == 0:
            await self._db.execute("ROLLBACK")
        else:
            await self._db.execute(f"ROLLBACK TO {name}")
            await self._db.execute(f"RELEASE {name}")

    async def _before_write(self) -> None:
        if self._lazy is not None:
            name, self._lazy = self._lazy, None
            await self._db.execute(f"SAVEPOINT {name}")

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the rowid of an insert (or 0)."""
        await self._before_write()
        async with self._db.execute(sql, params) as cursor:
            return cursor.lastrowid or 0

    async def changes(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return how many rows it changed."""
        await self._before_write()
        async with self._db.execute(sql, params) as cursor:
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._before_write()
        await self._db.executemany(sql, rows)

    async def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        async with self._db.execute(sql, params) as cursor:
            row = await cursor.fetchone()
            return tuple(row) if row is not None else None

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self._db.execute(sql, params) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    # ------------------------------------------------------------ per-handler state

    async def get_state(self, group: str, member: str, handler: str, key: str,
                        default: Any = None) -> Any:
        row = await self.one(
            "SELECT value FROM state WHERE grp=? AND member=? AND handler=? AND key=?",
            (group, member, handler, key))
        return json.loads(row[0]) if row else default

    async def set_state(self, group: str, member: str, handler: str, key: str,
                        value: Any) -> None:
        await self.execute(
            "INSERT INTO state VALUES (?, ?, ?, ?, ?) ON CONFLICT (grp, member, handler, key)"
            " DO UPDATE SET value = excluded.value",
            (group, member, handler, key, json.dumps(value, ensure_ascii=False)))

    async def delete_state(self, group: str, member: str, handler: str, key: str) -> None:
        await self.execute("DELETE FROM state WHERE grp=? AND member=? AND handler=? AND key=?",
                           (group, member, handler, key))
