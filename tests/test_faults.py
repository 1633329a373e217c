"""The fault suite: a bot killed mid-burst, a gateway failing in every way it can, and a
clock that jumps both ways. Nothing is lost, nothing is done twice, nothing mutes the bot."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections import Counter
from collections.abc import Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import BOT_YAML, Harness, bot_process, killed, write_config

from bot import audit
from bot.actions import AcceptFriend, Action, Dm, Invite, Kick, Say
from bot.adapters.base import Disconnected, GatewayError, RateLimited, Refused, Uncertain
from bot.clock import VirtualClock
from bot.store import open_reader

sys.path.insert(0, str(Path(__file__).parent / "wechaty"))
import itertools

from grpc_server import FakeGateway
from puppet import BOT_ID, World

STARTUP = 30.0  # a fresh interpreter on a shared machine


async def _until(predicate: Any, what: str, timeout: float = STARTUP) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


def _deployment(root: Path) -> Path:
    (root / "types").mkdir(parents=True)
    (root / "content").mkdir()
    settings = {"bot": {"id": BOT_ID, "name": "Helper"}, "timezone": "Asia/Shanghai",
                "admins": ["admin1"], "storage": "bot.db", "content": "content",
                "outbox": {"group_interval": "0.02s", "global_per_minute": 3000},
                # real time: a budget sized to a burst of seconds, the governor still in the path
                "governor": {"warmup": {"days": 0}, "budgets": {"group_messages": {
                    "per_minute": 3000, "per_hour": 10000, "per_day": 100000}}},
                "groups": [{"match": {"topic": "Recruitment"}, "type": "recruitment"}],
                "web": {"enabled": False}}  # (not under test here: its start costs 0.1 s)
    (root / "bot.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    welcome = {"handlers": [{"welcome": {"template": "欢迎{members}", "window": "0s",
                                         "max_mentions": 1}}]}
    (root / "types" / "recruitment.yaml").write_text(
        yaml.safe_dump(welcome, allow_unicode=True), encoding="utf-8")
    return root


async def _groupbot_run(config: Path, endpoint: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "WECHATY_PUPPET_SERVICE_TOKEN": "insecure_test",
           "WECHATY_PUPPET_SERVICE_ENDPOINT": endpoint}
    return await bot_process(
        "--config", str(config), env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)


# SQLite alone: on PostgreSQL a kill -9 is tests/wechaty/test_wechaty_accounts.py's
async def test_kill_9_during_a_burst_then_a_restart_loses_nothing_and_doubles_nothing(
        tmp_path: Path) -> None:
    world = World()
    world.add_room("r1", "Recruitment 01", {"alice": "Alice"})
    gateway = FakeGateway(world)
    await gateway.start()
    config = _deployment(tmp_path / "config")
    newcomers = [f"n{i:02}" for i in range(40)]  # 50 a second: the kill lands mid-burst
    bot: asyncio.subprocess.Process | None = None
    try:
        bot = await _groupbot_run(config, gateway.endpoint)
        await _until(lambda: "RoomPayload" in gateway.calls, "the login")
        db = open_reader(config / "bot.db")
        # the backstop's first look at the group, at the login: who is in it then is its
        # starting point, not a newcomer (bot/backstop.py)
        deadline = asyncio.get_running_loop().time() + STARTUP
        while not await db.all("SELECT 1 FROM state WHERE handler='@backstop'"):
            assert asyncio.get_running_loop().time() < deadline, "no first look at the login"
            await asyncio.sleep(0.02)
        for member in newcomers:
            gateway.join("r1", {member: member.upper()}, inviter="alice")
        await _until(lambda: len(world.texts("r1")) >= 8, "the burst under way")
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        before = len(world.texts("r1"))
        assert before < len(newcomers)

        bot = await _groupbot_run(config, gateway.endpoint)
        try:
            await _until(lambda: gateway.streams_opened == 2, "the restart")
            settled = [False]

            # Until every newcomer is welcomed (or audited as perhaps welcomed) and nothing
            # is queued: the joins sent while the bot was down come back through the
            # backstop, so an empty outbox alone may only mean it has not looked yet.
            async def watch() -> None:
                while not settled[0]:
                    queued = (await db.all("SELECT count(*) FROM outbox"))[0][0]
                    uncertain = " ".join(d for (d,) in await db.all(
                        "SELECT detail FROM audit WHERE action='say_uncertain'"))
                    texts = set(world.texts("r1"))
                    settled[0] = not queued and all(
                        f"@{m.upper()} 欢迎{m.upper()}" in texts or f"欢迎{m.upper()}" in uncertain
                        for m in newcomers)
                    await asyncio.sleep(0.05)

            watching = asyncio.create_task(watch())
            try:
                await _until(lambda: settled[0], "every newcomer welcomed after the restart")
            finally:
                watching.cancel()
        finally:
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), STARTUP)
        uncertain = [d for (d,) in await db.all(
            "SELECT detail FROM audit WHERE action='say_uncertain'")]
        await db.close()
    finally:
        if bot is not None:
            await killed(bot)  # a failure before its stop: not left running
        await gateway.close()
    assert max(Counter(world.texts("r1")).values()) == 1  # nothing doubled
    texts = set(world.texts("r1"))
    assert len(uncertain) <= 1  # at most the one going out at the kill
    for m in newcomers:  # none lost: welcomed, or audited as perhaps welcomed
        welcome = f"欢迎{m.upper()}"
        assert f"@{m.upper()} {welcome}" in texts or any(welcome in d for d in uncertain), m


async def _stopped_once(advance: Coroutine[Any, Any, None], going: asyncio.Event) -> None:
    """Run `advance` until an action is going out (`going` is set) and stop it there, as a
    SIGTERM would: the action's call never returns."""
    task = asyncio.create_task(advance)
    async with asyncio.timeout(STARTUP):
        await asyncio.wait([task, asyncio.create_task(going.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
    assert going.is_set() and not task.done(), "nothing was going out"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.usefixtures("backend")
async def test_a_stop_while_a_message_is_going_out_does_not_send_it_again(
        tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    async with Harness(root, tmp_path) as h:
        going = asyncio.Event()

        async def hangs(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
            h.world.sent.append({"action": "say", "group": group, "text": text})
            going.set()
            await asyncio.Event().wait()  # WeChat has it; the answer never comes back

        send = h.world.send_text
        h.world.send_text = hangs  # type: ignore[method-assign]
        async with h.bot.store.transaction():
            await h.bot.outbox.put(Say("r1", "一次就好"))
        await _stopped_once(h.advance("10s"), going)  # SIGTERM lands here
        h.world.send_text = send  # type: ignore[method-assign]
        await h.restart()
        await h.advance("1m")
        assert h.texts("r1") == ["一次就好"]
        assert [e.action for e in await audit.records(h.bot.store)] == ["say_uncertain"]


@pytest.mark.usefixtures("backend")
async def test_a_removal_cut_off_by_a_crash_is_checked_before_it_is_repeated(
        tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    async with Harness(root, tmp_path) as h:
        remove = h.world.remove_member

        going = asyncio.Event()

        async def hangs(group: str, member: str, reason: str = "") -> None:
            await remove(group, member, reason)
            going.set()
            await asyncio.Event().wait()

        h.world.remove_member = hangs  # type: ignore[method-assign]
        async with h.bot.store.transaction():
            await h.bot.outbox.put(Kick("r1", "bob", "ads"))
            await h.bot.outbox.put(Invite("r1", "carol"))
        await _stopped_once(h.advance("10s"), going)
        h.world.remove_member = remove  # type: ignore[method-assign]
        await h.restart()
        await h.advance("1m")
        assert [r["action"] for r in h.sent] == ["kick", "invite"]  # the kick once, then on
        assert "kick_verified" in [e.action for e in await audit.records(h.bot.store)]


FAULTS: list[type[GatewayError] | None] = [
    None, None, None, Disconnected, RateLimited, Refused, Uncertain, GatewayError]


@pytest.mark.usefixtures("backend")
async def test_a_burst_through_a_gateway_failing_every_way_does_each_action_at_most_once(
        tmp_path: Path) -> None:
    """200 actions; each attempt fails with a random class. Every action ends sent once, or
    audited (refused, uncertain, given up), never twice, never silently dropped."""
    groups = {f"r{i}": f"Recruitment {i}" for i in range(5)}
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    chance = random.Random(7)
    async with Harness(root, tmp_path, groups=groups) as h:
        send = h.world.send_text

        async def flaky(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
            fault = chance.choice(FAULTS)
            if fault is Uncertain and chance.random() < 0.5:
                await send(group, text, mentions)  # it did go; the answer was lost
            if fault is RateLimited:
                raise RateLimited("slow down", retry_after=30)
            if fault is not None:
                raise fault("a fault")
            await send(group, text, mentions)

        h.world.send_text = flaky  # type: ignore[method-assign]
        texts = [f"消息{i}" for i in range(200)]
        async with h.bot.store.transaction():
            for i, text in enumerate(texts):
                await h.bot.outbox.put(Say(f"r{i % 5}", text))
        await h.advance("3d")
        assert len(h.bot.outbox) == 0
        sent = Counter(h.texts())
        assert max(sent.values()) == 1
        records = await audit.records(h.bot.store)
        # a rate limit pauses group messages (the send governor); what the pauses hold back
        # longer than an answer may wait (1 h) is dropped
        assert {e.action for e in records} <= {"say_refused", "say_uncertain", "say_send_failed",
                                               "say_paused", "say_dropped"}
        for text in texts:  # sent, or the audit log says what became of it
            assert text in sent or any(f"text={text} " in e.detail for e in records), text


class JumpingClock(VirtualClock):
    """Virtual time that an NTP step or an operator can set back."""

    def jump(self, delta: timedelta) -> None:
        self._now = self._now + delta


def _jumping(h: Harness) -> JumpingClock:
    clock = JumpingClock(h.clock.tz, h.clock.now())
    h.clock = h.world.clock = clock
    return clock


@pytest.mark.usefixtures("backend")
async def test_a_clock_set_back_an_hour_keeps_sending_in_dependent_order(
        tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML + "direct: private\n",
                        {"recruitment": "handlers: []\n", "private": "handlers: []\n"})
    h = Harness(root, tmp_path)
    clock = _jumping(h)
    async with h:
        await _put(h, Dm("alice", "早"), Say("r1", "早上好"))
        await h.advance("10s")
        clock.jump(-timedelta(hours=1))  # the last sends now lie an hour in the future
        await _put(h, AcceptFriend("frank", "fr1"), Invite("r1", "frank"), Say("r1", "还在"))
        await h.advance("1m")
        assert [r["action"] for r in h.sent] == ["dm", "say", "accept_friend", "invite", "say"]
        times = [datetime.fromisoformat(r["t"]) for r in h.sent[2:]]
        assert times[-1] - times[0] < timedelta(minutes=1)  # not an hour


@pytest.mark.usefixtures("backend")
async def test_a_clock_jumping_a_day_ahead_sends_what_waited_still_paced(
        tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    h = Harness(root, tmp_path)
    clock = _jumping(h)
    async with h:
        await _put(h, *(Say("r1", f"第{i}条") for i in range(10)))
        await h.advance("4s")
        clock.jump(timedelta(days=1))
        await h.advance("3m")
        assert h.texts("r1") == [f"第{i}条" for i in range(10)]
        times = [datetime.fromisoformat(r["t"]) for r in h.sent]
        assert all(b - a >= timedelta(seconds=3) for a, b in itertools.pairwise(times))


async def _put(h: Harness, *actions: Action) -> None:
    async with h.bot.store.transaction():
        for action in actions:
            await h.bot.outbox.put(action, "", h.deployment.settings.admins)
