"""The one-process rule: one bot process serves a database, or, with `accounts` in bot.yaml,
one process per account (docs/scale.md, "One process a database"). Owner of the
`instances` table: who serves the database now (account, pid, host, since), so a process
that is refused can name the one in its way.

Two processes on one database would both load the outbox and both send what was queued (and,
on WeChat, both receive the account's events and answer each): everything done twice. So a
bot takes, before it loads anything, a lock that lives exactly as long as its process:

- SQLite: `flock` on a file beside the database (`live.db.lock`, and `live.db.lock-NAME` for
  account NAME): the kernel drops it when the process ends, however it ends.
- PostgreSQL: a session advisory lock on the store's own connection: the server drops it
  when that connection closes, or when the process dies and the connection with it; when
  the bot's machine dies (no connection is closed), the server finds it gone by TCP
  keepalive probes within about a minute (`KEEPALIVE`). A process of an account that
  stalls with a transaction open has its session ended by the server after twice the
  takeover time (`Held.limit_stalls`), so it cannot hold up the account that took its
  groups over.

A process without an account takes the database's lock alone (exclusive); a process of an
account shares the database's lock with the other accounts' processes and takes its
account's lock alone. So a second process without an account, a second process of one
account, or an account's process next to one without an account, is refused (`Taken`) and
its store closed, before it migrated, loaded or sent anything (the lock is taken on the
store just opened: bot/store.py open_store's `before`). A crashed holder never blocks a
restart: its lock died with it. Commands that only read (`groupbot web` alone, report,
export, audit, check) take no lock and run while a bot runs.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot import postgres
from bot.store import Location, Store, StoreError
from bot.times import instant, stamp

MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE instances (account TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL,
                            since TEXT NOT NULL);
    """,
)

# PostgreSQL: the server probes the bot's connection after 30 s of silence, every 10 s, and
# ends it (and so frees the lock) after 3 unanswered probes: a bot whose machine died (power,
# network) holds the database about a minute, not the two hours of the system's default
KEEPALIVE = (("tcp_keepalives_idle", 30), ("tcp_keepalives_interval", 10),
             ("tcp_keepalives_count", 3))
_WHOLE = ""  # the `instances` row (and the lock) of the database as a whole
_ACCOUNTS = "groupbot processes"  # who holds the database's lock together


class Taken(ValueError):
    """Another process serves the database (or the account): this one must not start. A
    ValueError: `groupbot run` says it and exits 2."""


class _Locks:
    """Locks that die with this process, by name ("" the database's, else an account's)."""

    def __init__(self, store: Store, location: Location) -> None:
        self._store = store
        self._file = None if postgres.is_url(location) else f"{location}.lock"
        self.files: list[int] = []  # SQLite: the lock files open (closing one drops its lock)

    @property
    def on_postgres(self) -> bool:
        return self._file is None

    async def take(self, name: str, exclusive: bool) -> bool:
        if self._file is None:
            for setting, value in KEEPALIVE:  # this session's, so its server notices a
                await self._store.execute(f"SET {setting} = {value}")  # dead bot's machine
            function = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
            row = await self._store.one(f"SELECT {function}(?)", (await self._key(name),))
            return bool(row and row[0])
        path = self._file + (f"-{name}" if name else "")
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise Taken(f"cannot open the lock file {path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.files.append(fd)
        return True

    async def shared_by_accounts(self) -> bool:
        """Whether the database's lock, which this process could not take alone, is shared by
        accounts' processes (else one process without an account holds it)."""
        if not await self.take(_WHOLE, exclusive=False):
            return False
        if self._file is None:
            await self._store.one("SELECT pg_advisory_unlock_shared(?)",
                                  (await self._key(_WHOLE),))
        else:
            os.close(self.files.pop())
        return True

    async def _key(self, name: str) -> int:
        """The advisory lock's key: advisory locks are the database's, and a deployment is
        a schema of it (bench runs beside a bot in one of their own: bot/bench.py)."""
        row = await self._store.one("SELECT current_schema()")
        return _key(f"{row[0] if row else ''}/{name}")

    def drop(self) -> None:
        for fd in self.files:
            os.close(fd)
        self.files = []


def _key(name: str) -> int:
    """The advisory lock's key of a name: 64 bits of its hash, as PostgreSQL's bigint."""
    digest = hashlib.sha256(f"groupbot instance {name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Held:
    """What this process holds on its database; `release` it before the store closes."""

    def __init__(self, store: Store, account: str, locks: _Locks) -> None:
        self._store = store
        self._account = account
        self._locks = locks

    async def limit_stalls(self, takeover: timedelta) -> None:
        """PostgreSQL, a process of an account: the server ends this process's session when
        it keeps a transaction open and says nothing for twice `takeover` (it stalled:
        SIGSTOP, a frozen VM). Its groups went to other accounts after `takeover`, and their
        statements would otherwise wait for ever on the rows its open batch holds (a seen
        event's key: docs/scale.md); ended, the batch is undone as if the process had died,
        and the process, when it runs on, stops (exit 1, `postgres.Stalled`) to be started
        again. Twice: a process that is only slow (a loaded machine) loses its leases, not
        its session. At the start and at each reload."""
        if isinstance(self._store, postgres.PgStore) and self._account != _WHOLE:
            await self._store.limit_stalls(2 * takeover.total_seconds())

    async def register(self) -> None:
        """Once the store is migrated: this process serves the database, as its row says
        (replacing rows left by processes that died: nobody else serves the database, without
        an account; the database as a whole and this account, with one)."""
        try:
            async with self._store.transaction():
                if self._account == _WHOLE:
                    await self._store.execute("DELETE FROM instances")
                else:
                    await self._store.execute("DELETE FROM instances WHERE account IN (?, ?)",
                                              (_WHOLE, self._account))
                await self._store.execute(
                    "INSERT INTO instances (account, pid, host, since) VALUES (?, ?, ?, ?)",
                    (self._account, os.getpid(), socket.gethostname(),
                     stamp(datetime.now(UTC))))
            await self._store.flush()
        except BaseException:
            self.drop()
            raise

    def drop(self) -> None:
        """Let the locks go (the store could not be opened after all)."""
        self._locks.drop()

    async def release(self) -> None:
        """This process no longer serves the database: its row goes, then its locks (on
        PostgreSQL they go with the store's connection too)."""
        try:
            async with self._store.transaction():
                await self._store.execute(
                    "DELETE FROM instances WHERE account = ? AND pid = ? AND host = ?",
                    (self._account, os.getpid(), socket.gethostname()))
            await self._store.flush()
        finally:
            self._locks.drop()


async def hold(store: Store, location: Location, account: str | None,
               takeover: timedelta | None = None) -> Held:
    """Take the database (without an account) or the account's share of it, for as long as
    this process runs; `Taken`, naming who serves it, when another process does. Taken on a
    store just opened, before its migrations (open_store's `before`): then `Held.register`.
    `takeover`: the accounts' (Held.limit_stalls)."""
    name = account or _WHOLE
    locks = _Locks(store, location)
    if str(location) == ":memory:":  # no other process can open it
        return Held(store, name, locks)
    try:
        if not await locks.take(_WHOLE, exclusive=account is None):
            if account is None and await locks.shared_by_accounts():
                raise Taken(_refused(_ACCOUNTS, await _rows(store, "<>", _WHOLE),
                                     "serve this database; stop them first: docs/scale.md"))
            raise Taken(_refused("another groupbot", await _rows(store, "=", _WHOLE), (
                "serves this database; stop it first, or configure accounts: docs/scale.md"
                if account is None else "serves this database without an account; stop it "
                "first, then run one process per account: docs/scale.md")))
        if account is not None and not await locks.take(account, exclusive=True):
            raise Taken(_refused("another groupbot", await _rows(store, "=", account),
                                 f"serves account {account} on this database; stop it first: "
                                 "docs/scale.md", whole=False))
        held = Held(store, name, locks)
        if takeover is not None:
            await held.limit_stalls(takeover)
    except BaseException:
        locks.drop()
        raise
    return held


async def _rows(store: Store, compare: str, account: str) -> list[tuple[str, ...]]:
    """Who serves the database, as its rows say: those whose account is (`=`) or is not
    (`<>`) `account`; none while the one serving it has not made the table yet (it is
    migrating a new database, say)."""
    try:
        return [tuple(map(str, row)) for row in await store.all(
            f"SELECT account, pid, host, since FROM instances WHERE account {compare} ?"
            " ORDER BY account", (account,))]
    except StoreError:
        return []


def _refused(who: str, rows: list[tuple[str, ...]], does: str, whole: bool = True) -> str:
    """E.g. "another groupbot (pid 7 on host h1, since 2026-11-30 05:00:00 UTC) serves ...";
    the processes of several accounts each with its account. A holder with no row is no bot
    (a bot writes its row once it has migrated): one starting or stopping, or a `groupbot
    storage copy` into the database."""
    if not rows and whole and who != _ACCOUNTS:  # (the whole database held, by no bot yet)
        return ("another groupbot process holds this database and has not said it serves it "
                "(a bot starting or stopping, or a `groupbot storage copy` into it); wait for "
                "it to end, or stop it: docs/scale.md")
    holders = "; ".join(
        f"{'--account ' + name + ': ' if who == _ACCOUNTS else ''}pid {pid} on host {host}, since "
        f"{instant(since):%Y-%m-%d %H:%M:%S} UTC" for name, pid, host, since in rows)
    return f"{who}{f' ({holders})' if holders else ''} {does}"
