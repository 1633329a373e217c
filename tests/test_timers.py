"""One-shot timers (bot/scheduler.py) are kept in the store and in memory; a write that is
rolled back (a handler that raised, an event undone) takes the change in memory back too,
so the scheduler never fires a timer the store does not have, nor forgets one it has. On
both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.scheduler import Scheduler
from bot.store import CORE_MIGRATIONS, Store, open_store

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BATCH = ("g1", "welcome", "batch")
QUIZ = ("g1", "quiz", "deadline")


@pytest.fixture
async def timers(storage: Path | str) -> AsyncIterator[tuple[Store, Scheduler]]:
    store = await open_store(storage, {"core": CORE_MIGRATIONS})
    try:
        yield store, Scheduler(store, UTC)
    finally:
        await store.close()


async def _stored(store: Store) -> dict[tuple[str, str, str], datetime]:
    return {(grp, handler, key): datetime.fromisoformat(due)
            for grp, handler, key, due in await store.all(
                "SELECT grp, handler, key, due FROM timers")}


async def _failing(store: Store, step: Awaitable[object]) -> None:
    """`step` inside a handler's savepoint that then raises."""
    with pytest.raises(RuntimeError):
        async with store.savepoint():
            await step
            raise RuntimeError("the handler failed after it")


async def test_a_timer_armed_or_cancelled_by_a_failed_handler_is_as_the_store_has_it(
        timers: tuple[Store, Scheduler]) -> None:
    store, scheduler = timers
    async with store.transaction():
        await scheduler.set_timer(QUIZ, NOW + timedelta(hours=1), {})
        await _failing(store, scheduler.set_timer(BATCH, NOW + timedelta(minutes=1), {}))
        await _failing(store, scheduler.cancel_timer(QUIZ))
        await _failing(store, scheduler.set_timer(QUIZ, NOW + timedelta(hours=9), {}))
        assert scheduler.timer_due(BATCH) is None  # never armed: the store has no row
        assert scheduler.timer_due(QUIZ) == NOW + timedelta(hours=1)  # neither cancelled
        assert scheduler.next_due() == NOW + timedelta(hours=1)  # nor moved
    await store.flush()
    assert await _stored(store) == {QUIZ: NOW + timedelta(hours=1)}
    assert await scheduler.take(NOW + timedelta(minutes=5)) is None
    tick = await scheduler.take(NOW + timedelta(hours=1))
    assert tick is not None and (tick.handler, tick.key) == ("quiz", "deadline")


async def test_a_timer_change_in_an_event_rolled_back_whole_is_taken_back(
        timers: tuple[Store, Scheduler]) -> None:
    store, scheduler = timers
    async with store.transaction():
        await scheduler.set_timer(QUIZ, NOW + timedelta(hours=1), {})
    await store.flush()
    with pytest.raises(RuntimeError):  # a later event arms one and cancels the other
        async with store.transaction():
            await scheduler.set_timer(BATCH, NOW + timedelta(minutes=1), {})
            await scheduler.cancel_timer(QUIZ)
            raise RuntimeError("the platform went away")
    assert scheduler.timer_due(BATCH) is None
    assert scheduler.timer_due(QUIZ) == NOW + timedelta(hours=1)
    assert await _stored(store) == {QUIZ: NOW + timedelta(hours=1)}
    async with store.transaction():  # committed changes stay
        await scheduler.cancel_timer(QUIZ)
    await store.flush()
    assert not scheduler.has_timers() and await _stored(store) == {}


async def test_a_timer_taken_by_a_tick_whose_event_is_undone_is_due_again(
        timers: tuple[Store, Scheduler]) -> None:
    store, scheduler = timers
    async with store.transaction():
        await scheduler.set_timer(BATCH, NOW + timedelta(minutes=1), {"n": 1})
    await store.flush()
    with pytest.raises(RuntimeError):
        async with store.transaction():
            tick = await scheduler.take(NOW + timedelta(minutes=2))
            assert tick is not None and tick.data == {"n": 1}
            raise RuntimeError("the tick's handler took the platform down with it")
    assert scheduler.timer_due(BATCH) == NOW + timedelta(minutes=1)
    assert await _stored(store) == {BATCH: NOW + timedelta(minutes=1)}
    async with store.transaction():
        tick = await scheduler.take(NOW + timedelta(minutes=2))
    await store.flush()
    assert tick is not None and tick.data == {"n": 1}  # once, now
    assert not scheduler.has_timers() and await _stored(store) == {}
