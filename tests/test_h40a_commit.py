"""A stop (SIGTERM cancels the bot's tasks) that arrives while the PostgreSQL store's COMMIT
of a batch is under way waits for it: the events the bot handled are kept, as on SQLite,
whose commit is synchronous (bot/postgres.py PgStore._commit)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path

import pytest
from harness import BOT_YAML, Harness, write_config
from pg import Postgres

import bot.postgres
from bot import seen
from bot.postgres import PgStore, Unavailable

# the COMMIT of a batch that saw a message takes SECONDS (a deferred trigger), so that a stop
# can arrive while it is under way
SLOW_COMMIT = """
CREATE FUNCTION h40a_slow() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER h40a_slow AFTER INSERT ON seen_messages
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION h40a_slow();
"""


def _harness(tmp_path: Path, url: str) -> Harness:
    return Harness(write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"}),
                   tmp_path, db=url)


async def _stopped_while_committing(store: PgStore, key: str, now: datetime) -> float:
    """An event that sees message `key`, then a flush (as before a send) whose task is
    cancelled while its COMMIT is under way: how long the cancel took to land."""
    async def event_then_flush() -> None:
        async with store.transaction():
            assert await seen.first_time(store, key, now)
        await store.flush()

    task = asyncio.create_task(event_then_flush())
    await asyncio.sleep(0.3)  # the COMMIT is on the server now
    assert not task.done()
    stopped = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return time.monotonic() - stopped


def _seen(postgres: Postgres, url: str, key: str) -> int:
    return int(postgres.sql(f"SELECT count(*) FROM seen_messages WHERE id = '{key}'",
                            url.rsplit("/", 1)[1]))


async def test_a_stop_while_a_batch_commits_keeps_its_events(
        tmp_path: Path, postgres: Postgres) -> None:
    """The cancel lands once the COMMIT is done, and the batch's rows are in the database:
    cancelled, the COMMIT was rolled back (`except BaseException`), and a message the bot
    had handled was lost."""
    url = postgres.database()
    async with _harness(tmp_path, url) as h:
        store = h.bot.store
        assert isinstance(store, PgStore)
        postgres.sql(SLOW_COMMIT.format(seconds=1), url.rsplit("/", 1)[1])
        took = await _stopped_while_committing(store, "h40a:message:1", h.clock.now())
        assert 0.4 < took < 5, "the stop should wait for the COMMIT under way, and only that"
        assert store.lost is None
    assert _seen(postgres, url, "h40a:message:1") == 1, \
        "a stop during the COMMIT rolled back an event the bot had handled"


async def test_a_stop_waits_for_a_commit_only_so_long(
        tmp_path: Path, postgres: Postgres, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that does not answer the COMMIT holds a stop COMMIT_WAIT at most: then the
    connection is ended and the store says it is lost (the bot exits 1)."""
    monkeypatch.setattr(bot.postgres, "COMMIT_WAIT", 0.5)
    url = postgres.database()
    async with _harness(tmp_path, url) as h:
        store = h.bot.store
        assert isinstance(store, PgStore)
        postgres.sql(SLOW_COMMIT.format(seconds=3), url.rsplit("/", 1)[1])
        took = await _stopped_while_committing(store, "h40a:message:2", h.clock.now())
        assert took < 2, "the stop waited past COMMIT_WAIT for a server that does not answer"
        assert isinstance(store.lost, Unavailable)
        assert "COMMIT" in str(store.lost)
