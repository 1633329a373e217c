"""A real PostgreSQL for the tests, from Debian's server binaries (apt-get install postgresql):
one server per test session (initdb + pg_ctl in a temporary directory, on a free port,
stopped and removed at the end), an empty database per test.

    def test_x(postgres: Postgres) -> None:       # the session's server
        url = postgres.database()                  # a new empty database: its postgresql:// URL
        ...                                        # `storage: <url>`, open_store(url, ...), a
                                                   # `groupbot run` subprocess: all the same

    def test_y(storage: Path | str) -> None:      # runs twice: an SQLite file, then a URL
        ...

    pytestmark = pytest.mark.usefixtures("backend")  # every Harness of the module's tests on
                                                     # each backend in turn

`database()` makes a new database (about 0.3 s, and the bot's migrations another 0.3 s on
first open); `storage` and `backend` hand out one shared database instead, emptied before
each test (its tables stay, so the migrations run once a session).

Without the binaries the tests that need them skip, saying so, unless GROUPBOT_STRICT_TESTS=1
(CI), where they fail. As root, the server runs as the `postgres` user (initdb refuses root).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import harness
import pytest

from bot.postgres import connect

T = TypeVar("T")

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
    reason = ("no PostgreSQL server: /usr/lib/postgresql/*/bin/initdb not found "
              "(apt-get install -y postgresql)")
    if os.environ.get("GROUPBOT_STRICT_TESTS") == "1":
        pytest.fail(reason + "; GROUPBOT_STRICT_TESTS=1 forbids skipping")
    pytest.skip(reason)


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
        self._as_user: list[str] = []
        if os.geteuid() == 0:  # initdb and the server refuse to run as root
            shutil.chown(self.root, USER)
            self._as_user = ["runuser", "-u", USER, "--"]

    def _run(self, *command: str) -> None:
        subprocess.run([*self._as_user, *command], check=True, capture_output=True,
                       cwd=self.root, timeout=120)

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses={self.host}"
                   " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                   " -c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.root / "server.log"), "-w", "start")

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
        restarted (connections a test left open are ended first): its URL. DELETE, not
        TRUNCATE: on a few rows it costs the server a third (TRUNCATE makes new files for
        every table and index)."""
        if self._shared is None or self._session is None:
            self._shared = self.database()
            self._session = Session(self._shared)
        self._session.execute("""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid();
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


class Session:
    """One asyncpg connection kept open, on an event loop of its own in a thread of its own
    (usable from any test, running loop or not): a statement costs a round trip, where a psql
    process per statement costs a process and a server backend (about 17 ms)."""

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


@pytest.fixture(params=["sqlite", "postgresql"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a test's store lives, once per backend: an SQLite file, then an empty
    PostgreSQL database's URL."""
    if request.param == "sqlite":
        return tmp_path / "bot.db"
    server: Postgres = request.getfixturevalue("postgres_server")
    return server.emptied()


@pytest.fixture
def backend(storage: Path | str, monkeypatch: pytest.MonkeyPatch) -> Path | str:
    """`storage`, and every Harness the test makes keeps its store there."""
    monkeypatch.setattr(harness, "STORAGE", storage)
    return storage
