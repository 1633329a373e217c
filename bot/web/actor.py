"""The web console as a moderation actor (bot/moderation.py's Actor), and as the sender of
broadcasts and moves (bot/broadcast.py, bot/moving.py): what an operator does from a page
goes through the same code as the admin commands, inside the running bot's turn, and is
audited with the operator's name."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from random import Random
from typing import TYPE_CHECKING

from bot import audit
from bot.actions import Action, Dm, Kick, Say
from bot.adapters.base import GroupInfo
from bot.events import Member
from bot.outbox import BULK
from bot.store import Store

if TYPE_CHECKING:
    from bot.app import Bot

HANDLER = "web"  # the audit log's handler column for what the console did


class ConsoleActor:
    def __init__(self, bot: Bot, operator: str) -> None:
        self._bot = bot
        self.operator = operator
        self.actions: list[Action] = []
        self.bulk: list[Action] = []  # a confirmed broadcast's or move's sends

    @property
    def now(self) -> datetime:
        return self._bot.clock.now()

    @property
    def store(self) -> Store:
        return self._bot.store

    @property
    def random(self) -> Random:
        return self._bot.random

    @property
    def bot_id(self) -> str:
        return self._bot.gateway.self_id

    def is_bot(self, member_id: str) -> bool:
        return self._bot.is_bot(member_id)

    @property
    def account(self) -> str:
        return self._bot.account or ""

    def say(self, text: str, mentions: Iterable[str] = (), group: str | None = None) -> None:
        if group is not None:
            self.actions.append(Say(group, text, tuple(mentions)))

    def kick(self, member: str, reason: str, group: str | None = None) -> None:
        if group is not None:
            self.actions.append(Kick(group, member, reason))

    def removal_queued(self, member: str, group: str | None = None) -> bool:
        return group is not None and self._bot.outbox.removal_queued(group, member)

    def tell_admins(self, text: str) -> None:
        self.actions.extend(Dm(admin, text) for admin in self._bot.deployment.settings.admins)

    def send_bulk(self, action: Action) -> None:
        self.bulk.append(action)

    async def group_info(self, group_id: str | None = None) -> GroupInfo:
        assert group_id is not None
        return await self._bot.gateway.group_info(group_id)

    async def members(self, group_id: str | None = None) -> list[Member]:
        assert group_id is not None
        return await self._bot.gateway.members(group_id)

    async def is_friend(self, contact: str) -> bool:
        return await self._bot.gateway.is_friend(contact)

    async def audit(self, action: str, member: str, detail: str,
                    group: str | None = None) -> None:
        await audit.record(self.store, self.now, group or "", member, action, HANDLER,
                           f"{detail} (by {self.operator})")


@asynccontextmanager
async def acting(bot: Bot, operator: str) -> AsyncIterator[ConsoleActor]:
    """An actor for one operator's action, in one bot turn; its actions are queued after,
    and it is committed before the answer is read (the console reads on a connection of its
    own)."""
    async with bot.turn():
        actor = ConsoleActor(bot, operator)
        yield actor
        await bot.outbox.put_all(actor.actions)
        await bot.outbox.put_all(actor.bulk, BULK)
    await bot.store.flush()
