"""A process of an account that stood still (SIGSTOP, a frozen VM) with a transaction open
past twice `leases.takeover`: the server ended its session (bot/instance.py's
Held.limit_stalls), and when it runs on it stops with exit 1. Review s36 r15 R15-5: it said
only the driver's words about a closed connection ("cannot switch to state 11; another
operation (2) is in progress", "connection is closed"), nothing of the stall; now one line
says what happened and that its service manager starts it again."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from harness import BOT_YAML, Harness, groupbot, write_config
from pg import Postgres

from bot import seen, terminal
from bot.postgres import Stalled, Unavailable, shown
from bot.store import StoreError

ACCOUNTS = BOT_YAML + """\
accounts:
  - {name: a1, token_env: TOKEN_A1}
leases: {takeover: 1s}
"""


async def _account(tmp_path: Path, url: str) -> Harness:
    from bot.app import Bot

    h = Harness(write_config(tmp_path / "config", ACCOUNTS, {"recruitment": "handlers: []\n"}),
                tmp_path / "a1", db=url)
    h.bot = Bot(h.deployment, h.world, h.clock, h.registry, h.db, seed=0, account="a1")
    await h.bot.start()
    return h


async def _lost(tmp_path: Path, postgres: Postgres,
                meanwhile: Callable[[str], Awaitable[object]]) -> tuple[str, Unavailable]:
    """An account's process with a transaction open (a seen event's key written) while
    `meanwhile(url)` happens, then its next statement: its database's URL, and what that
    statement raised (also the store's `lost`)."""
    url = postgres.database()
    h = await _account(tmp_path, url)
    try:
        with pytest.raises(Unavailable) as lost:
            async with h.bot.store.transaction():
                assert await seen.first_time(h.bot.store, "x:message:0", h.clock.now())
                await meanwhile(url)
                await h.bot.store.one("SELECT 1")
        assert h.bot.store.lost is lost.value
        return url, lost.value
    finally:
        with contextlib.suppress(*StoreError):
            await h.bot.stop()


async def test_a_process_that_stood_still_past_its_stall_limit_says_so(
        tmp_path: Path, postgres: Postgres) -> None:
    async def stopped(url: str) -> None:  # its transaction open past the limit (2 s),
        await asyncio.sleep(2)  # until the server has ended its session (on a loaded
        for _ in range(300):  # machine a little later)
            await asyncio.sleep(0.1)
            if postgres.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                            f"'{url.rsplit('/', 1)[1]}' AND state = 'idle in transaction'"
                            ).strip() == "0":
                return

    url, stalled = await _lost(tmp_path, postgres, stopped)
    assert isinstance(stalled, Stalled), stalled
    assert re.fullmatch(
        rf"{re.escape(shown(url))}: this process said nothing to the server for \d+ s "
        r"\(it was stopped: SIGSTOP, a frozen VM, a machine asleep; or a gateway call that "
        r"long in a transaction\), past twice leases\.takeover \(2 s\): the server ended "
        r"its session, undoing what it had not committed, and its leases ran out",
        str(stalled)), stalled


async def test_a_session_ended_while_the_process_ran_is_no_stall(
        tmp_path: Path, postgres: Postgres) -> None:
    """The server ended it at once (an operator's pg_terminate_backend, a restart): the
    driver's words, as ever."""
    async def terminated(url: str) -> None:
        postgres.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                     f"datname = '{url.rsplit('/', 1)[1]}' AND pid <> pg_backend_pid()")

    _, lost = await _lost(tmp_path, postgres, terminated)
    assert not isinstance(lost, Stalled), lost


def test_a_stall_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """What `groupbot run` says, as its Bot.serve raises the store's `lost`."""
    said = "postgresql://bot@db/live: this process said nothing to the server for 131 s (...)"

    async def stalled(*args: object) -> int:
        raise Stalled(said)

    monkeypatch.setattr(terminal, "run", stalled)
    ran = groupbot("run", "--simulator")
    assert ran.returncode == 1
    assert ran.stderr.strip().splitlines()[-1] == (
        f"groupbot run: {said}; exit 1, for its service manager to start it again")
