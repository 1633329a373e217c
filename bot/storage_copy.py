"""`groupbot storage copy`: a stopped bot's SQLite database copied, whole, into an empty
PostgreSQL database (or schema), for the move to several processes or machines (docs/scale.md,
"Moving from SQLite to PostgreSQL").

The target's tables are made by the migrations the bot runs (bot/schema.py), through the store
seam (bot/store.py open_store), so the copy has the schema a bot made would have. Then every
table's rows go over in one transaction on the target: the copy is whole, or nothing of it is
kept (the tables the migrations made are dropped again, so the command can simply be run again;
a copy stopped before it could drop them, by kill -9 or a machine going down, leaves them
empty, and a target holding only a groupbot database without a row is made again from empty).
SIGINT, SIGTERM and SIGHUP (the SSH session dropping) stop it as an error does, at the next
chunk of rows: the tables dropped, within CLEAN_UP seconds. Values are written as the PostgreSQL
backend keeps them (a column's numbers as its type, text as text: times are UTC ISO text on
both backends, bot/times.py), each id sequence (every identity or serial column's: `id`, and
the `rowid` that stands in for SQLite's, check-in ranks count by it) is set past the values
copied, and each table's rows are counted on both sides before the commit. Once committed, the
source is marked copied (COPIED: where to, when), which `run` refuses and `groupbot storage
unmark` takes out again.

Refused, with one line saying why: a source that is no file, another application's database, or
one of another groupbot version (its bot migrates it first, or the newer groupbot copies it); a
source copied before (its mark); a source a bot is serving (the one-process lock,
bot/instance.py: a copy of a database being written would be half of it); a target that holds
any table (but the empty groupbot tables of a copy stopped half-way)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot import config, instance, platforms, postgres, sanitize, schema, state
from bot.handler import Registry
from bot.store import (
    CORE_MIGRATIONS,
    Location,
    Store,
    StoreError,
    check_readable,
    open_reader,
    open_store,
)
from bot.table import table
from bot.times import stamp, unstamp

CHUNK = 5_000  # rows read from the source at a time
# not copied: who serves the database now (the source's rows name processes of the SQLite
# file, which are stopped); each process writes its own row as it starts
NOT_COPIED = {"schema_version": "made by the migrations",
              "instances": "who serves the database: each bot writes its own as it starts"}


# the signals that stop the copy (Ctrl-C, `kill`, a service manager, the terminal or SSH
# session going away); each cancels it, and it cleans up as after an error
STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
CLEAN_UP = 10.0  # seconds the tables made are given to be dropped (then the connection is
# closed: the server rolls back the rows, and the empty tables are made again next time)
GIVE_UP = 3 * CLEAN_UP  # seconds after a stop signal the process ends whatever it waits on


class Refused(Exception):
    """What is wrong with the source or the target, in one line."""


class Interrupted(Exception):
    """A signal in STOPS stopped the copy (cleaned up)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class Stop:
    """Whether a signal in STOPS asked the copy to stop: it looks between chunks of rows
    (the driver is never cancelled in the middle of a statement: asyncpg's executemany,
    cancelled, could wait for ever, the server idle in transaction)."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def check(self) -> None:
        if self.signum is not None:
            raise Interrupted(self.signum)


def command(args: argparse.Namespace, registry: Registry) -> int:
    """`groupbot storage copy`."""
    try:
        source = _source(args, registry)
        stop, changed = Stop(), Counter[tuple[str, str]]()
        counts = asyncio.run(_stoppable(copy(source, args.to, schema.migrations(registry), stop,
                                             changed), stop))
    except Refused as exc:
        print(f"groupbot storage copy: {exc}", file=sys.stderr)
        return 2
    except (Interrupted, KeyboardInterrupt) as exc:  # (KeyboardInterrupt: before the copy
        signum = int(getattr(exc, "signum", signal.SIGINT))  # began: bot/cli.py's Stopped)
        print("groupbot storage copy: interrupted", file=sys.stderr)
        return 128 + signum
    print(table([("table", "rows"), *counts]))
    for (name, column), values in sorted(changed.items()):
        print(f"{name}.{column}: {values} {'value' if values == 1 else 'values'} held a NUL "
              "character or half an emoji, which PostgreSQL cannot keep: copied as groupbot "
              "keeps such text now (the NUL dropped, the half replaced by U+FFFD)")
    total = sum(rows for _, rows in counts)
    storage = postgres.written(args.to)  # (a ${NAME} kept: written as *** it would be the
    masked = "" if storage == args.to else (  # password the bot logs in with)
        " (with its password where it shows ***, or better ${NAME} there and the password in "
        "that environment variable)")
    print(f"copied {total} rows in {len(counts)} tables from {source} (marked copied: "
          f"`groupbot run` refuses it from now on) to {storage}; set `storage: {storage}` in "
          f"bot.yaml{masked} and {_then(source)}")
    return 0


def _then(source: Path) -> str:
    """What to start on the copy: the terminal simulator's database is refused by `run` on
    WeChat, so "start the bot" would lead to exit 2 (review s41 r51 finding 6)."""
    if asyncio.run(platforms.recorded(source)) != platforms.SIMULATOR:
        return "start the bot"
    return ("start the terminal simulator (`groupbot run --simulator`): this is its database, "
            "with its simulated groups, which WeChat does not run on")


async def _stoppable(work: Coroutine[Any, Any, list[tuple[str, int]]], stop: Stop
                     ) -> list[tuple[str, int]]:
    """`work` run until it ends, or a signal in STOPS asks it to `stop` (Interrupted, once it
    cleaned up); if it has not ended GIVE_UP seconds later, the process ends at once (what
    the copy wrote was not committed: the server drops it, and its empty tables are made
    again by the next copy)."""
    if threading.current_thread() is not threading.main_thread():
        return await work  # (signals reach the main thread only)
    loop = asyncio.get_running_loop()

    def stopped(signum: int) -> None:
        if stop.signum is None:
            stop.signum = signum
            loop.call_later(GIVE_UP, gone, signum)

    def gone(signum: int) -> None:
        print("groupbot storage copy: interrupted (its clean-up did not end: run it again)",
              file=sys.stderr, flush=True)
        os._exit(128 + signum)

    previous = {signum: signal.getsignal(signum) for signum in STOPS}
    for signum in STOPS:
        loop.add_signal_handler(signum, stopped, signum)
    try:
        return await work
    finally:
        for signum, handler in previous.items():
            loop.remove_signal_handler(signum)
            signal.signal(signum, handler)


def _source(args: argparse.Namespace, registry: Registry) -> Path:
    """The SQLite file to copy: --db, else the config's `storage`."""
    where = "--db"
    source: Path | str = args.db
    if source is None:
        where = f"storage in {args.config / 'bot.yaml'}"
        source = config.load(args.config, registry).storage_path
    if postgres.is_url(source):
        raise Refused(f"{where} is a PostgreSQL database ({postgres.shown(str(source))}): the "
                      "source is the SQLite file the bot used (--db FILE)")
    path = Path(source)
    if not path.is_file():
        raise Refused(f"{where}: no database at {path} (the SQLite file the bot used)")
    if (wrong := config.database_problem(path)) is not None:
        raise Refused(f"{where}: {wrong}")
    return path


async def copy(source: Path, target: str, migrations: dict[str, Sequence[str]],
               stop: Stop | None = None, changed: Counter[tuple[str, str]] | None = None
               ) -> list[tuple[str, int]]:
    """Copy the SQLite database at `source` into the empty PostgreSQL database at `target`;
    each table copied and its rows. `changed`: how many text values of each (table,
    column) were made storable (sanitize.storable: text an older groupbot kept as it came)."""
    await _readable(source, migrations)
    held: list[instance.Held] = []

    async def take(store: Store, location: Path | str) -> None:
        held.append(await _take(store, location))

    async def take_source(store: Store) -> None:
        await take(store, source)

    try:
        src = await open_store(source, migrations, take_source)
    except StoreError as exc:
        raise Refused(f"{source}: {exc}") from None
    try:
        # tables of a component this version does not have (a handler of a newer one)
        # would be left behind
        unknown = sorted({component for component, in await src.all(
            "SELECT component FROM schema_version")} - {"core", *migrations})
        if unknown:
            raise Refused(f"{source}: its tables of {', '.join(unknown)} are no part of this "
                          "groupbot: copy it with the version of groupbot that made it")
        if (earlier := _copied(source, await state.get(src, COPIED))) is not None:
            raise Refused(f"{earlier} already: the bot is to run on that copy, and this file"
                          " falls behind it. To copy the file again all the same (that copy "
                          "dropped, or made in the wrong place), unmark the file first: "
                          f"groupbot storage unmark --db {source}")
        counts = await _into(src, target, migrations, take, stop or Stop(),
                             Counter() if changed is None else changed)
        try:
            await _mark(src, target)
        except Exception as exc:  # (a full disk, a file made read-only: the copy is made)
            raise Refused(
                f"the copy into {postgres.written(target)} is whole and committed, but "
                f"{source} could not be marked as copied ({exc}): set `storage: "
                f"{postgres.written(target)}` in bot.yaml and start no bot on {source} "
                "again (it would leave the copy behind); or, to copy it again, drop the "
                "copy's tables first (docs/scale.md)") from exc
        return counts
    finally:
        for each in held:
            each.drop()
        await src.close()


async def _readable(source: Path, migrations: dict[str, Sequence[str]]) -> None:
    """Refused unless `source` holds this version's tables, as they are (migrating it is its
    bot's to do): not a lock file, another application's database or another version's."""
    reader = open_reader(source)
    try:
        await check_readable(reader, source, migrations)
    except StoreError as exc:  # (its name once: a foreign database's reason begins with it)
        raise Refused(str(exc) if str(exc).startswith(str(source)) else f"{source}: {exc}") \
            from None
    finally:
        await reader.close()


COPIED: state.Key = ("", "", "@storage", "copied")
"""The mark a copy leaves in the SQLite file it copied: where to, and when. A bot started on
the file again (bot.yaml's `storage` not yet changed, or changed back) would leave the copy
behind, stale, and a later copy would clash with it or overwrite it: `run` refuses such a
file, `check` warns, another copy is refused (review r51)."""


@dataclass(frozen=True, slots=True)
class Copied:
    """The copy an SQLite file was made into."""

    source: Path
    to: str  # as bot.yaml's `storage` takes it (postgres.written: a password shown as ***)
    at: datetime | None

    def __str__(self) -> str:
        when = f" on {self.at:%Y-%m-%d %H:%M} UTC" if self.at is not None else ""
        return f"{self.source} was copied to {self.to}{when} (`groupbot storage copy`)"

    def refused(self, bot_yaml: Path) -> str:
        """Why a bot does not start on the file, and the two ways on."""
        return (f"{self}: the bot is to run on that copy now, and a start on this file "
                f"would leave the copy behind, stale. Set `storage: {self.to}` in {bot_yaml}; "
                "or, to go on with this file instead (without what the bot did on the copy "
                f"since), unmark it first: groupbot storage unmark --db "
                f"{self.source}")


async def _mark(src: Store, target: str) -> None:
    """The copy into `target`, committed, marked in the source (COPIED)."""
    async with src.transaction():
        await state.put(src, COPIED, {"to": postgres.written(target),
                                      "at": stamp(datetime.now(UTC))})
    await src.flush()


def _copied(source: Path, mark: Any) -> Copied | None:
    """The copy the mark read from `source` (COPIED) names, or None: no mark."""
    if not isinstance(mark, dict):
        return None
    return Copied(source, str(mark.get("to")), unstamp(mark.get("at")))


async def copied(db: Location) -> Copied | None:
    """The copy the SQLite file at `db` was made into, or None (none, or not a file of
    this groupbot's: a new one, a URL), read before a bot opens it, on a read-only
    connection (`check` writes nothing back: a WAL a crash left stays as it is)."""
    if postgres.is_url(db) or config.absent(db):
        return None
    try:
        mark = await state.last_known(db, COPIED)
    except StoreError:  # (no `state` table: a file without tables yet, or another
        return None  # application's, which the start refuses)
    return _copied(Path(db), mark)


async def note_if_copied(command: str, db: Location) -> None:
    """`report`, `export` and `audit` read a file a copy marked: what they show of it ends
    at the copy, which the bot has written to since; a note on stderr says so."""
    if (copy := await copied(db)) is not None:
        print(f"groupbot {command}: note: {copy}; what this file shows ends there (the bot "
              f"writes to the copy: --db {copy.to})", file=sys.stderr)


def copied_now(db: Location) -> Copied | None:
    """`copied`, for a command that runs no event loop (`check`), also when its caller does
    (a test's): on a thread of its own."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, copied(db)).result()


def unmark(args: argparse.Namespace, registry: Registry) -> int:
    """`groupbot storage unmark`: the mark of a copy (COPIED) taken out of the SQLite file,
    to go on with the file, or to copy it again."""
    try:
        source = _source(args, registry)
        found = asyncio.run(_unmark(source, schema.migrations(registry)))
    except Refused as exc:
        print(f"groupbot storage unmark: {exc}", file=sys.stderr)
        return 2
    if found is None:
        print(f"{source} holds no mark of a copy: a bot may run on it (nothing changed)")
        return 0
    print(f"{found}: unmarked. A bot may run on {source} again; the copy falls behind it "
          f"from then on (drop it, or empty it, before copying the file again)")
    return 0


async def _unmark(source: Path, migrations: dict[str, Sequence[str]]) -> Copied | None:
    """The mark taken out of `source`, read under the one-process lock: the copy it named,
    or None (no mark: nothing changed). A lock file or another application's database is
    refused as `storage copy` refuses it, not taken for a file without a mark (review r79
    finding 3)."""
    await _readable(source, migrations)
    held: list[instance.Held] = []

    async def take(store: Store) -> None:
        held.append(await _take(store, source, "unmarking it"))

    try:
        store = await open_store(source, migrations, take)
    except StoreError as exc:
        raise Refused(f"{source}: {exc}") from None
    try:
        found = _copied(source, await state.get(store, COPIED))
        if found is not None:
            async with store.transaction():
                await state.delete(store, COPIED)
            await store.flush()
        return found
    finally:
        for each in held:
            each.drop()
        await store.close()


async def _take(store: Store, location: Path | str, doing: str = "copying") -> instance.Held:
    """The one-process lock of the database at `location`: Refused when a bot serves it."""
    try:
        return await instance.hold(store, location, None)
    except instance.Taken as exc:  # (its last part says how to start a bot beside it)
        who = str(exc).rpartition("; ")[0] or str(exc)
        raise Refused(f"{postgres.shown(str(location))}: {who}: stop it before {doing}"
                      " (docs/scale.md)") from None


async def _into(src: Store, target: str,
                migrations: dict[str, Sequence[str]],
                take: Callable[[Store, str], Awaitable[None]], stop: Stop,
                changed: Counter[tuple[str, str]]) -> list[tuple[str, int]]:
    shown = postgres.shown(target)

    async def empty_then_take(store: Store) -> None:
        row = await store.one("SELECT current_schema()")
        if row is None or row[0] is None:
            raise Refused(f"{shown}: the schema its search_path names does not exist")
        found = [name for name, in await store.all(postgres.TABLES)]
        if found and await _unfinished(store, found, migrations):
            # a copy stopped half-way (by kill -9, or a clean-up that did not end in time):
            # its tables, made by the migrations, never got their rows: made again
            await take(store, target)
            await store.execute(f"DROP TABLE {', '.join(found)}")
            return
        if found:
            what = "a groupbot database" if await _groupbots(store, found) else "tables"
            names = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5
                                            else "")
            raise Refused(f"{shown} (schema {row[0]}) already holds {what} ({names}): the copy "
                          "goes into an empty database or schema only")
        await take(store, target)

    try:
        dst = await open_store(target, migrations, empty_then_take)
    except StoreError as exc:
        raise Refused(str(exc) if shown in str(exc) else f"{shown}: {exc}") from None
    try:
        stop.check()  # (a stop while the tables were made: they are dropped again)
        columns = await postgres.columns(dst)
        counts = await _rows(src, dst, columns, stop, changed)
        await dst.flush()
    except BaseException as exc:
        await _abandoned(dst)
        if isinstance(exc, StoreError):
            raise Refused(f"copying into {shown} failed, nothing was kept: {exc}") from None
        raise
    await dst.close()
    return counts


async def _unfinished(store: Store, found: list[str],
                      migrations: dict[str, Sequence[str]]) -> bool:
    """Whether the target's tables are those of a copy stopped half-way: a groupbot
    database (its schema_version's core row) of this version's tables only (no other
    application's, no view...), none with a row (but who served it, and the versions the
    migrations wrote)."""
    ours = postgres.tables_made({"core": CORE_MIGRATIONS, **migrations})
    if not set(found) <= ours & set(await postgres.columns(store)) \
            or not await _groupbots(store, found):
        return False
    for name in found:
        if name not in NOT_COPIED and await store.one(f"SELECT 1 FROM {name} LIMIT 1"):
            return False
    return True


async def _abandoned(dst: Store) -> None:
    """The copy failed or was stopped: its tables dropped and the connection closed, within
    CLEAN_UP seconds; else the connection closed at once (the rows were never committed: the
    server drops them, and the next copy makes the empty tables again)."""
    async def clean_up() -> None:
        await _drop(dst)
        with contextlib.suppress(*StoreError):
            await dst.close()

    cleaning = asyncio.ensure_future(clean_up())
    # (not wait_for: cancelled, a statement under way may never end, the cancel with it)
    await asyncio.wait({cleaning}, timeout=CLEAN_UP)
    if not cleaning.done() or cleaning.cancelled() or cleaning.exception() is not None:
        postgres.abandon(dst)


async def _groupbots(store: Store, tables: list[str]) -> bool:
    """Whether the target's tables are a groupbot database's: its schema_version holds the
    core's row (another tool's table of that name does not: postgres.foreign)."""
    if "schema_version" not in tables:
        return False
    try:
        return await store.one("SELECT 1 FROM schema_version WHERE component = 'core'") \
            is not None
    except StoreError:  # (not the columns of groupbot's)
        return False


async def _rows(src: Store, dst: Store, columns: dict[str, list[tuple[str, str]]],
                stop: Stop, changed: Counter[tuple[str, str]]) -> list[tuple[str, int]]:
    """Every table's rows, in one transaction on the target; its count checked."""
    counts = []
    sequenced: dict[str, list[str]] = {}
    for name, column in await dst.all(postgres.SEQUENCED):
        sequenced.setdefault(name, []).append(column)
    async with dst.transaction():
        for name, typed in columns.items():
            if name in NOT_COPIED:
                continue
            names = ", ".join(column for column, _ in typed)
            insert = (f"INSERT INTO {name} ({names}) VALUES "
                      f"({', '.join('?' * len(typed))})")
            after, copied = -(2**63), 0
            while True:
                stop.check()
                chunk = await src.all(f"SELECT rowid, {names} FROM {name} WHERE rowid > ? "
                                      f"ORDER BY rowid LIMIT {CHUNK}", (after,))
                if not chunk:
                    break
                await dst.executemany(insert, [_converted(name, typed, row, changed)
                                              for row in chunk])
                after, copied = chunk[-1][0], copied + len(chunk)
            there = await dst.one(f"SELECT count(*) FROM {name}")
            here = await src.one(f"SELECT count(*) FROM {name}")
            if not (there and here and there[0] == here[0] == copied):
                raise Refused(f"{name}: {here and here[0]} rows in the source, "
                              f"{there and there[0]} copied: nothing was kept")
            for column in sequenced.get(name, []):
                await _sequence(src, dst, name, column)
            counts.append((name, copied))
    return counts


async def _sequence(src: Store, dst: Store, name: str, column: str) -> None:
    """The target's sequence of `name`.`column` (an identity: `id`, or the `rowid` standing
    in for SQLite's) past every value the source gave out: its highest, or, for an
    AUTOINCREMENT table, the highest it ever gave (ids of deleted rows are never given again
    there either). A `rowid` column is SQLite's implicit one on the source."""
    top = await src.one(f"SELECT max({column}) FROM {name}")
    given = await src.one("SELECT seq FROM sqlite_sequence WHERE name = ?", (name,))
    last = max(int(top[0]) if top and top[0] is not None else 0,
               int(given[0]) if given and given[0] is not None else 0)
    if last > 0:
        await dst.execute(postgres.SET_SEQUENCE, (name, column, last))


def _converted(name: str, typed: list[tuple[str, str]], row: tuple[Any, ...],
               changed: Counter[tuple[str, str]]) -> tuple[Any, ...]:
    """A source row (its rowid first) as the target's columns take it. Text with a NUL (or
    a lone surrogate), which a groupbot before sanitize.storable kept as it came, is kept as
    the bot keeps it now (counted in `changed`)."""
    converted = []
    for (column, kind), value in zip(typed, row[1:], strict=True):
        if kind == "text" and isinstance(value, str) and sanitize.unstorable(value):
            value = sanitize.storable(value)
            changed[name, column] += 1
        try:
            converted.append(postgres.stored(value, kind))
        except ValueError as exc:
            raise Refused(f"{name}.{column} of the row with rowid {row[0]}: {exc}: nothing "
                          "was kept") from None
    return tuple(converted)


async def _drop(dst: Store) -> None:
    """The tables the migrations made on the target dropped again (it was empty, or held
    only the empty tables of a copy stopped before: every table there is the copy's): the
    command can be run again once what failed is fixed."""
    with contextlib.suppress(*StoreError):  # (the connection is gone: then so is what it
        made = [name for name, in await dst.all(postgres.TABLES)]  # had not committed)
        if made:
            await dst.execute(f"DROP TABLE IF EXISTS {', '.join(made)}")
