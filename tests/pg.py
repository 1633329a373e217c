"""A real PostgreSQL for the tests, from Debian's server binaries (apt-get install postgresql):
one server per test session (pg_ctl on a copy of a cluster initdb made once a machine, in a
temporary directory, on a free port, stopped and removed at the end), an empty database per
test.

    def test_x(postgres: Postgres) -> None:       # the session's server
        url = postgres.database()                  # a new empty database: its postgresql:// URL
        ...                                        # `storage: <url>`, open_store(url, ...), a
                                                   # `groupbot run` subprocess: all the same

    def test_y(storage: Path | str) -> None:      # runs twice: an SQLite file, then a URL
        ...

    pytestmark = pytest.mark.usefixtures("backend")  # every Harness of the module's tests on
                                                     # each backend in turn

    @pytest.mark.no_store                          # in such a module, a test that opens no
    def test_z() -> None:                          # store: it runs once (on SQLite), as
        ...                                        # both copies would run the same code

`database()` makes a new database (about 0.3 s, and the bot's migrations another 0.3 s on
first open); `storage` and `backend` hand out one shared database instead, emptied before
each test (its tables stay, so the migrations run once a session), and the stores that open
it get connections kept from test to test (`Kept`).

Without the binaries the tests that need them skip, saying so, unless GROUPBOT_STRICT_TESTS=1
(CI), where they fail. As root, the server runs as the `postgres` user (initdb refuses root).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import harness
import pytest
import required

import bot.postgres
from bot.postgres import PostgresError, connect

T = TypeVar("T")
Connection = Any  # an asyncpg connection (only bot/postgres.py imports the driver)

USER = "postgres"


def binaries() -> Path | None:
    """The newest installed server's bin directory (initdb, pg_ctl, psql), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                   key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    found = [p for p in found if (p / "initdb").exists() and (p / "pg_ctl").exists()]
    return found[-1] if found else None


def require_postgres() -> Path:
    """The server's bin directory; skip when there is none, unless GROUPBOT_STRICT_TESTS=1
    (CI): then fail."""
    found = binaries()
    if found is not None:
        return found
    required.missing("no PostgreSQL server: /usr/lib/postgresql/*/bin/initdb not found "
                     "(apt-get install -y postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Postgres:
    """One running server. `database()` makes a new empty database and gives its URL."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        # where tmp_path is (tests/conftest.py: in memory where there is /dev/shm): initdb
        # there takes a third of the time, with a tenth of the system time
        self.root = Path(tempfile.mkdtemp(prefix="groupbot-pg-",
                                          dir=os.environ.get("PYTEST_DEBUG_TEMPROOT")))
        self.data = self.root / "data"
        self.port = _free_port()
        self.host = "127.0.0.1"
        self._names = itertools.count(1)
        self._shared: str | None = None
        self._session: Session | None = None  # a connection to it, kept for emptying
        self.kept: Kept | None = None  # the stores' connections to it
        self._as_user: list[str] = []
        if os.geteuid() == 0:  # initdb and the server refuse to run as root
            shutil.chown(self.root, USER)
            self._as_user = ["runuser", "-u", USER, "--"]

    def _run(self, *command: str) -> None:
        subprocess.run([*self._as_user, *command], check=True, capture_output=True,
                       cwd=self.root, timeout=120)

    def start(self) -> None:
        self._run("cp", "-a", str(self._cluster()), str(self.data))
        options = (f"-p {self.port} -k {self.root} -c listen_addresses={self.host}"
                   " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                   " -c max_connections=200")
        log = self.root / "server.log"
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                      "-l", str(log), "-w", "start")
        except subprocess.CalledProcessError as exc:  # say why: the server's own words
            said = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
            raise RuntimeError(f"the test PostgreSQL on port {self.port} did not start "
                               f"({exc.stderr.decode(errors='replace').strip()}):\n{said}"
                               ) from exc

    def _cluster(self) -> Path:
        """A new cluster's files as initdb makes them, made once a machine for this server
        (next to the servers' own, about 40 MB): each server starts on a copy of them, 0.04 s
        of CPU where initdb costs 0.35 s, in each worker of every suite run."""
        initdb = self.bin / "initdb"
        made = self.root.parent / (
            f"groupbot-pg-cluster-{self.bin.parent.name}-{int(initdb.stat().st_mtime)}"
            f"-{os.geteuid()}")
        with open(f"{made}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one worker makes it, the others wait for it
            if not made.exists():
                building = Path(tempfile.mkdtemp(prefix=f"{made.name}-", dir=made.parent))
                try:
                    if self._as_user:
                        shutil.chown(building, USER)
                    self._run(str(initdb), "-D", str(building / "data"), "-U", USER,
                              "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
                    (building / "data").rename(made)  # whole, or not there at all
                finally:
                    shutil.rmtree(building, ignore_errors=True)
        return made

    def stop(self) -> None:
        if self._session is not None:
            self._session.close()
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@{self.host}:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement with psql as the superuser; its output, unaligned."""
        done = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-d", self.url(database), "-c", statement],
            check=True, capture_output=True, text=True, timeout=60)
        return done.stdout

    def database(self) -> str:
        """A new empty database: its URL."""
        name = f"t{next(self._names)}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE template0 STRATEGY FILE_COPY")
        return self.url(name)

    def emptied(self) -> str:
        """The shared database with every row of every table deleted and every identity
        restarted (connections a test left open are ended first, all but the idle ones
        `kept`): its URL. DELETE, not TRUNCATE: on a few rows it costs the server a third
        (TRUNCATE makes new files for every table and index)."""
        if self._shared is None or self._session is None:
            self._shared = self.database()
            self._session = Session(self._shared)
        idle = ", ".join(str(pid) for pid in (self.kept.reclaim() if self.kept else []))
        self._session.execute(f"""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND pid NOT IN ({idle or 0});
            DO $$ DECLARE t text; BEGIN
                FOR t IN SELECT format('%I', tablename) FROM pg_tables
                        WHERE schemaname = 'public' AND tablename <> 'schema_version' LOOP
                    EXECUTE 'DELETE FROM ' || t;
                END LOOP;
                PERFORM setval(c.oid, 1, false) FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind = 'S' AND n.nspname = 'public';
                END $$;""")
        return self._shared

    def keeping(self, home: asyncio.AbstractEventLoop) -> Kept:
        """The stores' connections to the shared database (`emptied()` first), kept on
        `home`, the loop the worker's tests run on."""
        assert self._shared is not None
        if self.kept is None:
            self.kept = Kept(self._shared, home)
        assert self.kept.home is home, "the tests' event loop is the worker's (pyproject.toml)"
        return self.kept


class Session:
    """One asyncpg connection kept open for emptying the shared database, on an event loop of
    its own in a thread of its own (`storage` is a plain fixture: no loop runs there): a
    statement costs a round trip, where a psql process per statement costs a process and a
    server backend (about 17 ms)."""

    def __init__(self, url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._db = self._call(connect(url))

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=60)

    def execute(self, statements: str) -> None:
        self._call(self._db.execute(statements))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._call(self._db.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class Kept:
    """The stores' connections to the shared database, kept open from test to test in a
    worker. A store that opens it (bot.postgres.connect, which `storage` points here) gets an
    idle one if there is one: a server backend that has read the catalog and prepared the
    statements before (asyncpg's statement cache). A new connection per store cost the
    server about 10 ms of CPU a test: a new backend, its catalog caches filled again, every
    statement parsed and planned again. What passes from one store to the next is only that:
    a store's `close()` rolls back what it left open and resets the session (asyncpg's reset:
    settings, advisory locks, cursors, listeners).

    An asyncpg connection belongs to the event loop it was made on, and a worker's tests all
    run on one (pyproject.toml: asyncio_default_test_loop_scope): the connections kept are
    that loop's, and a store talks to one directly, at the cost of a plain connection.
    (They used to live on a thread's loop of their own, each call hopping over to it and
    back: 45 us of CPU more a call, three times the call's own, some 380 calls a test.) A
    store opened on another loop (an `asyncio.run` of a plain test, a command run on a
    thread) connects as ever, and so do other URLs (`database()`'s, a scratch schema's)."""

    def __init__(self, url: str, home: asyncio.AbstractEventLoop) -> None:
        self._url = url
        self.home = home  # the loop the worker's tests run on
        self._idle: dict[str, list[Connection]] = {}  # by connect()'s options
        self._lent: set[Connection] = set()

    async def connect(self, url: str, **options: Any) -> Any:
        if url != self._url or asyncio.get_running_loop() is not self.home:
            return await connect(url, **options)
        key = repr(sorted(options.items()))
        idle = self._idle.setdefault(key, [])
        db = idle.pop() if idle else await connect(url, **options)
        self._lent.add(db)
        return Lent(db, lambda: self._give_back(db, key))

    async def _give_back(self, db: Connection, key: str) -> None:
        self._lent.discard(db)
        if await _reset(db):
            self._idle[key].append(db)

    def reclaim(self) -> list[int]:
        """Before a test: the connections the last one never closed are ended; the server
        pids of the idle ones."""
        for db in self._lent:
            db.terminate()
        self._lent.clear()
        for key, idle in self._idle.items():
            self._idle[key] = [db for db in idle if not db.is_closed()]
        return [db.get_server_pid() for idle in self._idle.values() for db in idle]


async def _reset(db: Connection) -> bool:
    """The connection as a new one would be, but for its prepared statements: False if it
    is closed or cannot be reset (then it is ended)."""
    if db.is_closed():
        return False
    try:
        if db.is_in_transaction():
            await db.execute("ROLLBACK")
        await db.reset()
    except Exception:
        db.terminate()
        return False
    return True


class Lent:
    """A kept asyncpg connection as a store sees it: the calls bot/postgres.py makes.
    `close()` gives it back (once: after that, as after an asyncpg connection's close, every
    call fails: PostgresError, as the store says a driver's error)."""

    def __init__(self, db: Connection, give_back: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._db = db
        self._give_back = give_back
        self._closed = False

    def _live(self) -> Connection:
        if self._closed:
            raise PostgresError("connection is closed")
        return self._db

    def is_closed(self) -> bool:
        return self._closed or bool(self._db.is_closed())

    async def execute(self, *args: Any) -> Any:
        return await self._live().execute(*args)

    async def executemany(self, *args: Any) -> Any:
        return await self._live().executemany(*args)

    async def fetch(self, *args: Any) -> Any:
        return await self._live().fetch(*args)

    async def fetchrow(self, *args: Any) -> Any:
        return await self._live().fetchrow(*args)

    async def fetchval(self, *args: Any) -> Any:
        return await self._live().fetchval(*args)

    def transaction(self) -> Any:
        return self._live().transaction()

    def terminate(self) -> None:
        if not self._closed:
            self._closed = True
            self._db.terminate()

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._give_back()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "no_store: the test opens no store: not run again on PostgreSQL")


@pytest.hookimpl(tryfirst=True)  # before tests/conftest.py shares the tests out
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL copies of the tests marked `no_store` are deselected."""
    again = [item for item in items if item.get_closest_marker("no_store") is not None
             and getattr(item, "callspec", None) is not None
             and item.callspec.params.get("storage") == "postgresql"]
    if again:
        config.hook.pytest_deselected(items=again)
        left = set(items) - set(again)
        items[:] = [item for item in items if item in left]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    server = Postgres(require_postgres())
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture
def postgres(postgres_server: Postgres) -> Postgres:
    """The session's server (skips or fails, as above, where there is none)."""
    return postgres_server


@pytest.fixture(scope="session")
async def worker_loop() -> asyncio.AbstractEventLoop:
    """The event loop this worker's tests run on (pyproject.toml: one a worker)."""
    return asyncio.get_running_loop()


@pytest.fixture(params=["sqlite", "postgresql"])
def storage(request: pytest.FixtureRequest, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Path | str:
    """Where a test's store lives, once per backend: an SQLite file, then an empty
    PostgreSQL database's URL (whose stores' connections are `Kept`)."""
    if request.param == "sqlite":
        return tmp_path / "bot.db"
    server: Postgres = request.getfixturevalue("postgres_server")
    url = server.emptied()
    kept = server.keeping(request.getfixturevalue("worker_loop"))
    monkeypatch.setattr(bot.postgres, "connect", kept.connect)
    return url


@pytest.fixture
def backend(storage: Path | str, monkeypatch: pytest.MonkeyPatch) -> Path | str:
    """`storage`, and every Harness the test makes keeps its store there."""
    monkeypatch.setattr(harness, "STORAGE", storage)
    return storage
