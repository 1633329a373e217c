"""One bot process a database, or one per account (bot/instance.py, docs/scale.md "One
process a database"): a second one is refused before it loads what the first queued, and
nothing goes out twice; a crashed holder never blocks a restart; commands that only read
run beside a bot."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import BOT_YAML, SHIPPED, Harness, groupbot, write_config
from pg import Postgres

from bot import instance, schema
from bot.instance import Taken
from bot.postgres import scratch as postgres_scratch
from bot.store import StoreError, open_reader, open_store
from handlers import REGISTRY

ME = rf"pid {os.getpid()} on host {re.escape(socket.gethostname())}, since [-0-9]+ [0-9:]+ UTC"
SCALE = "docs/scale.md"


async def test_a_second_bot_on_the_database_is_refused_and_the_queue_goes_out_once(
        tmp_path: Path, storage: Path | str) -> None:
    async with Harness(SHIPPED, tmp_path, db=storage) as first:
        await first.say("r1", "alice", "群规")  # the rules, queued: sent at the next turn
        assert len(first.bot.outbox) == 1
        second = Harness(SHIPPED, tmp_path / "second", db=storage)
        with pytest.raises(Taken, match=(
                rf"^another groupbot \({ME}\) serves this database; stop it first, or "
                rf"configure accounts: {SCALE}$")):
            async with second:
                await second.advance("1m")  # (what it would do: send the first one's queue)
        await first.advance("1m")
        [rules] = first.texts("r1")
        assert rules.startswith("【招募群群规】")
        assert second.sent == []
    # the first one stopped: the next one starts, and finds nothing left to send
    async with Harness(SHIPPED, tmp_path / "third", db=storage) as third:
        await third.advance("1m")
        assert third.sent == []


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_a_refused_newer_bot_leaves_the_schema_of_the_one_serving_as_it_was(
        tmp_path: Path, kind: str, request: pytest.FixtureRequest) -> None:
    """An upgrade started before the old bot stopped: refused before its migrations run on
    the database the old one serves (the old code would go on with tables it does not
    know). A database of its own: the upgrade at the end stays in it."""
    storage = tmp_path / "bot.db" if kind == "sqlite" else \
        request.getfixturevalue("postgres").database()
    base = REGISTRY["antispam"]
    newer = type("Antispam", (base,), {
        "migrations": (*base.migrations, "CREATE TABLE antispam_newer (x INTEGER)")})
    version = "SELECT version FROM schema_version WHERE component = 'antispam'"
    async with Harness(SHIPPED, tmp_path, db=storage) as first:
        second = Harness(SHIPPED, tmp_path / "second", db=storage,
                         registry={**REGISTRY, "antispam": newer})
        with pytest.raises(Taken, match=r"^another groupbot"):
            async with second:
                pass
        assert await first.bot.store.one(version) == (len(base.migrations),)
    async with Harness(SHIPPED, tmp_path / "upgraded", db=storage,
                       registry={**REGISTRY, "antispam": newer}) as upgraded:
        assert await upgraded.bot.store.one(version) == (len(base.migrations) + 1,)


async def test_on_postgresql_the_server_frees_the_lock_of_a_machine_gone_within_a_minute(
        tmp_path: Path, postgres: Postgres) -> None:
    """A bot's machine that dies closes no connection: the server's keepalive probes on the
    bot's session find it gone (after 30 + 3 x 10 s) instead of the system's two hours."""
    async with Harness(SHIPPED, tmp_path, db=postgres.database()) as h:
        settings = [(await h.bot.store.one(f"SHOW {name}") or ("",))[0]
                    for name in ("tcp_keepalives_idle", "tcp_keepalives_interval",
                                 "tcp_keepalives_count")]
    assert settings == ["30", "10", "3"]


async def test_on_postgresql_a_deployment_in_another_schema_is_another_database(
        tmp_path: Path, postgres: Postgres) -> None:
    """`groupbot bench --storage` runs in a schema of its own beside the bot (bot/bench.py)."""
    url = postgres.database()
    async with Harness(SHIPPED, tmp_path, db=url), postgres_scratch(url) as other, \
            Harness(SHIPPED, tmp_path / "other", db=other) as beside:
        await beside.say("r1", "alice", "群规")
        await beside.advance("1m")
        assert len(beside.texts("r1")) == 1


ACCOUNTS = BOT_YAML + """\
accounts:
  - {name: a1, token_env: TOKEN_A1}
  - {name: a2, token_env: TOKEN_A2}
"""


async def _start(h: Harness, account: str | None) -> None:
    from bot.app import Bot

    h.bot = Bot(h.deployment, h.world, h.clock, h.registry, h.db, seed=0, account=account)
    await h.bot.start()


async def test_one_process_per_account_and_none_beside_one_without_an_account(
        tmp_path: Path, storage: Path | str) -> None:
    root = write_config(tmp_path / "config", ACCOUNTS, {"recruitment": "handlers: []\n"})
    a1, a2, again, whole = (Harness(root, tmp_path / name, db=storage)
                            for name in ("a1", "a2", "again", "whole"))
    await _start(a1, "a1")
    try:
        await _start(a2, "a2")  # the accounts share the database (their leases share groups)
        try:
            with pytest.raises(Taken, match=(
                    rf"^another groupbot \({ME}\) serves account a1 on this database; stop it "
                    rf"first: {SCALE}$")):
                await _start(again, "a1")
            with pytest.raises(Taken, match=(
                    rf"^groupbot processes \(--account a1: {ME}; --account a2: {ME}\) serve "
                    rf"this database; stop them first: {SCALE}$")):
                await _start(whole, None)
        finally:
            await a2.bot.stop()
    finally:
        await a1.bot.stop()
    await _start(whole, None)  # the accounts stopped: the database is free
    try:
        with pytest.raises(Taken, match=(
                rf"^another groupbot \({ME}\) serves this database without an account; stop "
                rf"it first, then run one process per account: {SCALE}$")):
            await _start(a1, "a1")
    finally:
        await whole.bot.stop()


async def test_on_postgresql_a_stalled_account_with_its_batch_open_holds_up_the_next_a_while(
        tmp_path: Path, postgres: Postgres) -> None:
    """An account's process stalled (SIGSTOP, a frozen VM) with its batch open holds the key
    of the message it was handling: the account that took the group over, handling the same
    message (it kept it while standing by), waited on that key for as long as the stall
    lasted. The server ends the stalled session after twice the takeover time: its batch
    undone, the next holder goes on; the stalled one fails at its next statement."""
    from bot import seen

    root = write_config(tmp_path / "config", ACCOUNTS + "leases: {takeover: 1s}\n",
                        {"recruitment": "handlers: []\n"})
    url = postgres.database()
    a1, a2 = (Harness(root, tmp_path / name, db=url) for name in ("a1", "a2"))
    now = a1.clock.now()
    await _start(a1, "a1")
    await _start(a2, "a2")
    noted, stall = asyncio.Event(), asyncio.Event()

    async def handle_and_stall() -> None:
        async with a1.bot.store.transaction():
            assert await seen.first_time(a1.bot.store, "x:message:0", now)
            noted.set()
            await stall.wait()  # nothing more goes to the server: a stalled process

    stalled = asyncio.create_task(handle_and_stall())
    try:
        await noted.wait()
        async with a2.bot.store.transaction():
            assert await asyncio.wait_for(seen.first_time(a2.bot.store, "x:message:0", now),
                                          60)  # (the test's bound on "for ever")
        await a2.bot.store.flush()
        with pytest.raises(StoreError):  # (its message depends on when it reads the close)
            await a1.bot.store.one("SELECT 1")
    finally:
        stall.set()
        with contextlib.suppress(StoreError):
            await stalled
        with contextlib.suppress(StoreError):
            await a1.bot.stop()
        await a2.bot.stop()


async def test_on_postgresql_a_process_stalled_while_migrating_holds_up_a_start_a_bounded_time(
        postgres: Postgres, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Processes that start together take turns at migrating (an advisory lock): one stalled
    between two of its steps held every other start up for as long as it lasted. The wait
    is bounded, and both the log and the refusal name the server process holding the turn."""
    import bot.postgres
    from bot.store import open_store

    url = postgres.database()
    monkeypatch.setattr(bot.postgres, "MIGRATION_TELL", 0.2)
    monkeypatch.setattr(bot.postgres, "MIGRATION_WAIT", 1.0)
    stalled = await bot.postgres.connect(url)
    await stalled.execute("SELECT pg_advisory_lock($1)", bot.postgres.MIGRATION_LOCK)
    holder = await stalled.fetchval("SELECT pg_backend_pid()")
    try:
        with pytest.raises(StoreError, match=(
                rf"^another groupbot \(server process {holder}, connected from 127.0.0.1 since "
                r"[-0-9]+ [0-9:]+ UTC\) has been migrating the database for 1 s: if it is "
                r"stalled, stop it \(docs/scale.md, Upgrading\)$")):
            await asyncio.wait_for(open_store(url, {}), 60)  # (the test's bound on "for ever")
    finally:
        await stalled.close()
    assert f"waiting for another groupbot (server process {holder}," in caplog.text
    store = await open_store(url, {})  # the turn is free again: migrated at once
    await store.close()


async def test_on_postgresql_a_bot_whose_connection_the_server_ended_stops(
        tmp_path: Path, postgres: Postgres) -> None:
    """The server ended the bot's session (a stall past twice the takeover time, a DBA's
    pg_terminate_backend): every event failed, logged, and the process served on without a
    database until someone noticed. It stops (`groupbot run` exits 1) to be started again."""
    url = postgres.database()
    h = await Harness(SHIPPED, tmp_path, db=url).__aenter__()
    serving = asyncio.create_task(h.bot.serve())
    try:
        await asyncio.sleep(0.5)  # it ran what was due: it waits for the next
        postgres.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                     f"datname = '{url.rsplit('/', 1)[1]}' AND application_name = 'groupbot'")
        with pytest.raises(StoreError):
            await h.say("r1", "alice", "群规")
        async with h.bot.turn():  # (a console's action: it wakes the serving loop)
            pass
        with pytest.raises(StoreError):
            await asyncio.wait_for(serving, 30)  # (the test's bound on "serves on")
    finally:
        serving.cancel()
        with contextlib.suppress(BaseException):
            await serving
        with contextlib.suppress(StoreError):  # (its connection is gone)
            await h.bot.stop()


SIMULATED = BOT_YAML.replace("storage: bot.db", "storage: ../data/live.db") + """\
web: {port: 0}
simulator:
  contacts: {alice: Alice}
  groups:
    - {id: r1, topic: "Recruitment 01", members: [alice]}
"""


def _run(root: Path, stdin: int | None = subprocess.PIPE) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHATY_", "GROUPBOT_"))}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--simulator",
                             "--config", str(root)], stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _serving(db: Path | str, process: subprocess.Popen[str]) -> None:
    """Wait until `process` serves the database: it holds it (its row is there) and has
    recorded its platform (which a simulator checks before it starts)."""

    async def pids() -> list[int]:
        reader = open_reader(db)
        try:
            if not await reader.all("SELECT name FROM platform"):
                return []
            return [int(pid) for (pid,) in await reader.all("SELECT pid FROM instances")]
        except StoreError:  # not made or not migrated yet
            return []
        finally:
            await reader.close()

    deadline = time.monotonic() + 120  # a fresh interpreter on a loaded machine
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if (isinstance(db, str) or db.exists()) and asyncio.run(pids()) == [process.pid]:
            return
        time.sleep(0.1)
    raise AssertionError("the first bot never started")


def test_groupbot_run_twice_exits_2_naming_the_first_which_a_kill_9_frees(
        tmp_path: Path) -> None:
    """The review's case: `groupbot run` started again beside a running one (a manual run
    beside the systemd unit). Read-only commands run beside it; once the first is killed
    (no clean stop), the next start is not blocked."""
    root = write_config(tmp_path / "config", SIMULATED, {"recruitment": "handlers: []\n"})
    db = tmp_path / "data" / "live.db"
    first = _run(root)
    try:
        _serving(db, first)
        second = groupbot("run", "--simulator", "--config", str(root))
        assert second.returncode == 2, second.stderr
        refused = re.compile(
            rf"groupbot run: another groupbot \(pid {first.pid} on host "
            rf"{re.escape(socket.gethostname())}, since [-0-9]+ [0-9:]+ UTC\) serves this "
            rf"database; stop it first, or configure accounts: {SCALE}")
        assert any(refused.fullmatch(line) for line in second.stderr.splitlines()), \
            second.stderr
        scenario = tmp_path / "scenario.yaml"
        scenario.write_text('start: "2026-11-23 12:00"\nsteps: [{wait: 1m}]\n', encoding="utf-8")
        replay = groupbot("replay", str(scenario), "--config", str(root), "--db", str(db))
        assert replay.returncode == 2, replay.stderr
        assert replay.stderr.startswith("groupbot replay: another groupbot (pid "), replay.stderr
        report = groupbot("report", "--config", str(root))
        assert report.returncode == 0, report.stderr
        assert groupbot("check", "--config", str(root)).returncode == 0
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=60)
    third = groupbot("run", "--simulator", "--config", str(root), stdin="/quit\n")
    assert third.returncode == 0, third.stderr


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_newer_groupbot_run_beside_a_running_one_is_refused_before_it_migrates(
        tmp_path: Path, kind: str, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The review's case (an upgrade started before the old bot stopped), through `groupbot
    run` itself: its check of the platform the database serves, which comes before the
    one-process lock, read the database through the store, and so migrated it under the
    running bot (then the lock refused it). Refused, either way, with every table's version
    as the running bot left it: by the lock on the simulator; as the simulator's database on
    WeChat."""
    db: Path | str = tmp_path / "data" / "live.db"
    bot_yaml = SIMULATED
    if kind == "postgresql":
        db = request.getfixturevalue("postgres").database()
        bot_yaml = SIMULATED.replace("storage: ../data/live.db", f"storage: {db}")
    root = write_config(tmp_path / "config", bot_yaml, {"recruitment": "handlers: []\n"})
    base = REGISTRY["antispam"]
    newer = type("Antispam", (base,), {
        "migrations": (*base.migrations, "CREATE TABLE antispam_newer (x INTEGER)")})
    monkeypatch.setattr("bot.cli.REGISTRY", {**REGISTRY, "antispam": newer})

    async def versions() -> list[tuple[str, int]]:
        reader = open_reader(db)
        try:
            return sorted(await reader.all("SELECT component, version FROM schema_version"))
        finally:
            await reader.close()

    first = _run(root)
    try:
        _serving(db, first)
        before = asyncio.run(versions())
        assert ("antispam", len(base.migrations)) in before
        simulator = groupbot("run", "--simulator", "--config", str(root))
        assert simulator.returncode == 2, simulator.stderr
        assert f"groupbot run: another groupbot (pid {first.pid} on host" in simulator.stderr
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHATY_", "GROUPBOT_"))}
        wechat = groupbot("run", "--config", str(root), env={
            **env, "WECHATY_PUPPET_SERVICE_TOKEN": "insecure_test",
            "WECHATY_PUPPET_SERVICE_ENDPOINT": "127.0.0.1:1"})
        assert wechat.returncode == 2, wechat.stderr
        assert "is the terminal simulator's database" in wechat.stderr
        assert asyncio.run(versions()) == before
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)


async def test_a_bot_started_while_a_copy_holds_the_database_is_told_so(
        tmp_path: Path, storage: Path | str) -> None:
    """Review s36 r15 R15-6: `groupbot storage copy` holds its target as a bot would, and writes
    no row saying who it is; a bot started on the target meanwhile was told that "another
    groupbot serves this database" and to configure accounts, naming nobody."""
    store = await open_store(storage, schema.migrations(REGISTRY))
    try:
        await instance.hold(store, storage, None)  # (what the copy does; no row)
        with pytest.raises(Taken, match=re.escape(
                "another groupbot process holds this database and has not said it serves it "
                "(a bot starting or stopping, or a `groupbot storage copy` into it); wait "
                "for it to end, or stop it: docs/scale.md")):
            async with Harness(SHIPPED, tmp_path, db=storage):
                pass
    finally:
        await store.close()
