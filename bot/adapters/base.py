"""The gateway protocol: everything the core asks of a chat platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.events import Member


class NotAllowed(Exception):
    """The platform refuses an action (e.g. removing a member when the bot is not the owner)."""


class GatewayError(Exception):
    """The platform failed to carry out an action (network, unknown id...)."""


@dataclass(frozen=True, slots=True)
class GroupInfo:
    id: str
    topic: str
    owner: str | None
    member_count: int


class Gateway(Protocol):
    """What the bot core needs from a chat platform.

    Text actions take plain text; `mentions` are member ids that the platform shows as
    mentions in front of the text (WeChat prefixes "@Name" itself).
    """

    @property
    def self_id(self) -> str: ...

    async def send_text(self, group: str, text: str, mentions: tuple[str, ...] = ()) -> None: ...

    async def send_dm(self, contact: str, text: str) -> None: ...

    async def remove_member(self, group: str, member: str, reason: str = "") -> None:
        """Remove a member; raise NotAllowed when the bot cannot (not the owner)."""
        ...

    async def invite_member(self, group: str, member: str) -> None: ...

    async def accept_friend(self, request: str) -> None: ...

    async def members(self, group: str) -> list[Member]: ...

    async def group_info(self, group: str) -> GroupInfo: ...

    async def groups(self) -> list[GroupInfo]:
        """Every group the bot is in."""
        ...
