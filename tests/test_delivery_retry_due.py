"""A failed send's retry falls due after its back-off (or the time the platform asked for),
and a restart keeps that time (the outbox's `not_before`): the bot restarted on the same
database does not try it before then, tries it then, and sends it once. Before, a restart
tried it at once, so a crash loop hammered a gateway that had just rate-limited us
(docs/wechat.md, "When WeChat fails"). On SQLite and on PostgreSQL; a kill -9 of a real
`groupbot run` on SQLite, as tests/test_delivery_crash_loop.py."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from harness import BOT_YAML, Harness, killed, write_config
from test_accounts import KEYWORD, REPLY, TAKEOVER, Accounts, accounts, holder  # noqa: F401
from test_antispam_migration import new_database  # noqa: F401 (a new database, both backends)
from test_delivery_crash_loop import _due_at, _failing_gateway, _reads
from test_faults import _deployment, _groupbot_run, _until
from test_outbox import _put

from bot import schema
from bot.actions import Say
from bot.adapters.base import GatewayError, RateLimited
from bot.delivery import MAX_ATTEMPTS, backoff
from bot.store import open_reader, open_store
from bot.times import instant
from handlers import REGISTRY

# the governor off: a push-back is the governor's pause otherwise, kept by the governor
# (tests/test_governor.py); here the outbox's own retry is what waits
GOVERNOR_OFF = BOT_YAML + "governor: {enabled: false}\n"
MS = timedelta(milliseconds=1)


def _config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", GOVERNOR_OFF, {"recruitment": "handlers: []\n"})


def _failing(h: Harness, failures: list[GatewayError]) -> list[datetime]:
    """Each group message the platform is asked to send fails with the next of `failures`,
    then goes; the times of the tries."""
    tries: list[datetime] = []
    send = h.world.send_text

    async def flaky(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
        tries.append(h.clock.now())
        if len(tries) <= len(failures):
            raise failures[len(tries) - 1]
        await send(group, text, mentions)

    h.world.send_text = flaky  # type: ignore[method-assign]
    return tries


@pytest.mark.usefixtures("backend")
async def test_a_send_failing_in_a_crash_loop_waits_out_each_back_off(tmp_path: Path) -> None:
    """Restarted a second after each failed try: each try comes at its back-off (5 s, 20 s,
    80 s, 320 s after the one before), not at each restart; given up after the last."""
    async with Harness(_config(tmp_path), tmp_path) as h:
        tries = _failing(h, [GatewayError("the gateway answered 502")] * MAX_ATTEMPTS)
        await _put(h, Say("r1", "通知"))
        await h.advance("1s")
        assert len(tries) == 1
        for attempt in range(1, MAX_ATTEMPTS):
            due = tries[-1] + backoff(attempt - 1)
            await h.restart()
            await h.bot.advance(due - MS)
            assert len(tries) == attempt, f"tried before its back-off ended: {tries}"
            await h.bot.advance(due)
            assert tries[-1] == due
        await h.restart()
        await h.advance("1h")
        assert len(tries) == MAX_ATTEMPTS
        assert [a for a, in await h.bot.store.all("SELECT action FROM audit")] == \
            ["say_send_failed"]
        assert len(h.bot.outbox) == 0 and h.texts() == []


@pytest.mark.usefixtures("backend")
async def test_a_rate_limited_send_waits_the_platforms_time_across_a_restart(
        tmp_path: Path) -> None:
    """The platform asked for two minutes: the bot restarted after one waits the other one,
    then sends it, once."""
    async with Harness(_config(tmp_path), tmp_path) as h:
        tries = _failing(h, [RateLimited("发送消息过于频繁", retry_after=120)])
        await _put(h, Say("r1", "稍后"))
        await h.advance("1s")
        [first] = tries
        await h.advance("1m")
        await h.restart()
        await h.bot.advance(first + timedelta(seconds=120) - MS)
        assert tries == [first]
        await h.bot.advance(first + timedelta(seconds=120))
        assert tries == [first, first + timedelta(seconds=120)]
        await h.restart()
        await h.advance("1h")
        assert h.texts("r1") == ["稍后"]  # once
        assert len(tries) == 2 and len(h.bot.outbox) == 0


async def test_a_retry_queued_before_the_migration_goes_and_one_after_it_waits(
        tmp_path: Path, new_database: Path | str) -> None:  # noqa: F811
    """A database made before the outbox kept the due time: its waiting retry (a failed try
    counted, no due time) goes at once, as it did; the next failure's due time is kept."""
    before = {name: list(steps)[:-1] if name == "outbox" else list(steps)
              for name, steps in schema.migrations(REGISTRY).items()}
    store = await open_store(new_database, before)
    await store.execute(
        "INSERT INTO outbox (grp, action, priority, attempts) VALUES ('r1', ?, 2, 1)",
        (json.dumps(Say("r1", "旧的").to_json()),))
    await store.close()

    async with Harness(_config(tmp_path), tmp_path, db=new_database) as h:
        tries = _failing(h, [GatewayError("the gateway answered 502")])
        start = h.clock.now()
        await h.advance("1s")
        assert tries == [start]  # at once: no due time was kept
        await h.restart()
        await h.bot.advance(start + backoff(1) - MS)  # its second failure: 20 s
        assert tries == [start]
        await h.bot.advance(start + backoff(1))
        assert h.texts("r1") == ["旧的"] and len(tries) == 2


class _Calls(list[str]):
    """The gateway's calls, with when each came (the bot's clock is the system's)."""

    def __init__(self) -> None:
        super().__init__()
        self.at: list[datetime] = []

    def append(self, name: str) -> None:
        super().append(name)
        self.at.append(datetime.now(UTC))

    def times(self, name: str) -> list[datetime]:
        return [at for call, at in zip(self, self.at, strict=True) if call == name]


# SQLite alone, as tests/test_delivery_crash_loop.py's kill -9
async def test_a_welcome_failed_before_a_kill_9_is_not_tried_again_before_its_back_off(
        tmp_path: Path) -> None:
    """A real `groupbot run` against the gRPC gateway: the welcome fails, its retry (in 5 s)
    is committed, the process is killed and started again at once: the welcome goes at the
    due time stored, not at the restart, and once. While the bot is dead that time is put
    off to twice the first start's time from now, so that the restart surely comes before
    it on a loaded machine, yet no longer than needed (not the 20 s of a second failure)."""
    gateway = await _failing_gateway()
    gateway.calls = calls = _Calls()
    config = _deployment(tmp_path / "config")
    db = open_reader(config / "bot.db")
    try:
        started = datetime.now(UTC)
        bot = await _groupbot_run(config, gateway.endpoint)
        try:
            await _until(lambda: gateway.streams_opened == 1, "the login")
            start_time = datetime.now(UTC) - started
            await _reads(db, "SELECT 1 FROM state WHERE handler='@backstop'", 1, "the first look")
            gateway.join("r1", {"n01": "N01"}, inviter="alice")  # welcomed: it fails
            await _reads(db, "SELECT attempts FROM outbox", 1, "the retry")
        finally:
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            await killed(bot)
        [(stored,)] = await db.all("SELECT not_before FROM outbox")
        [failed] = calls.times("MessageSendText")  # (the bot's `now` was a little before)
        assert backoff(0) - timedelta(seconds=1) < instant(stored) - failed <= backoff(0)
        due = datetime.now(UTC) + max(2 * start_time, timedelta(seconds=2))
        await _due_at(config / "bot.db", due)
        gateway.failing.clear()  # WeChat takes it now
        bot = await _groupbot_run(config, gateway.endpoint)
        try:
            await _until(lambda: gateway.streams_opened == 2, "the second login")
            logged_in = datetime.now(UTC)
            await _reads(db, "SELECT count(*) FROM outbox", 0, "the welcome gone")
        finally:
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            await killed(bot)
        *_, last = calls.times("MessageSendText")
        assert logged_in < due, "the restart took the whole back-off: nothing to see"
        assert last >= due, (logged_in, due, last)
        assert calls.count("MessageSendText") == 2  # one failed, one went
    finally:
        await db.close()
        await gateway.close()


async def test_an_account_taking_a_group_over_waits_out_the_retry_its_last_holder_stored(
        accounts: Accounts) -> None:  # noqa: F811
    """Several accounts (docs/scale.md): a's reply was rate-limited for two minutes, then a
    crashed; b, taking the group over, adopts the reply with its due time: sent then, by b,
    once, not at the takeover."""
    a = await accounts.start("a")
    await accounts.start("b")
    await accounts.advance(timedelta(seconds=1))
    assert await holder(accounts, "r1") == "a"
    world = accounts.worlds["a"]
    tries: list[datetime] = []

    async def limited(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
        tries.append(accounts.clock.now())
        raise RateLimited("发送消息过于频繁", retry_after=120)

    world.send_text = limited  # type: ignore[method-assign]
    await accounts.say("r1", KEYWORD)
    await accounts.advance(timedelta(seconds=1))
    [failed] = tries
    await a.store.close()  # a crash: no release, its lease runs out
    del accounts.bots["a"]
    await accounts.advance(TAKEOVER * 2)
    assert await holder(accounts, "r1") == "b"
    due = failed + timedelta(seconds=120)
    await accounts.advance(due - accounts.clock.now() - timedelta(seconds=1))
    assert accounts.texts("r1") == []
    await accounts.advance(timedelta(seconds=2))
    assert accounts.texts("r1", "b") == [REPLY] and accounts.texts("r1", "a") == []
