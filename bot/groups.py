"""The group directory: which group type each group the bot is in has, by the bindings in
bot.yaml (by id, or by a pattern on the group's name), cached until the config or the
group's name changes. It is the one place that asks the platform for rooms to bind them."""

from __future__ import annotations

from collections.abc import Callable

from bot.adapters.base import Gateway, GatewayError, GroupInfo
from bot.config import Deployment, GroupType
from bot.context import Group


class GroupDirectory:
    def __init__(self, gateway: Gateway, deployment: Callable[[], Deployment]) -> None:
        self._gateway = gateway
        self._deployment = deployment
        self._groups: dict[str, Group | None] = {}
        self._topics: dict[str, str] = {}  # last known group names, kept across reloads

    def forget(self) -> None:
        """Bind every group again on its next event (after a reload)."""
        self._groups.clear()

    def renamed(self, group_id: str, topic: str) -> None:
        self._groups.pop(group_id, None)
        self._topics[group_id] = topic

    async def group(self, group_id: str) -> Group | None:
        """The group with its type, or None when no binding matches it."""
        if group_id not in self._groups:
            try:
                topic = (await self._gateway.group_info(group_id)).topic
            except GatewayError:
                if group_id not in self._topics:
                    raise
                topic = self._topics[group_id]  # the platform is away: bind by the last name
            self._topics[group_id] = topic
            gtype = self._deployment().type_for(group_id, topic)
            self._groups[group_id] = _group(group_id, topic, gtype) if gtype else None
        return self._groups[group_id]

    async def bound(self) -> list[tuple[GroupInfo, GroupType]]:
        """Every group the bot is in that a binding gives a type, as the platform lists them."""
        deployment = self._deployment()
        bound = []
        for info in await self._gateway.groups():
            gtype = deployment.type_for(info.id, info.topic)
            if gtype is not None:
                bound.append((info, gtype))
        return bound

    async def of_type(self, type_name: str) -> list[GroupInfo]:
        return [info for info, gtype in await self.bound() if gtype.name == type_name]


def _group(group_id: str, topic: str, gtype: GroupType) -> Group:
    return Group(group_id, topic, gtype.name, gtype.capacity,
                 {handler.name: handler.config for handler in gtype.handlers})
