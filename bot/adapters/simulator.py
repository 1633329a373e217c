"""The embedded chat platform: groups and members in memory, every action recorded.

Used by `groupbot run` without WeChat credentials, by `groupbot replay`, by the tests and
by the benchmark. It behaves like WeChat where the bot can tell: only the group owner may
remove members, a removed member is gone from the member list, and once the bot itself is
removed from a group it is not listed among the bot's groups and nothing it does there
(a message, a removal, an invitation) goes through: Refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.base import GatewayError, GroupInfo, Refused
from bot.clock import Clock
from bot.events import Event, GroupRenamed, Member, MemberJoined, MemberLeft
from bot.media import Attachment

Record = dict[str, Any]
QR_PREFIX = "https://weixin.qq.com/g/"  # a simulated group QR code: this and the group's id


@dataclass
class SimGroup:
    id: str
    topic: str
    owner: str
    members: dict[str, str] = field(default_factory=dict)  # id -> name in this group


class Simulator:
    """A Gateway whose world is a few dicts; `on_action` sees each action as it is sent."""

    def __init__(self, clock: Clock, bot: Member, contacts: dict[str, str] | None = None,
                 on_action: Callable[[Record], None] | None = None) -> None:
        self.clock = clock
        self.bot = bot
        self.contacts = dict(contacts or {})
        self.friends = set(self.contacts)  # the configured contacts, and accepted requests
        self.contacts.setdefault(bot.id, bot.name)  # the bot's own name (its contact card)
        self.rooms: dict[str, SimGroup] = {}
        self.sent: list[Record] = []
        self.on_action = on_action
        self.inbox: list[Event] = []  # what the platform reports back, e.g. joins after invites
        # each group's member list as last listed, and what it was made from: the join
        # backstop asks for every group's list every few minutes, and most have not changed
        self._listed: dict[str, tuple[tuple[tuple[str, str], ...], list[Member]]] = {}

    @property
    def self_id(self) -> str:
        return self.bot.id

    # ------------------------------------------------------------ the simulated world

    def name_of(self, member_id: str) -> str:
        return self.contacts.setdefault(member_id, member_id)

    def add_group(self, group_id: str, topic: str, members: Iterable[str] = (),
                  owner: str | None = None) -> SimGroup:
        group = SimGroup(group_id, topic, owner or self.bot.id)
        group.members[self.bot.id] = self.bot.name
        for member_id in members:
            group.members[member_id] = self.name_of(member_id)
        self.rooms[group_id] = group
        return group

    def accept_invitation(self, group_id: str, topic: str, inviter: str,
                          members: Iterable[str]) -> tuple[Member, ...]:
        """The bot accepted `inviter`'s invitation into their group: it is in it now. What
        joined (the bot), as WeChat reports it."""
        self._record({"action": "accept_invitation", "group": group_id, "inviter": inviter})
        self.add_group(group_id, topic, [inviter, *members], owner=inviter)
        return (Member(self.bot.id, self.bot.name),)

    def group(self, group_id: str) -> SimGroup:
        try:
            return self.rooms[group_id]
        except KeyError:
            raise GatewayError(f"unknown group {group_id!r}") from None

    def has_bot(self, group_id: str) -> bool:
        """Whether the bot is a member of the group now (removed, it is not)."""
        return self.bot.id in self.group(group_id).members

    def tells(self, event: Event) -> bool:
        """Whether WeChat tells the bot of the event: not of one in a group the bot is not
        in, but of its own join or leave there."""
        if event.group is None or self.has_bot(event.group):
            return True
        return isinstance(event, MemberJoined | MemberLeft) and \
            self.bot.id in {member.id for member in event.members}

    def _in(self, group_id: str) -> SimGroup:
        """The group, for something the bot does there: Refused, as WeChat refuses it, when
        the bot is not a member any more."""
        group = self.group(group_id)
        if self.bot.id not in group.members:
            raise Refused(f"the bot is not a member of {group_id}")
        return group

    def join(self, group_id: str, member_ids: Iterable[str]) -> tuple[Member, ...]:
        group = self.group(group_id)
        joined = []
        for member_id in member_ids:
            group.members[member_id] = self.name_of(member_id)
            joined.append(Member(member_id, group.members[member_id]))
        return tuple(joined)

    def leave(self, group_id: str, member_ids: Iterable[str]) -> tuple[Member, ...]:
        group = self.group(group_id)
        return tuple(Member(m, group.members.pop(m, self.name_of(m))) for m in member_ids)

    def rename(self, group_id: str, member_id: str, name: str) -> Member:
        self.group(group_id).members[member_id] = name
        return Member(member_id, name)

    def rename_group(self, group_id: str, topic: str) -> str:
        self.group(group_id).topic = topic
        return topic

    def member(self, group_id: str | None, member_id: str) -> Member:
        if group_id is not None and member_id in self.group(group_id).members:
            return Member(member_id, self.rooms[group_id].members[member_id])
        return Member(member_id, self.name_of(member_id))

    def _record(self, record: Record) -> None:
        record = {"t": self.clock.now().isoformat(), **record}
        self.sent.append(record)
        if self.on_action is not None:
            self.on_action(record)

    # ------------------------------------------------------------ the Gateway protocol

    async def send_text(self, group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
        self._in(group)
        self._record({"action": "say", "group": group, "text": text, "mentions": list(mentions)})

    async def send_dm(self, contact: str, text: str) -> None:
        self._record({"action": "dm", "to": contact, "text": text})

    async def send_file(self, group: str, file: Attachment) -> None:
        self._in(group)
        self._record({"action": "say", "group": group, "file": file.name})

    async def send_dm_file(self, contact: str, file: Attachment) -> None:
        self._record({"action": "dm", "to": contact, "file": file.name})

    async def remove_member(self, group: str, member: str, reason: str = "") -> None:
        sim = self._in(group)
        if sim.owner != self.bot.id:
            raise Refused(f"the bot is not the owner of {group}")
        self._record({"action": "kick", "group": group, "member": member, "reason": reason})
        if member in sim.members:  # WeChat reports the leave that follows
            self.inbox.append(MemberLeft(self.clock.now(), group, self.leave(group, [member]),
                                         self.bot.id))

    async def invite_member(self, group: str, member: str) -> None:
        sim = self._in(group)
        self._record({"action": "invite", "group": group, "member": member})
        if member not in sim.members:  # WeChat reports the join that follows
            self.inbox.append(MemberJoined(self.clock.now(), group, self.join(group, [member]),
                                           self.bot.id))

    def take_inbox(self) -> list[Event]:
        events, self.inbox = self.inbox, []
        return events

    async def accept_friend(self, request: str) -> None:
        self._record({"action": "accept_friend", "contact": request})
        self.friends.add(request)  # a simulated request is named by its contact

    async def is_friend(self, contact: str) -> bool:
        return contact in self.friends

    async def friend_list(self) -> list[str]:
        return sorted(self.friends)

    async def send_card(self, chat: str, contact: str) -> None:
        where = {"group": self._in(chat).id} if chat in self.rooms else {"to": chat}
        self._record({"action": "card", **where, "card": contact,
                      "name": self.name_of(contact)})

    async def group_qr(self, group: str) -> str:
        if group not in self.rooms or not self.has_bot(group):
            raise Refused(f"the bot is not in {group}: no QR code")
        return f"{QR_PREFIX}{group}"

    async def send_qr(self, chat: str, code: str) -> None:
        where = {"group": self._in(chat).id} if chat in self.rooms else {"to": chat}
        room = code.removeprefix(QR_PREFIX)
        topic = {"topic": self.rooms[room].topic} if room in self.rooms else {}
        self._record({"action": "group_qr", **where, "room": room, **topic})

    async def set_topic(self, group: str, topic: str) -> None:
        sim = self._in(group)
        if sim.owner != self.bot.id:
            raise Refused(f"the bot is not the owner of {group}")
        self._record({"action": "rename_group", "group": group, "topic": topic})
        if sim.topic != topic:  # WeChat reports the rename that follows
            sim.topic = topic
            self.inbox.append(GroupRenamed(self.clock.now(), group, topic, self.bot.id))

    async def members(self, group: str) -> list[Member]:
        pairs = tuple(self._in(group).members.items())
        if (listed := self._listed.get(group)) is None or listed[0] != pairs:
            listed = self._listed[group] = (pairs, [Member(*pair) for pair in pairs])
        return list(listed[1])

    async def group_info(self, group: str) -> GroupInfo:
        sim = self.group(group)
        return GroupInfo(sim.id, sim.topic, sim.owner, len(sim.members))

    async def groups(self) -> list[GroupInfo]:
        """The groups the bot is a member of."""
        return [await self.group_info(g) for g in self.rooms if self.has_bot(g)]
