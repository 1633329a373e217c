"""Fixtures for the web console's tests (what they share: web_site.py)."""

from __future__ import annotations

import atexit
import copy
import itertools
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from harness import Harness
from web_site import GROUPS, TOKEN, Site, deployment, populate

from bot import postgres
from bot.adapters.simulator import Simulator
from bot.clock import VirtualClock
from bot.web import server


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    h = Harness(deployment(tmp_path), tmp_path, groups=GROUPS)
    if isinstance(h.db, Path):  # SQLite: the worker's populated bot, as a restart finds it
        made = _populated[0] if _populated else await _populate()
        shutil.copyfile(made.db, h.db)
    elif _on_postgresql:  # PostgreSQL (the test's emptied database): the same rows put back
        made = _on_postgresql[0]
        await _restore(h.db, made)
    else:  # (the worker's first test: populated in its own database, then read)
        made = await _populate_postgresql(h.db)
    h.world, h.clock = copy.deepcopy((made.world, made.clock))
    h.ids = itertools.count(made.next_id)
    async with h:
        console = server.for_bot(h.bot, TOKEN)
        site = TestServer(server.make_app(console))
        await site.start_server(**server.RUNNER)  # the access log the console runs with
        try:
            async with TestClient(site) as client:
                yield Site(h, console, client)
        finally:
            await console.close()


@dataclass(frozen=True)
class _Populated:
    """`populate`'s outcome on SQLite, once a worker: the database its bot left as it
    stopped, and its simulated world and clock (each test gets copies of them, and a bot of
    its own started on them: some 0.15 s of CPU a test less than populating its own)."""

    db: Path
    world: Simulator
    clock: VirtualClock
    next_id: int  # the harness's next message id: none is used twice


_populated: list[_Populated] = []


async def _populate() -> _Populated:
    made = Path(tempfile.mkdtemp(prefix="groupbot-site-"))
    atexit.register(shutil.rmtree, made, True)
    h = Harness(deployment(made), made, groups=GROUPS, db=made / "bot.db")
    async with h:
        await populate(h)
    assert not Path(f"{h.db}-wal").exists() or not Path(f"{h.db}-wal").stat().st_size
    _populated.append(_Populated(made / "bot.db", h.world, h.clock, next(h.ids)))
    return _populated[0]


@dataclass(frozen=True)
class _Rows:
    """`populate`'s outcome on PostgreSQL, once a worker: every row of every table (but the
    migrations' own) and where each sequence stands, as its bot left them as it stopped;
    and its world and clock, as _Populated's."""

    tables: dict[str, tuple[list[str], list[tuple[object, ...]]]]
    sequences: list[tuple[str, int]]
    world: Simulator
    clock: VirtualClock
    next_id: int


_on_postgresql: list[_Rows] = []


async def _populate_postgresql(url: str) -> _Rows:
    """Populate the test's (emptied) database as usual, then read what it holds."""
    tmp = Path(tempfile.mkdtemp(prefix="groupbot-site-"))
    atexit.register(shutil.rmtree, tmp, True)
    h = Harness(deployment(tmp), tmp, groups=GROUPS, db=url)
    async with h:
        await populate(h)
    db = await postgres.connect(url)
    try:
        names = [r[0] for r in await db.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'schema_version' ORDER BY tablename")]
        tables = {}
        for name in names:
            rows = await db.fetch(f'SELECT * FROM "{name}"')
            columns = [a[0] for a in await db.fetch(
                "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0"
                " AND NOT attisdropped AND attgenerated = '' ORDER BY attnum", f'"{name}"')]
            tables[name] = (columns, [tuple(row[c] for c in columns) for row in rows])
        sequences = [(str(r[0]), int(r[1])) for r in await db.fetch(
            "SELECT format('%I', sequencename), last_value FROM pg_sequences"
            " WHERE schemaname = 'public' AND last_value IS NOT NULL")]
    finally:
        await db.close()
    _on_postgresql.append(_Rows(tables, sequences, h.world, h.clock, next(h.ids)))
    return _on_postgresql[0]


async def _restore(url: str, made: _Rows) -> None:
    """Put `made`'s rows back into the emptied database, its foreign keys unchecked
    meanwhile (the rows were consistent), and its sequences where they stood."""
    db = await postgres.connect(url)
    try:
        async with db.transaction():
            await db.execute("SET LOCAL session_replication_role = replica")
            for name, (columns, rows) in made.tables.items():
                if rows:
                    listed = ", ".join(f'"{c}"' for c in columns)
                    places = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
                    await db.executemany(f'INSERT INTO "{name}" ({listed})'
                                         f" OVERRIDING SYSTEM VALUE VALUES ({places})", rows)
            for sequence, value in made.sequences:
                await db.execute(f"SELECT setval('{sequence}', {value}, true)")
    finally:
        await db.close()

