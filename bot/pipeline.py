"""The event path inside one transaction: keep the roster, find the event's group type, and
run that type's handlers in order, each in its own savepoint, putting the actions of each
on the outbox as it returns. A handler that raises is undone alone and the others go on; a
platform failure undoes the whole event."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot import roster
from bot.adapters.base import GatewayError
from bot.config import Deployment
from bot.context import Context, Core, Group
from bot.events import Event, GroupRenamed, MemberJoined, MemberLeft, MemberRenamed, Message, Tick
from bot.groups import GroupDirectory
from bot.handler import STOP
from bot.outbox import Outbox
from bot.store import Store

log = logging.getLogger(__name__)


class Pipeline:
    def __init__(self, core: Core, store: Store, outbox: Outbox, groups: GroupDirectory,
                 deployment: Callable[[], Deployment]) -> None:
        self._core = core
        self._store = store
        self._outbox = outbox
        self._groups = groups
        self._deployment = deployment

    async def dispatch(self, event: Event) -> None:
        """Handle the event; the caller holds the transaction."""
        deployment = self._deployment()
        group: Group | None = None
        if event.group is not None:
            if isinstance(event, GroupRenamed):
                self._groups.renamed(event.group, event.topic)
            group = await self._groups.group(event.group)
            await _track(self._store, event, event.group)
            if group is None:
                return  # a group no binding matches: the bot stays silent there
            gtype = deployment.types[group.type]
        elif deployment.settings.direct is not None:
            gtype = deployment.types[deployment.settings.direct]
        else:
            return
        for handler in gtype.handlers:
            if not isinstance(event, handler.events):
                continue
            if isinstance(event, Tick) and event.handler != handler.name:
                continue
            ctx = Context(self._core, event, group, handler.name, handler.config)
            try:
                async with self._store.savepoint():
                    flow = await handler.handle(event, ctx)
                    for action in ctx.actions:
                        await self._outbox.put(action, handler.name, deployment.settings.admins)
            except GatewayError:
                raise  # the platform is away: undo the whole event rather than half of it
            except Exception:
                log.exception("handler %s failed on %r; the others go on", handler.name, event)
                continue
            if flow is STOP:
                break


async def _track(store: Store, event: Event, group: str) -> None:
    """Keep the roster: who is in which group, since when, and when they last spoke."""
    if isinstance(event, MemberJoined):
        await roster.joined(store, group, event.members, event.at, event.inviter)
    elif isinstance(event, MemberLeft):
        await roster.left(store, group, [m.id for m in event.members], event.at)
    elif isinstance(event, Message):
        await roster.spoke(store, group, event.sender, event.at)
    elif isinstance(event, MemberRenamed):
        await roster.renamed(store, group, event.member)
