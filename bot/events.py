"""The one event model: what happened in a group or in a private chat.

Adapters translate a platform's events into these frozen dataclasses, doing every
platform lookup first; handlers never see a platform object. Each makes its member-supplied
text (names, topics, texts, ids) storable when made (bot/sanitize.py `storable`: no NUL, no
lone surrogate), whichever adapter made it: nothing the platform passes on can fail a write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.sanitize import make_storable, unstorable


class Kind(StrEnum):
    """What a chat message carries."""

    TEXT = "text"
    IMAGE = "image"
    LINK = "link"
    MINI_PROGRAM = "mini_program"
    CARD = "card"
    FILE = "file"
    VIDEO = "video"
    VOICE = "voice"
    EMOJI = "emoji"
    OTHER = "other"  # location, transfer, red packet, chat history, recalled...


@dataclass(frozen=True, slots=True)
class Member:
    """A person, by platform id, with the name shown in the group."""

    id: str
    name: str

    def __post_init__(self) -> None:
        # (every message makes one: a printable text, nearly all, holds neither a NUL nor a
        # surrogate, and isprintable is one pass in C; the regex looks at the others)
        if not (text := f"{self.id}{self.name}").isprintable() and unstorable(text):
            make_storable(self, "id", "name")


@dataclass(frozen=True, slots=True)
class Quote:
    """What a quote-reply (WeChat's 引用) quotes: the quoted sender's name and the quoted
    text, as the platform shows them (a quoted picture is 图片, a link card its title)."""

    name: str
    text: str

    def __post_init__(self) -> None:
        if not (text := f"{self.name}{self.text}").isprintable() and unstorable(text):
            make_storable(self, "name", "text")

    def around(self, reply: str) -> str:
        """The whole text as WeChat hands it over and as a typed copy of it shows: the
        quote, the rule, then `reply`."""
        return f"「{self.name}：{self.text}」{QUOTE_RULE}{reply}"

    @property
    def of_media(self) -> bool:
        """Whether it quotes a message without text: a picture, video, sticker, voice
        message, file or place, which the gateway names (图片, 视频...)."""
        return self.text.strip() in MEDIA_QUOTED


QUOTE_RULE = "\n- - - - - - - - - - - - - - -\n"
MEDIA_QUOTED = frozenset({"图片", "视频", "动画表情", "位置", "语音", "文件", "未知消息"})
"""What a quote-reply shows of a quoted message without text (referMsgParser)."""
"""What separates the quote from the reply in a quote-reply's text (wechaty-puppet-padlocal's
referMsgParser: 「name：quoted text」, this rule, the reply)."""


def quote_reply(text: str) -> tuple[str, Quote | None]:
    """A message's text split into the member's own words and what it quotes, if it is a
    quote-reply as the gateway hands it over: 「name：quoted text」, QUOTE_RULE, the reply
    (the name ends at its first full-width colon, the quote at the first rule). Anything
    else, the text unchanged and None. Anyone can type that format too: what the group
    sees then is all text, which handlers/antispam.py reads as such unless the quote is
    one of the group's recent texts."""
    if not text.startswith("「"):
        return text, None
    end = text.find("」" + QUOTE_RULE)
    name, colon, quoted = text[1:max(end, 0)].partition("：")
    if end < 0 or not colon:
        return text, None
    return text[end + 1 + len(QUOTE_RULE):], Quote(name, quoted)


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all events. `group` is None for private events."""

    at: datetime
    group: str | None

    def __post_init__(self) -> None:
        make_storable(self, "group")


_TO_EVERYONE = re.compile(r"@(所有人|all)(?:\s|\u2005|$)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Message(Event):
    """A chat message in a group (group set) or a private message (group None)."""

    sender: Member
    text: str
    kind: Kind = Kind.TEXT
    mentions: tuple[str, ...] = ()
    # the bot is among them (with several accounts, any of them: the core sets it, Bot._handle)
    mentions_bot: bool = False
    url: str | None = None
    id: str = ""
    # a quote-reply's quote (`quote_reply`): `text` is then the member's own words only
    quoted: Quote | None = None

    @property
    def to_everyone(self) -> bool:
        """An @所有人 (@all) announcement: said to the whole group, nobody's question. The
        text alone tells it: on WeChat only the group's owner and admins can send one, so a
        handler that must not take a member's typed 「@所有人」 for one checks the sender too
        (invite)."""
        return "@" in self.text and _TO_EVERYONE.search(self.text) is not None

    def __post_init__(self) -> None:
        texts = f"{self.group}{self.text}{self.url}{self.id}"  # (one look: as Member's)
        if self.mentions or (not texts.isprintable() and unstorable(texts)):
            make_storable(self, "group", "text", "mentions", "url", "id")


@dataclass(frozen=True, slots=True)
class MemberJoined(Event):
    members: tuple[Member, ...]
    inviter: str | None = None

    def __post_init__(self) -> None:
        make_storable(self, "group", "inviter")


@dataclass(frozen=True, slots=True)
class MemberLeft(Event):
    members: tuple[Member, ...]
    remover: str | None = None

    def __post_init__(self) -> None:
        make_storable(self, "group", "remover")


@dataclass(frozen=True, slots=True)
class MemberRenamed(Event):
    """A member changed their name card (group nickname)."""

    member: Member


@dataclass(frozen=True, slots=True)
class GroupRenamed(Event):
    """The group's name changed; `by` is who changed it, when the platform says."""

    topic: str
    by: str | None = None

    def __post_init__(self) -> None:
        make_storable(self, "group", "topic", "by")


@dataclass(frozen=True, slots=True)
class FriendRequest(Event):
    """Someone asked to become the bot's contact. `request` is the platform's handle."""

    contact: Member
    hello: str = ""
    request: str = ""

    def __post_init__(self) -> None:
        make_storable(self, "group", "hello", "request")


@dataclass(frozen=True, slots=True)
class Tick(Event):
    """A scheduled job or a handler's own timer came due.

    Delivered only to the handler that owns it (`handler`), in the group it is for.
    """

    handler: str
    key: str
    due: datetime
    data: dict[str, Any] = field(default_factory=dict)
