"""Fixtures for the wechaty tests: a fake world, a tiny deployment, and a running bot.

This directory has no __init__.py on purpose: as a package it would be named `wechaty` and
shadow the real library (tests/ is on sys.path). What the tests share besides fixtures:
wechaty_support.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import wechaty_support
from grpc_server import FakeGateway
from harness import migrated
from puppet import BOT_ID, BOT_NAME, InProcessPuppet, World
from wechaty_support import REAL_TIME_GOVERNOR, TIMEOUT, Session, cancel, default_handlers, dump

from bot import config
from bot.adapters.wechaty import WechatyGateway
from bot.app import Bot
from bot.clock import SystemClock
from bot.events import Event
from handlers import REGISTRY


@pytest.fixture
def world() -> World:
    """r1: a bound group the bot owns; r2: a bound group an admin owns (a name binds only
    groups an admin owns or brought the bot into: bot/admission.py)."""
    w = World()
    w.add_room("r1", "Recruitment 01", {"alice": "Alice", "bob": "Bob"})
    w.add_room("r2", "Recruitment 02", {"alice": "Alice", "carol": "Carol"}, owner="admin1")
    return w


@pytest.fixture
def puppet(world: World) -> InProcessPuppet:
    """The gateway's other end in this process: `world` served without gRPC."""
    return InProcessPuppet(world)


@pytest.fixture
def gateway(puppet: InProcessPuppet) -> WechatyGateway:
    """The real adapter on `puppet` (test_wechaty_actions.py's is one already logged in)."""
    return WechatyGateway.in_process(puppet)


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a deployment: the recruitment type gets `handlers`, private chats `direct`."""
    made = iter(range(1000))

    def write(handlers: list[dict[str, Any]] | None = None,
              direct: list[dict[str, Any]] | None = None,
              governor: dict[str, Any] | None = None) -> Path:
        root = tmp_path / f"config{next(made)}"
        (root / "types").mkdir(parents=True)
        (root / "content").mkdir()
        settings: dict[str, Any] = {
            "bot": {"id": BOT_ID, "name": BOT_NAME}, "timezone": "Asia/Shanghai",
            "admins": ["admin1"], "storage": "bot.db", "content": "content",
            "outbox": {"group_interval": "0s", "global_per_minute": 6000},
            "groups": [{"match": {"topic": "Recruitment"}, "type": "recruitment"}],
        }
        # real seconds: budgets sized to them, the governor still in the path (its defaults
        # space group messages 10 s apart on a new account; test_wechaty_governor sets its own)
        settings["governor"] = REAL_TIME_GOVERNOR if governor is None else governor
        types = {"recruitment": default_handlers() if handlers is None else handlers}
        if direct is not None:
            settings["direct"] = "private"
            types["private"] = direct
        dump(root / "bot.yaml", settings)
        for name, section in types.items():
            dump(root / "types" / f"{name}.yaml", {"handlers": section})
        return root

    return write


@pytest.fixture
def run_bot(make_config: Callable[..., Path]
            ) -> Callable[..., contextlib.AbstractAsyncContextManager[Session]]:
    """`async with run_bot(gateway) as s:` a real Bot on `gateway`, logged in."""

    @contextlib.asynccontextmanager
    async def running(gateway: WechatyGateway, config_dir: Path | None = None
                      ) -> AsyncIterator[Session]:
        deployment = config.load(config_dir or make_config(), REGISTRY)
        if isinstance(db := deployment.storage_path, Path) and not db.exists():
            await migrated(db)  # (what a new file's migrations do: tests/test_store.py)
        bot = Bot(deployment, gateway, SystemClock(deployment.settings.timezone), REGISTRY)
        session = Session(bot, gateway)
        feed = bot.feed

        async def recording(event: Event) -> None:
            try:
                await feed(event)
            finally:  # recorded once handled, so a test that waits for it sees its effects
                session.events.append(event)

        bot.feed = recording  # type: ignore[method-assign]
        await bot.start()
        tasks = [asyncio.create_task(bot.serve()), asyncio.create_task(gateway.run(bot))]
        try:
            async with asyncio.timeout(TIMEOUT):
                await gateway.online.wait()
                await wechaty_support.first_looks(bot)
            yield session
        finally:
            for task in tasks:
                await cancel(task)
            await bot.stop()

    return running


@pytest.fixture
async def fake_gateway(world: World) -> AsyncIterator[FakeGateway]:
    """The puppet-service gateway on 127.0.0.1, serving `world`."""
    gateway = FakeGateway(world)
    await gateway.start()
    yield gateway
    await gateway.close()


@pytest.fixture
def grpc_gateway(fake_gateway: FakeGateway) -> WechatyGateway:
    """The bot's side: the real python-wechaty client, connecting to `fake_gateway`."""
    return WechatyGateway("insecure_test-token", fake_gateway.endpoint,
                          reconnect_initial=0.05, reconnect_max=0.2)


