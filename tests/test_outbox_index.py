"""A group's queued actions are found through an index on the outbox's group: `/status`
counted them by reading the whole backlog (in the burst's backlog of a few thousand, about
1.4 ms a `/status`). A database made before the index gets it at start, its rows kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pg import Postgres

from bot import outbox, schema
from bot.actions import Say
from bot.store import Store, open_store
from handlers import REGISTRY


async def _by_index(store: Store, path: Path | str) -> bool:
    """SQLite's plan says the index is used; on PostgreSQL the index is there (its planner
    rightly reads a small table whole)."""
    if isinstance(path, Path):
        plan = await store.all(f"EXPLAIN QUERY PLAN {outbox.QUEUED_IN}", ("g1",))
        return any("USING COVERING INDEX outbox_grp" in str(row[-1]) for row in plan)
    return ("outbox_grp",) in await store.all(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'outbox'")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_groups_queue_is_counted_by_the_index(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> None:
    path: Path | str = tmp_path / "bot.db"
    if backend == "postgresql":
        postgres: Postgres = request.getfixturevalue("postgres")
        path = postgres.database()
    migrations = schema.migrations(REGISTRY)
    before = {**migrations, "outbox": migrations["outbox"][:-1]}
    store = await open_store(path, before)
    try:
        async with store.transaction():
            for group in ("g1", "g1", "g2"):
                await store.execute("INSERT INTO outbox (grp, action) VALUES (?, ?)",
                                    (group, json.dumps(Say(group, "hi").to_json())))
        assert not await _by_index(store, path)
    finally:
        await store.close()
    store = await open_store(path, migrations)
    try:
        assert await _by_index(store, path)
        assert await outbox.queued_in(store, "g1") == 2
    finally:
        await store.close()
