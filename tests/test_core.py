"""The core's promises: error isolation, pacing, nothing lost or done twice, cron semantics."""

from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from harness import BOT_YAML, SHIPPED, TZ, Harness, write_config

from bot.actions import Kick
from bot.context import Context
from bot.events import MemberJoined, Message, Tick
from bot.handler import CONTINUE, STOP, Flow, Handler, HandlerConfig, Schedule
from bot.scheduler import cron_trigger
from bot.store import open_store
from bot.yamlfile import InputError

pytestmark = pytest.mark.usefixtures("backend")  # every test on SQLite, then on PostgreSQL


class EchoConfig(HandlerConfig):
    prefix: str = ""
    stop: bool = False


class Echo(Handler[EchoConfig]):
    name = "echo"
    events = (Message,)
    Config = EchoConfig

    async def handle(self, event: Message, ctx: Context) -> Flow:
        ctx.say(self.config.prefix + event.text)
        return STOP if self.config.stop else CONTINUE


class Boom(Handler[EchoConfig]):
    """Writes state, queues a message, then raises: none of it may survive."""

    name = "boom"
    events = (Message,)
    Config = EchoConfig

    async def handle(self, event: Message, ctx: Context) -> Flow:
        await ctx.set("touched", True)
        ctx.say("half-done")
        raise RuntimeError("handler bug")


class TickConfig(HandlerConfig):
    cron: str = "30 12 * * 1-5"


class Ticker(Handler[TickConfig]):
    name = "ticker"
    events = (Tick,)
    Config = TickConfig
    fired: ClassVar[list[datetime]] = []

    def schedules(self) -> list[Schedule]:
        return [Schedule(key="noon", cron=self.config.cron, grace_seconds=600)]

    async def handle(self, event: Tick, ctx: Context) -> Flow:
        ctx.say(f"tick {event.due:%a %H:%M}")
        return CONTINUE


class Seen(Handler[EchoConfig]):
    """Notes the kind of every event it is given; it asks for joins and messages only."""

    name = "seen"
    events = (MemberJoined, Message)
    Config = EchoConfig
    given: ClassVar[list[str]] = []

    async def handle(self, event: MemberJoined | Message, ctx: Context) -> Flow:
        self.given.append(type(event).__name__)
        return CONTINUE


REGISTRY: dict[str, Any] = {h.name: h for h in (Echo, Boom, Ticker, Seen)}


def _config(tmp_path: Path, handlers: str, bot_yaml: str = BOT_YAML) -> Path:
    return write_config(tmp_path / "config", bot_yaml, {"recruitment": f"handlers:\n{handlers}"})


def _harness(tmp_path: Path, handlers: str, **kw: Any) -> Harness:
    return Harness(_config(tmp_path, handlers, kw.pop("bot_yaml", BOT_YAML)), tmp_path,
                   registry=REGISTRY, **kw)


async def test_a_raising_handler_is_logged_rolled_back_and_the_rest_still_run(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with _harness(tmp_path, "  - boom: {}\n  - echo: {}\n") as h:
        with caplog.at_level(logging.ERROR):
            await h.say("r1", "alice", "hello")
        await h.advance("5s")
        assert h.texts() == ["hello"]
        assert "boom failed" in caplog.text and "hello" in caplog.text
        assert await h.bot.store.one("SELECT * FROM state WHERE handler='boom'") is None


async def test_stop_ends_the_pipeline(tmp_path: Path) -> None:
    async with _harness(tmp_path, "  - echo: {stop: true}\n  - boom: {}\n") as h:
        await h.say("r1", "alice", "x")
        await h.advance("5s")
        assert h.texts() == ["x"]


async def test_a_handler_gets_only_the_kinds_of_event_it_asks_for(tmp_path: Path) -> None:
    Seen.given.clear()
    async with _harness(tmp_path, "  - echo: {}\n  - seen: {}\n") as h:
        await h.join("r1", "carol")
        await h.say("r1", "carol", "hi")
        await h.leave("r1", "carol")
        await h.join("r1", "dave")
        await h.advance("5s")
        assert Seen.given == ["MemberJoined", "Message", "MemberJoined"]
        assert h.texts() == ["hi"]  # echo (messages only) was never handed a join or a leave


async def test_a_group_no_binding_matches_is_left_alone(tmp_path: Path) -> None:
    async with _harness(tmp_path, "  - echo: {}\n", groups={"f1": "Family"}) as h:
        await h.say("f1", "alice", "x")
        await h.advance("5s")
        assert h.sent == []


async def test_a_duplicate_message_is_handled_once(tmp_path: Path) -> None:
    async with _harness(tmp_path, "  - echo: {}\n") as h:
        event = Message(h.clock.now(), "r1", h.world.member("r1", "alice"), "once", id="same")
        await h.feed(event)
        await h.feed(event)
        await h.advance("10s")
        assert h.texts() == ["once"]


async def test_a_message_id_is_forgotten_after_a_week_also_without_a_restart(
        tmp_path: Path) -> None:
    """Review s36 r13 R13-6: seen message ids were forgotten only at start, so a bot that ran
    for more than a week without a restart dropped a new message whose id had been used 8
    days before, and the table grew without bound. They are forgotten daily now."""
    async with _harness(tmp_path, "  - echo: {}\n") as h:
        await h.feed(Message(h.clock.now(), "r1", h.world.member("r1", "alice"), "first",
                             id="reused"))
        await h.advance("8d")
        await h.feed(Message(h.clock.now(), "r1", h.world.member("r1", "alice"), "again",
                             id="reused"))
        await h.advance("10s")
        assert h.texts() == ["first", "again"]


async def test_sends_are_paced_per_group_and_overall_in_order(tmp_path: Path) -> None:
    groups = {"r1": "Recruitment 1", "r2": "Recruitment 2"}
    async with _harness(tmp_path, "  - echo: {}\n", groups=groups) as h:
        for i in range(3):
            await h.say("r1", "alice", f"a{i}")
            await h.say("r2", "bob", f"b{i}")
        await h.advance("1m")
        times = {r["text"]: datetime.fromisoformat(r["t"]) for r in h.sent}
        assert [r["text"] for r in h.sent if r["group"] == "r1"] == ["a0", "a1", "a2"]
        ordered = sorted(times.values())
        assert all(b - a >= timedelta(seconds=1.5) for a, b in itertools.pairwise(ordered))
        assert times["a1"] - times["a0"] >= timedelta(seconds=3)


async def test_40_a_minute_overall(tmp_path: Path) -> None:
    groups = {f"g{i}": f"Recruitment {i}" for i in range(60)}
    # the outbox's own limit: the send governor's smaller budget (test_governor) is off here
    bot_yaml = BOT_YAML + "governor: {enabled: false}\n"
    async with _harness(tmp_path, "  - echo: {}\n", groups=groups, bot_yaml=bot_yaml) as h:
        for group in groups:
            await h.say(group, "alice", group)
        await h.advance("2m")
        times = sorted(datetime.fromisoformat(r["t"]) for r in h.sent)
        assert len(times) == 60
        for i, t in enumerate(times):
            assert sum(1 for u in times[i:] if u - t < timedelta(minutes=1)) <= 40


async def test_queued_actions_survive_a_restart_and_go_once(tmp_path: Path) -> None:
    bot_yaml = BOT_YAML.replace("group_interval: 3s", "group_interval: 1m")
    async with _harness(tmp_path, "  - echo: {}\n", bot_yaml=bot_yaml) as h:
        for i in range(3):
            await h.say("r1", "alice", f"m{i}")
        await h.advance("30s")
        await h.restart()
        await h.advance("5m")
        assert h.texts() == ["m0", "m1", "m2"]


async def test_a_refused_kick_tells_the_admins_and_is_audited(tmp_path: Path) -> None:
    async with _harness(tmp_path, "  - echo: {}\n", owner="admin") as h:
        async with h.bot.store.transaction():
            await h.bot.outbox.put(Kick("r1", "bob", "spam"))
        await h.advance("10s")
        assert h.actions("kick") == []
        [dm] = h.actions("dm", to="admin")
        assert "could not kick" in dm["text"]
        row = await h.bot.store.one("SELECT action FROM audit")
        assert row == ("kick_refused",)


@pytest.mark.no_store
def test_crontab_weekdays_mean_what_crontab_says() -> None:
    trigger = cron_trigger("30 12 * * 1-5", TZ)
    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 21, tzinfo=TZ))  # a Saturday
    days = []
    for _ in range(6):
        days.append(fire.strftime("%a"))
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    assert days == ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon"]


@pytest.mark.no_store
@pytest.mark.parametrize(("weekday", "days"), [
    ("1-5/2", ["Mon", "Wed", "Fri"]),  # a step was read as a day: every weekday
    ("0/2", ["Sun", "Tue", "Thu", "Sat"]),  # was Sunday only
    ("*/2", ["Sun", "Tue", "Thu", "Sat"]),  # was refused
    ("0-2", ["Sun", "Mon", "Tue"]),  # was refused: APScheduler's week ends on Sunday
    ("5-7", ["Fri", "Sat", "Sun"]),
    ("0,7", ["Sun"]),
    ("sat,sun", ["Sat", "Sun"]),
])
def test_weekday_ranges_and_steps_count_as_crontab_counts_them(weekday: str,
                                                               days: list[str]) -> None:
    trigger, fire = cron_trigger(f"0 9 * * {weekday}", TZ), datetime(2026, 11, 22, tzinfo=TZ)
    found = set()
    for _ in range(7):
        fire = trigger.get_next_fire_time(None, fire)
        if fire >= datetime(2026, 11, 29, tzinfo=TZ):  # a week from Sunday the 22nd
            break
        found.add(f"{fire:%a}")
        fire += timedelta(seconds=1)
    assert sorted(found) == sorted(days)


@pytest.mark.no_store
@pytest.mark.parametrize("expression", ["0 9 * * 2-1", "0 9 * * 1/0", "0 9 * * 1-9"])
def test_a_weekday_field_crontab_would_refuse_is_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="weekday"):
        cron_trigger(expression, TZ)


@pytest.mark.no_store
@pytest.mark.parametrize(("expression", "days"), [
    ("0 9 1 * 5", ["Fri 11-27", "Tue 12-01", "Fri 12-04", "Fri 12-11"]),  # the 1st or a Friday
    ("0 9 1 * *", ["Tue 12-01", "Fri 01-01", "Mon 02-01", "Mon 03-01"]),  # the 1st only
    # a field that begins with `*` counts as unrestricted: then both, as in crontab
    ("0 9 */10 * 5", ["Fri 12-11", "Fri 01-01", "Fri 05-21", "Fri 06-11"]),
])
def test_a_day_and_a_weekday_both_set_run_on_either_as_crontab_says(
        expression: str, days: list[str]) -> None:
    trigger, fire, found = cron_trigger(expression, TZ), datetime(2026, 11, 23, tzinfo=TZ), []
    for _ in range(4):
        fire = trigger.get_next_fire_time(None, fire)
        found.append(f"{fire:%a %m-%d}")
        fire += timedelta(seconds=1)
    assert found == days


@pytest.mark.no_store
@pytest.mark.parametrize("expression", ["* * *", "61 * * * *", "0 12 * * 9"])
def test_a_bad_cron_expression_is_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="cron"):
        cron_trigger(expression, TZ)


async def test_cron_fires_on_weekdays_and_never_twice_across_restarts(tmp_path: Path) -> None:
    start = datetime(2026, 11, 23, 12, 0, tzinfo=TZ)  # Monday
    async with _harness(tmp_path, "  - ticker: {}\n", start=start) as h:
        await h.advance("31m")
        await h.restart()
        await h.advance("7d")
        assert h.texts() == ["tick Mon 12:30", "tick Tue 12:30", "tick Wed 12:30",
                             "tick Thu 12:30", "tick Fri 12:30", "tick Mon 12:30"]


async def test_a_run_missed_while_down_is_made_up_within_grace_else_skipped(
        tmp_path: Path) -> None:
    start = datetime(2026, 11, 23, 12, 0, tzinfo=TZ)
    async with _harness(tmp_path, "  - ticker: {}\n", start=start) as h:
        await h.bot.stop()
        h.clock.set(datetime(2026, 11, 23, 12, 35, tzinfo=TZ))  # down at 12:30, back 5 min late
        await h._start()
        await h.advance("1s")
        await h.bot.stop()
        h.clock.set(datetime(2026, 11, 24, 13, 0, tzinfo=TZ))  # 30 min late: past the grace
        await h._start()
        await h.advance("1s")
        assert h.texts() == ["tick Mon 12:30"]


async def test_a_bad_reload_keeps_the_running_config(tmp_path: Path) -> None:
    async with _harness(tmp_path, "  - echo: {prefix: 'v1 '}\n") as h:
        types = h.deployment.root / "types" / "recruitment.yaml"
        types.write_text("handlers:\n  - echo: {prefx: 'v2 '}\n", encoding="utf-8")
        with pytest.raises(InputError, match="prefx: unknown key"):
            await h.bot.reload()
        await h.say("r1", "alice", "a")
        types.write_text("handlers:\n  - echo: {prefix: 'v2 '}\n", encoding="utf-8")
        await h.bot.reload()
        await h.say("r1", "alice", "b")
        await h.advance("1m")
        assert h.texts() == ["v1 a", "v2 b"]


async def test_reload_rebuilds_schedules(tmp_path: Path) -> None:
    start = datetime(2026, 11, 23, 12, 0, tzinfo=TZ)
    async with _harness(tmp_path, "  - ticker: {}\n", start=start) as h:
        types = h.deployment.root / "types" / "recruitment.yaml"
        types.write_text("handlers:\n  - ticker: {cron: '15 12 * * *'}\n", encoding="utf-8")
        await h.bot.reload()
        await h.bot.refresh_groups()
        await h.advance("1h")
        assert h.texts() == ["tick Mon 12:15"]


async def test_the_serve_loop_stops_when_cancelled_as_it_is_poked(tmp_path: Path) -> None:
    async with _harness(tmp_path, "  - echo: {}\n") as h:
        for _ in range(20):
            task = asyncio.create_task(h.bot.serve())
            await asyncio.sleep(0)
            h.bot._poke.set()
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=2)
            assert done == {task}


async def test_a_timer_due_while_the_platform_is_away_comes_back_later(
        tmp_path: Path) -> None:
    welcome = "handlers:\n  - welcome: {template: 'hi {members}'}\n"
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": welcome})
    async with Harness(root, tmp_path) as h:
        await h.join("r1", "carol")
        await h.restart()
        room = h.world.rooms.pop("r1")  # the platform cannot tell what r1 is right now
        await h.advance("20s")
        assert h.sent == []
        h.world.rooms["r1"] = room
        await h.advance("31s")
        assert h.texts() == ["hi carol"]


async def test_a_message_delivered_again_after_a_restart_is_handled_once(
        tmp_path: Path) -> None:
    async with _harness(tmp_path, "  - echo: {}\n") as h:
        event = Message(h.clock.now(), "r1", h.world.member("r1", "alice"), "once", id="same")
        await h.feed(event)
        await h.restart()
        await h.feed(event)
        await h.advance("10s")
        assert h.texts() == ["once"]


async def test_pacing_carries_on_across_a_restart(tmp_path: Path) -> None:
    bot_yaml = BOT_YAML.replace("group_interval: 3s", "group_interval: 1m")
    async with _harness(tmp_path, "  - echo: {}\n", bot_yaml=bot_yaml) as h:
        await h.say("r1", "alice", "a")
        await h.advance("1s")
        await h.restart()
        await h.say("r1", "alice", "b")
        await h.advance("2m")
        first, second = (datetime.fromisoformat(r["t"]) for r in h.sent)
        assert second - first >= timedelta(minutes=1)


class Flaky(Handler[EchoConfig]):
    """Asks the platform about the group when its timer fires."""

    name = "flaky"
    events = (Message, Tick)
    Config = EchoConfig

    async def handle(self, event: Message | Tick, ctx: Context) -> Flow:
        if isinstance(event, Message):
            await ctx.schedule("later", timedelta(seconds=10))
        else:
            ctx.say(f"{(await ctx.group_info()).topic} is back")
        return CONTINUE


async def test_a_timer_whose_handler_finds_the_platform_away_is_not_lost(
        tmp_path: Path) -> None:
    root = _config(tmp_path, "  - flaky: {}\n")
    async with Harness(root, tmp_path, registry={**REGISTRY, "flaky": Flaky}) as h:
        await h.say("r1", "alice", "x")
        room = h.world.rooms.pop("r1")
        await h.advance("15s")
        h.world.rooms["r1"] = room
        await h.advance("1m")
        assert h.texts() == ["Listener Recruitment 01 is back"]


async def test_events_share_a_commit_made_when_the_loop_is_free_and_before_any_send(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        other = await open_store(h.db, {})  # a second connection sees only what is committed
        handled = "SELECT count(*) FROM seen_messages"
        sent_after: list[Any] = []
        send_text = h.world.send_text

        async def send(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
            sent_after.append(await other.one(handled))
            await send_text(group, text, mentions)

        h.world.send_text = send  # type: ignore[method-assign]
        await h.say("r1", "alice", "群规")
        await h.say("r1", "bob", "hello")
        if isinstance(h.db, Path):  # on PostgreSQL the other connection's read is a round
            #                             trip, in which the loop is free and the commit goes
            assert await other.one(handled) == (0,)  # handled back to back: not committed yet
        await asyncio.sleep(0)  # the loop is free: one commit for both
        for _ in range(100):  # (PostgreSQL's commit is a round trip to the server)
            if await other.one(handled) == (2,) or isinstance(h.db, Path):
                break
            await asyncio.sleep(0.01)
        assert await other.one(handled) == (2,)
        await h.say("r1", "carol", "hi")
        await h.advance("5s")  # the reply goes out after the third event is committed too
        assert sent_after == [(3,)]
        await other.close()
