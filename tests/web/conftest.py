"""Fixtures for the web console's tests (what they share: web_site.py)."""

from __future__ import annotations

import atexit
import copy
import itertools
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from harness import Harness
from web_site import GROUPS, TOKEN, Site, deployment, populate

from bot.adapters.simulator import Simulator
from bot.clock import VirtualClock
from bot.web import server


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    h = Harness(deployment(tmp_path), tmp_path, groups=GROUPS)
    if isinstance(h.db, Path):  # SQLite: the worker's populated bot, as a restart finds it
        made = _populated[0] if _populated else await _populate()
        shutil.copyfile(made.db, h.db)
        h.world, h.clock = copy.deepcopy((made.world, made.clock))
        h.ids = itertools.count(made.next_id)
    async with h:
        if not isinstance(h.db, Path):  # PostgreSQL: populated here
            await populate(h)
        console = server.for_bot(h.bot, TOKEN)
        site = TestServer(server.make_app(console))
        await site.start_server(**server.RUNNER)  # the access log the console runs with
        try:
            async with TestClient(site) as client:
                yield Site(h, console, client)
        finally:
            await console.close()


@dataclass(frozen=True)
class _Populated:
    """`populate`'s outcome on SQLite, once a worker: the database its bot left as it
    stopped, and its simulated world and clock (each test gets copies of them, and a bot of
    its own started on them: some 0.15 s of CPU a test less than populating its own)."""

    db: Path
    world: Simulator
    clock: VirtualClock
    next_id: int  # the harness's next message id: none is used twice


_populated: list[_Populated] = []


async def _populate() -> _Populated:
    made = Path(tempfile.mkdtemp(prefix="groupbot-site-"))
    atexit.register(shutil.rmtree, made, True)
    h = Harness(deployment(made), made, groups=GROUPS, db=made / "bot.db")
    async with h:
        await populate(h)
    assert not Path(f"{h.db}-wal").exists() or not Path(f"{h.db}-wal").stat().st_size
    _populated.append(_Populated(made / "bot.db", h.world, h.clock, next(h.ids)))
    return _populated[0]

