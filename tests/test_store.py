"""The store seam's promises, on each backend (SQLite, then a real PostgreSQL): one
transaction per event, a savepoint per handler opened only when it writes, nothing of a
failed event kept, only committed state seen by another connection, the same migrations."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from harness import BOT_YAML, load, write_config
from pg import Postgres

from bot import roster, schema
from bot import store as sqlite_store
from bot.actions import Dm
from bot.adapters.simulator import Simulator
from bot.app import Bot
from bot.clock import SystemClock, VirtualClock
from bot.events import Member
from bot.postgres import PostgresError
from bot.store import CORE_MIGRATIONS, SqliteStore, StoreError, open_reader, open_store, sqlite_only
from handlers import REGISTRY

TABLE = {"things": ("CREATE TABLE things (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                    " name TEXT NOT NULL, size REAL, n INTEGER NOT NULL DEFAULT 0);",
                    "CREATE UNIQUE INDEX things_name ON things (name);")}


async def test_statements_parameters_and_ids(storage: Path | str) -> None:
    store = await open_store(storage, TABLE)
    try:
        first = await store.execute("INSERT INTO things (name, size) VALUES (?, ?)", ("a?", 1.5))
        second = await store.execute("INSERT INTO things (name) VALUES (?)", ("b",))
        assert (first, second) == (1, 2)  # the id each insert made
        # a `?` inside quotes is text, not a parameter
        assert await store.one("SELECT name FROM things WHERE name = 'a?' AND size = ?",
                               (1.5,)) == ("a?",)
        assert await store.changes(
            "INSERT INTO things (name) VALUES (?) ON CONFLICT (name) DO NOTHING", ("b",)) == 0
        assert await store.changes(
            "INSERT INTO things (name) VALUES (?) ON CONFLICT (name)"
            " DO UPDATE SET n = things.n + 1", ("b",)) == 1
        await store.executemany("INSERT INTO things (name, n) VALUES (?, ?)",
                                [("c", 3), ("d", 4)])
        assert await store.changes("UPDATE things SET n = n + 1 WHERE n >= ?", (1,)) == 3
        assert await store.all("SELECT name, n FROM things ORDER BY id") == [
            ("a?", 0), ("b", 2), ("c", 4), ("d", 5)]
        # text compares as bytes on both (ISO times sort as times, names as SQLite sorts)
        assert await store.all("SELECT name FROM things WHERE name < ? ORDER BY name DESC",
                               ("c",)) == [("b",), ("a?",)]
        with pytest.raises(StoreError):
            await store.execute("INSERT INTO things (name) VALUES (?)", ("b",))
    finally:
        await store.close()


async def test_an_event_is_all_or_nothing_and_a_failed_handler_leaves_nothing(
        storage: Path | str) -> None:
    store = await open_store(storage, TABLE)
    try:
        async with store.transaction():
            await store.execute("INSERT INTO things (name) VALUES ('kept')")
            async with store.savepoint():  # a handler that only reads opens nothing
                assert await store.one("SELECT count(*) FROM things") == (1,)
            with pytest.raises(RuntimeError):
                async with store.savepoint():  # a handler that writes, then raises
                    await store.execute("INSERT INTO things (name) VALUES ('dropped')")
                    assert await store.one("SELECT count(*) FROM things") == (2,)
                    raise RuntimeError("handler bug")
            assert await store.all("SELECT name FROM things") == [("kept",)]
            async with store.savepoint():
                await store.execute("INSERT INTO things (name) VALUES ('next')")
        with pytest.raises(RuntimeError):
            async with store.transaction():  # an event that fails: none of it stays
                await store.execute("INSERT INTO things (name) VALUES ('half')")
                raise RuntimeError("crash")
        await store.flush()
        assert await store.all("SELECT name FROM things ORDER BY id") == [("kept",), ("next",)]
    finally:
        await store.close()


async def test_a_failed_first_event_of_a_commit_leaves_nothing_and_the_next_goes_on(
        storage: Path | str) -> None:
    """The first event of a group commit (on SQLite: no savepoint of its own) fails: none of
    it stays, and the events after it are committed as usual."""
    store = await open_store(storage, TABLE)
    try:
        await store.flush()
        with pytest.raises(RuntimeError):
            async with store.transaction():
                await store.execute("INSERT INTO things (name) VALUES ('half')")
                async with store.savepoint():
                    await store.execute("INSERT INTO things (name) VALUES ('handler')")
                raise RuntimeError("crash")
        for name in ("first", "second"):
            async with store.transaction():
                await store.execute("INSERT INTO things (name) VALUES (?)", (name,))
        await store.flush()
        assert await store.all("SELECT name FROM things ORDER BY id") == [("first",),
                                                                           ("second",)]
    finally:
        await store.close()


async def test_another_connection_sees_only_what_is_committed(storage: Path | str) -> None:
    store = await open_store(storage, TABLE)
    reader = open_reader(storage)
    try:
        async with store.transaction():
            await store.execute("INSERT INTO things (name) VALUES ('one')")
            assert await reader.one("SELECT count(*) FROM things") == (0,)
        await store.flush()  # what the bot does before anything leaves the process
        assert await reader.one("SELECT count(*) FROM things") == (1,)
        await store.execute("INSERT INTO things (name) VALUES ('alone')")  # no event: commits
        assert await reader.one("SELECT count(*) FROM things") == (2,)
    finally:
        await reader.close()
        await store.close()


async def test_a_crash_loses_whole_events_never_half_of_one(storage: Path | str) -> None:
    """Events handled back to back share one commit: a process killed before it loses
    them whole (a new connection finds none of their rows)."""
    store = await open_store(storage, TABLE)
    async with store.transaction():
        await store.execute("INSERT INTO things (name) VALUES ('committed')")
    await store.flush()
    async with store.transaction():
        await store.execute("INSERT INTO things (name) VALUES ('in flight')")
    # the process dies: its connection goes without a commit
    await _kill(store)
    again = await open_store(storage, TABLE)
    try:
        assert await again.all("SELECT name FROM things") == [("committed",)]
    finally:
        await again.close()


async def _kill(store: object) -> None:
    db = store._db  # type: ignore[attr-defined]
    if hasattr(db, "terminate"):
        db.terminate()  # asyncpg: the socket closes, no COMMIT
    else:
        db.close()  # sqlite3: closing with a transaction open rolls it back


async def test_every_component_migrates_on_an_empty_database_and_again_is_a_no_op(
        tmp_path: Path, postgres: Postgres) -> None:
    every = {"core": CORE_MIGRATIONS, **schema.migrations(REGISTRY)}
    for where in (tmp_path / "bot.db", postgres.database()):
        for _ in range(2):
            store = await open_store(where, schema.migrations(REGISTRY))
            versions = dict(await store.all("SELECT component, version FROM schema_version"))
            await store.close()
        assert versions == {name: len(steps) for name, steps in every.items()}


async def test_a_database_a_newer_groupbot_migrated_is_refused_and_left_as_it_is(
        tmp_path: Path, postgres: Postgres) -> None:
    """An older process must not run on tables a newer one changed (docs/scale.md,
    Upgrading): it says so, and migrates nothing. (Each backend on a database of its own:
    the shared one keeps its tables for the next test.)"""
    older = {"gadgets": ("CREATE TABLE gadgets (name TEXT PRIMARY KEY)",)}
    newer = {"gadgets": (*older["gadgets"], "ALTER TABLE gadgets ADD COLUMN colour TEXT")}
    for where in (tmp_path / "bot.db", postgres.database()):
        await (await open_store(where, newer)).close()
        with pytest.raises(StoreError, match=r"gadgets is at version 2, this one knows 1"
                                             r".*Upgrading"):
            await open_store(where, older)
        store = await open_store(where, newer)  # the newer one still opens it
        try:
            assert await store.one("SELECT version FROM schema_version WHERE component = ?",
                                   ("gadgets",)) == (2,)
        finally:
            await store.close()


async def test_a_step_only_sqlite_needs_has_postgresql_s_own(storage: Path | str) -> None:
    # a component of its own: on PostgreSQL the tables stay from test to test, and another
    # test's `things` at a step it does not know would refuse to open
    steps = {"stepped": ("CREATE TABLE stepped (name TEXT NOT NULL)", sqlite_only(
        "UPDATE stepped SET name = strftime('%Y', 'now')",
        postgresql="ALTER TABLE stepped ADD COLUMN extra TEXT"))}
    store = await open_store(storage, steps)
    try:
        await store.execute("INSERT INTO stepped (name) VALUES ('x')")
        assert await store.one("SELECT name FROM stepped") == ("x",)
    finally:
        await store.close()


async def test_a_reader_on_a_url_that_asks_for_a_read_write_server_reads(
        postgres: Postgres) -> None:
    """libpq's `target_session_attrs=read-write` (to stay on the primary over a failover)
    never matched the reader's sessions, read-only by default: every process exited 1
    (review s37 r23 R23-4)."""
    url = postgres.emptied()
    url += ("&" if "?" in url else "?") + "target_session_attrs=read-write"
    store = await open_store(url, TABLE)
    reader = open_reader(url)
    try:
        await store.execute("INSERT INTO things (name) VALUES ('one')")
        assert await reader.one("SELECT count(*) FROM things") == (1,)
    finally:
        await reader.close()
        await store.close()


async def test_a_schema_the_url_names_that_does_not_exist_is_named_with_the_way_to_make_it(
        postgres: Postgres) -> None:
    """PostgreSQL's own words name no schema (review s37 r23 R23-3)."""
    url = postgres.emptied()
    url += ("&" if "?" in url else "?") + "search_path=nosuch"
    with pytest.raises(PostgresError, match="no schema has been selected to create in: the "
                       "schema the URL's search_path names does not exist; make it first "
                       r"\(CREATE SCHEMA NAME AUTHORIZATION USER"):
        await open_store(url, TABLE)


async def test_concurrent_readers_do_not_disturb_the_bot_s_connection(
        storage: Path | str) -> None:
    store = await open_store(storage, TABLE)
    reader = open_reader(storage)
    try:
        await store.executemany("INSERT INTO things (name) VALUES (?)",
                                [(f"n{i}",) for i in range(50)])

        async def events() -> None:  # one after another, as the bot feeds them
            for i in range(50):
                async with store.transaction():
                    await store.execute("UPDATE things SET n = n + 1 WHERE name = ?",
                                        (f"n{i}",))

        *counts, _ = await asyncio.gather(*(reader.one("SELECT count(*) FROM things")
                                            for _ in range(5)), events())
        assert counts == [(50,)] * 5
        await store.flush()
        assert await reader.one("SELECT sum(n) FROM things") == (50,)
    finally:
        await reader.close()
        await store.close()


async def test_sqlite_checkpoints_off_the_loop_and_cuts_a_grown_wal_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Committed pages reach the database file by a checkpoint on a worker thread, long
    before the WAL holds the 1,000 pages at which the writer would checkpoint by itself; a
    WAL file grown past WAL_LIMIT is cut back to it when the WAL starts again."""
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_EVERY", 3600.0)  # here: only when asked
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_COMMITS", 1000)
    monkeypatch.setattr(sqlite_store, "WAL_LIMIT", 64 * 1024)
    db, wal = tmp_path / "wal.db", tmp_path / "wal.db-wal"
    store = await open_store(db, TABLE)
    assert isinstance(store, SqliteStore)
    try:
        for i in range(20):  # about 800 KB in 20 commits: some 200 pages
            async with store.transaction():
                await store.execute("INSERT INTO things (name) VALUES (?)", (f"{i:x<40000}",))
            await store.flush()
        assert wal.stat().st_size > 700_000 and db.stat().st_size < 100_000
        await store.checkpoint()
        assert db.stat().st_size > 700_000  # the pages are in the database file now
        async with store.transaction():
            await store.execute("INSERT INTO things (name) VALUES ('after')")
        await store.flush()
        assert wal.stat().st_size <= 64 * 1024  # the WAL started again, cut back
        assert await store.one("SELECT count(*) FROM things") == (21,)
    finally:
        await store.close()


_names = itertools.count()


async def _commit_pages(store: SqliteStore, commits: int, pages: int) -> None:
    """`commits` commits of about `pages` pages of the WAL each."""
    for _ in range(commits):
        async with store.transaction():
            await store.execute("INSERT INTO things (name) VALUES (?)",
                                (f"{next(_names)}".ljust(pages * 4000, "x"),))
        await store.flush()


async def test_sqlite_checkpoints_after_a_few_commits_and_never_on_the_loop_below_its_mark(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkpoint starts off the loop once CHECKPOINT_COMMITS commits were made since the
    last, even within the second; and the writer does not checkpoint by itself (on the
    loop, with an fsync) when the WAL passes SQLite's default mark of 1,000 pages, only at
    WRITER_CHECKPOINT, the safety net should the checkpoints off the loop not keep up."""
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_EVERY", 3600.0)
    store = await open_store(tmp_path / "often.db", TABLE)
    assert isinstance(store, SqliteStore)
    try:
        await _commit_pages(store, sqlite_store.CHECKPOINT_COMMITS - 1, 1)
        assert store._checkpoint is None
        await _commit_pages(store, 1, 1)
        assert store._checkpoint is not None
        await store._checkpoint
        assert (tmp_path / "often.db").stat().st_size > 8 * 4000  # the pages were copied
    finally:
        await store.close()

    monkeypatch.setattr(sqlite_store, "CHECKPOINT_COMMITS", 1000)  # none off the loop now
    store = await open_store(tmp_path / "mark.db", TABLE)
    assert isinstance(store, SqliteStore)
    try:
        await _commit_pages(store, 8, 100)  # past SQLite's 1,000 pages, short of the mark
        assert store._checkpoint is None
        assert (tmp_path / "mark.db").stat().st_size < 100_000  # nothing copied: no checkpoint
    finally:
        await store.close()

    monkeypatch.setattr(sqlite_store, "WRITER_CHECKPOINT", 300)
    store = await open_store(tmp_path / "net.db", TABLE)
    try:
        await _commit_pages(store, 4, 100)
        assert (tmp_path / "net.db").stat().st_size > 1_000_000  # the writer checkpointed
    finally:
        await store.close()


async def test_postgresql_begins_an_event_only_once_the_commit_under_way_has_ended(
        postgres: Postgres, monkeypatch: pytest.MonkeyPatch) -> None:
    """A flush outside the bot's turn (the console's, after sharing friends) may be committing
    when an event begins: the event waits for it, so that if the commit fails, the undos of
    what it held run before the event changes anything they restore."""
    store = await open_store(postgres.emptied(), {"t": ["CREATE TABLE t (x INTEGER)"]})
    order: list[str] = []
    try:
        async with store.transaction():
            store.on_undo(lambda: order.append("undo of the failed batch"))
            store.defer("INSERT INTO no_such_table VALUES (?)", (1,))
        gate = asyncio.Event()
        run = store._run  # type: ignore[attr-defined]

        async def held(call: object, *args: object) -> object:  # the commit's statements wait
            await gate.wait()
            return await run(call, *args)

        monkeypatch.setattr(store, "_run", held)
        flushing = asyncio.create_task(store.flush())

        async def event() -> None:
            async with store.transaction():
                order.append("the next event")
            await store.flush()

        after = asyncio.create_task(event())
        await asyncio.sleep(0.05)
        assert order == []  # the commit is under way: the event has not begun
        monkeypatch.setattr(store, "_run", run)
        gate.set()
        with pytest.raises(StoreError):
            await flushing
        await after
        assert order == ["undo of the failed batch", "the next event"]
    finally:
        await store.close()


def _open_together(path: Path, openers: int) -> list[BaseException]:
    """`openers` threads open (and close) a store on `path` at the same instant; what failed."""
    start, failed = threading.Barrier(openers), []

    async def opened() -> None:
        start.wait()
        await (await SqliteStore.open(path, {})).close()

    def opener() -> None:
        try:
            asyncio.run(opened())
        except BaseException as exc:  # said by the caller's assert
            failed.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(openers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failed


async def _journal_mode(path: Path) -> str:
    reader = open_reader(path)
    try:
        row = await reader.one("PRAGMA journal_mode")
    finally:
        await reader.close()
    assert row is not None
    return str(row[0])


def test_processes_opening_a_new_sqlite_file_together_all_get_it_in_wal_mode(
        tmp_path: Path) -> None:
    """Switching a new file to WAL takes it to itself; openers that race for that are told
    "database is locked" at once by SQLite (a deadlock, the busy timeout does not wait), as
    about one round in five of four openers was here. Each opener tries again instead."""
    for round_ in range(25):
        path = tmp_path / f"new{round_}.db"
        assert _open_together(path, 4) == [], f"round {round_}"
        assert asyncio.run(_journal_mode(path)) == "wal"


async def test_members_without_a_join_time_sort_the_same_on_both_backends(
        storage: Path | str) -> None:
    """A member the bot saw before any join (present at the start, or who spoke first) has no
    join time. SQLite sorts NULL first and PostgreSQL last: the group a member "joined last"
    (the quiz's "already in", a stage's group) and the members export's order were different
    on each. Now: a group with a join time is later than one without, and an export lists
    those without one first, in every group."""
    store = await open_store(storage, {})
    at = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    try:
        async with store.transaction():
            await roster.spoke(store, "o1", Member("dave", "Dave"), at)  # no join time
            await roster.joined(store, "o2", [Member("dave", "Dave")], at + timedelta(hours=1),
                                None)
            await roster.spoke(store, "o2", Member("erin", "Erin"), at)
        assert await roster.group_of(store, "dave", ["o1", "o2"]) == "o2"
        assert [(e.group, e.member) for e in await roster.everyone(store)] == [
            ("o1", "dave"), ("o2", "erin"), ("o2", "dave")]
    finally:
        await store.close()


async def _statements_of(store: SqliteStore, write: Callable[[], Awaitable[object]]) -> list[str]:
    seen: list[str] = []
    store._db.set_trace_callback(seen.append)  # type: ignore[attr-defined]
    try:
        await write()
    finally:
        store._db.set_trace_callback(None)  # type: ignore[attr-defined]
    return [s for s in seen if s.startswith(("PRAGMA synchronous", "BEGIN", "COMMIT"))]


async def test_a_durable_write_syncs_the_wal_at_its_commit_and_only_that_one(
        tmp_path: Path) -> None:
    """In WAL mode with synchronous=NORMAL a commit survives a kill -9 but not a power cut.
    A durable write (the outbox's `sending` mark, before a real send) is committed with
    synchronous=FULL, which syncs the WAL; the commits after it are NORMAL again."""
    store = await open_store(tmp_path / "bot.db", TABLE)
    assert isinstance(store, SqliteStore)
    try:
        durable = await _statements_of(store, lambda: store.execute(
            "INSERT INTO things (name) VALUES ('marked')", durable=True))
        plain = await _statements_of(store, lambda: store.execute(
            "INSERT INTO things (name) VALUES ('plain')"))
        level = await store.one("PRAGMA synchronous")
    finally:
        await store.close()
    assert durable == ["PRAGMA synchronous=FULL", "BEGIN IMMEDIATE", "COMMIT",
                       "PRAGMA synchronous=NORMAL"]
    assert plain == ["BEGIN IMMEDIATE", "COMMIT"]
    assert level == (1,)  # NORMAL


async def test_a_durable_write_inside_an_event_is_refused(tmp_path: Path) -> None:
    """It would be the event's, on the disk only at the event's commit, after it returned."""
    store = await open_store(tmp_path / "bot.db", TABLE)
    try:
        with pytest.raises(ValueError, match="outside any event"):
            async with store.transaction():
                await store.execute("INSERT INTO things (name) VALUES ('x')", durable=True)
    finally:
        await store.close()


async def test_real_sends_are_marked_durably_and_virtual_ones_are_not(tmp_path: Path) -> None:
    """The outbox marks an action `sending` before it goes: durably when the bot sends for
    real (a live clock), so a power cut then cannot send it a second time after the restart;
    in virtual time (replay, tests, bench) nothing really goes out and no sync is paid."""
    live = await _marking(tmp_path / "live", SystemClock(UTC))
    virtual = await _marking(tmp_path / "virtual", VirtualClock(UTC, datetime(2026, 1, 1)))
    assert "PRAGMA synchronous=FULL" in live
    assert "PRAGMA synchronous=FULL" not in virtual and "COMMIT" in virtual


async def _marking(config: Path, clock: SystemClock | VirtualClock) -> list[str]:
    """The statements that mark the first queued action `sending`, in a bot on `clock`."""
    write_config(config, BOT_YAML, {"recruitment": "handlers: []\n"})
    world = Simulator(clock, Member("bot", "Helper"))
    async with Bot(load(config), world, clock, REGISTRY, config / "bot.db") as bot:
        await bot.outbox.put(Dm("admin", "hi"))
        item = bot.outbox.take(clock.now())
        assert item is not None
        return await _statements_of(bot.store,  # type: ignore[arg-type]
                                    lambda: bot.outbox.sending(item))
