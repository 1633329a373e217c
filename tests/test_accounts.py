"""Several accounts on one database, in one process on a virtual clock: each group served by
one account (leases), the cross-account dedupe key, takeover with the standby's messages,
fencing of a stalled holder, cron runs once across accounts, console actions handed through
the commands table, and the accounts config. Each scenario runs on both backends: one SQLite
file, then one PostgreSQL database (tests/pg.py's `storage`), every account's Bot its own
store (its own connection), as separate processes would have.
The same with real processes over real gRPC: tests/wechaty/test_wechaty_accounts.py."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot import commands, config, leases, moderation, schema
from bot.adapters.base import Disconnected, GatewayError, Refused
from bot.adapters.simulator import Simulator
from bot.app import Bot
from bot.clock import VirtualClock
from bot.events import Member, MemberJoined, Message
from bot.store import CORE_MIGRATIONS, Store, open_reader, open_store
from bot.times import stamp
from bot.yamlfile import InputError
from handlers import REGISTRY

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 23, 9, 0, 30, tzinfo=TZ)
TAKEOVER = timedelta(seconds=30)
KEYWORD, REPLY, PUSH = "怎么报名", "发送「报名」即可报名", "每分钟一条"


def write_config(root: Path, storage: Path | str = "bot.db", **extra: Any) -> Path:
    (root / "types").mkdir(parents=True)
    (root / "content").mkdir()
    settings: dict[str, Any] = {
        "bot": {"id": "wxid_a", "name": "Helper"}, "timezone": "Asia/Shanghai",
        "storage": str(storage), "content": "content",
        "outbox": {"group_interval": "5s", "global_per_minute": 6000},
        "groups": [{"match": {"topic": "Recruitment"}, "type": "recruitment"}],
        "accounts": [{"name": n, "token_env": f"TOKEN_{n.upper()}"} for n in "abc"],
        "leases": {"takeover": "30s"}, "backstop": {"every": None},
        "governor": {"enabled": False}, **extra}  # its budgets are tested on their own
    handlers = [{"antispam": {"contacts": {"action": "warn"}}},
                {"keywords": {"cooldown": "0s", "rules": [
        {"patterns": [KEYWORD], "reply": REPLY}]}},
        {"push": {"min_gap": "0s", "schedules": [
            {"id": "minute", "cron": "* * * * *", "text": PUSH, "mode": "fixed",
             "grace": "20s"}]}}]
    (root / "bot.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True))
    (root / "types" / "recruitment.yaml").write_text(
        yaml.safe_dump({"handlers": handlers}, allow_unicode=True))
    return root


class Accounts:
    """Bots of accounts a, b (c) on one database and one virtual clock; each in r1."""

    def __init__(self, root: Path) -> None:
        self.deployment = config.load(root, REGISTRY)
        self.clock = VirtualClock(TZ, START)
        self.worlds: dict[str, Simulator] = {}
        self.bots: dict[str, Bot] = {}
        self.ids = iter(range(1, 10_000))

    async def start(self, name: str, groups: tuple[str, ...] = ("r1",)) -> Bot:
        world = self.worlds.setdefault(name, Simulator(self.clock, Member(f"wxid_{name}", name)))
        for group in groups:
            world.add_group(group, f"Recruitment {group}", ["alice", "bob"])
        bot = Bot(self.deployment, world, self.clock, REGISTRY, seed=0, account=name)
        await bot.start()
        self.bots[name] = bot
        return bot

    async def say(self, group: str, text: str, to: tuple[str, ...] | None = None,
                  sender: str = "alice") -> None:
        """One message in `group`, delivered to each account in it with an id of its own."""
        at = self.clock.now()
        for name in to or tuple(self.bots):
            if group in self.worlds[name].rooms:
                await self.bots[name].feed(Message(at, group, Member(sender, sender), text,
                                                   id=f"{name}-m{next(self.ids)}"))
                await self.bots[name].store.flush()  # one process's turn with the file ends

    async def advance(self, delta: timedelta, only: tuple[str, ...] | None = None) -> None:
        """Time passes for the bots of `only` (default: all); the others stall."""
        end = self.clock.now() + delta
        while self.clock.now() < end:
            step = min(end, self.clock.now() + timedelta(seconds=1))
            for name in only or tuple(self.bots):
                await self.bots[name].advance(step)
                await self.bots[name].store.flush()
            self.clock.set(step)

    def texts(self, group: str, name: str | None = None, push: bool = False) -> list[str]:
        """What was said in `group` (by account `name`): the replies, or the pushes."""
        return [r["text"] for n, w in self.worlds.items() if name in (None, n)
                for r in w.sent if r["action"] == "say" and r["group"] == group
                and (r["text"] == PUSH) == push]

    async def stop(self) -> None:
        while self.bots:
            await self.bots.popitem()[1].stop()


@pytest.fixture
async def accounts(tmp_path: Path, storage: Path | str) -> AsyncIterator[Accounts]:
    made = Accounts(write_config(tmp_path / "config", storage))
    try:
        yield made
    finally:
        await made.stop()


async def holder(a: Accounts, group: str) -> str:
    reader = open_reader(a.deployment.storage_path)
    try:
        return (await leases.leases(reader))[group].account
    finally:
        await reader.close()


async def test_a_message_seen_by_two_accounts_is_answered_once(accounts: Accounts) -> None:
    await accounts.start("a")
    await accounts.start("b")
    await accounts.advance(timedelta(seconds=1))
    assert await holder(accounts, "r1") == "a"  # the first to claim it serves it
    await accounts.say("r1", KEYWORD)
    await accounts.say("r1", KEYWORD)  # the same words again: a second message, answered
    await accounts.advance(timedelta(seconds=12))
    assert accounts.texts("r1", "a") == [REPLY, REPLY]
    assert accounts.texts("r1", "b") == []


class TickingClock(VirtualClock):
    """Real time as a slow machine sees it: every reading is a microsecond after the last."""

    def now(self) -> datetime:
        self.set(super().now() + timedelta(microseconds=1))
        return super().now()


async def test_the_first_lease_renewal_is_due_however_slowly_the_clock_is_read(
        accounts: Accounts) -> None:
    # A first renewal due "now", read again by run_due a microsecond later, was never found
    # due: the process spun on it at full CPU and claimed no group (seen on a slow machine).
    accounts.clock = TickingClock(TZ, START)
    bot = await accounts.start("a")
    await bot.run_due()
    assert bot.accounts is not None and bot.accounts.leases.holds("r1", accounts.clock.now())
    assert bot.next_due() is not None and bot.next_due() > accounts.clock.now()


async def _served(bot: Bot, seconds: float, limit: int = 50) -> tuple[int, int]:
    """Serve `bot` in real time for `seconds`: how many times run_due ran, and how many
    times the loop turned meanwhile. More than `limit` runs raise: a spin fails the test
    instead of hanging it (serve never yields when run_due does not)."""
    calls, turns, run_due = [0], [0], bot.run_due

    async def counted() -> None:
        calls[0] += 1
        if calls[0] > limit:
            raise AssertionError(f"run_due ran {calls[0]} times: serve spins")
        await run_due()

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(0.01)
            turns[0] += 1

    bot.run_due = counted  # type: ignore[method-assign]
    serving, beating = asyncio.create_task(bot.serve()), asyncio.create_task(heartbeat())
    await asyncio.sleep(seconds)
    assert not serving.done(), serving.exception()
    serving.cancel()
    beating.cancel()
    await asyncio.gather(serving, beating, return_exceptions=True)
    return calls[0], turns[0]


async def test_serve_runs_what_is_due_without_spinning(tmp_path: Path,
                                                     storage: Path | str) -> None:
    # 60405e9's family: what next_due reports and run_due clears disagreeing made serve call
    # run_due back to back, never yielding: 100 % CPU, no login, no events read.
    accounts = Accounts(write_config(tmp_path / "config", storage, backstop={"every": "5m"}))
    accounts.clock = TickingClock(TZ, START)
    try:
        bot = await accounts.start("a")
        await bot.run_due()
        await accounts.say("r1", KEYWORD)
        await accounts.say("r1", KEYWORD)  # its reply waits behind the first; cron timers
        calls, turns = await _served(bot, 0.3)
        assert turns and calls <= 5
    finally:
        await accounts.stop()


async def test_serve_waits_when_a_run_leaves_the_same_instant_due(
        accounts: Accounts, caplog: pytest.LogCaptureFixture) -> None:
    accounts.clock = TickingClock(TZ, START)
    bot = await accounts.start("a")
    assert bot.accounts is not None
    bot.accounts.leases.next_due = lambda: START  # type: ignore[method-assign]  # a bug: never cleared
    calls, turns = await _served(bot, 0.3)
    assert turns and calls <= 2  # then a floor between runs, and the loop turns meanwhile
    assert caplog.text.count("nothing ran for what is due at") == 1


async def test_a_crashed_holder_is_taken_over_with_what_the_standby_saw(
        accounts: Accounts) -> None:
    a = await accounts.start("a")
    await accounts.start("b")
    await accounts.advance(timedelta(seconds=1))
    await a.store.close()  # a crash: no release, its lease runs out
    del accounts.bots["a"]
    await accounts.say("r1", KEYWORD)  # only b is left to see it, and stands by
    await accounts.advance(timedelta(seconds=5))
    assert accounts.texts("r1") == []
    await accounts.advance(TAKEOVER + TAKEOVER / 3)  # expired, then b's next renewal
    assert await holder(accounts, "r1") == "b"
    assert accounts.texts("r1", "b") == [REPLY]  # handled from the standby's buffer


async def test_a_holder_stalled_past_its_lease_sends_nothing_after_it_wakes(
        accounts: Accounts) -> None:
    await accounts.start("a")
    await accounts.start("b")
    await accounts.advance(timedelta(seconds=1))
    await accounts.say("r1", KEYWORD)
    await accounts.say("r1", KEYWORD)  # 5 s apart in the group: the second one waits
    await accounts.advance(timedelta(seconds=1))
    assert accounts.texts("r1", "a") == [REPLY]
    await accounts.advance(TAKEOVER * 2, only=("b",))  # a stalls (SIGSTOP) past its lease
    assert await holder(accounts, "r1") == "b"
    assert accounts.texts("r1", "b") == [REPLY]  # the queued reply, sent by the new holder
    await accounts.say("r1", KEYWORD, to=("a",))  # a wakes up with a message in its pipe
    await accounts.advance(timedelta(seconds=20))
    assert accounts.texts("r1", "a") == [REPLY]  # nothing more from a: fenced
    assert accounts.texts("r1", "b") == [REPLY]


async def test_a_reply_a_stale_holder_queues_after_the_takeover_is_sent_by_the_new_one(
        accounts: Accounts) -> None:
    # a, held up under load, handles a message it took as its own before b took r1 over
    # (and adopted r1's rows): its reply, queued after that, was refused by the fence and
    # left under a's dead epoch, where nobody would ever take it.
    a = await accounts.start("a")
    await accounts.start("b")
    await accounts.advance(timedelta(seconds=1))
    assert await holder(accounts, "r1") == "a"
    await accounts.advance(TAKEOVER * 2, only=("b",))  # a stalls past its lease
    assert await holder(accounts, "r1") == "b"
    message = Message(accounts.clock.now(), "r1", Member("alice", "alice"), KEYWORD,
                      id="a-late")
    await a._handle(message, "a:a-late")  # fed before the stall: a handles it as holder
    await a.store.flush()
    await accounts.advance(timedelta(seconds=30))
    assert accounts.texts("r1", "a") == []  # fenced
    assert accounts.texts("r1", "b") == [REPLY]  # handed on: b sends it, once


async def test_a_lone_holder_whose_lease_lapsed_handles_what_came_meanwhile(
        accounts: Accounts) -> None:
    # Serve held up past the takeover (a slow machine, long gateway calls) and nobody else in
    # the group: the renewal keeps the epoch, and the message kept in standby meanwhile was
    # dropped instead of handled.
    bot = await accounts.start("a")
    await accounts.advance(timedelta(seconds=1))
    await accounts.say("r1", KEYWORD)
    await accounts.advance(timedelta(seconds=6))
    assert accounts.texts("r1") == [REPLY]
    accounts.clock.set(accounts.clock.now() + TAKEOVER + timedelta(seconds=1))  # no run_due
    assert bot.accounts is not None
    assert not bot.accounts.leases.holds("r1", accounts.clock.now())
    await accounts.say("r1", KEYWORD)  # fed meanwhile: kept in standby
    await accounts.advance(timedelta(seconds=30))
    assert accounts.texts("r1") == [REPLY, REPLY]
    assert await holder(accounts, "r1") == "a" and bot.accounts.leases.epoch("r1") == 1


async def test_actions_refused_while_the_platform_was_away_past_the_lease_go_once_back(
        accounts: Accounts, caplog: pytest.LogCaptureFixture) -> None:
    # Logged out longer than the takeover, alone in the group: the fence refused the queued
    # reply and the push made up after the login ("served by another account", though none
    # did) and left them in the database until a restart.
    bot = await accounts.start("a")
    await accounts.advance(timedelta(seconds=1))
    world = accounts.worlds["a"]
    real, away = world.send_text, [True]

    async def send_text(group: str, text: str, mentions: Any = ()) -> None:
        if away[0]:
            raise Disconnected("logged out")
        await real(group, text, mentions)

    world.send_text = send_text  # type: ignore[method-assign]
    bot.platform(False)
    await accounts.say("r1", KEYWORD)
    await accounts.advance(TAKEOVER + timedelta(seconds=10))
    refused = caplog.text
    caplog.clear()
    away[0] = False
    bot.platform(True)
    await accounts.advance(timedelta(seconds=60))
    assert accounts.texts("r1") == [REPLY]
    assert accounts.texts("r1", push=True)  # the push made up after the login, and the next
    assert await bot.store.all("SELECT id FROM outbox WHERE state = 'queued'") == []
    assert "its lease on the group has run out" in refused  # not blaming another account
    assert "served by another account" not in refused
    assert "not sent" not in caplog.text  # back: the lease is renewed before anything goes


@pytest.mark.parametrize("failing", ["bind", "handle"])
async def test_a_takeover_the_platform_fails_is_finished_once_it_is_back(
        accounts: Accounts, failing: str, caplog: pytest.LogCaptureFixture) -> None:
    # The platform failing at a takeover (binding the groups taken over, or a lookup while
    # handling what standby kept) ended Bot.serve, and the process, with the kept events.
    await accounts.start("a")
    b = await accounts.start("b")
    await accounts.advance(timedelta(seconds=1))
    fails = [3]

    async def gone(*args: Any) -> Any:
        fails[0] -= 1
        raise Disconnected("the gateway went away just now")

    world = accounts.worlds["b"]
    real_groups, real_dispatch = world.groups, b._pipeline.dispatch
    world.groups = lambda: real_groups() if failing != "bind" or not fails[0] else gone()
    b._pipeline.dispatch = (  # type: ignore[method-assign]
        lambda event: real_dispatch(event) if failing != "handle" or not fails[0]
        or not isinstance(event, Message) else gone())
    await accounts.say("r1", KEYWORD, to=("b",))  # b stands by with it
    await accounts.advance(TAKEOVER + timedelta(seconds=5), only=("b",))  # a stalls
    assert await holder(accounts, "r1") == "b"
    assert accounts.texts("r1") == [] and "looking at the groups again" in caplog.text
    await accounts.advance(timedelta(minutes=2), only=("b",))
    assert fails == [0] and accounts.texts("r1", "b") == [REPLY]


async def test_a_kept_event_the_platform_keeps_failing_is_given_up_with_a_word(
        accounts: Accounts, caplog: pytest.LogCaptureFixture) -> None:
    await accounts.start("a")
    b = await accounts.start("b")
    await accounts.advance(timedelta(seconds=1))
    real_dispatch = b._pipeline.dispatch

    async def dispatch(event: Any) -> None:
        if isinstance(event, Message) and event.text == "早":
            raise Disconnected("no answer for this one")
        await real_dispatch(event)

    b._pipeline.dispatch = dispatch  # type: ignore[method-assign]
    await accounts.say("r1", "早", to=("b",))
    await accounts.say("r1", KEYWORD, to=("b",))
    await accounts.advance(TAKEOVER + timedelta(minutes=5), only=("b",))
    assert "gave up handling the Message kept of r1" in caplog.text
    assert accounts.texts("r1", "b") == [REPLY]  # the one after it, handled in order


@pytest.mark.parametrize("failure", ["refused", "unanswered 3 times"])
async def test_a_kept_event_the_platform_fails_holds_up_no_other_group(
        accounts: Accounts, failure: str, caplog: pytest.LogCaptureFixture) -> None:
    # A kept event the platform failed made the account look at its groups again later,
    # each time: no tick ran and nothing was sent in any of its groups meanwhile (5, 10, 20,
    # 40 s), though the platform was fine; and a refusal, final on the live path, was tried
    # 5 times.
    await accounts.start("a", ("r1",))
    b = await accounts.start("b", ("r1", "r2"))  # b serves r2 all along
    await accounts.advance(timedelta(seconds=1))
    assert await holder(accounts, "r1") == "a" and await holder(accounts, "r2") == "b"
    real_dispatch, tried = b._pipeline.dispatch, [0]

    async def dispatch(event: Any) -> None:
        if isinstance(event, Message) and event.text == "早":
            tried[0] += 1
            if failure == "refused":
                raise Refused("the bot is not in the group any more")
            if tried[0] <= 3:
                raise GatewayError("no answer to a lookup")
        await real_dispatch(event)

    b._pipeline.dispatch = dispatch  # type: ignore[method-assign]
    await accounts.say("r1", "早", to=("b",))  # b stands by with them; a stalls from now
    await accounts.say("r1", KEYWORD, to=("b",))
    await accounts.advance(TAKEOVER + timedelta(seconds=2), only=("b",))  # b takes r1 over
    assert await holder(accounts, "r1") == "b"
    asked: list[int] = []
    waited: list[int] = []  # for the answer to each question in r2
    for second in range(1, 61):
        if second % 6 == 1:  # (members in turn: keywords answers one 3 times in 10 min)
            await accounts.say("r2", KEYWORD, to=("b",), sender=f"m{second}")
            asked.append(second)
        await accounts.advance(timedelta(seconds=1), only=("b",))
        while len(waited) < len(accounts.texts("r2", "b")):
            waited.append(second - asked[len(waited)])
    assert len(waited) == len(asked) and max(waited) <= 6  # (group_interval 5s)
    assert "looking at the groups again" not in caplog.text
    assert accounts.texts("r1", "b") == [REPLY]  # the kept event after it
    if failure == "refused":
        assert tried == [1] and "nor will try again" in caplog.text
    else:
        assert tried == [4] and "trying again in" in caplog.text


async def test_a_join_fed_again_after_a_platform_failure_is_not_handled_again_at_a_takeover(
        accounts: Accounts) -> None:
    # A join (no platform id) fed again after its first feed failed for the platform, as
    # the wechaty adapter feeds it, counted as the bucket's second occurrence: the holder
    # recorded another cross-account key than the standby kept, and the standby handled the
    # join again when it took the group over (a second welcome...).
    a = await accounts.start("a")
    b = await accounts.start("b")
    await accounts.advance(timedelta(seconds=1))
    assert await holder(accounts, "r1") == "a"
    handled, fail = {"a": 0, "b": 0}, [1]
    for name, bot in (("a", a), ("b", b)):
        real = bot._pipeline.dispatch

        async def dispatch(event: Any, name: str = name, real: Any = real) -> None:
            if isinstance(event, MemberJoined):
                if name == "a" and fail[0]:
                    fail[0] -= 1
                    raise Disconnected("a lookup failed just now")
                handled[name] += 1
            await real(event)

        bot._pipeline.dispatch = dispatch  # type: ignore[method-assign]
    join = MemberJoined(accounts.clock.now(), "r1", (Member("carol", "Carol"),), None)
    await b.feed(join)  # b stands by with it
    with pytest.raises(Disconnected):
        await a.feed(join)  # the first try fails for the platform...
    await a.feed(join)  # ...and the adapter feeds it again: handled
    await a.store.flush()
    await accounts.advance(TAKEOVER + timedelta(seconds=5), only=("b",))  # a stalls
    assert await holder(accounts, "r1") == "b"
    assert handled == {"a": 1, "b": 0}
    # a second join of the same member in the same 10 s is an event of its own still
    again = MemberJoined(join.at, "r1", (Member("carol", "Carol"),), None)
    assert b.accounts is not None
    standby = b.accounts.standby
    assert standby.key(again) != standby.key(join) == standby.key(join)


async def test_a_cron_run_fires_once_across_accounts(accounts: Accounts) -> None:
    await accounts.start("a", ("r1", "r2"))
    await accounts.start("b", ("r1", "r2"))
    await accounts.advance(timedelta(minutes=3))
    assert accounts.texts("r1", push=True) == [PUSH] * 3
    assert accounts.texts("r2", push=True) == [PUSH] * 3


async def test_groupbot_report_filters_by_account(accounts: Accounts, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    await accounts.start("a", ("r1",))
    await accounts.start("b", ("r1", "r2"))
    await accounts.advance(timedelta(seconds=2))
    await accounts.say("r1", "早")
    await accounts.say("r2", "早")
    await accounts.stop()
    root = str(tmp_path / "config")
    assert await asyncio.to_thread(main, ["report", "--config", root]) == 0
    both = capsys.readouterr().out
    assert "r1" in both and "r2" in both
    assert await asyncio.to_thread(main, ["report", "--config", root, "--account", "b"]) == 0
    only_b = capsys.readouterr().out
    assert "r2" in only_b and "r1" not in only_b.split("\n\n")[0]


async def test_a_lease_is_claimed_once_renewed_taken_over_after_expiry_and_fenced(
        storage: Path | str) -> None:
    """The lease SQL itself, two accounts on two connections (two processes' stores)."""
    store_a, store_b = [await open_store(storage, schema.migrations(REGISTRY))
                        for _ in "ab"]
    a, b = leases.Leases(store_a, "a", TAKEOVER), leases.Leases(store_b, "b", TAKEOVER)

    async def cycle(lease: leases.Leases, store: Store, at: datetime) -> list[str]:
        async with store.transaction():
            taken = await lease.cycle({"r1", "r2"}, True, at)
        await store.flush()
        return taken

    try:
        assert await cycle(a, store_a, START) == ["r1", "r2"]
        assert await cycle(b, store_b, START) == []  # served: b stands by
        later = START + TAKEOVER / 2
        assert await cycle(a, store_a, later) == []  # renewed: its lease runs on from here
        assert await cycle(b, store_b, START + TAKEOVER) == []  # not expired: renewed at later
        async with store_a.transaction():
            await a.release_all(later)  # a clean stop gives r1 and r2 back at once...
        await store_a.flush()
        assert await cycle(b, store_b, later) == ["r1", "r2"]
        assert (b.epoch("r1"), await b.valid("r1", 2, later)) == (2, True)
        assert not await b.valid("r1", 1, later)  # ...under a new epoch: a's old one is dead
        assert await cycle(a, store_a, later) == []  # a is back: b serves them now
        stalled = later + TAKEOVER * 2  # b stalls past its lease: a takes over
        assert await cycle(a, store_a, stalled) == ["r1", "r2"]
        assert a.epoch("r1") == 3
        assert not await b.valid("r1", 2, stalled)  # b's queued actions are fenced
        assert await cycle(b, store_b, stalled) == []  # b wakes: its renewal finds them lost
        assert not b.has("r1") and a.holds("r1", stalled)
        rows = await leases.leases(store_a)
        assert {(g, lease.account, lease.epoch) for g, lease in rows.items()} == {
            ("r1", "a", 3), ("r2", "a", 3)}
    finally:
        await store_a.close()
        await store_b.close()


async def test_a_handed_command_is_carried_out_once(storage: Path | str) -> None:
    """The commands table's SQL: queued for one account, claimed by one taker only,
    finished with its outcome."""
    store_a, store_b = [await open_store(storage, schema.migrations(REGISTRY))
                        for _ in "ab"]
    try:
        async with store_a.transaction():
            first = await commands.hand(store_a, "b", "revoke", {"warning": 7}, "web", START)
            await commands.hand(store_a, "c", "reload", {}, "web", START)
        await store_a.flush()
        [command] = await commands.waiting(store_b, "b")
        assert (command.id, command.args, command.state) == (first, {"warning": 7}, "queued")
        claims = []
        for store in (store_b, store_a):  # two takers (one process restarted, say)
            async with store.transaction():
                claims.append(await commands.claim(store, command))
            await store.flush()
        assert claims == [True, False]
        assert await commands.waiting(store_b, "b") == []
        async with store_b.transaction():
            await commands.finish(store_b, command, True, {"status": "revoked"}, START)
        await store_b.flush()
        done = await commands.get(store_a, first)
        assert done is not None and (done.state, done.result) == ("done", {"status": "revoked"})
        assert done.json()["done_at"] is not None
        assert [c.action for c in await commands.waiting(store_a, "c")] == ["reload"]
    finally:
        await store_a.close()
        await store_b.close()


@pytest.mark.parametrize(("accounts", "said"), [
    ([{"name": "a", "token_env": "TOKEN_A"}, {"name": "a", "token_env": "TOKEN_A"}],
     ["accounts[1].name: 'a' is already the name of account 'a'",
      "accounts[1].token_env: 'TOKEN_A' is already"]),
    ([{"name": "a", "token_env": "T_A", "web_port": 8081}, {"name": "b", "token_env": "T_B"}],
     ["accounts[1].web_port: 8081 is already the web_port of account 'a'"]),
    # one gateway for two accounts: two processes of one WeChat (review s36 r15 R15-7)
    ([{"name": "a", "token_env": "T_A", "endpoint": "gw:8788"},
      {"name": "b", "token_env": "T_B", "endpoint": "GW:08788"},
      {"name": "c", "token_env": "T_C", "endpoint": "localhost:9000"},
      {"name": "d", "token_env": "T_D", "endpoint": "127.0.0.1:9000"}],
     ["accounts[1].endpoint: 'GW:08788' is already the endpoint of account 'a'",
      "accounts[3].endpoint: '127.0.0.1:9000' is already the endpoint of account 'c'"]),
    ([{"name": "Bad Name", "token_env": "TOKEN C", "endpoint": "nowhere", "extra": 1}],
     ["accounts[0].name: not an account name", "accounts[0].token_env: not an environment",
      "accounts[0].endpoint: not host:port", "accounts[0].extra"]),
    ([], ["leases.takeover: a takeover time under 1s"]),
])
def test_accounts_config_errors_name_file_line_and_key(tmp_path: Path, accounts: list[Any],
                                                       said: list[str]) -> None:
    extra: dict[str, Any] = {"accounts": accounts} if accounts else {
        "leases": {"takeover": "0.5s"}}
    root = write_config(tmp_path / "config", **extra)
    with pytest.raises(InputError) as caught:
        config.load(root, REGISTRY)
    text = "\n".join(map(str, caught.value.problems))
    for part in said:
        assert part in text
    assert all(str(p).startswith(f"{root / 'bot.yaml'}:") for p in caught.value.problems)


@pytest.mark.parametrize(("args", "env", "said"), [
    (["--account", "zz"], {}, "no account 'zz' (known: a, b, c)"),
    (["--account", "a"], {}, "its token variable TOKEN_A is not set"),
    ([], {}, "lists accounts: run one process per account with --account NAME"),
])
def test_run_account_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch, args: list[str],
                                   env: dict[str, str], said: str) -> None:
    from bot.cli import main

    monkeypatch.delenv("TOKEN_A", raising=False)
    root = write_config(tmp_path / "config")
    assert main(["run", "--config", str(root), *args]) == 2
    assert said in capsys.readouterr().err


async def test_consoles_show_their_account_and_hand_actions_to_the_serving_process(
        accounts: Accounts) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.web import sends, server

    a = await accounts.start("a", ("r1",))
    b = await accounts.start("b", ("r1", "r2"))
    await accounts.advance(timedelta(seconds=1))
    consoles = {name: server.for_bot(bot, "token") for name, bot in (("a", a), ("b", b))}
    assert b.accounts is not None
    b.accounts.carry_out = partial(sends.carry_out, consoles["b"])  # as serve_for does
    await accounts.say("r2", "加我微信 abc12345 有优惠", sender="bob")  # b warns bob in r2
    await accounts.advance(timedelta(seconds=1))
    client = TestClient(TestServer(server.make_app(consoles["a"])))
    await client.start_server()
    bearer = {"Authorization": "Bearer token"}
    try:
        health = await (await client.get("/healthz")).json()
        assert (health["account"], health["groups"]) == ("a", 1)
        metrics = await (await client.get("/metrics", headers=bearer)).text()
        assert 'groupbot_leases_held{account="a"} 1.0' in metrics
        assert 'groupbot_platform_connected{account="a"} 1.0' in metrics

        rows = await (await client.get("/api/groups", headers=bearer)).json()
        assert {(r["id"], r["account"]) for r in rows} >= {("r1", "a"), ("r2", "b")}
        only_b = await (await client.get("/api/groups?account=b", headers=bearer)).json()
        assert [r["id"] for r in only_b] == ["r2"]
        wrong = await client.get("/api/groups?account=zz", headers=bearer)
        assert wrong.status == 400 and (await wrong.json())["parameter"] == "account"

        state = await (await client.get("/api/moderation", headers=bearer)).json()
        [warning] = [w["id"] for w in state["warnings"] if w["group"] == "r2"]
        handed = await client.post(f"/api/warnings/{warning}/revoke", headers=bearer)
        assert handed.status == 202
        done = await handed.json()
        assert (done["status"], done["account"]) == ("handed", "b")
        reload = await (await client.post("/api/reload", headers=bearer)).json()
        assert set(reload["handed"]) == {"b", "c"}  # c has no process: it waits there

        await accounts.advance(timedelta(seconds=15))  # b's next renewal takes its commands
        command = await (await client.get(f"/api/commands/{done['command']}",
                                          headers=bearer)).json()
        assert (command["state"], command["result"]["status"]) == ("done", "revoked")
        command = await (await client.get(f"/api/commands/{reload['handed']['b']}",
                                          headers=bearer)).json()
        assert (command["state"], command["result"]["status"]) == ("done", "reloaded")
        command = await (await client.get(f"/api/commands/{reload['handed']['c']}",
                                          headers=bearer)).json()
        assert command["state"] == "queued"
        state = await (await client.get("/api/moderation", headers=bearer)).json()
        assert [w for w in state["warnings"] if w["group"] == "r2"] == []
    finally:
        await client.close()
        for console in consoles.values():
            await console.close()


async def test_a_send_queued_for_a_group_another_account_serves_is_sent_by_that_account(
        accounts: Accounts) -> None:
    """Outbox routing (docs/scale.md): a's console broadcasts to every recruitment group: r1
    (a serves it), r2 (b serves it, a stands by there) and r3 (only b is in it). b's process
    sends in r2 and r3, under its leases, once; the job's rows are settled by whoever sent."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.web import server

    await accounts.start("b", ("r2", "r3"))
    await accounts.advance(timedelta(seconds=1))
    a = await accounts.start("a", ("r1", "r2"))
    await accounts.advance(timedelta(seconds=1))
    await accounts.say("r3", "早")  # its first event: the shared database knows the group
    assert [await holder(accounts, g) for g in ("r1", "r2", "r3")] == ["a", "b", "b"]
    console = server.for_bot(a, "token")
    client = TestClient(TestServer(server.make_app(console)))
    await client.start_server()
    bearer = {"Authorization": "Bearer token"}
    text = "今晚八点直播"
    try:
        planned = await client.post("/api/broadcasts", headers=bearer,
                                    json={"targets": "recruitment", "text": text})
        assert planned.status == 201
        job = await planned.json()
        assert sorted(r["group"] for r in job["rows"] if r["state"] == "planned") == [
            "r1", "r2", "r3"]
        confirmed = await client.post(f"/api/jobs/{job['id']}/confirm", headers=bearer)
        assert confirmed.status == 200
        await accounts.advance(timedelta(seconds=2))
        assert accounts.texts("r1", "a") == [text]
        assert accounts.texts("r2") == accounts.texts("r3") == []  # b: at its next renewal
        await accounts.advance(TAKEOVER / 3)
        assert accounts.texts("r2", "b") == accounts.texts("r3", "b") == [text]
        await accounts.advance(TAKEOVER)
        assert accounts.texts("r2") == accounts.texts("r3") == [text]  # once: a never sends
        done = await (await client.get(f"/api/jobs/{job['id']}", headers=bearer)).json()
        assert (done["status"], done["counts"]["sent"]) == ("done", 3)
    finally:
        await client.close()
        await console.close()


async def test_processes_starting_together_on_a_new_file_migrate_it_once(
        tmp_path: Path) -> None:
    """Several account processes started at once on one new SQLite file (or after an upgrade
    that brings migrations) each apply what is missing; every step runs once (each process
    failed with "table ... already exists" when two read the version before either wrote)."""
    path = tmp_path / "bot.db"
    context = multiprocessing.get_context("fork")
    started = [context.Process(target=_open_store, args=(path,)) for _ in range(4)]
    for process in started:
        process.start()
    for process in started:
        await asyncio.to_thread(process.join, 60)
    assert [p.exitcode for p in started] == [0] * 4
    reader = open_reader(path)
    try:
        versions = dict(await reader.all("SELECT component, version FROM schema_version"))
    finally:
        await reader.close()
    every = {"core": CORE_MIGRATIONS, **schema.migrations(REGISTRY)}
    assert versions == {component: len(steps) for component, steps in every.items() if steps}


def _open_store(path: Path) -> None:
    async def opened() -> None:
        await (await open_store(path, schema.migrations(REGISTRY))).close()

    asyncio.run(opened())


async def test_a_move_into_a_group_another_account_serves_is_planned_and_sent_by_it(
        accounts: Accounts) -> None:
    """A console move into r3, which b serves: handed to b's process (commands table), which
    plans it with its own friends and members; confirmed on a's console, b invites."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.web import sends, server

    a = await accounts.start("a", ("r1",))
    await accounts.advance(timedelta(seconds=1))
    b = await accounts.start("b", ("r1", "r3"))  # b stands by in r1 and serves r3
    await accounts.advance(timedelta(seconds=1))
    for world in accounts.worlds.values():
        world.join("r1", ["carol"])
    accounts.worlds["b"].friends.add("carol")  # b can invite her; a could not
    await accounts.say("r1", "大家好", sender="carol")  # active in r1 (a records it)
    consoles = {name: server.for_bot(bot, "token") for name, bot in (("a", a), ("b", b))}
    assert b.accounts is not None
    b.accounts.carry_out = partial(sends.carry_out, consoles["b"])  # as serve_for does
    client = TestClient(TestServer(server.make_app(consoles["a"])))
    await client.start_server()
    bearer = {"Authorization": "Bearer token"}
    try:
        handed = await client.post("/api/moves", headers=bearer,
                                   json={"source": "r1", "target": "r3"})
        assert handed.status == 202
        command = await handed.json()
        assert (command["status"], command["account"]) == ("handed", "b")
        await accounts.advance(TAKEOVER / 3)  # b's next renewal takes its commands
        done = await (await client.get(f"/api/commands/{command['command']}",
                                       headers=bearer)).json()
        assert (done["state"], done["result"]["status"]) == ("done", "planned")
        job = await (await client.get(f"/api/jobs/{done['result']['job']}",
                                      headers=bearer)).json()
        assert [(r["member"], r["state"]) for r in job["rows"]] == [("carol", "planned")]
        confirmed = await client.post(f"/api/jobs/{job['id']}/confirm", headers=bearer)
        assert confirmed.status == 200
        await accounts.advance(TAKEOVER / 3 + timedelta(seconds=5))
        invites = [(r["group"], r["member"]) for r in accounts.worlds["b"].sent
                   if r["action"] == "invite"]
        assert invites == [("r3", "carol")]
        assert [r for r in accounts.worlds["a"].sent if r["action"] == "invite"] == []
        assert len(accounts.texts("r1", "a")) == 1  # the move's notice in the old group
    finally:
        await client.close()
        for console in consoles.values():
            await console.close()


async def test_an_action_handed_to_an_account_that_died_is_carried_out_by_the_groups_next_holder(
        accounts: Accounts) -> None:
    """A revoke handed to b for a warning in b's group r2; b dies before its next renewal.
    a, standing by in r2, takes the group over and carries the revoke out, once."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.web import sends, server

    b = await accounts.start("b", ("r2",))  # first: b serves r2
    a = await accounts.start("a", ("r1", "r2"))  # a serves r1 and stands by in r2
    await accounts.advance(timedelta(seconds=1))
    assert await holder(accounts, "r2") == "b"
    console = server.for_bot(a, "token")
    assert a.accounts is not None
    a.accounts.carry_out = partial(sends.carry_out, console)
    await accounts.say("r2", "加我微信 abc12345 有优惠", sender="bob")  # b warns bob in r2
    await accounts.advance(timedelta(seconds=1))
    client = TestClient(TestServer(server.make_app(console)))
    await client.start_server()
    bearer = {"Authorization": "Bearer token"}
    try:
        state = await (await client.get("/api/moderation", headers=bearer)).json()
        [warning] = [w["id"] for w in state["warnings"] if w["group"] == "r2"]
        handed = await (await client.post(f"/api/warnings/{warning}/revoke",
                                          headers=bearer)).json()
        assert (handed["status"], handed["account"]) == ("handed", "b")
        await accounts.bots.pop("b").stop()  # b's process dies with the command queued
        await accounts.advance(TAKEOVER * 2, only=("a",))
        assert await holder(accounts, "r2") == "a"
        command = await (await client.get(f"/api/commands/{handed['command']}",
                                          headers=bearer)).json()
        assert (command["state"], command["account"], command["group"]) == ("done", "a", "r2")
        assert command["result"]["status"] == "revoked"
        state = await (await client.get("/api/moderation", headers=bearer)).json()
        assert [w for w in state["warnings"] if w["group"] == "r2"] == []
    finally:
        await client.close()
        await console.close()
        await b.stop()


@pytest.mark.parametrize("how", ["stopped", "killed"])
async def test_a_handed_command_its_taker_never_finished_is_carried_out_by_another(
        accounts: Accounts, how: str) -> None:
    """A revoke handed to b's process, which stopped (SIGTERM cancels what it awaits) or
    died while carrying it out, stayed `running` for ever: nobody took it again, the
    warning stayed in force (review s31b C1). Now a clean stop puts it back in the queue,
    and a claim older than a takeover is taken again: a, taking r2 over, carries it out."""
    from bot.web import sends, server, views

    b = await accounts.start("b", ("r2",))
    await accounts.advance(timedelta(seconds=1))
    a = await accounts.start("a", ("r1", "r2"))
    await accounts.advance(timedelta(seconds=1))
    await accounts.say("r2", "加我微信 abc12345 有优惠", sender="bob")  # b warns bob in r2
    await accounts.advance(timedelta(seconds=2))
    since = START - timedelta(days=30)
    [warning] = await moderation.warnings_in_force(a.store, "r2", since, accounts.clock.now())
    console = server.for_bot(a, "t")
    try:
        handed_to = await views.hand_revoke(console, warning.id, "api@test")
        assert handed_to is not None and handed_to[0] == "b"
        command_id = handed_to[1]
        await a.store.flush()  # (the hand's batch, committed once the loop runs)
        if how == "stopped":
            started = asyncio.Event()

            async def under_way(command: commands.Command) -> tuple[bool, dict[str, Any]]:
                started.set()
                await asyncio.sleep(3600)  # a move's gateway lookups, when the stop comes
                return True, {}

            assert b.accounts is not None
            b.accounts.carry_out = under_way
            task = asyncio.create_task(b.accounts._take_commands())
            await asyncio.wait_for(started.wait(), 30)  # (a failure, not a hang, if never)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await b.store.flush()  # (as stopping the bot does)
            assert (await commands.get(a.store, command_id)).state == "queued"
        else:  # claimed, then the process died: nothing of it runs any more
            [handed] = await commands.waiting(b.store, "b")
            assert await commands.claim(b.store, handed, "b", accounts.clock.now())
        await accounts.bots.pop("b").stop()
        assert a.accounts is not None
        a.accounts.carry_out = partial(sends.carry_out, console)
        await accounts.advance(TAKEOVER * 2)  # a takes r2 over, and what was handed for it
        done = await commands.get(a.store, command_id)
        assert done is not None and done.state == "done"
        assert warning.id not in [w.id for w in await moderation.warnings_in_force(
            a.store, "r2", since, accounts.clock.now())]
    finally:
        await console.close()


async def test_a_handed_command_is_claimed_at_the_time_it_is_taken(accounts: Accounts) -> None:
    """(h100: the claims of one run were all stamped with its start: behind a command that
    took long, the next one's claim looked stale from the moment it was made, and another
    account could take it again while this one carried it out: done twice.)"""
    b = await accounts.start("b", ("r1",))
    await accounts.advance(timedelta(seconds=1))
    first, second = [await commands.hand(b.store, "b", "reload", {}, "api@test",
                                         accounts.clock.now()) for _ in range(2)]
    await b.store.flush()
    claims: dict[int, str | None] = {}

    async def slow(command: commands.Command) -> tuple[bool, dict[str, Any]]:
        claims[command.id] = (await commands.get(b.store, command.id)).claimed_at
        accounts.clock.set(accounts.clock.now() + TAKEOVER)  # (it took a takeover's time)
        return True, {}

    assert b.accounts is not None
    b.accounts.carry_out = slow
    began = accounts.clock.now()
    await b.accounts._take_commands()
    assert claims[first] == stamp(began)
    assert claims[second] == stamp(began + TAKEOVER)
