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
