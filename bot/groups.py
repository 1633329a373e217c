"""The group directory: which group type each group the bot is in has. It is the one place
that asks the platform for rooms to bind them.

A group is bound by the first binding in bot.yaml that matches it: by id, or by a pattern on
its name. Once bound by name (when the bot first lists its groups, or on the first event in a
group it was not listed in), the binding holds by the group's id (kept in the store,
bot/bindings.py), so a member renaming the group does not move it to another type or out of
the bot's care, even before anything happened in it. A rename by an admin or by the bot binds
the group again by its new name. A binding by id in bot.yaml always wins.

A binding found only by name binds a group the bot may serve (bot/admission.py: an admin
brought the bot in, or owns it; bot.yaml `group_invitations`); another is left unbound, and
the admins are told once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import admission, bindings
from bot.adapters.base import Gateway, GatewayError, GroupInfo
from bot.config import Deployment, GroupType
from bot.context import Group
from bot.outbox import Outbox
from bot.savepoint import restoring
from bot.store import Store


class GroupDirectory:
    def __init__(self, gateway: Gateway, deployment: Callable[[], Deployment],
                 now: Callable[[], datetime],
                 on_bound: Callable[[str], None] = lambda group: None) -> None:
        self._gateway = gateway
        self._on_bound = on_bound  # told of each group bound by an event
        self._deployment = deployment
        self._now = now
        self._store: Store | None = None  # where bindings are kept (`load`)
        self._outbox: Outbox | None = None  # where a group left unbound is told (`load`)
        self._groups: dict[str, Group | None] = {}
        self._topics: dict[str, str] = {}  # last known group names, kept across reloads
        self._kept: dict[str, str] = {}  # group id -> type, bound by name before (the store's)
        # the last name of each bound group that no member gave it: the name it was bound by,
        # or first seen with, or an admin's rename (a member's rename is set back to it);
        # kept in the store too (bot/bindings.py), so a restart does not trust the name then
        self._trusted: dict[str, str] = {}
        self._gone: set[str] = set()  # groups the bot left, until the platform lists them again

    async def load(self, store: Store, outbox: Outbox | None = None) -> None:
        self._store, self._outbox = store, outbox
        self._kept = await bindings.all_bindings(store)
        self._trusted = await bindings.trusted_topics(store)

    def forget(self) -> None:
        """Bind every group again on its next event (after a reload)."""
        self._groups.clear()

    def gone(self, group_id: str) -> None:
        """The bot left the group: no binding until it joins again or the platform lists
        the group again (a timer or a late event there binds nothing, sends nothing)."""
        self._gone.add(group_id)
        self._groups[group_id] = None

    def is_gone(self, group_id: str) -> bool:
        """Whether the bot left the group (and the platform has not listed it since)."""
        return group_id in self._gone

    def back(self, group_id: str) -> None:
        """The bot joined the group (again): it binds as any other."""
        self._gone.discard(group_id)
        self._groups.pop(group_id, None)

    def topic(self, group_id: str) -> str | None:
        """The group's last known name."""
        return self._topics.get(group_id)

    def trusted_topic(self, group_id: str) -> str | None:
        """The last name of the bound group that no member gave it (what `restore_topic`
        sets back): the name it was bound by, or first seen with, or an admin's rename."""
        return self._trusted.get(group_id)

    def kept(self, group_id: str) -> GroupType | None:
        """The type the group keeps by its id, if a name bound it before (a binding by id in
        bot.yaml wins over it)."""
        deployment = self._deployment()
        by_config = deployment.type_by_id(group_id)
        if by_config is not None:
            return by_config
        name = self._kept.get(group_id)
        return deployment.types.get(name) if name is not None else None

    async def renamed(self, store: Store, group_id: str, topic: str, rebind: bool) -> None:
        """The group has a new name; with `rebind` (an admin renamed it), bind it again by
        that name. The names in memory are set back if the event is undone (it is fed again:
        the retry must see the rename as new)."""
        self._groups.pop(group_id, None)
        store.on_undo(restoring(self._topics, group_id))
        self._topics[group_id] = topic
        if not rebind:
            return
        await self._trust(store, group_id, topic)
        await admission.admit(store, group_id, "renamed", self._now())  # the name may bind it
        if self._kept.pop(group_id, None) is not None:
            await bindings.unbind(store, group_id)

    async def hold_unbound(self, store: Store, group_id: str, by: str) -> None:
        """A member renamed a group that was not bound: it stays unbound whatever its new
        name, until an admin renames it (or it is bound by id)."""
        await admission.hold(store, group_id, by, self._now())

    async def group(self, store: Store, group_id: str, now: datetime) -> Group | None:
        """The group with its type (None when no binding matches it); a binding found by
        name is kept by id from now on."""
        if group_id not in self._groups and group_id not in self._gone:
            try:
                info = await self._gateway.group_info(group_id)
            except GatewayError:
                if group_id not in self._topics:
                    raise
                # the platform is away: bind by the last name
                info = GroupInfo(group_id, self._topics[group_id], None, 0)
            topic = info.topic
            self._topics[group_id] = topic
            gtype = await self._allowed(store, info, self.type_for(group_id, topic), now)
            if gtype is not None:
                await self._keep(store, group_id, gtype, topic, now)
            self._groups[group_id] = _group(group_id, topic, gtype) if gtype else None
            if gtype is not None:
                self._on_bound(group_id)
        return self._groups.get(group_id)

    async def bound(self) -> list[tuple[GroupInfo, GroupType]]:
        """Every group the bot is in that has a type, as the platform lists them; a binding
        found by name is kept by id from now on (so a rename before the group's first event
        finds it kept)."""
        bound = []
        for info in await self._gateway.groups():
            self._gone.discard(info.id)  # listed: the bot is in it (again)
            gtype = self.type_for(info.id, info.topic)
            if self._store is not None:
                gtype = await self._allowed(self._store, info, gtype, self._now())
            if gtype is not None:
                self._topics.setdefault(info.id, info.topic)  # a rename event updates it
                if self._store is not None:
                    await self._keep(self._store, info.id, gtype, info.topic, self._now())
                bound.append((info, gtype))
        return bound

    async def of_type(self, type_name: str) -> list[GroupInfo]:
        return [info for info, gtype in await self.bound() if gtype.name == type_name]

    async def _keep(self, store: Store, group_id: str, gtype: GroupType, topic: str,
                    now: datetime) -> None:
        """Keep a binding found by name by the group's id (one by id in bot.yaml needs not)."""
        if self._kept.get(group_id) != gtype.name and \
                self._deployment().type_by_id(group_id) is None:
            self._kept[group_id] = gtype.name
            await self._trust(store, group_id, topic)
            await bindings.bind(store, group_id, gtype.name, topic, now)
        if group_id not in self._trusted:  # bound by id: the name first seen (ever)
            await self._trust(store, group_id, topic)

    async def _trust(self, store: Store, group_id: str, topic: str) -> None:
        """The group's trusted name, kept in memory and in the store (set back in memory if
        the event is undone; the store's write is undone with it)."""
        store.on_undo(restoring(self._trusted, group_id))
        self._trusted[group_id] = topic
        await bindings.trust(store, group_id, topic, self._now())

    async def _allowed(self, store: Store, info: GroupInfo, gtype: GroupType | None,
                       now: datetime) -> GroupType | None:
        """`gtype` (found for the group), unless only its name found it and the bot may not
        serve it by its name (bot/admission.py): then None, and the admins are told once."""
        if gtype is None or self.kept(info.id) is not None:
            return gtype
        settings = self._deployment().settings
        if await admission.may_bind_by_name(store, info, settings, self._gateway.self_id, now):
            return gtype
        if (kept := await bindings.type_of(store, info.id)) is not None:  # another account's
            self._kept[info.id] = kept
            return self.kept(info.id)
        await admission.not_bound(store, self._outbox, settings, info, gtype.name, now)
        return None

    def type_for(self, group_id: str, topic: str) -> GroupType | None:
        """The type the group is bound to, without a lookup: by its id (bot.yaml's, or the
        name it was bound by before: a member's rename keeps it), else by its name now."""
        return self.kept(group_id) or self._deployment().type_for(group_id, topic)


def _group(group_id: str, topic: str, gtype: GroupType) -> Group:
    return Group(group_id, topic, gtype.name, gtype.capacity,
                 {handler.name: handler.config for handler in gtype.handlers})
