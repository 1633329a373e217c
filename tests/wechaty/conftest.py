"""Fixtures for the wechaty tests: a fake world, a tiny deployment, and a running bot.

This directory has no __init__.py on purpose: as a package it would be named `wechaty` and
shadow the real library (tests/ is on sys.path).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from grpc_server import FakeGateway
from harness import migrated
from puppet import BOT_ID, BOT_NAME, World

from bot import backstop, config, state
from bot.adapters.wechaty import WechatyGateway
from bot.app import Bot
from bot.clock import SystemClock
from bot.events import Event
from handlers import REGISTRY

TIMEOUT = 3.0  # seconds to wait for something the bot should do at once

KEYWORD = "怎么报名"
KEYWORD_REPLY = "发送「报名」即可报名"
WELCOME = "欢迎{members}"


def default_handlers() -> list[dict[str, Any]]:
    handlers: list[dict[str, Any]] = [{"welcome": {"template": WELCOME, "window": "0s"}}]
    if "keywords" in REGISTRY:
        handlers.append({"keywords": {"cooldown": "0s", "rules": [
            {"patterns": [KEYWORD], "reply": KEYWORD_REPLY}]}})
    return handlers


async def until(predicate: Callable[[], object], what: str = "the expected outcome",
                timeout: float = TIMEOUT) -> None:
    """Poll until `predicate()` is true; fail naming `what` after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class Session:
    """A bot running on a gateway, with every event the gateway fed it."""

    bot: Bot
    gateway: WechatyGateway
    events: list[Event] = field(default_factory=list)

    def of_type(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def world() -> World:
    """r1: a bound group the bot owns; r2: a bound group owned by carol."""
    w = World()
    w.add_room("r1", "Recruitment 01", {"alice": "Alice", "bob": "Bob"})
    w.add_room("r2", "Recruitment 02", {"alice": "Alice", "carol": "Carol"}, owner="carol")
    return w


_FAST = {"per_minute": 6000, "per_hour": 100000, "per_day": 100000}
REAL_TIME_GOVERNOR: dict[str, Any] = {"warmup": {"days": 0}, "budgets": {
    budget: _FAST for budget in ("group_messages", "private_messages", "files",
                                 "friend_accepts", "invitations", "removals")}}


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
        _dump(root / "bot.yaml", settings)
        for name, section in types.items():
            _dump(root / "types" / f"{name}.yaml", {"handlers": section})
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
                await _first_looks(bot)
            yield session
        finally:
            for task in tasks:
                await _cancel(task)
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


async def _first_looks(bot: Bot) -> None:
    """Until the bot's first look at each bound group, made at the login (bot/backstop.py),
    is done: a test begins after it, so its member lookups are not the test's."""
    for info, _ in await bot.groups.bound():
        while await state.get(bot.store, (info.id, "", backstop.OWNER, "seen")) is None:
            await asyncio.sleep(0.01)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.wait({task}, timeout=TIMEOUT)
    assert task.done(), "a cancelled task did not stop"
    if not task.cancelled():
        task.result()  # what it died of, if anything


def _dump(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
