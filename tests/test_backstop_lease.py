"""The join backstop on a live clock reads the member lists as a task of its own (review s36
r13 R13-3); an account that lost the group while its read waited must not compare it and
feed its joins there (review s36 r17 R17-9): the lease is looked at again under the turn.
(bot.app.VirtualClock is patched so that run_due takes the live clock's branch; time is
still set by hand.)"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from test_accounts import Accounts, holder, write_config

import bot.app
from bot.events import Event, MemberJoined


async def test_a_backstop_read_across_a_lost_lease_feeds_nothing(
        tmp_path: Path, storage: Path | str, monkeypatch: pytest.MonkeyPatch) -> None:
    accounts = Accounts(write_config(tmp_path / "config", storage, backstop={"every": "5m"}))
    try:
        a = await accounts.start("a")
        b = await accounts.start("b")
        await accounts.advance(timedelta(seconds=2))
        assert await holder(accounts, "r1") == "a"
        fed: dict[str, list[str]] = {"a": [], "b": []}
        for name, bot_ in (("a", a), ("b", b)):
            dispatch = bot_._pipeline.dispatch

            async def spy(event: Event, name: str = name, dispatch: Any = dispatch) -> None:
                if isinstance(event, MemberJoined):
                    fed[name] += [m.id for m in event.members]
                await dispatch(event)

            monkeypatch.setattr(bot_._pipeline, "dispatch", spy)
        # carol joins r1 unreported (each account's platform shows her)
        for name_, world in accounts.worlds.items():
            if name_ == "a":  # (only a sees her: b's comparison cannot feed her first)
                world.join("r1", ["carol"])
        # a's member list read hangs (a slow gateway: a lookup per member)
        gate = asyncio.Event()
        listed = accounts.worlds["a"].members

        async def slow(group: str):  # type: ignore[no-untyped-def]
            await gate.wait()
            return await listed(group)

        accounts.worlds["a"].members = slow  # type: ignore[method-assign]
        monkeypatch.setattr(bot.app, "VirtualClock", type("Live", (), {}))  # live-clock path
        clock = accounts.clock
        due = a._backstop_due()
        assert due is not None
        clock.set(due)
        await a.run_due()  # the comparison starts, as a task; its read waits
        await asyncio.sleep(0)
        assert a._comparing is not None
        # a stalls (a loaded machine, SIGSTOP) past its lease; b takes r1 over
        for _ in range(70):
            clock.set(clock.now() + timedelta(seconds=1))
            await b.run_due()
            await b.store.flush()
        comparing = a._comparing
        assert comparing is not None
        gate.set()  # a runs again: its read returns first
        await comparing
        assert a.accounts is not None and not a.accounts.leases.holds("r1", clock.now())
        assert fed["a"] == [], f"a, no longer serving r1, fed the joins of {fed['a']}"
    finally:
        await accounts.stop()
