"""What the wechaty tests share: the keyword and welcome a tiny deployment answers with, a
`Session` (a bot running on a gateway, with what it was fed), waiting for an outcome.
(Not in conftest.py: tests/web has one too, and both were imported as `conftest`, so a run
that collected both directories failed to import.)"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import backstop, state
from bot.adapters.wechaty import WechatyGateway
from bot.app import Bot
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


_FAST = {"per_minute": 6000, "per_hour": 100000, "per_day": 100000}
REAL_TIME_GOVERNOR: dict[str, Any] = {"warmup": {"days": 0}, "budgets": {
    budget: _FAST for budget in ("group_messages", "private_messages", "files",
                                 "friend_accepts", "invitations", "removals")}}


async def first_looks(bot: Bot) -> None:
    """Until the bot's first look at each bound group, made at the login (bot/backstop.py),
    is done: a test begins after it, so its member lookups are not the test's."""
    for info, _ in await bot.groups.bound():
        while await state.get(bot.store, (info.id, "", backstop.OWNER, "seen")) is None:
            await asyncio.sleep(0.01)


async def cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.wait({task}, timeout=TIMEOUT)
    assert task.done(), "a cancelled task did not stop"
    if not task.cancelled():
        task.result()  # what it died of, if anything


def dump(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
