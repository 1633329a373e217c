"""Delivery: hands each paced action from the outbox to the gateway, retries what failed
with back-off, gives up after a few attempts, and tells the admins what the platform
refused. Failures and refusals are recorded in the audit log."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot import audit
from bot.actions import AcceptFriend, Action, Dm, Invite, Kick, Say
from bot.adapters.base import Gateway, GatewayError, Refused
from bot.outbox import Outbox, Queued
from bot.store import Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


class Delivery:
    def __init__(self, gateway: Gateway, outbox: Outbox, store: Store,
                 admins: Callable[[], Sequence[str]]) -> None:
        self._gateway = gateway
        self._outbox = outbox
        self._store = store
        self._admins = admins

    async def deliver(self, item: Queued, now: datetime) -> None:
        action = item.action
        try:
            await self._send(action)
        except Refused as exc:
            log.warning("the platform refused %s: %s", action, exc)
            await self._refused(action, str(exc), now)
        except GatewayError as exc:
            if item.attempts + 1 < MAX_ATTEMPTS:
                delay = timedelta(seconds=5 * 4 ** item.attempts)
                log.warning("sending %s failed (%s); again in %s", action, exc, delay)
                self._outbox.retry(item, now + delay)
                return
            log.error("gave up sending %s after %d attempts: %s", action, MAX_ATTEMPTS, exc)
            await self._record(now, action, "send_failed", str(exc))
        await self._outbox.done(item)

    async def _send(self, action: Action) -> None:
        gw = self._gateway
        match action:
            case Say(group, text, mentions):
                await gw.send_text(group, text, mentions)
            case Dm(to, text):
                await gw.send_dm(to, text)
            case Kick(group, member, reason):
                await gw.remove_member(group, member, reason)
            case Invite(group, member):
                await gw.invite_member(group, member)
            case AcceptFriend(_, request):
                await gw.accept_friend(request)

    async def _refused(self, action: Action, reason: str, now: datetime) -> None:
        await self._record(now, action, "refused", reason)
        for admin in self._admins():
            await self._outbox.put(Dm(admin, f"[groupbot] could not {action.kind} "
                                             f"{_describe(action)}: {reason}"))

    async def _record(self, now: datetime, action: Action, what: str, detail: str) -> None:
        data: dict[str, Any] = action.to_json()
        await audit.record(self._store, now, data.get("group", ""),
                           data.get("member", data.get("to", "")), f"{action.kind}_{what}",
                           "outbox", detail)


def _describe(action: Action) -> str:
    data = action.to_json()
    return " ".join(f"{k}={v}" for k, v in data.items() if k != "action")
