"""A send that keeps failing while the bot is killed (kill -9) after each try: its failed
tries are counted in the store, so it is tried MAX_ATTEMPTS times in all and then given up,
however often the process is restarted (docs/wechat.md, "When WeChat fails"). They were
counted in memory only: each restart tried it at once with the whole limit again, and a bot
in a crash loop never gave it up."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import datetime
from pathlib import Path

from grpclib.const import Status
from grpclib.exceptions import GRPCError
from harness import killed
from test_faults import STARTUP, _deployment, _groupbot_run, _until

from bot import schema
from bot.delivery import MAX_ATTEMPTS
from bot.store import Reader, open_reader, open_store
from bot.times import stamp
from handlers import REGISTRY

sys.path.insert(0, str(Path(__file__).parent / "wechaty"))
from grpc_server import FakeGateway
from puppet import World


async def _reads(db: Reader, sql: str, value: object, what: str) -> None:
    """Wait until `sql`'s first value (None: no row) is `value`, as the bot committed it."""
    deadline = asyncio.get_running_loop().time() + STARTUP
    while (found := next(iter(await db.all(sql)), (None,))[0]) != value:
        assert asyncio.get_running_loop().time() < deadline, f"{what}: {found}"
        await asyncio.sleep(0.02)


async def _due_at(path: Path, at: datetime | None) -> None:
    """While the bot is dead: its retry due at `at` (None: now), so a test need not wait out
    the real back-off (5 s to 320 s), which a restart keeps (tests/test_delivery_retry_due.py)."""
    store = await open_store(path, schema.migrations(REGISTRY))
    try:
        await store.execute("UPDATE outbox SET not_before = ?", (at and stamp(at),))
    finally:
        await store.close()


async def _failing_gateway() -> FakeGateway:
    """A gateway with a group, r1, where every message fails with a plain failure (not a
    refusal, nor one that may have sent it: it is tried again)."""
    gateway = FakeGateway(World())
    gateway.world.add_room("r1", "Recruitment 01", {"alice": "Alice"})
    gateway.failing["MessageSendText"] = GRPCError(Status.ABORTED, "risk control")
    await gateway.start()
    return gateway


# SQLite alone, as tests/test_faults.py's kill -9: PostgreSQL's commits are the same store
# seam (tests/test_delivery_restarts.py runs the limit across restarts on both)
async def test_a_send_failing_in_a_crash_loop_is_given_up_after_the_limit(
        tmp_path: Path) -> None:
    gateway = await _failing_gateway()
    config = _deployment(tmp_path / "config")
    db = None

    def tries() -> int:
        return int(gateway.calls.count("MessageSendText"))

    try:
        for started in range(1, MAX_ATTEMPTS + 1):
            bot = await _groupbot_run(config, gateway.endpoint)
            try:
                await _until(lambda n=started: gateway.streams_opened == n, "the login")
                if db is None:  # the backstop's first look at the group, then a newcomer
                    db = open_reader(config / "bot.db")  # (tests/test_faults.py)
                    await _reads(db, "SELECT 1 FROM state WHERE handler='@backstop'", 1,
                                 "the first look")
                    gateway.join("r1", {"n01": "N01"}, inviter="alice")  # welcomed: it fails
                await _until(lambda n=started: tries() >= n, f"try {started}")
                if started < MAX_ATTEMPTS:  # its retry written: then the kill
                    await _reads(db, "SELECT attempts FROM outbox", started, "the retry")
                else:
                    await _reads(db, "SELECT count(*) FROM audit WHERE action = "
                                     "'say_send_failed'", 1, "given up")
            finally:
                bot.send_signal(signal.SIGKILL)
                await bot.wait()
                await killed(bot)
            await _due_at(config / "bot.db", None)
        assert db is not None
        assert tries() == MAX_ATTEMPTS
        assert await db.all("SELECT count(*) FROM outbox") == [(0,)]  # nothing left to try
    finally:
        if db is not None:
            await db.close()
        await gateway.close()
