"""The console's database reader (bot/store.py open_reader) after a moment's failure: a
connect that failed, because the database was away for a moment (the file moved, PostgreSQL
restarting, no file descriptor left), is not kept; the next read connects again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import uuid4

import pytest
from pg import Postgres

from bot.postgres import PostgresError
from bot.store import open_reader, open_store


async def test_a_reader_whose_file_was_away_at_its_first_read_reads_once_it_is_back(
        tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    reader = open_reader(path)
    try:
        with pytest.raises(Exception, match="unable to open database file"):
            await reader.one("SELECT 1")
        await (await open_store(path, {})).close()  # the file is back
        assert await reader.one("SELECT 1") == (1,)
    finally:
        await reader.close()


async def test_a_reader_whose_postgresql_was_away_at_its_first_read_reads_once_it_is_back(
        postgres: Postgres) -> None:
    name = f"away_{uuid4().hex[:8]}"
    reader = open_reader(postgres.url(name))
    try:
        with pytest.raises(PostgresError, match="cannot connect"):
            await reader.one("SELECT 1")
        postgres.sql(f"CREATE DATABASE {name}")  # the database is back
        assert await reader.one("SELECT 1") == (1,)
    finally:
        await reader.close()


async def test_a_read_cancelled_while_connecting_leaves_the_others_reading(
        storage: Path | str) -> None:
    await (await open_store(storage, {})).close()
    reader = open_reader(storage)
    try:
        given_up = asyncio.ensure_future(reader.one("SELECT 1"))  # (a request whose client left)
        waiting = asyncio.ensure_future(reader.one("SELECT 2"))
        await asyncio.sleep(0)  # both wait for the one connect
        given_up.cancel()
        assert await waiting == (2,)
        assert await reader.one("SELECT 3") == (3,)
    finally:
        await reader.close()


async def test_a_read_that_fails_leaves_the_reads_under_way_and_only_garbage_reopens(
        tmp_path: Path) -> None:
    """Review s35 r9 R9-1: a read of a table not there yet closed the shared connection
    under the reads running with it ("Cannot operate on a closed database"). Only a file
    that is no database drops the connection (r8 R8-8: else it was kept for good)."""
    path = tmp_path / "bot.db"
    store = await open_store(path, {})
    await store.execute("CREATE TABLE t (n INTEGER)")
    await store.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(20_000)])
    await store.flush()
    await store.close()
    reader = open_reader(path)
    try:
        reads = [reader.all("SELECT n FROM t ORDER BY n DESC") for _ in range(5)]
        results = await asyncio.gather(reader.one("SELECT * FROM not_yet_migrated"), *reads,
                                       return_exceptions=True)
        assert "no such table" in str(results[0])
        assert [len(rows) for rows in results[1:]] == [20_000] * 5  # type: ignore[arg-type]
        kept = path.read_bytes()
        path.write_bytes(b"not a database " * 300)  # a bad restore, then the right file
        for name in ("bot.db-wal", "bot.db-shm"):
            (tmp_path / name).unlink(missing_ok=True)
        with pytest.raises(Exception, match=r"not a database|malformed"):
            await reader.one("SELECT n FROM t LIMIT 1")
        path.write_bytes(kept)
        assert await reader.one("SELECT count(*) FROM t") == (20_000,)
    finally:
        await reader.close()
