"""The store seam: the one interface every table owner writes its queries against, and its
embedded backend, SQLite (PostgreSQL's is bot/postgres.py; `open_store` picks by location).

The interface (`Reader`, `Store`) is what owners see: statements with `?` parameters, rows as
tuples, a transaction per event and a lazy savepoint per handler. SQL written against it stays
portable (parameters, `ON CONFLICT` upserts, no SQLite-only functions), so the PostgreSQL backend
implements the same interface without touching an owner or a handler; a migration step that
only SQLite needs is marked `sqlite_only`.

`SqliteStore` keeps one synchronous sqlite3 connection in WAL mode, used on the event loop's
thread: a statement takes microseconds, less than handing it to a thread would. Every event is
handled in one transaction, and each handler inside it in a savepoint opened only when it
writes, so a failing handler leaves nothing half-written and a crash never records half an
event. Long reads (reports, the web console's series) go through `SqliteReader`: its own
read-only aiosqlite connection, on a thread of its own, so they never stall the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
import time
from collections.abc import (
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import AbstractAsyncContextManager
from itertools import chain
from pathlib import Path
from typing import Any, Protocol, TypeVar

import aiosqlite

from bot import postgres
from bot.connect import Connect
from bot.savepoint import Journal, Journaled, LazySavepoint

log = logging.getLogger(__name__)
Row = tuple[Any, ...]
T = TypeVar("T")
BATCH = 200  # events at most in one commit
# WAL checkpoints (docs/architecture.md: durability and WAL): after a commit, once a second
# or once CHECKPOINT_COMMITS commits were made since the last one (whichever comes first),
# one runs on a worker thread, off the loop. The writer checkpoints by itself, on the loop,
# only if the WAL reaches WRITER_CHECKPOINT pages meanwhile: a safety net, far above what
# the commits between two checkpoints write (SQLite's default mark, 1,000 pages, was
# passed within a second under load: a stall of tens of milliseconds, with its fsync). A
# WAL file that grew past WAL_LIMIT (while long reads held it) is cut back to it once it
# is checkpointed.
CHECKPOINT_EVERY = 1.0  # seconds of wall time
CHECKPOINT_COMMITS = 8  # commits (a batch of BATCH events writes about 40 to 150 pages)
# pages in the WAL. 10,000 (40 MiB) cost a pause-less flood of 100,000 events 8 s more CPU
# than 2,000: once the WAL is past the mark the writer checkpoints after every commit, and
# the bigger the WAL the dearer each of those and every page read through it
WRITER_CHECKPOINT = 2_000
WAL_LIMIT = 64 * 2**20  # bytes
BUSY_WAIT = 30.0  # seconds a process waits for another's lock on the file
LOCK_POLL = 0.02  # how often a transaction looks whether that lock is free (off the loop)
# a read's errors that say the file is not (or no longer) a database: the reader reopens it
_NOT_A_DATABASE = (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT)
_BUSY_TIMEOUT = f"PRAGMA busy_timeout = {int(BUSY_WAIT * 1000)}"
class NewerDatabase(Exception):
    """The database was migrated by a newer groupbot than this one (docs/scale.md,
    "Upgrading")."""


class OlderDatabase(Exception):
    """A command that only reads found the database at an older version than its code: the
    bot of this version migrates it as it starts."""


class ForeignDatabase(Exception):
    """The SQLite file is another application's database: it has tables, but not groupbot's
    schema_version."""


# what a failing statement (or a database that cannot be reached or used) raises, whichever
# backend
StoreError = (sqlite3.Error, postgres.PostgresError, NewerDatabase, OlderDatabase,
              ForeignDatabase)
Location = Path | str  # an SQLite file, or a postgresql:// URL


class _SqliteOnly(str):
    """SQL only SQLite runs, and PostgreSQL's own; joined with portable SQL (`+`), it
    stays so: PostgreSQL runs its own part and the portable one."""

    postgresql: str

    def __add__(self, other: str) -> str:
        return sqlite_only(str(self) + other, self.postgresql + _postgresql(other))

    def __radd__(self, other: str) -> str:
        return sqlite_only(other + str(self), _postgresql(other) + self.postgresql)


def _postgresql(step: str) -> str:
    return step.postgresql if isinstance(step, _SqliteOnly) else step


def sqlite_only(sql: str, postgresql: str = "") -> str:
    """A migration step in SQLite's own SQL, with what PostgreSQL runs instead (by default
    nothing: such steps rewrite data older than the PostgreSQL backend)."""
    step = _SqliteOnly(sql)
    step.postgresql = postgresql
    return step


IN_AT_ONCE = 500  # values of one IN list: asyncpg takes at most 32,767 arguments a statement


def in_parts(values: Sequence[T]) -> Iterator[tuple[str, Sequence[T]]]:
    """`values` in parts of at most IN_AT_ONCE, each with its placeholders ("?, ?, ?"), for
    a query whose IN list comes from data (members of a board, groups of a type)."""
    for start in range(0, len(values), IN_AT_ONCE):
        part = values[start:start + IN_AT_ONCE]
        yield ", ".join("?" * len(part)), part


class Reader(Protocol):
    """What a query that only reads needs: the store itself, or a reader off the loop."""

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def close(self) -> None: ...


class Store(Reader, Protocol):
    """Reads and writes inside the event's transaction."""

    async def execute(self, sql: str, params: Sequence[Any] = (), *,
                      durable: bool = False) -> int:
        """Run one statement; return the id of the row an insert made (or 0). `durable`: on
        the disk when it returns, so that a power cut cannot take it back (SQLite syncs its
        WAL at that commit; PostgreSQL's commits always are)."""
        ...

    async def changes(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """A transaction, or a savepoint inside the open one; rolled back on error."""
        ...

    def savepoint(self) -> LazySavepoint:
        """A savepoint opened only if something is written inside it (`with` or
        `async with`)."""
        ...

    def defer(self, sql: str, params: Sequence[Any]) -> None:
        """Run this write just before the transaction commits (in order with the other
        deferred writes, the same statements as one executemany), unless the savepoint or
        event it came from is rolled back first. Only inside a transaction, and only for a
        table the transaction does not read meanwhile (its owner answers from memory)."""
        ...

    def on_undo(self, callback: Callable[[], object]) -> None:
        """Call this if what was written so far in the current savepoint, event or
        uncommitted batch is rolled back (or its commit fails): the undo of a change to
        state kept in memory. Dropped once committed; nothing outside a transaction."""
        ...

    async def flush(self) -> None:
        """Commit what the events handled so far wrote (before anything they decided leaves
        the process)."""
        ...

    @property
    def lost(self) -> Exception | None:
        """Set when this store can go on no longer: a batch's commit failed (a full disk, a
        file made read-only: the events in it are lost, though their callers were done with
        them) or the connection ended. The process must stop (Bot.serve raises it);
        restarted, it goes on from what was committed."""
        ...

    when_lost: Callable[[], object] | None
    """Called once, when `lost` is set (the bot wakes to stop)."""


Before = Callable[[Store], Awaitable[None]]  # open_store's `before`


# The core tables; each is read and written only by its owner (docs/architecture.md lists
# them). Column types are SQLite's, in capitals; bot/postgres.py maps them.
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
    # 3: one time representation (bot/times.py): every stored time as UTC ISO text, so that
    #    text order is time order; times stored before kept their zone's offset.
    sqlite_only("""
    UPDATE roster SET joined_at = strftime('%Y-%m-%dT%H:%M:%f', joined_at) || '000+00:00';
    UPDATE roster SET left_at = strftime('%Y-%m-%dT%H:%M:%f', left_at) || '000+00:00';
    UPDATE roster SET last_spoke = strftime('%Y-%m-%dT%H:%M:%f', last_spoke) || '000+00:00';
    UPDATE audit SET at = strftime('%Y-%m-%dT%H:%M:%f', at) || '000+00:00';
    UPDATE timers SET due = strftime('%Y-%m-%dT%H:%M:%f', due) || '000+00:00';
    UPDATE cron_runs SET fire_time = strftime('%Y-%m-%dT%H:%M:%f', fire_time) || '000+00:00';
    UPDATE outbox_sent SET at = strftime('%Y-%m-%dT%H:%M:%f', at) || '000+00:00';
    UPDATE seen_messages SET at = strftime('%Y-%m-%dT%H:%M:%f', at) || '000+00:00';
    """),
    # 4: the same for the times handlers keep in `state` (a welcome, a friend acceptance, a
    #    cooldown): JSON strings of ISO times with the bot's offset become UTC.
    sqlite_only("""
    UPDATE state SET value = '"' || strftime('%Y-%m-%dT%H:%M:%f', substr(value, 2,
        length(value) - 2)) || '000+00:00"'
    WHERE value GLOB '"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*[+-][0-9][0-9]:[0-9][0-9]"'
      AND value NOT GLOB '*+00:00"';
    """),
)


def _make_directory(path: Path | str) -> None:
    """The directory of the database file at `path`, made if it is missing."""
    if str(path) != ":memory:":
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a StoreError, so the CLI says it in one line
            raise sqlite3.OperationalError(
                f"cannot make {exc.filename or Path(path).parent}: {exc.strerror}") from exc


def _unusable(path: Path | str, exc: sqlite3.Error, *, write: bool) -> sqlite3.Error:
    """An error opening the database at `path`, which SQLite says without naming the file
    ("database disk image is malformed"), with its name; "unable to open database file" and
    "attempt to write a readonly database" made into what to fix (see _cannot_use)."""
    cannot = getattr(exc, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_CANTOPEN,
                                                             sqlite3.SQLITE_READONLY)
    if cannot and (why := _cannot_use(Path(path), write=write)) is not None:
        return sqlite3.OperationalError(why)
    return exc if str(path) in str(exc) else type(exc)(f"{path}: {exc}")


def _cannot_use(database: Path, *, write: bool) -> str | None:
    """Why SQLite cannot open the database file, or make or open the -wal and -shm files it
    keeps beside it in WAL mode (to read it too), or None: the file and the reason. `write`:
    the database is to be written, not only read. Asked of the system without opening a
    file: closing a descriptor of the database would drop the locks SQLite holds on it in
    this process (POSIX locks are the process's)."""
    for file in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        writes = write or file != database
        if os.access(file, os.R_OK | (os.W_OK if writes else 0)):
            continue
        if file.exists():  # (not one another process removed meanwhile: a -wal, a -shm)
            beside = "" if file == database else " (SQLite keeps it beside the database)"
            return f"cannot open {file}{' for writing' if writes else ''}: " \
                   f"{_denied(file, 'Permission denied')}{beside}"
        if not os.access(file.parent, os.W_OK | os.X_OK):
            beside = "" if file == database else \
                " (SQLite keeps it beside the database, to write it and to read it)"
            denied = _denied(file.parent, f"no write permission in {file.parent}")
            return f"cannot create {file}: {denied}{beside}"
    return None


def _denied(path: Path, otherwise: str) -> str:
    """Why `path` may not be written: a read-only file system, else `otherwise`."""
    try:
        read_only = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    return f"{path} is on a read-only file system" if read_only else otherwise


def _refuse_foreign(db: sqlite3.Connection, path: Path | str) -> dict[str, int] | None:
    """ForeignDatabase when the file is another application's database, which migrating
    would fill with the bot's tables (postgres.foreign: tables but no schema_version, or a
    schema_version without groupbot's core); else its schema_version's versions, or None
    for a new database: a file without tables (its schema cookie, PRAGMA schema_version,
    still 0)."""
    if db.execute("PRAGMA schema_version").fetchone()[0] == 0:
        if (lock := _lock_file(path)) is not None:  # (a new database: none beside it)
            raise ForeignDatabase(lock)
        return None
    try:
        found: dict[str, int] | None = _versions_in(
            db.execute("SELECT component, version FROM schema_version"), str(path))
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        found = None
    if (why := postgres.foreign(found, tables=True)) is not None:
        raise ForeignDatabase(postgres.not_ours(str(path), why))
    return found


_LOCK_FILE = re.compile(r"(.+)\.lock(?:-.*)?")  # bot/instance.py's: live.db.lock(-NAME)


def _lock_file(path: Path | str) -> str | None:
    """Why the file at `path`, without tables, is no database: the one-process lock file
    beside a database (bot/instance.py), which a path completed one step too far gives
    (`--db data/groupbot.db.lock` said "holds no tables": review r51); else None."""
    name = _LOCK_FILE.fullmatch(Path(path).name)
    if name is None or not (database := Path(path).with_name(name[1])).is_file():
        return None
    return f"{path} is the lock file of the database {database} (a bot holds it as it " \
           f"runs; it holds no data): give {database}"


def _versions_in(rows: Iterable[Sequence[Any]], where: str) -> dict[str, int]:
    """Each component's version in schema_version's rows; ForeignDatabase when one is no
    number (another application's table of that name)."""
    try:
        return postgres.versions(rows)
    except ValueError as exc:
        raise ForeignDatabase(f"{where} is not a groupbot database ({exc})") from None


def foreign(path: Location) -> str | None:
    """Why the SQLite file at `path` is another application's database (as `open` would
    refuse it), or None: a groupbot database, a new one, no file, or a PostgreSQL URL.
    For `groupbot check`: a read-only connection of its own, closed at once (it reads what a
    WAL left by a crash holds, and writes nothing back)."""
    if postgres.is_url(path) or not Path(path).is_file():
        return None
    try:
        db = sqlite3.connect(_read_only(path), uri=True)
    except sqlite3.Error:
        return None  # (the header check has said what is wrong with it)
    try:
        _refuse_foreign(db, path)
    except ForeignDatabase as exc:
        return str(exc)
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return None


def _read_only(path: Path | str) -> str:
    """The file's URI for a read-only connection (as_uri quotes the '#', '?' and '%' a path
    may hold, which a URI would take for its own)."""
    return f"{Path(path).absolute().as_uri()}?mode=ro"


async def _wal(db: sqlite3.Connection) -> None:
    """WAL mode. Switching a new file to it takes the file to itself, and processes starting
    together on it may each hold the read lock while wanting that one: SQLite then answers
    "database is locked" at once rather than wait (the busy timeout cannot help a deadlock),
    so try again, for as long as a write would wait."""
    deadline = time.monotonic() + BUSY_WAIT
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.01)


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of a migration step, one by one (a trigger's body and a quoted `;`
    stay inside their statement)."""
    statement = ""
    for part in script.split(";"):
        statement += part + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \t\n;"):
                yield statement
            statement = ""
    if statement.strip(" \t\n;"):
        yield statement


class SqliteStore(Journaled):
    """One synchronous connection on the loop thread. `await SqliteStore.open(...)`, then
    always `close()`."""

    def __init__(self, db: sqlite3.Connection, path: Path | str) -> None:
        self._db = db
        # the writes and the reads of every row go through this one cursor: Connection.execute
        # makes (and frees) a cursor per statement, a tenth of a short statement's cost
        self._cursor = db.cursor()
        self.path = path
        self._depth = 0
        self._lazy: str | None = None  # a savepoint to open before the next write
        self._journal = Journal()  # deferred writes and undos of the open transaction
        self.lost: Exception | None = None
        self.when_lost: Callable[[], object] | None = None
        self._batch = False  # a transaction open across events (group commit)
        self._pending = 0  # events in it
        self._commit_after = False  # commit when the event under way ends
        self._flush: asyncio.Handle | None = None
        self._checkpoint: asyncio.Future[None] | None = None  # one running off the loop
        self._checkpointer: sqlite3.Connection | None = None  # its connection
        self._checkpointed = time.monotonic()
        self._commits = 0  # since the last checkpoint began
        self._full = False  # synchronous=FULL for the next commit (a durable write)

    @classmethod
    async def open(cls, path: Path | str, migrations: Mapping[str, Sequence[str]],
                   before: Before | None = None) -> SqliteStore:
        _make_directory(path)
        try:
            return await cls._open(path, migrations, before)
        except sqlite3.Error as exc:
            raise _unusable(path, exc, write=True) from None

    @classmethod
    async def _open(cls, path: Path | str, migrations: Mapping[str, Sequence[str]],
                    before: Before | None) -> SqliteStore:
        if Path(path).is_file() and not os.access(path, os.R_OK | os.W_OK):
            # SQLite would open a file it may not write read-only, and fail at the first write
            raise sqlite3.OperationalError(_cannot_use(Path(path), write=True) or
                                           f"cannot open {path} for writing")
        # several processes on one file (docs/scale.md) wait up to 30 s for the write lock
        db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_WAIT)
        store = cls(db, path)
        try:
            _refuse_foreign(db, path)  # before anything is written to it, WAL mode included
            await _wal(db)
            # in WAL mode NORMAL syncs at each checkpoint, not at each commit: a commit
            # survives the process being killed; power lost may take back the last ones,
            # never half of one (docs/architecture.md: durability and WAL)
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
            db.execute(f"PRAGMA wal_autocheckpoint={WRITER_CHECKPOINT}")
            db.execute("PRAGMA foreign_keys=ON")
            # savepoints' journal in memory: once it outgrew 64 KiB (an event that warns and
            # removes) it went to a temporary file, and every later event of the batch paid
            # a write() per page it changed first
            db.execute("PRAGMA temp_store=MEMORY")
            if before is not None:
                await before(store)
            store._migrate(migrations)
        except BaseException:
            db.close()
            raise
        return store

    async def close(self) -> None:
        await self.flush()
        if self._checkpoint is not None:
            await self._checkpoint
        if self._checkpointer is not None:
            self._checkpointer.close()
        self._db.close()

    async def checkpoint(self) -> None:
        """Checkpoint the WAL now, off the loop (after the one running, if any)."""
        if self._checkpoint is not None:
            await self._checkpoint
        self._checkpoint = asyncio.get_running_loop().run_in_executor(None, self._checkpoint_now)
        await self._checkpoint

    def _checkpoint_soon(self) -> None:
        """After a commit: a checkpoint off the loop, unless one runs, or the last began a
        moment ago and fewer than CHECKPOINT_COMMITS commits were made since."""
        self._commits += 1
        if self._checkpoint is not None and not self._checkpoint.done():
            return
        now = time.monotonic()
        if (now - self._checkpointed < CHECKPOINT_EVERY and
                self._commits < CHECKPOINT_COMMITS) or str(self.path) == ":memory:":
            return
        self._checkpointed, self._commits = now, 0
        self._checkpoint = asyncio.get_running_loop().run_in_executor(None, self._checkpoint_now)

    def _checkpoint_now(self) -> None:
        """On a worker thread, with a connection of its own: copy the committed pages from
        the WAL into the database file (PASSIVE: it never waits for the writer or readers;
        what it cannot copy now, the next one does)."""
        with contextlib.suppress(sqlite3.Error):  # busy, or a file gone: the next one
            if self._checkpointer is None:
                self._checkpointer = sqlite3.connect(self.path, isolation_level=None,
                                                     check_same_thread=False)
                self._checkpointer.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    async def flush(self) -> None:
        self._commit()

    def _commit(self) -> None:
        """Commit the open batch of events, unless an event is under way (then it commits
        when that event ends)."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if self._depth:
            self._commit_after = True
        elif self._batch:
            self._batch, self._pending, self._commit_after = False, 0, False
            journal = self._journal.take()
            try:
                for sql, rows in journal.writes():
                    _write(self._cursor, sql, rows)
                self._cursor.execute("COMMIT")
            except BaseException as exc:  # the batch is lost, and so is what it changed in
                with contextlib.suppress(sqlite3.Error):  # memory
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                journal.rollback()
                if isinstance(exc, Exception):
                    self._lose(exc)
                raise
            if self._full:  # (a durable write joined this batch: synced with it)
                self._synchronous(full=False)
            self._checkpoint_soon()

    def _commit_soon(self) -> None:
        """The loop came round after the events handled back to back: commit them. Nobody
        awaits this commit: one that fails is said by `lost` (and its log line), not raised
        into the loop."""
        with contextlib.suppress(Exception):
            self._commit()

    def _lose(self, exc: Exception) -> None:
        if self.lost is None:
            log.error("a commit failed, and the events in it are lost: %s; the bot stops", exc)
            self.lost = exc
            if self.when_lost is not None:
                self.when_lost()

    def _migrate(self, migrations: Mapping[str, Sequence[str]]) -> None:
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY,"
            " version INTEGER NOT NULL)")
        versions = _versions_in(
            self._db.execute("SELECT component, version FROM schema_version"), str(self.path))
        for component, steps in migrations.items():
            if versions.get(component, 0) >= len(steps):
                continue  # (most starts: one read for all of them)
            while (done := self._version(component)) < len(steps):
                # Several processes may start together on one file (docs/scale.md): each step
                # runs under the write lock, after reading the version again under it, so it
                # runs once (executescript would commit first: the statements go one by one).
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    if self._version(component) == done:
                        for statement in _statements(steps[done]):
                            self._db.execute(statement)
                        self._db.execute(
                            "INSERT INTO schema_version VALUES (?, ?) ON CONFLICT (component)"
                            " DO UPDATE SET version = excluded.version", (component, done + 1))
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")

    def _version(self, component: str) -> int:
        row = self._db.execute("SELECT version FROM schema_version WHERE component = ?",
                               (component,)).fetchone()
        return int(row[0]) if row else 0

    def transaction(self) -> _Transaction:
        """One event's writes, all or nothing (or a savepoint inside the open one); rolled back
        on error.

        Group commit: an event is a savepoint (but the first: it holds the transaction alone,
        a ROLLBACK undoes it) in a transaction that stays open across the events handled
        back to back, and is committed as soon as the loop has nothing else
        ready (or after BATCH events, or at flush()). A crash loses whole events of the last
        moment, never half of one; the bot flushes before it sends anything."""
        return _Transaction(self)

    async def _begin(self) -> bool:
        """BEGIN IMMEDIATE: the write lock first, so a transaction that read never fails to
        upgrade because another process wrote meanwhile (SQLITE_BUSY without a wait). While
        another process holds it (docs/scale.md), the loop goes on: the lock is tried every
        LOCK_POLL up to BUSY_WAIT, not waited for by sqlite3's busy handler, which sleeps on
        the loop's thread (no gateway stream, no console, no keepalive answer meanwhile).
        True once begun; False if another transaction of this store began meanwhile (it is
        joined then, as a savepoint)."""
        self._cursor.execute("PRAGMA busy_timeout = 0")
        try:
            deadline = time.monotonic() + BUSY_WAIT
            while True:
                try:
                    self._cursor.execute("BEGIN IMMEDIATE")
                    return True
                except sqlite3.OperationalError as exc:
                    if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or \
                            time.monotonic() > deadline:
                        raise
                await asyncio.sleep(LOCK_POLL)
                if self._batch or self._depth:
                    return False
        finally:
            self._cursor.execute(_BUSY_TIMEOUT)

    def _end_of_event(self) -> None:
        self._pending += 1
        if self._pending >= BATCH or self._commit_after:
            self._commit()
        elif self._flush is None:
            self._flush = asyncio.get_running_loop().call_soon(self._commit_soon)

    def _release(self, name: str) -> None:
        self._cursor.execute(f"RELEASE {name}")

    def _undo(self, name: str) -> None:
        self._db.execute(f"ROLLBACK TO {name}")
        self._db.execute(f"RELEASE {name}")

    def _before_write(self) -> None:
        if self._lazy is not None:
            name, self._lazy = self._lazy, None
            self._cursor.execute(f"SAVEPOINT {name}")

    def _synchronous(self, *, full: bool) -> None:
        """FULL: the next commit syncs the WAL (a durable write); NORMAL, the rule, does not.
        Only outside a transaction (SQLite refuses it inside)."""
        if full != self._full:
            self._cursor.execute("PRAGMA synchronous=FULL" if full else "PRAGMA synchronous=NORMAL")
            self._full = full

    async def _alone(self, write: Callable[[], T], durable: bool = False) -> T:
        """A write outside any event (the delivery's bookkeeping of each send, audit rows,
        the governor's): it commits the open batch first, as it always did, then is a
        transaction of its own, begun as transaction() begins one, so that waiting for
        another process's write lock lets the loop run (an autocommit write waited in
        sqlite3's busy handler, on the loop's thread). An event that begins meanwhile is
        joined, as any write made while an event is under way joins it (a durable write then
        makes that batch's commit sync the WAL)."""
        while True:
            if self._batch:
                self._commit()
            if durable:
                self._synchronous(full=True)
            if await self._begin():
                break
            if self._depth:
                self._before_write()
                return write()
        try:
            done = write()
            self._cursor.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
            raise
        finally:
            if self._full and not self._db.in_transaction:
                self._synchronous(full=False)
        self._checkpoint_soon()
        return done

    async def execute(self, sql: str, params: Sequence[Any] = (), *,
                      durable: bool = False) -> int:
        if not self._depth:
            return await self._alone(lambda: self._cursor.execute(sql, params).lastrowid or 0,
                                     durable)
        if durable:  # (it would be the event's, committed with it, later)
            raise ValueError("a durable write is made outside any event's transaction")
        self._before_write()
        return self._cursor.execute(sql, params).lastrowid or 0

    async def changes(self, sql: str, params: Sequence[Any] = ()) -> int:
        if not self._depth:
            return await self._alone(lambda: self._cursor.execute(sql, params).rowcount)
        self._before_write()
        return self._cursor.execute(sql, params).rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        if not self._depth:
            await self._alone(lambda: self._cursor.executemany(sql, rows))
            return
        self._before_write()
        self._cursor.executemany(sql, rows)

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row = self._db.execute(sql, params).fetchone()  # (its own cursor: one row of
        # several would leave the statement open on the shared one)
        return tuple(row) if row is not None else None

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(row) for row in self._cursor.execute(sql, params).fetchall()]


_INSERT = re.compile(r"(INSERT INTO \w+ \([\w, ]+\) VALUES )(\((?:\?, )*\?\))")
_rows_at_once: dict[tuple[str, int], str | None] = {}  # (sql, rows): the statement, if any


def _write(cursor: sqlite3.Cursor, sql: str, rows: list[Sequence[Any]]) -> None:
    """A run of one deferred statement at the commit. A plain `INSERT ... VALUES (?, ...)`
    inserts up to 128 rows in one statement, in order: each run of a statement costs a step
    of SQLite's (with AUTOINCREMENT, a read and a write of its sequence) and a call from
    Python, and a batch's deferred inserts (antispam's row for each message) are its
    commit's dearest part. A row that fails fails its whole statement, and so the commit,
    as it does alone."""
    done = 0
    while len(rows) - done > 1:
        count = min(128, 1 << (len(rows) - done).bit_length() - 1)
        key = sql, count
        many = _rows_at_once.get(key, "")
        if many == "":
            found = _INSERT.fullmatch(sql)
            many = _rows_at_once[key] = None if found is None else \
                found[1] + ", ".join([found[2]] * count)  # (the statements are the code's)
        if many is None:
            break
        cursor.execute(many, list(chain.from_iterable(rows[done:done + count])))
        done += count
    if done < len(rows):
        cursor.executemany(sql, rows[done:] if done else rows)


_SAVEPOINTS = tuple((f"SAVEPOINT sp{depth}", f"RELEASE sp{depth}") for depth in range(8))


class _Transaction:
    """SqliteStore.transaction(). A plain class: it is entered once per event (and per
    nested transaction), and a generator-based context costs several times more."""

    __slots__ = ("_depth", "_mark", "_store")

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self._depth = -1  # the savepoint's depth; -1: the batch's first event, no savepoint
        self._mark = 0

    async def __aenter__(self) -> None:
        store = self._store
        if store._depth == 0 and not store._batch and await store._begin():
            store._batch = True  # the batch's first event needs no savepoint: ROLLBACK undoes it
            depth = 0
        else:
            depth = store._depth  # (read after the wait for the lock: another may have begun)
            store._cursor.execute(_SAVEPOINTS[depth][0] if depth < len(_SAVEPOINTS)
                              else f"SAVEPOINT sp{depth}")
            self._depth = depth
        store._depth = depth + 1
        self._mark = len(store._journal.entries)

    async def __aexit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        store, depth = self._store, self._depth
        store._depth -= 1
        if kind is None:
            if depth >= 0:
                store._cursor.execute(_SAVEPOINTS[depth][1] if depth < len(_SAVEPOINTS)
                                  else f"RELEASE sp{depth}")
            if store._depth == 0:
                store._end_of_event()
            return
        store._journal.rollback(self._mark)
        if depth < 0:  # the batch held this event only
            if store._db.in_transaction:  # (SQLite may have rolled it back already)
                store._db.execute("ROLLBACK")
            store._batch, store._pending, store._commit_after = False, 0, False
        else:
            store._undo(f"sp{depth}")
            if store._depth == 0:
                store._end_of_event()



class SqliteReader:
    """A read-only connection on a thread of its own (aiosqlite): long reads (reports, series
    over weeks) run there and see the last committed state, while the loop goes on. It
    connects on the first read (and on the next, when that connect failed)."""

    def __init__(self, path: Path | str) -> None:
        self._connection = Connect(lambda: aiosqlite.connect(
            _read_only(path), uri=True, isolation_level=None))

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async def read(db: aiosqlite.Connection) -> Row | None:
            async with db.execute(sql, params) as cursor:
                row = await cursor.fetchone()
            return tuple(row) if row is not None else None

        return await self._read(read)

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async def read(db: aiosqlite.Connection) -> list[Row]:
            async with db.execute(sql, params) as cursor:
                return [tuple(row) for row in await cursor.fetchall()]

        return await self._read(read)

    async def _read(self, read: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """A read on the connection. One that finds the file is no database (or a corrupt
        one: garbage copied over it, a restore half done) drops the connection, so that the
        next read opens the file again once it is right: else every page failed until a
        restart. Any other failure (a missing table, a busy file) leaves it to the other
        reads under way. (A file renamed over it is not seen: the connection keeps the old
        one.)"""
        db = await self._connection()
        try:
            return await read(db)
        except sqlite3.DatabaseError as exc:
            started = self._connection.started
            if getattr(exc, "sqlite_errorcode", None) in _NOT_A_DATABASE and \
                    started is not None and started.done() and not started.cancelled() and \
                    started.exception() is None and started.result() is db:
                self._connection.started = None
                with contextlib.suppress(sqlite3.Error):
                    await db.close()
            raise

    async def close(self) -> None:
        if self._connection.started is None:
            return
        with contextlib.suppress(sqlite3.Error):  # it never opened: nothing to close
            await (await self._connection.started).close()


async def open_store(path: Location, migrations: Mapping[str, Sequence[str]],
                     before: Before | None = None) -> Store:
    """The store at `path` (a file, or a postgresql:// URL) with every component's migrations
    applied (the core's first). `before` runs on it first, before any migration: the
    one-process lock (bot/instance.py), so that a process refused never changed the schema
    of the database another one serves."""
    every = {"core": CORE_MIGRATIONS, **migrations}
    store: Store = await (postgres.PgStore.open(str(path), every, before)
                          if postgres.is_url(path) else SqliteStore.open(path, every, before))
    try:
        rows = await store.all("SELECT component, version FROM schema_version")
        for component, version in _versions_in(rows, postgres.shown(str(path))).items():
            if component in every and version > len(every[component]):
                # its code reads and writes tables as that newer version left them
                raise _newer(component, version, len(every[component]))
    except BaseException:
        await store.close()
        raise
    return store


async def check_readable(reader: Reader, path: Location,
                         migrations: Mapping[str, Sequence[str]]) -> None:
    """For a command that only reads (report, export, audit): raise unless this version's
    code reads the database at `path` (through `reader`) as it is. It never migrates: a
    bot of another version may be serving the database, and would misread tables changed
    under it (docs/scale.md, Upgrading)."""
    every = {"core": CORE_MIGRATIONS, **migrations}
    versions = await _versions(reader, path)
    for component, steps in every.items():
        version, known = versions.get(component, 0), len(steps)
        if version > known:
            raise _newer(component, version, known)
        if version < known:
            raise OlderDatabase(
                f"an older groupbot made it ({component} is at version {version}, this one "
                f"has {known}): start this version's bot on it first, which migrates it "
                "(docs/scale.md, Upgrading)")


def _newer(component: str, version: int, known: int) -> NewerDatabase:
    return NewerDatabase(
        f"a newer groupbot migrated it ({component} is at version {version}, this one knows "
        f"{known}): run that version here too (docs/scale.md, Upgrading)")


async def _versions(reader: Reader, path: Location) -> dict[str, int]:
    """Each component's version in the database. An SQLite file is looked at first on a
    connection of its own, closed at once: another application's database is refused as
    the store refuses it, and keeps no side file of ours."""
    if postgres.is_url(path):
        where = postgres.shown(str(path))
        tables = {name for name, in await reader.all(postgres.TABLES)}
        found = _versions_in(await reader.all("SELECT component, version FROM schema_version"),
                             where) if "schema_version" in tables else None
        if (why := postgres.foreign(found, bool(tables - {"schema_version"}))) is not None:
            raise ForeignDatabase(postgres.not_ours(where, why))
        if found is None:  # (no table at all: tables and no schema_version are foreign)
            raise OlderDatabase(f"{where}: {postgres.NO_SCHEMA}" if not await _a_schema(reader)
                                else f"{where} holds no tables: no groupbot has run on it yet")
        return found
    try:
        db = sqlite3.connect(path)
        try:
            found = _refuse_foreign(db, path)
            if found is None:
                raise OlderDatabase(f"{path} holds no tables: no groupbot has run on it yet")
            return found
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise _unusable(path, exc, write=False) from None


async def _a_schema(reader: Reader) -> bool:
    """Whether the URL's search_path names a schema that exists (none: a typo in it, which
    `report` said was a database no groupbot has run on: review s41 r51 finding 7)."""
    row = await reader.one("SELECT current_schema()")
    return row is not None and row[0] is not None


def open_reader(path: Location) -> SqliteReader | postgres.PgReader:
    """A read-only view of the store at `path`, off the event loop (`close()` it)."""
    if postgres.is_url(path):
        return postgres.PgReader(str(path))
    return SqliteReader(path)
