"""antispam_recent as it was before migration 6 (each row's `acted`, kept up with an index on
every message) reads the same after it: the rows acted on still do not count, the others do.
On SQLite and on PostgreSQL, each a new database with the tables as they were."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from harness import BOT_YAML, TZ, Harness, write_config
from pg import Postgres

from bot import schema
from bot.store import open_store
from bot.times import stamp
from handlers import REGISTRY, recent

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
TYPE = """\
handlers:
  - antispam:
      warn_limit: 5
      flood: {messages: 3, within: 1h}
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    if request.param == "sqlite":
        return tmp_path / "bot.db"
    postgres: Postgres = request.getfixturevalue("postgres")
    return postgres.database()


async def test_rows_acted_on_before_the_migration_still_do_not_count(
        tmp_path: Path, new_database: Path | str) -> None:
    before = {name: list(steps)[:5] if name == "antispam" else list(steps)
              for name, steps in schema.migrations(REGISTRY).items()}
    store = await open_store(new_database, before)
    # alice was warned for a flood of four and said one more; bob said three, and nobody
    # acted on him
    rows = [("alice", 1)] * 4 + [("alice", 0)] + [("bob", 0)] * 3
    for n, (member, acted) in enumerate(rows):
        await store.execute(
            "INSERT INTO antispam_recent (grp, member, message, at, digest, acted)"
            " VALUES ('r1', ?, ?, ?, ?, ?)",
            (member, f"old{n}", stamp(NOW - timedelta(minutes=30 - n)), f"d{n}", acted))
    await store.close()

    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": TYPE})
    async with Harness(root, tmp_path, start=NOW, db=new_database) as h:
        await h.say("r1", "alice", "又来了")  # her second since the warning
        await h.say("r1", "bob", "又来了")  # his fourth: a flood
        await h.say("r1", "alice", "还有")  # her third
        await h.say("r1", "alice", "最后")  # her fourth since the warning: a flood
        await h.drain()
        floods = [r["mentions"] for r in h.actions("say") if "刷屏" in r["text"]]
        assert floods == [["bob"], ["alice"]]


async def test_a_group_is_loaded_by_its_index_not_by_reading_every_groups_rows(
        tmp_path: Path) -> None:
    """Each group loads its rows at its first message after a start (migration 7): a read of
    the whole table each time would cost every group's rows per group. (SQLite's plan;
    PostgreSQL gets the same index.)"""
    store = await open_store(tmp_path / "bot.db", schema.migrations(REGISTRY))
    try:
        plan = " ".join(str(row[-1]) for row in await store.all(
            f"EXPLAIN QUERY PLAN {recent.LOAD}", ("r1",)))
    finally:
        await store.close()
    assert "USING INDEX antispam_recent_group" in plan, plan
