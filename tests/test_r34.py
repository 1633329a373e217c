"""Review s39 r34: a reader's settle of the bot's PostgreSQL store, given up or landing as
the bot's loop stops (bot/postgres.py settle, settle_from_any_loop)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from harness import BOT_YAML, Harness, write_config
from pg import Postgres

import bot.postgres
from bot import seen
from bot.postgres import PgReader, PgStore

SLOW_COMMIT = """
CREATE FUNCTION r34_slow() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER r34_slow AFTER INSERT ON seen_messages
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION r34_slow();
"""


async def test_r34_1_a_read_given_up_while_it_settles_loses_no_event_of_the_bot(
        tmp_path: Path, postgres: Postgres) -> None:
    """A reader of this process first has the bot's store commit its open batch (settle). A
    read given up meanwhile (/healthz's wait_for of HEALTH_READ on a slow server; a reader
    thread's task cancelled, which run_coroutine_threadsafe passes on to the settle on the
    bot's loop) cancels that COMMIT: PgStore._commit rolls the batch back, in memory and on
    the server, and re-raises the CancelledError. The store is neither lost nor failed: the
    bot goes on, and the events of the batch (here a message's seen key; in life joins,
    check-ins, warnings) are gone without a word. A reader's patience must not decide
    whether the bot's events are kept: the settle's commit should go on (shielded)."""
    url = postgres.database()
    h = Harness(write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"}),
                tmp_path, db=url)
    async with h:
        store = h.bot.store
        assert isinstance(store, PgStore)
        postgres.sql(SLOW_COMMIT, url.rsplit("/", 1)[1])  # the COMMIT takes a second
        async with store.transaction():  # an event: its batch is committed when the loop
            assert await seen.first_time(store, "r34:message:1", h.clock.now())  # comes round
        reader = PgReader(url)
        try:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.3):  # (as /healthz: a read that takes too long)
                    await reader.one("SELECT 1")
        finally:
            await reader.close()
        await store.flush()  # nothing said to have failed: so it must be committed
        kept = await store.one("SELECT count(*) FROM seen_messages WHERE id = ?",
                               ("r34:message:1",))
        assert kept is not None and int(kept[0]) == 1, \
            "the bot's event was rolled back by a reader's cancelled settle, without a word"


def test_r34_2_a_reader_whose_settle_lands_as_the_bots_loop_stops_does_not_hang(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """settle_from_any_loop checks `self._loop.is_running()` and then hands the settle to
    that loop, with no timeout. A console thread (a CSV download settles before each of its
    queries) that loses the CPU between the two while the bot stops (its loop stops and is
    not run again) waits forever: run_coroutine_threadsafe's future is never resolved. The
    thread never ends, and the ThreadPoolExecutor's exit hook joins it: the process does not
    exit after `groupbot run` stopped. Here the preemption is placed exactly there."""
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    store = PgStore.__new__(PgStore)  # only what settle_from_any_loop uses of it
    store._loop = loop
    settled: list[bool] = []

    async def settle() -> None:
        settled.append(True)

    store.settle = settle  # type: ignore[method-assign]
    real = asyncio.run_coroutine_threadsafe

    def preempted(coro, on):  # type: ignore[no-untyped-def]
        on.call_soon_threadsafe(on.stop)  # the bot stops while this thread waits its turn
        runner.join(timeout=5)
        return real(coro, on)

    monkeypatch.setattr(bot.postgres.asyncio, "run_coroutine_threadsafe", preempted)

    async def read() -> None:
        await asyncio.wait_for(store.settle_from_any_loop(), 3)

    try:
        try:
            asyncio.run(read())
        except TimeoutError:
            pytest.fail("the reader waited for a settle on a loop that no longer runs")
        except RuntimeError:
            pass  # (said at once: acceptable)
    finally:
        monkeypatch.undo()
        runner.join(timeout=5)
        loop.run_until_complete(asyncio.sleep(0))  # what was handed to it, ended (no warning
        loop.close()  # of a settle never awaited)
