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


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    if request.param == "sqlite":
        return tmp_path / "bot.db"
    postgres: Postgres = request.getfixturevalue("postgres")
    return postgres.database()


async def _indexes(store: Store, path: Path | str) -> set[str]:
    if isinstance(path, Path):
        sql = "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='roster'"
    else:
        sql = "SELECT indexname FROM pg_indexes WHERE tablename='roster'"
    return {str(name) for name, in await store.all(sql)}


async def test_a_database_made_before_the_index_gets_it_and_keeps_its_rows(
        new_database: Path | str) -> None:
    before = {name: steps for name, steps in schema.migrations(REGISTRY).items()
              if name != "roster"}
    store = await open_store(new_database, before)
    try:
        async with store.transaction():
            await roster.joined(store, "o1", [Member("dave", "Dave")], NOW, None)
        assert "roster_member" not in await _indexes(store, new_database)
    finally:
        await store.close()
    store = await open_store(new_database, schema.migrations(REGISTRY))
    try:
        assert "roster_member" in await _indexes(store, new_database)
        assert await roster.group_of(store, "dave", ["o1", "o2"]) == "o1"
    finally:
        await store.close()


async def test_a_members_groups_are_found_by_the_index_not_by_reading_every_row(
        tmp_path: Path) -> None:
    """(SQLite's plan; PostgreSQL gets the same index, and on a small table would rightly
    read it whole.)"""
    store = await open_store(tmp_path / "bot.db", schema.migrations(REGISTRY))
    try:
        plan = " ".join(str(row[-1]) for row in await store.all(
            f"EXPLAIN QUERY PLAN {roster.GROUPS_OF}", ("dave",)))
    finally:
        await store.close()
    assert "USING INDEX roster_member" in plan, plan
