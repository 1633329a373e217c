"""Lookups by a column that is not the table's key go through an index, and a database made
before the index gets it when the bot starts on it, its rows kept; on SQLite and on
PostgreSQL.

- The roster by member (h50d): `roster.group_of` (which group of a type a member is in: the
  quiz, the funnel, namecard) read the whole table, every member of every group.
- The outbox by group: `/status` counted its group's queue by reading the whole backlog
  (about 1.4 ms a `/status` in the customer burst's backlog of a few thousand)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from harness import TZ
from pg import Postgres

from bot import outbox, roster, schema
from bot.actions import Say
from bot.events import Member
from bot.store import Store, open_store
from handlers import REGISTRY

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)


async def _members(store: Store) -> None:
    await roster.joined(store, "o1", [Member("dave", "Dave")], NOW, None)


async def _member_found(store: Store) -> None:
    assert await roster.group_of(store, "dave", ["o1", "o2"]) == "o1"


async def _queue(store: Store) -> None:
    for group in ("g1", "g1", "g2"):
        await store.execute("INSERT INTO outbox (grp, action) VALUES (?, ?)",
                            (group, json.dumps(Say(group, "hi").to_json())))


async def _queue_counted(store: Store) -> None:
    assert await outbox.queued_in(store, "g1") == 2


@dataclass(frozen=True)
class Index:
    component: str  # whose migrations add it, as their last step
    table: str
    name: str
    query: str
    param: str
    fill: Callable[[Store], Awaitable[None]]
    check: Callable[[Store], Awaitable[None]]


INDEXES = [Index("roster", "roster", "roster_member", roster.GROUPS_OF, "dave", _members,
                 _member_found),
           Index("outbox", "outbox", "outbox_grp", outbox.QUEUED_IN, "g1", _queue,
                 _queue_counted)]


async def _by_index(store: Store, path: Path | str, index: Index) -> bool:
    """SQLite's plan says the index is used; on PostgreSQL the index is there (its planner
    rightly reads a small table whole)."""
    if isinstance(path, Path):
        plan = await store.all(f"EXPLAIN QUERY PLAN {index.query}", (index.param,))
        return any(f"INDEX {index.name}" in str(row[-1]) for row in plan)
    return (index.name,) in await store.all(
        "SELECT indexname FROM pg_indexes WHERE tablename = ?", (index.table,))


@pytest.mark.parametrize("index", INDEXES, ids=[i.name for i in INDEXES])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_database_made_before_the_index_gets_it_and_keeps_its_rows(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str, index: Index) -> None:
    path: Path | str = tmp_path / "bot.db"
    if backend == "postgresql":
        postgres: Postgres = request.getfixturevalue("postgres")
        path = postgres.database()
    migrations = schema.migrations(REGISTRY)
    before = {**migrations, index.component: migrations[index.component][:-1]}
    store = await open_store(path, before)
    try:
        async with store.transaction():
            await index.fill(store)
        assert not await _by_index(store, path, index)
    finally:
        await store.close()
    store = await open_store(path, migrations)
    try:
        assert await _by_index(store, path, index)
        await index.check(store)
    finally:
        await store.close()
