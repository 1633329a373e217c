"""What the bot does: the actions handlers put on the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar

TEXT_LIMIT = 2000  # characters of one message the bot makes up (WeChat allows a little more)
HEAD_LIMIT = 200  # a long text's first line, when no longer, heads each of its messages


def split_text(text: str, limit: int = TEXT_LIMIT,
               section: Callable[[str], bool] | None = None) -> list[str]:
    """`text` in as many messages of at most `limit` characters as it needs, in order, cut
    at line breaks (a line longer than a message, which only an operator's text can be, is
    cut inside it): a list of 30 cases or a leaderboard of 50 is no one message WeChat
    may refuse. Each message starts with the text's first line, numbered ("待处理的案件
    （1/2）："), so it says what it continues; unless that line is long, then it is only
    the first message's. A line `section` is true of heads the lines after it: a message
    that begins among them begins with it again (「【本月】」), so its lines say what they
    are."""
    if len(text) <= limit:
        return [text]
    head, _, body = text.partition("\n")
    if len(head) > HEAD_LIMIT:
        return _packed(text.split("\n"), limit, section)
    # the room left by the numbered head, counted with more digits than there can be parts
    parts = _packed(body.split("\n"), limit - len(_numbered(head, len(text), len(text))) - 1,
                    section)
    return [_numbered(head, i, len(parts)) + "\n" + part for i, part in enumerate(parts, 1)]


def _packed(lines: list[str], room: int, section: Callable[[str], bool] | None) -> list[str]:
    """The lines joined into as few texts of at most `room` characters as hold them, in
    order; a blank line where one text ends and the next begins is dropped. A text that
    begins inside a section begins with its head (`split_text`), in the room kept for it."""
    heads = [line for line in lines if section is not None and len(line) <= HEAD_LIMIT
             and section(line)]
    room -= max(map(len, heads), default=-1) + 1  # (nothing kept where there is no head)
    packed: list[str] = []
    under: str | None = None  # the head of the section the lines are in
    for line in lines:
        space = room - len(packed[-1]) - 1 if packed else 0
        if len(line) > room and space > 0:  # cut inside anyway: first fill the last text
            packed[-1] += "\n" + line[:space]
            line = line[space:]
        for piece in [line[i:i + room] for i in range(0, len(line), room)] or [""]:
            if packed and len(packed[-1]) + 1 + len(piece) <= room:
                packed[-1] += "\n" + piece
            else:
                packed.append(piece if under is None or piece in heads else f"{under}\n{piece}")
        if line in heads:
            under = line
    return [part.strip("\n") for part in packed if part.strip("\n")]


def _numbered(head: str, part: int, parts: int) -> str:
    """「待处理的案件：」 as the head of part 1 of 2: 「待处理的案件（1/2）：」."""
    colon = "：" if head.endswith("：") else ""
    return f"{head.removesuffix(colon)}（{part}/{parts}）{colon}"


@dataclass(frozen=True, slots=True)
class Action:
    kind: ClassVar[str]

    @property
    def lane(self) -> str:
        """Actions in one lane keep their order and are paced together."""
        group = getattr(self, "group", None)
        return group if group is not None else "@direct"

    def to_json(self) -> dict[str, Any]:
        cls = type(self)
        names = _NAMES.get(cls) or _NAMES.setdefault(cls, tuple(f.name for f in fields(cls)))
        # the fields are strings, a tuple of them or None: no copy to make (dataclasses.asdict
        # would copy each value, several times the cost of queueing the action)
        data: dict[str, Any] = {"action": self.kind}
        for name in names:
            value = getattr(self, name)
            # an optional field added later is left out unset: an action stores and shows
            # as before it was added
            if value != "" or name not in _UNSET_LEFT_OUT:
                data[name] = value
        return data

    @staticmethod
    def from_json(data: dict[str, Any]) -> Action:
        data = dict(data)
        cls = KINDS[data.pop("action")]
        if "mentions" in data:
            data["mentions"] = tuple(data["mentions"])
        return cls(**data)


_NAMES: dict[type[Action], tuple[str, ...]] = {}  # the fields of each kind, in order
# optional fields added later: not stored when empty
_UNSET_LEFT_OUT = frozenset(("file", "leaving", "moved_to", "receipt"))


@dataclass(frozen=True, slots=True)
class Say(Action):
    """A text in a group, or (`file`) an image or file: one WeChat send either way."""

    kind: ClassVar[str] = "say"
    group: str
    text: str
    mentions: tuple[str, ...] = ()
    file: str = ""  # a content file by its name under content/ (bot/media.py); text is ''
    receipt: str = ""  # keep what became of it under this key (bot/outbox.py, Receipt)


@dataclass(frozen=True, slots=True)
class Dm(Action):
    """A private text, or (`file`) an image or file."""

    kind: ClassVar[str] = "dm"
    to: str
    text: str
    file: str = ""  # as Say.file
    receipt: str = ""  # as Say.receipt


@dataclass(frozen=True, slots=True)
class Kick(Action):
    kind: ClassVar[str] = "kick"
    group: str
    member: str
    reason: str
    moved_to: str = ""  # moved on (capacity): the group invited into first (Invite.leaving)


@dataclass(frozen=True, slots=True)
class Invite(Action):
    kind: ClassVar[str] = "invite"
    group: str
    member: str
    leaving: str = ""  # the group they are then removed from (moved on: capacity), if any


@dataclass(frozen=True, slots=True)
class AcceptFriend(Action):
    kind: ClassVar[str] = "accept_friend"
    contact: str
    request: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"action": self.kind, "contact": self.contact, "request": self.request}


@dataclass(frozen=True, slots=True)
class RenameGroup(Action):
    """Set the group's name (back), where the bot may."""

    kind: ClassVar[str] = "rename_group"
    group: str
    topic: str


@dataclass(frozen=True, slots=True)
class Card(Action):
    """A contact card (of `card`: the account that serves a group) sent privately to `to`,
    or, to someone who is not the sender's friend, posted in `group` (bot/invitations.py)."""

    kind: ClassVar[str] = "card"
    card: str
    to: str = ""
    group: str | None = None
    receipt: str = ""  # as Say.receipt

    def to_json(self) -> dict[str, Any]:
        return _given(self.kind, card=self.card, to=self.to, group=self.group,
                      receipt=self.receipt)


@dataclass(frozen=True, slots=True)
class GroupQr(Action):
    """The QR code of group `room` as an image, sent privately to `to`, or posted in `group`
    (to someone who is not the sender's friend); the account serving `room` obtains the code
    (bot/invitations.py)."""

    kind: ClassVar[str] = "group_qr"
    room: str
    to: str = ""
    group: str | None = None
    receipt: str = ""  # as Say.receipt

    def to_json(self) -> dict[str, Any]:
        return _given(self.kind, room=self.room, to=self.to, group=self.group,
                      receipt=self.receipt)


def _given(kind: str, **fields: str | None) -> dict[str, Any]:
    """The action as JSON without its unset fields (a card goes to `to` or to `group`)."""
    return {"action": kind, **{k: v for k, v in fields.items() if v}}


KINDS: dict[str, type[Action]] = {c.kind: c for c in (Say, Dm, Kick, Invite, AcceptFriend,
                                                      RenameGroup, Card, GroupQr)}
