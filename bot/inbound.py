"""The inbound interface: what a platform adapter may do with the bot. An adapter feeds the
events it receives, says when the platform's rooms or login changed (so groups are bound
again), asks whether to accept an invitation into a group, and lends the names it knows of
contacts. It never holds the concrete Bot, so a second platform (such as WeCom) is just
another adapter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.events import Event
from bot.sanitize import make_storable


@dataclass(frozen=True, slots=True)
class GroupInvitation:
    """An invitation of the bot into a group, as the platform gives it: `inviter` and
    `topic` are '' when it does not say."""

    id: str
    inviter: str
    topic: str
    at: datetime

    def __post_init__(self) -> None:
        make_storable(self, "id", "inviter", "topic")  # (bot/events.py: like every event)


class Inbound(Protocol):
    @property
    def clock(self) -> Clock:
        """The bot's time, for stamping events (and its zone)."""
        ...

    @property
    def configured_id(self) -> str | None:
        """The bot's id as the config gives it (the platform's login id wins), None when the
        config names none for this process (one of several accounts)."""
        ...

    async def feed(self, event: Event) -> None:
        """Handle one event, in one transaction; returns once its state is committed."""
        ...

    async def group_invitation(self, invitation: GroupInvitation) -> bool:
        """Whether to accept the invitation (bot.yaml `group_invitations`); the bot audits
        it, and tells the admins of one it does not accept. The adapter only accepts or
        leaves it."""
        ...

    async def refresh_groups(self) -> None:
        """The platform's rooms changed: bind every group again."""
        ...

    def set_contact_names(self, names: Callable[[str], str]) -> None:
        """Where to look up a contact's name when no group roster knows it."""
        ...

    def platform(self, connected: bool) -> None:
        """The platform's connection came or went (the console's /healthz and /metrics). After
        a login, the bot binds its groups again by itself before anything else goes."""
        ...
