"""The roster is looked up by member through an index (h50d): `roster.group_of` (which
group of a type a member is in: the quiz, the funnel, namecard) read the whole table, every
member of every group, for each lookup. A database made before the index gets it when the
bot starts on it, its rows kept; on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from harness import TZ
from pg import Postgres

from bot import roster, schema
from bot.events import Member
from bot.store import Store, open_store
from handlers import REGISTRY

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)


async def _by_index(store: Store, path: Path | str) -> bool:
    """Whether group_of finds a member's groups by the index: SQLite's plan says so; on
    PostgreSQL the index is there (its planner rightly reads a small table whole)."""
    if isinstance(path, Path):
        plan = await store.all(f"EXPLAIN QUERY PLAN {roster.GROUPS_OF}", ("dave",))
        return any("USING INDEX roster_member" in str(row[-1]) for row in plan)
    return ("roster_member",) in await store.all(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'roster'")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_database_made_before_the_index_gets_it_and_keeps_its_rows(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> None:
    path: Path | str = tmp_path / "bot.db"
    if backend == "postgresql":
        postgres: Postgres = request.getfixturevalue("postgres")
        path = postgres.database()
    before = {name: steps for name, steps in schema.migrations(REGISTRY).items()
              if name != "roster"}
    store = await open_store(path, before)
    try:
        async with store.transaction():
            await roster.joined(store, "o1", [Member("dave", "Dave")], NOW, None)
        assert not await _by_index(store, path)
    finally:
        await store.close()
    store = await open_store(path, schema.migrations(REGISTRY))
    try:
        assert await _by_index(store, path)
        assert await roster.group_of(store, "dave", ["o1", "o2"]) == "o1"
    finally:
        await store.close()
