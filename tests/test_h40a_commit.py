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


KEY = "h40a:message:1"


async def _stopped_while_committing(tmp_path: Path, postgres: Postgres, url: str,
                                    commit_takes: float) -> tuple[float, PgStore]:
    """A bot on `url` whose COMMITs take `commit_takes` seconds: an event that sees message
    KEY, then a flush (as before a send) whose task is cancelled while its COMMIT is under
    way. How long the cancel took to land, and the store (closed by then)."""
    config = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    async with Harness(config, tmp_path, db=url) as h:
        store = h.bot.store
        assert isinstance(store, PgStore)
        postgres.sql(SLOW_COMMIT.format(seconds=commit_takes), url.rsplit("/", 1)[1])
        task = asyncio.create_task(_event_then_flush(store, h.clock.now()))
        await asyncio.sleep(0.3)  # the COMMIT is on the server now
        assert not task.done()
        stopped = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - stopped, store


async def _event_then_flush(store: PgStore, now: datetime) -> None:
    async with store.transaction():
        assert await seen.first_time(store, KEY, now)
    await store.flush()


async def test_a_stop_while_a_batch_commits_keeps_its_events(
        tmp_path: Path, postgres: Postgres) -> None:
    """The cancel lands once the COMMIT is done, and the batch's rows are in the database:
    cancelled, the COMMIT was rolled back (`except BaseException`), and a message the bot
    had handled was lost."""
    url = postgres.database()
    took, store = await _stopped_while_committing(tmp_path, postgres, url, 1)
    assert 0.4 < took < 5, "the stop should wait for the COMMIT under way, and only that"
    assert store.lost is None
    assert postgres.sql(f"SELECT count(*) FROM seen_messages WHERE id = '{KEY}'",
                        url.rsplit("/", 1)[1]).strip() == "1", \
        "a stop during the COMMIT rolled back an event the bot had handled"


async def test_a_stop_waits_for_a_commit_only_so_long(
        tmp_path: Path, postgres: Postgres, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that does not answer the COMMIT holds a stop COMMIT_WAIT at most: then the
    connection is ended and the store says it is lost (the bot exits 1)."""
    monkeypatch.setattr(bot.postgres, "COMMIT_WAIT", 0.5)
    took, store = await _stopped_while_committing(tmp_path, postgres, postgres.database(), 3)
    assert took < 2, "the stop waited past COMMIT_WAIT for a server that does not answer"
    assert isinstance(store.lost, Unavailable)
    assert "COMMIT" in str(store.lost)


async def test_a_stop_waits_for_a_commit_the_loop_began_only_so_long(
        tmp_path: Path, postgres: Postgres, monkeypatch: pytest.MonkeyPatch) -> None:
    """The commit the loop begins after an event (no task of the stop's holds it) is waited
    for COMMIT_WAIT at most too: closing the store with such a COMMIT unanswered ends the
    connection and says the store is lost; before, the stop waited for the server for good."""
    monkeypatch.setattr(bot.postgres, "COMMIT_WAIT", 0.5)
    url = postgres.database()
    config = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    async with Harness(config, tmp_path, db=url) as h:
        store = h.bot.store
        assert isinstance(store, PgStore)
        postgres.sql(SLOW_COMMIT.format(seconds=30), url.rsplit("/", 1)[1])
        async with store.transaction():
            assert await seen.first_time(store, KEY, h.clock.now())
        await asyncio.sleep(0.3)  # the loop came round: its COMMIT is on the server now
        stopped = time.monotonic()
        await store.close()
        took = time.monotonic() - stopped
        assert took < 5, "the stop waited for a COMMIT the server does not answer"
        assert isinstance(store.lost, Unavailable)
        assert "not known" in str(store.lost)
