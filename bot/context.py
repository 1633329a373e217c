"""What a handler sees while it handles one event: who, where, its config, and what it may do.
The pipeline makes one per event and turns it to each handler in turn (its name and config).

Actions (say, dm, kick, invite, accept_friend, and the sends of a confirmed broadcast or
move) are collected and put on the outbox when the handler returns; if it raises, they are
dropped together with its store writes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any, Protocol

from bot import audit, friendships, invitations, receipts, roster, state
from bot.actions import AcceptFriend, Action, Card, Dm, GroupQr, Invite, Kick, Say
from bot.adapters.base import GatewayError, GroupInfo
from bot.clock import Clock
from bot.events import (
    Event,
    FriendRequest,
    Member,
    MemberJoined,
    MemberLeft,
    MemberRenamed,
    Message,
)
from bot.sanitize import clean, other_group
from bot.scheduler import Slot
from bot.store import Store
from bot.text import normalize, strip_mentions
from bot.times import later, stamp, utc


@dataclass(frozen=True, slots=True)
class Group:
    """The group an event happened in, with the type its binding gave it: the type's name,
    capacity and each of its handlers' config (by handler name)."""

    id: str
    topic: str
    type: str
    capacity: int = 0
    configs: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def config(self, handler: str) -> Any:
        """The config of handler `handler` in this group's type, None if it does not run it."""
        return self.configs.get(handler)


@dataclass(frozen=True, slots=True)
class Place:
    """A group the bot is in, with its type: where a broadcast may go, a move may lead."""

    id: str
    topic: str
    type: str
    title: str  # the type as texts name it (its display_name)
    members: int
    capacity: int


class Core(Protocol):
    """What a context needs from the running bot (bot/app.py provides it)."""

    @property
    def clock(self) -> Clock: ...

    @property
    def random(self) -> Random: ...

    @property
    def store(self) -> Store: ...

    @property
    def admins(self) -> Sequence[str]: ...

    @property
    def self_id(self) -> str: ...

    def is_bot(self, member_id: str) -> bool: ...

    @property
    def account(self) -> str | None: ...

    def lease_epoch(self, group_id: str) -> int: ...

    @property
    def invitations_by_card(self) -> bool:
        """bot.yaml `invitations.not_friend` is `card` (else `qr`)."""
        ...

    def invitation_text(self, how: str, values: Mapping[str, str]) -> str:
        """bot.yaml `invitations.qr_text`, `card_text` or (`again`) `again_text`, filled in."""
        ...

    @property
    def invitation_again_within(self) -> timedelta:
        """bot.yaml `invitations.again_within`."""
        ...

    def contact_name(self, member_id: str) -> str: ...

    async def group_info(self, group_id: str) -> GroupInfo: ...

    async def members(self, group_id: str) -> list[Member]: ...

    async def group(self, group_id: str) -> Group | None: ...

    async def groups_of_type(self, type_name: str) -> list[GroupInfo]: ...

    def capacity(self, type_name: str) -> int: ...

    async def places(self) -> list[Place]: ...

    def content_file(self, name: str) -> str: ...

    def removal_queued(self, group_id: str, member: str) -> bool: ...

    async def is_friend(self, contact: str) -> bool: ...

    def type_title(self, type_name: str) -> str: ...

    def title_of(self, group: GroupInfo) -> str: ...

    async def set_timer(self, slot: Slot, due: datetime, data: dict[str, Any],
                        replace: bool) -> bool: ...

    async def cancel_timer(self, slot: Slot) -> None: ...

    def timer_due(self, slot: Slot) -> datetime | None: ...

    def reload_after(self, event: Event, group: Group | None, handler: str,
                     then: Reloaded) -> None: ...

    async def member_link(self, member: str) -> tuple[str, timedelta] | None: ...


_DAWN = datetime.min.replace(tzinfo=UTC)  # the calendar's first instant


Reloaded = Callable[["Context", str | None, list[str], int], Awaitable[None]]
"""What a handler does once the reload it asked for is done (Context.reload_config)."""


class Context:
    __slots__ = ("_core", "_normalized", "_text", "actions", "bulk", "config", "event", "group",
                 "group_id", "handler")

    def __init__(self, core: Core, event: Event, group: Group | None, handler: str = "",
                 config: Any = None) -> None:
        self._core = core
        self.event = event
        self.group = group
        # the group id, or '' for private events: the key of per-group state (read by most
        # handlers, several times an event)
        self.group_id = group.id if group is not None else ""
        self.handler = handler  # the pipeline sets these two for each handler in turn
        self.config = config
        self.actions: list[Action] = []
        self.bulk: list[Action] = []  # a confirmed broadcast's or move's sends
        self._text: str | None = None
        self._normalized: str | None = None

    # ------------------------------------------------------------ facts

    @property
    def now(self) -> datetime:
        return self._core.clock.now()

    @property
    def random(self) -> Random:
        """The bot's random source (seeded in replay, so a scenario always plays the same)."""
        return self._core.random

    @property
    def store(self) -> Store:
        return self._core.store

    @property
    def text(self) -> str:
        """A message's text without its @mentions (bot/text.py `strip_mentions`), '' for
        other events: worked out once per event, for all its handlers."""
        if self._text is None:
            event = self.event
            if not isinstance(event, Message):
                self._text = ""
            elif "@" in event.text:
                self._text = strip_mentions(event.text)
            else:  # no mention to take out (most messages): the very string, its hash known
                self._text = event.text.strip()
        return self._text

    @property
    def normalized(self) -> str:
        """`text` as matchers read it (bot/text.py `normalize`), once per event."""
        if self._normalized is None:
            self._normalized = normalize(self.text)
        return self._normalized

    @property
    def member(self) -> Member | None:
        """Who the event is about: the sender, the requester, the (first) newcomer."""
        event = self.event
        if isinstance(event, Message):
            return event.sender
        if isinstance(event, FriendRequest):
            return event.contact
        if isinstance(event, MemberRenamed):
            return event.member
        if isinstance(event, (MemberJoined, MemberLeft)) and event.members:
            return event.members[0]
        return None

    @property
    def bot_id(self) -> str:
        return self._core.self_id

    def is_bot(self, member_id: str) -> bool:
        """Whether `member_id` is the bot: this account or, with several accounts, another of
        the deployment's (docs/scale.md), never a member the handlers act on. A message
        mentioning any of them mentions the bot (`Message.mentions_bot`, set by the core)."""
        return self._core.is_bot(member_id)

    @property
    def admins(self) -> Sequence[str]:
        return self._core.admins

    @property
    def account(self) -> str:
        """This bot's account, of several sharing the database ('' when it is the only one)."""
        return self._core.account or ""

    @property
    def epoch(self) -> int:
        """The epoch of this account's lease on the group (0 with one account): another one
        means another account's process may have served the group meanwhile
        (bot/leases.py)."""
        return self._core.lease_epoch(self.group_id)

    def is_admin(self, member_id: str) -> bool:
        return member_id in self._core.admins

    async def name(self, member_id: str) -> str:
        """The member's name in this group as last seen, else their id; cleaned to be shown
        in a message (bot/sanitize.py)."""
        return clean(await roster.name(self.store, self.group_id, member_id) or
                     self._core.contact_name(member_id))

    async def mention_names(self, member_ids: Iterable[str]) -> list[str]:
        """The names an @mention of these members may show in this group, as they are (not
        cleaned): each one's name here as last seen and their platform name."""
        names = []
        for member_id in dict.fromkeys(member_ids):
            shown = await roster.name(self.store, self.group_id, member_id)
            names += [name for name in (shown, self._core.contact_name(member_id)) if name]
        return names

    async def group_info(self, group_id: str | None = None) -> GroupInfo:
        return await self._core.group_info(group_id or self.group_id)

    async def members(self, group_id: str | None = None) -> list[Member]:
        """The group's members as the platform lists them now."""
        return await self._core.members(group_id or self.group_id)

    async def group_of(self, group_id: str) -> Group | None:
        """Another group the bot is in, with the type its binding gives it (None: unbound)."""
        return self.group if group_id == self.group_id else await self._core.group(group_id)

    async def can_remove(self) -> bool:
        """Whether the bot can remove members here (on WeChat: it owns the group)."""
        info = await self.group_info()
        return info.owner == self.bot_id

    async def groups_of_type(self, type_name: str) -> list[GroupInfo]:
        """Every group the bot is in whose binding gives it `type_name`."""
        return await self._core.groups_of_type(type_name)

    def type_title(self, type_name: str) -> str:
        """A group type as texts to the admins name it: its `display_name`, else its name."""
        return self._core.type_title(type_name)

    async def places(self) -> list[Place]:
        """Every group the bot is in that has a type, with its member count and capacity."""
        return await self._core.places()

    async def is_friend(self, contact: str) -> bool:
        """Whether the bot may write to (and invite) the contact; GatewayError if the
        platform cannot tell now."""
        return await self._core.is_friend(contact)

    def content_file(self, name: str) -> str:
        """An image or file under content/ that an admin names, checked as sendable now
        (bot/media.py); ValueError saying what is wrong."""
        return self._core.content_file(name)

    async def group_with_room(self, type_name: str) -> GroupInfo | None:
        """The group of that type with the fewest members below its type's capacity, or
        None when all are full (ties: the first by id, so the choice is predictable)."""
        capacity = self._core.capacity(type_name)
        candidates = [(info.member_count, info.id, info)
                      for info in await self.groups_of_type(type_name)
                      if info.member_count < capacity]
        return min(candidates)[2] if candidates else None

    # ------------------------------------------------------------ per-handler state

    async def get(self, key: str, member: str = "", default: Any = None) -> Any:
        return await state.get(self.store, (self.group_id, member, self.handler, key), default)

    async def set(self, key: str, value: Any, member: str = "") -> None:
        await state.put(self.store, (self.group_id, member, self.handler, key), value)

    async def forget(self, key: str, member: str = "") -> None:
        await state.delete(self.store, (self.group_id, member, self.handler, key))

    async def off_cooldown(self, key: str, cooldown: timedelta, member: str = "") -> bool:
        """True, and the time noted, unless `key` was last used within `cooldown`: the
        "at most once per N" rule of replies, leaderboards and invitations."""
        if not member and self.group is None and self.member is not None:
            member = self.member.id  # each private chat keeps its own cooldowns
        now = self._core.clock.now()
        at, now = stamp(now), utc(now)
        # `cooldown` before now, as `stamp` writes a time in UTC (not by `stamp`: the stamp it
        # keeps is the clock's time, which others stamp after); a cooldown longer than the
        # calendar: once, ever
        since = (now - cooldown).isoformat(timespec="microseconds") \
            if cooldown <= now - _DAWN else ""
        return await state.note_unless_since(self.store, (self.group_id, member, self.handler, key),
                                             at, since)

    # ------------------------------------------------------------ timers

    async def schedule(self, key: str, at: datetime | timedelta,
                       data: dict[str, Any] | None = None, replace: bool = True) -> bool:
        """Get a Tick with this key at `at` (or after a delay); survives restarts."""
        due = later(self.now, at) if isinstance(at, timedelta) else at  # real time
        return await self._core.set_timer((self.group_id, self.handler, key), due, data or {},
                                          replace)

    async def cancel(self, key: str) -> None:
        await self._core.cancel_timer((self.group_id, self.handler, key))

    def scheduled(self, key: str) -> datetime | None:
        """When the Tick with this key is due here; None if none is armed."""
        return self._core.timer_due((self.group_id, self.handler, key))

    # ------------------------------------------------------------ actions

    def say(self, text: str, mentions: Iterable[str] = (), group: str | None = None,
            files: Sequence[str] = (), receipt: str = "") -> None:
        """Post in this group (or another); mentioned members are shown as @Name before it.
        Then each of `files` (images or files by their names under content/, bot/media.py),
        a WeChat send of its own; with files, an empty text sends only them. `receipt`: a
        key to ask later (`receipt()`) whether and when the text went."""
        target = group or self.group_id
        if not target:
            raise ValueError("say() needs a group; use dm() in a private chat")
        if text or not files:
            self.actions.append(Say(target, text, tuple(mentions),
                                    receipt=self._receipt_key(receipt)))
        self.actions.extend(Say(target, "", file=file) for file in files)

    def reply(self, text: str, mention: bool = False, files: Sequence[str] = ()) -> None:
        """Answer the member the event is about, where it happened (files as for say)."""
        member = self.member
        if self.group is None:
            if member is not None:
                self.dm(member.id, text, files)
            return
        self.say(text, (member.id,) if mention and member else (), files=files)

    def dm(self, contact: str, text: str, files: Sequence[str] = (), receipt: str = "") -> None:
        if text or not files:
            self.actions.append(Dm(contact, text, receipt=self._receipt_key(receipt)))
        self.actions.extend(Dm(contact, "", file=file) for file in files)

    async def receipt(self, key: str) -> receipts.Receipt | None:
        """What became of the text said or sent with `receipt=key` (by this handler, here):
        still queued, or sent (or given up) and when; None if none was."""
        return await receipts.receipt(self.store, self._receipt_key(key))

    def _receipt_key(self, key: str) -> str:
        return f"{self.group_id}|{self.handler}|{key}" if key else ""

    def tell_admins(self, text: str) -> None:
        for admin in self.admins:
            self.dm(admin, text)

    def kick(self, member: str, reason: str, group: str | None = None,
             moved_to: str = "") -> None:
        """Remove `member`; `moved_to`: the group they were invited into first (`invite`'s
        `leaving`), whose invitation this removal waits for."""
        self.actions.append(Kick(group or self.group_id, member, reason, moved_to))

    def removal_queued(self, member: str, group: str | None = None) -> bool:
        """Whether a removal of `member` waits to be sent (queued by an earlier event)."""
        return self._core.removal_queued(group or self.group_id, member)

    def invite(self, group: str, member: str, leaving: str = "") -> None:
        """Invite `member` into `group`; `leaving`: a group they are removed from once the
        invitation went (a removal queued after it waits for it, and is dropped if it is
        refused: bot/outbox.py "invitation before removal")."""
        self.actions.append(Invite(group, member, leaving))

    async def invitation(self, group: GroupInfo, member: str, *,
                         gated: bool = False) -> invitations.Plan:
        """How `member` gets into `group` the way WeChat allows (bot/invitations.py),
        recorded as awaited; `invite_into` sends it. `gated`: they earned it (the quiz): the
        group's QR code is then never posted in a group."""
        mine = await self._my_friend(member)
        found = await invitations.plan(self.store, group.id, member, me=self._core.account,
                                       my_friend=mine, privately=mine or self.group is None,
                                       card=self._core.invitations_by_card, gated=gated,
                                       own=(self.bot_id, self._core.contact_name(self.bot_id)))
        await invitations.record(self.store, member, group.id, found, self.now)
        return found

    async def invite_into(self, group: GroupInfo, member: str,
                          found: invitations.Plan | None = None) -> invitations.How:
        """Get `member` into `group` as `found` (else `invitation`) says: the account serving
        the group invites them if they are its friend; else they get the group's QR code or
        that account's card, with a text (bot.yaml `invitations`), from this account:
        privately if they are its friend, else here, mentioning them (How.ADMINS: nothing,
        the caller tells the admins). Either way the join is awaited (the funnel records it);
        how it went is returned."""
        found = found or await self.invitation(group, member)
        if found.how is invitations.How.INVITE:
            self.invite(group.id, member)
            return found.how
        if found.how is invitations.How.ADMINS:
            return found.how
        values = {"member": await self.name(member),
                  "group": other_group(group.topic, self._core.title_of(group))}
        where: dict[str, str] = {"to": member} if found.privately else {"group": self.group_id}
        if not found.privately:  # (a wave of sign-ups in a group: the code is posted once)
            shown = f"shown:{found.how.value}:{group.id}"
            if await self._shown_lately(shown):
                self.say(self._core.invitation_text("again", values), (member,))
                return found.how
            where["receipt"] = self._receipt_key(shown)
        action: Action
        if found.how is invitations.How.CARD:
            values["account"] = clean(found.name)
            action = Card(found.card, **where)
        else:
            if found.account != self.account:
                await invitations.want_qr(self.store, group.id, found.account, self.now)
            action = GroupQr(group.id, **where)
        text = self._core.invitation_text(found.how.value, values)
        if found.privately:
            self.dm(member, text)
        else:
            self.say(text, (member,))
        self.actions.append(action)
        return found.how

    async def _shown_lately(self, key: str) -> bool:
        """Whether the QR code or card under `key` is on its way here, or went within
        `invitations.again_within` (not if it failed, was refused or dropped)."""
        again = self._core.invitation_again_within
        shown = await self.receipt(key) if again else None
        return shown is not None and (shown.queued or
                                      (shown.delivered and self.now - shown.at < again))

    async def _my_friend(self, member: str) -> bool:
        """Whether the member is this account's friend: they wrote to it privately now
        (strangers cannot), it is recorded, or the platform says so (recorded then)."""
        event = self.event
        if isinstance(event, Message) and event.group is None and event.sender.id == member:
            return True
        if await friendships.is_friend(self.store, self.account, member):
            return True
        try:
            friend = await self._core.is_friend(member)
        except GatewayError:
            return False
        if friend:
            await friendships.add(self.store, self.account, member, self.now)
        return friend

    def accept_friend(self, contact: str, request: str = "") -> None:
        self.actions.append(AcceptFriend(contact, request or contact))

    def send_bulk(self, action: Action) -> None:
        """A send of a confirmed broadcast or move: the outbox's lowest class (bulk)."""
        self.bulk.append(action)

    def reload_config(self, then: Reloaded) -> None:
        """Load the config again and swap it in, once this event is handled: other events
        go on meanwhile (a load takes a fifth of a second; in the event's turn, every event
        waited for it). Then `then(ctx, problems, kept, warned)` runs in a turn of its own
        with a context of this event and handler (its replies and audit records as this
        handler's): `problems` None, `kept` the keys read only at the start that bot.yaml
        changed (their running values stay) and `warned` how many warnings the new config
        has (what `groupbot check` lists) on success, else the problems, [] and 0 (the
        running config stays)."""
        self._core.reload_after(self.event, self.group, self.handler, then)

    async def member_link(self, member: str) -> tuple[str, timedelta] | None:
        """A private link to the member's own data centre (docs/web.md) and how long it
        lasts; None without `web.public_url`, or when the bot may not write to the member
        privately (not its friend, or the platform cannot tell now)."""
        return await self._core.member_link(member)

    async def audit(self, action: str, member: str, detail: str,
                    group: str | None = None) -> None:
        """Record a moderation or membership decision (see `groupbot audit`), about this
        group or another (an admin's private command acts on a group)."""
        await audit.record(self.store, self.now, group or self.group_id, member, action,
                           self.handler, detail)
