"""An action is queued in the store and in memory; when what queued it is undone (a later
handler found the platform away and the whole event was rolled back, or the batch's commit
failed), it is gone from memory too: it is never sent, and the id the store gives the next
row is never taken for it. On both backends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, Harness, write_config

from bot.adapters.base import GatewayError
from bot.context import Context
from bot.events import Message
from bot.handler import CONTINUE
from bot.store import StoreError
from handlers.keywords import Keywords
from handlers.rules import Rules

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

TYPE = """\
handlers:
  - keywords:
      cooldown: 0s
      rules: [{patterns: [怎么报名], reply: 发送报名即可, mention: true}]
  - rules:
      text: rules.md
"""
ASK, ANSWER = "怎么报名", "发送报名即可"


def _config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": TYPE},
                        {"rules.md": "群规：禁止广告"})


async def test_a_reply_queued_before_a_later_handler_found_the_platform_away_is_not_sent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # keywords queues its answer and lets the next handler see the message; rules, after
    # it, fails on the platform: the whole event is undone
    answer: Callable[..., Awaitable[Any]] = Keywords.handle

    async def keywords(self: Keywords, event: Message, ctx: Context) -> Any:
        await answer(self, event, ctx)
        return CONTINUE

    async def rules(self: Rules, event: Message, ctx: Context) -> Any:
        if event.sender.id == "alice":
            raise GatewayError("away")
        return CONTINUE

    monkeypatch.setattr(Keywords, "handle", keywords)
    monkeypatch.setattr(Rules, "triggers", lambda self: None)
    monkeypatch.setattr(Rules, "wants", lambda self, event, ctx: True)
    monkeypatch.setattr(Rules, "handle", rules)
    async with Harness(_config(tmp_path), tmp_path) as h:
        with pytest.raises(GatewayError):
            await h.say("r1", "alice", ASK)
        assert len(h.bot.outbox) == 0
        await h.say("r1", "bob", ASK)
        await h.advance("1m")
        assert [r["mentions"] for r in h.actions("say")] == [["bob"]]
        assert len(h.bot.outbox) == 0


async def test_replies_of_a_batch_whose_commit_failed_are_not_sent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original: Callable[..., Awaitable[Any]] = Keywords.handle

    async def handle(self: Keywords, event: Message, ctx: Context) -> Any:
        flow = await original(self, event, ctx)
        if event.sender.id == "alice":  # a write the commit will refuse
            ctx.store.defer("INSERT INTO no_such_table VALUES (?)", (1,))
        return flow

    monkeypatch.setattr(Keywords, "handle", handle)
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "alice", ASK)
        with pytest.raises(StoreError):
            await h.bot.store.flush()
        assert len(h.bot.outbox) == 0
        await h.say("r1", "bob", ASK)  # its row may get the id alice's had
        for _ in range(3):
            await h.advance("1m")
        assert [r["mentions"] for r in h.actions("say")] == [["bob"]]
        assert h.texts("r1") == [ANSWER]
        assert len(h.bot.outbox) == 0
