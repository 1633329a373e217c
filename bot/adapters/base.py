"""The gateway protocol: everything the core asks of a chat platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.events import Member
from bot.media import Attachment
from bot.sanitize import make_storable


class GatewayError(Exception):
    """The platform failed to carry out an action, for a reason of no class below: the
    outbox tries it again with back-off, a few times, without holding up other actions."""


class Disconnected(GatewayError):
    """Not connected or not logged in: nothing was done. The outbox holds its actions and
    sends them as soon as the platform is back, counting no attempt."""


class RateLimited(GatewayError):
    """The platform says too much, too fast: nothing was done. Try again after
    `retry_after` seconds (None: the outbox's own back-off)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Refused(GatewayError):
    """The platform will not do this (the bot does not own the group, an unknown group or
    contact): trying again cannot help. The admins are told."""


class PartlyRead(GatewayError):
    """A friend list some of whose contacts' details failed to load (a timeout, a provider's
    fault; not a lost connection, which is Disconnected): `friends` those read as friends,
    `unread` those that could not be read."""

    def __init__(self, friends: list[str], unread: list[str], why: str) -> None:
        super().__init__(f"{len(unread)} contact(s) could not be read: {why}")
        self.friends, self.unread = friends, unread


class Uncertain(GatewayError):
    """The request reached the platform but its answer did not come back: the action may
    have happened. A message is not sent again (at most once); a removal or invitation is
    checked against the member list before it is repeated."""


@dataclass(frozen=True, slots=True)
class GroupInfo:
    id: str
    topic: str
    owner: str | None
    member_count: int

    def __post_init__(self) -> None:
        make_storable(self, "id", "topic", "owner")  # (bot/events.py: like every event)


class Gateway(Protocol):
    """What the bot core needs from a chat platform.

    A gateway with a connection that comes and goes sets `reports_connection = True` and
    tells the bot (`Inbound.platform(connected)`) as it changes; any other is connected while the
    bot runs. Text actions take plain text; `mentions` are member ids that the platform shows as
    mentions in front of the text (WeChat prefixes "@Name" itself).
    """

    @property
    def self_id(self) -> str: ...

    async def send_text(self, group: str, text: str, mentions: tuple[str, ...] = ()) -> None: ...

    async def send_dm(self, contact: str, text: str) -> None: ...

    async def send_file(self, group: str, file: Attachment) -> None:
        """Post an image or file in a group (WeChat shows an image as a picture)."""
        ...

    async def send_dm_file(self, contact: str, file: Attachment) -> None: ...

    async def remove_member(self, group: str, member: str, reason: str = "") -> None:
        """Remove a member; raise Refused when the bot cannot (not the owner)."""
        ...

    async def invite_member(self, group: str, member: str) -> None: ...

    async def accept_friend(self, request: str) -> None: ...

    async def send_card(self, chat: str, contact: str) -> None:
        """Send `contact`'s contact card in a chat: a group, or a contact's private chat."""
        ...

    async def group_qr(self, group: str) -> str:
        """The group's QR code, as the text its image encodes (WeChat: valid for 7 days);
        Refused when the bot is not in the group."""
        ...

    async def send_qr(self, chat: str, code: str) -> None:
        """Send a QR code image of `code` in a chat (a group, or a private chat)."""
        ...

    async def friend_list(self) -> list[str]:
        """The bot's friends (its contact list): whom it may write to and invite."""
        ...

    async def set_topic(self, group: str, topic: str) -> None:
        """Rename the group (WeChat: Refused unless the bot may edit the group's name)."""
        ...

    async def is_friend(self, contact: str) -> bool:
        """Whether the contact is the bot's friend: WeChat lets a bot write privately only to
        friends."""
        ...

    async def members(self, group: str) -> list[Member]: ...

    async def group_info(self, group: str) -> GroupInfo: ...

    async def groups(self) -> list[GroupInfo]:
        """Every group the bot is in."""
        ...
