"""Handlers' state (bot/state.py): what a handler, an event or a commit undoes is undone, a
restart reads the table, and a group another account served meanwhile is read as it left it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from harness import BOT_YAML, Harness, write_config
from test_accounts import TAKEOVER, Accounts
from test_accounts import write_config as accounts_config

from bot import state
from bot.adapters.base import GatewayError
from bot.context import Context, Core, Group
from bot.events import Member, Message
from bot.handler import CONTINUE, Flow, Handler, HandlerConfig
from bot.store import StoreError, open_store

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL


class Count(Handler[HandlerConfig]):
    """Counts the group's messages and each member's and says both; `boom` raises after
    counting (its savepoint must take the counts back), `forget` starts the group's count
    again, `hi` greets once an hour (the group's cooldown), `boom hi` raises after noting the
    greeting."""

    name = "count"
    events = (Message,)
    Config = HandlerConfig

    async def handle(self, event: Message, ctx: Context) -> Flow:
        member = event.sender.id
        if event.text == "forget":
            await ctx.forget("n")
            return CONTINUE
        if event.text.endswith("hi"):
            if await ctx.off_cooldown("hi", timedelta(hours=1)):
                ctx.say("hello")
        else:
            n = await ctx.get("n", default=0) + 1
            await ctx.set("n", n)
            mine = await ctx.get("n", member=member, default=0) + 1
            await ctx.set("n", mine, member=member)
            ctx.say(f"{n} {member} {mine}")
        if event.text.startswith("boom"):
            raise RuntimeError("a bug, after the write")
        return CONTINUE


class Away(Handler[HandlerConfig]):
    """After `count`: the platform is away for a message saying `away`, so the whole event
    is undone (bot/pipeline.py), count's write with it."""

    name = "away"
    events = (Message,)
    Config = HandlerConfig

    async def handle(self, event: Message, ctx: Context) -> Flow:
        if event.text == "away":
            raise GatewayError("the platform is away")
        return CONTINUE


REGISTRY: dict[str, Any] = {h.name: h for h in (Count, Away)}


def _harness(tmp_path: Path) -> Harness:
    root = write_config(tmp_path / "config", BOT_YAML,
                        {"recruitment": "handlers:\n  - count: {}\n  - away: {}\n"})
    return Harness(root, tmp_path, registry=REGISTRY)


async def _table(h: Harness) -> dict[tuple[str, str], str]:
    await h.bot.store.flush()
    return {(member, key): value for member, key, value in await h.bot.store.all(
        "SELECT member, key, value FROM state WHERE grp='r1' AND handler='count'")}


async def test_values_are_kept_across_events_and_a_restart(tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        for member in ("alice", "alice", "bob", "alice"):
            await h.say("r1", member, "x")
        assert await _table(h) == {("", "n"): "4", ("alice", "n"): "3", ("bob", "n"): "1"}
        await h.restart()
        await h.say("r1", "alice", "x")
        await h.say("r1", "bob", "forget")
        await h.say("r1", "bob", "x")
        await h.drain()
        assert h.texts("r1") == ["1 alice 1", "2 alice 2", "3 bob 1", "4 alice 3",
                                 "5 alice 4", "1 bob 2"]
        assert await _table(h) == {("", "n"): "1", ("alice", "n"): "4", ("bob", "n"): "2"}


async def test_a_handler_that_raised_leaves_its_writes_nowhere(tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        await h.say("r1", "alice", "x")
        await h.say("r1", "alice", "boom")  # counted, then undone by its savepoint
        await h.say("r1", "alice", "boom hi")  # greeted, then undone
        assert await _table(h) == {("", "n"): "1", ("alice", "n"): "1"}
        await h.say("r1", "alice", "x")
        await h.say("r1", "alice", "hi")
        await h.say("r1", "alice", "hi")  # within the hour
        await h.drain()
        assert h.texts("r1") == ["1 alice 1", "2 alice 2", "hello"]


@pytest.mark.parametrize("alone", [False, True], ids=["in-a-batch", "first-of-its-batch"])
async def test_an_event_undone_leaves_its_writes_nowhere(tmp_path: Path, alone: bool) -> None:
    async with _harness(tmp_path) as h:
        await h.say("r1", "alice", "x")
        if alone:
            await h.bot.store.flush()
        with pytest.raises(GatewayError):
            await h.say("r1", "alice", "away")  # counted, then the event undone
        await h.say("r1", "alice", "x")
        await h.drain()
        assert h.texts("r1") == ["1 alice 1", "2 alice 2"]
        assert await _table(h) == {("", "n"): "2", ("alice", "n"): "2"}


async def test_a_group_served_by_another_account_meanwhile_is_read_again(
        tmp_path: Path, storage: Path | str) -> None:
    # the keywords' flood guard (2 minutes, the group's own): b answers bob once a's guard is
    # over; back with a, b's guard (which a's copy never held) keeps a silent
    root = accounts_config(tmp_path / "config", storage)
    (root / "types" / "recruitment.yaml").write_text(
        "handlers:\n  - keywords:\n      cooldown: 1h\n      group_cooldown: 2m\n"
        "      rules: [{patterns: [怎么报名], reply: 发送报名即可}]\n")
    accounts = Accounts(root)
    try:
        await accounts.start("a")
        await accounts.start("b")
        await accounts.advance(timedelta(seconds=1))
        await accounts.say("r1", "怎么报名")  # a serves r1 and answers alice
        await accounts.advance(TAKEOVER * 2, only=("b",))  # a stalls: b takes r1 over
        await accounts.advance(timedelta(seconds=90), only=("b",))  # a's guard is over
        await accounts.say("r1", "怎么报名", to=("b",), sender="bob")  # b answers bob
        await accounts.advance(TAKEOVER * 2, only=("a",))  # b stalls: a takes it back
        await accounts.say("r1", "怎么报名", to=("a",), sender="carol")  # b's guard holds
        await accounts.advance(timedelta(seconds=5))
        assert accounts.texts("r1") == ["发送报名即可", "发送报名即可"]
    finally:
        await accounts.stop()


async def test_writes_go_with_what_is_rolled_back(storage: Path | str) -> None:
    store = await open_store(storage, {})
    key, at = ("r1", "", "count", "n"), ("r1", "", "count", "at")  # the group's own
    try:
        async with store.transaction():
            await state.put(store, key, {"n": 1})
            with pytest.raises(RuntimeError):
                async with store.savepoint():
                    await state.delete(store, key)
                    raise RuntimeError("a handler failed")
            assert await state.get(store, key) == {"n": 1}
        await store.flush()
        assert await store.all("SELECT value FROM state") == [('{"n": 1}',)]

        async with store.transaction():  # a commit that fails undoes what the batch did
            assert await state.note_unless_since(store, at, "2", "1")
            await state.delete(store, key)
            store.defer("INSERT INTO no_such_table VALUES (?)", (1,))
        with pytest.raises(StoreError):
            await store.flush()
        assert await state.get(store, key) == {"n": 1}
        assert await state.get(store, at) is None
        async with store.transaction():  # a noted time is kept unless a later one is there
            assert await state.note_unless_since(store, at, "3", "1")
            assert not await state.note_unless_since(store, at, "4", "2")
            assert await state.note_unless_since(store, at, "5", "3")
            await state.delete(store, key)
            await state.put(store, ("r1", "alice", "count", "n"), 1)
        await store.flush()
        assert sorted(await store.all("SELECT key, value FROM state")) == [("at", '"5"'),
                                                                           ("n", "1")]
    finally:
        await store.close()


class _Clock:
    """A clock that shows the time it is told (the very object)."""

    def __init__(self, now: datetime) -> None:
        self.time = now

    def now(self) -> datetime:
        return self.time


async def test_a_cooldown_is_real_time_in_the_hour_clocks_go_back(storage: Path | str) -> None:
    """The repeated hour of a night clocks go back: the two 02:30s compare equal in their
    zone, but they are an hour apart, and a half-hour cooldown noted at the first is over at
    the second (the time a context keeps stamped is the very time's, not an equal one's)."""
    store = await open_store(storage, {})
    first = datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    second = first.replace(fold=1)
    assert first == second
    clock = _Clock(first)
    core = cast(Core, SimpleNamespace(clock=clock, store=store))
    event = Message(first, "r1", Member("alice", "Alice"), "hi")
    ctx = Context(core, event, Group("r1", "R1", "recruitment"), "count")
    half_an_hour = timedelta(minutes=30)
    try:
        async with store.transaction():
            assert await ctx.off_cooldown("hi", half_an_hour)
            assert not await ctx.off_cooldown("hi", half_an_hour)
            clock.time = second
            assert await ctx.off_cooldown("hi", half_an_hour)
            assert not await ctx.off_cooldown("hi", half_an_hour)
            clock.time = datetime(2026, 10, 25, 1, 59, 59, 999999, tzinfo=UTC)
            assert not await ctx.off_cooldown("hi", half_an_hour)
            clock.time = datetime(2026, 10, 25, 2, 0, tzinfo=UTC)  # to the microsecond
            assert await ctx.off_cooldown("hi", half_an_hour)
            assert not await ctx.off_cooldown("hi", timedelta.max)  # once, ever
            assert await ctx.off_cooldown("other", timedelta.max)
        assert await store.all("SELECT key, value FROM state ORDER BY key") == [
            ("hi", '"2026-10-25T02:00:00.000000+00:00"'),
            ("other", '"2026-10-25T02:00:00.000000+00:00"')]
    finally:
        await store.close()


async def test_a_cooldown_noted_in_the_future_is_over(storage: Path | str) -> None:
    """Review r6 R6-5: the clock went back three days (the simulator's `/wait 3d` lost at a
    restart, a system clock stepped back), so the rules' last post lay three days ahead, and
    a 5-minute cooldown kept them quiet for three real days. A time kept in the future is
    over: the cooldown runs again from now, and never longer than its own length; once,
    ever stays once."""
    store = await open_store(storage, {})
    clock = _Clock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    core = cast(Core, SimpleNamespace(clock=clock, store=store))
    event = Message(clock.time, "r1", Member("alice", "Alice"), "群规")
    ctx = Context(core, event, Group("r1", "R1", "recruitment"), "rules")
    five_minutes = timedelta(minutes=5)
    try:
        async with store.transaction():
            assert await ctx.off_cooldown("posted", five_minutes)
            assert await ctx.off_cooldown("once", timedelta.max)
            clock.time -= timedelta(days=3)  # back: what was kept lies 3 days ahead
            assert await ctx.off_cooldown("posted", five_minutes)
            assert not await ctx.off_cooldown("posted", five_minutes)  # from now on, again
            clock.time += five_minutes - timedelta(microseconds=1)
            assert not await ctx.off_cooldown("posted", five_minutes)
            clock.time += timedelta(microseconds=1)
            assert await ctx.off_cooldown("posted", five_minutes)
            assert not await ctx.off_cooldown("once", timedelta.max)
    finally:
        await store.close()
