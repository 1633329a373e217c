"""Keep ads, contact details, banned words and floods out of a group.

The operators' rule: an offence gets a warning that names the count ("(1/2)"); at the limit
the member is removed and the removal is announced with the reason. Each detector has its
own action: `warn`, `kick` (remove at once), `log` (only written to the audit log) or
`ignore`. Admins and `exempt` members are never checked. A removed member who joins any
group of the deployment again is removed again (`on_rejoin`). When the bot cannot remove
(it is not the group owner) it warns instead, tells the admins and records it.

This handler runs first in a type's pipeline and stops it when it acts, so no later
handler answers an ad. A message delivered twice (same id) is stopped the second time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from bot import roster
from bot.config import ContentFile, Duration, Template, TemplateText, placeholders
from bot.context import Context
from bot.events import Kind, Member, MemberJoined, Message
from bot.handler import CONTINUE, STOP, Flow, Handler, HandlerConfig
from bot.text import (
    WordMatcher,
    find_contacts,
    find_links,
    find_spelled_markers,
    normalize,
    squeeze,
    strip_mentions,
)


class Action(StrEnum):
    """What a detector does about what it finds, mildest first."""

    IGNORE = "ignore"
    LOG = "log"
    WARN = "warn"
    KICK = "kick"


class Rejoin(StrEnum):
    IGNORE = "ignore"
    TELL = "tell"
    KICK = "kick"


def _off_means_ignore(value: Any) -> Any:
    """YAML reads `off` and `no` as false; let them mean `ignore`."""
    return "ignore" if value is False else value


ActionSetting = Annotated[Action, BeforeValidator(_off_means_ignore)]
RejoinSetting = Annotated[Rejoin, BeforeValidator(_off_means_ignore)]
WarningText = Annotated[TemplateText, placeholders("member", "reason", "count", "limit")]
RemovalText = Annotated[TemplateText, placeholders("member", "reason")]
# antispam_recent keeps the last hour of messages, so rate windows are at most an hour
Window = Annotated[Duration, Field(gt=timedelta(0), le=timedelta(hours=1))]

SEVERITY = list(Action)
KIND_NAMES = {Kind.IMAGE: "图片", Kind.LINK: "链接卡片", Kind.MINI_PROGRAM: "小程序",
              Kind.CARD: "名片", Kind.FILE: "文件", Kind.VIDEO: "视频", Kind.VOICE: "语音",
              Kind.EMOJI: "表情", Kind.OTHER: "此类消息"}
CONTACT_KINDS = ("phone", "wechat", "qq", "email")

# ---------------------------------------------------------------- config


class Links(HandlerConfig):
    action: ActionSetting = Action.WARN
    reason: str = "发布链接"
    allow: list[str] = []


class Contacts(HandlerConfig):
    action: ActionSetting = Action.WARN
    reason: str = "发布联系方式"
    look_for: list[Annotated[str, Field(pattern="^(phone|wechat|qq|email)$")]] = list(
        CONTACT_KINDS)


class WordList(HandlerConfig):
    file: ContentFile | None = None
    words: list[str] = []
    reason: str
    action: ActionSetting | None = None

    @model_validator(mode="after")
    def _has_words(self) -> WordList:
        if self.file is None and not self.words:
            raise ValueError("give `file` (a word list under content/) or `words`, or both")
        return self


class Words(HandlerConfig):
    action: ActionSetting = Action.WARN
    lists: list[WordList] = []


class Kinds(HandlerConfig):
    image: ActionSetting = Action.IGNORE
    link: ActionSetting = Action.IGNORE
    mini_program: ActionSetting = Action.WARN
    card: ActionSetting = Action.WARN
    file: ActionSetting = Action.IGNORE
    video: ActionSetting = Action.IGNORE
    voice: ActionSetting = Action.IGNORE
    emoji: ActionSetting = Action.IGNORE
    other: ActionSetting = Action.IGNORE  # location, chat history, transfer, red packet...
    reason: Annotated[TemplateText, placeholders("kind")] = Template("发送{kind}")


class Flood(HandlerConfig):
    action: ActionSetting = Action.WARN
    reason: str = "刷屏"
    messages: int = Field(default=5, ge=1)
    within: Window = timedelta(seconds=10)


class Repeats(HandlerConfig):
    action: ActionSetting = Action.WARN
    reason: str = "重复发送相同内容"
    times: int = Field(default=3, ge=2)
    within: Window = timedelta(seconds=60)
    min_length: int = Field(default=8, ge=1)


class Raid(HandlerConfig):
    action: ActionSetting = Action.WARN
    reason: str = "多人群发相同内容"
    members: int = Field(default=3, ge=2)
    within: Window = timedelta(minutes=2)
    min_length: int = Field(default=10, ge=1)


class Newcomers(HandlerConfig):
    within: Duration = timedelta(minutes=10)
    counts_as: int = Field(default=2, ge=1)


class Messages(HandlerConfig):
    warning: WarningText = Template("⚠️ 警告 ({count}/{limit})：{reason}。"
                                    "警告满 {limit} 次将被移出群聊。")
    reported: WarningText = Template("⚠️ 警告 ({count}/{limit})：{reason}。已通知管理员处理。")
    removed: RemovalText = Template("📢 {member} 因{reason}已被移出群聊，请大家遵守群规。")


class Config(HandlerConfig):
    warn_limit: int = Field(default=3, ge=1)
    warnings_expire: Duration | None = timedelta(days=30)
    exempt: list[str] = []
    on_rejoin: RejoinSetting = Rejoin.KICK
    newcomers: Newcomers | None = None
    links: Links = Links()
    contacts: Contacts = Contacts()
    words: Words = Words()
    kinds: Kinds = Kinds()
    flood: Flood = Flood()
    repeats: Repeats = Repeats()
    raid: Raid = Raid()
    messages: Messages = Messages()


# ---------------------------------------------------------------- warnings and removals


@dataclass(frozen=True, slots=True)
class Offence:
    detector: str
    action: Action
    reason: str
    detail: str
    weight: int = 1


def describe(offence: Offence) -> str:
    """An offence as the audit log shows it: detector, reason and what was found."""
    return f"{offence.detector}: {offence.reason}" + (
        f" [{offence.detail}]" if offence.detail else "")


@dataclass(frozen=True, slots=True)
class WarningInForce:
    id: int
    member: str
    at: datetime
    detector: str
    reason: str
    weight: int


class Moderator:
    """A group type's warning policy, applied in one group through one context. The admin
    handler uses it too, so a warning by hand counts like one by a detector."""

    def __init__(self, config: Config, ctx: Context) -> None:
        self.config = config
        self.ctx = ctx
        self._can_remove: bool | None = None

    @property
    def limit(self) -> int:
        return self.config.warn_limit

    async def punish(self, member: str, name: str, offence: Offence, message: str = "") -> None:
        """Warn (removing at the limit) or remove at once, as the offence's action says."""
        if offence.action is Action.KICK and await self.remove(member, name, offence):
            return
        count = await self._record(member, offence, message)
        if count is None:
            return  # this message was already punished
        if offence.action is Action.WARN and count < self.limit:
            template = self.config.messages.warning
        elif offence.action is Action.WARN and await self.remove(member, name, offence):
            return
        else:  # the bot cannot remove: it warns instead, and the admins were told
            template = self.config.messages.reported
        self.ctx.say(template.render({"member": name, "reason": offence.reason, "count": count,
                                      "limit": self.limit}), mentions=[member])

    async def remove(self, member: str, name: str, offence: Offence) -> bool:
        """Remove, announce and block the member; False (admins told) when the bot cannot."""
        ctx = self.ctx
        topic = ctx.group.topic if ctx.group else ctx.scope
        if not await self._able():
            ctx.tell_admins(f"[群管] 无法移出 {name}（{member}）：机器人不是「{topic}」的群主。"
                            f"原因：{offence.reason}。请手动处理。")
            await ctx.audit("kick_unavailable", member, describe(offence))
            return False
        ctx.kick(member, offence.reason)
        ctx.say(self.config.messages.removed.render({"member": name, "reason": offence.reason}))
        now = ctx.now.timestamp()
        await ctx.store.execute(
            "INSERT INTO blocklist (member, at, grp, reason) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (member) DO UPDATE SET at=excluded.at, grp=excluded.grp,"
            " reason=excluded.reason", (member, now, ctx.scope, offence.reason))
        await ctx.store.execute(
            "UPDATE warnings SET ended='removed' WHERE grp=? AND member=? AND ended IS NULL",
            (ctx.scope, member))
        await ctx.audit("kick", member, describe(offence))
        return True

    async def in_force(self, member: str | None = None) -> list[WarningInForce]:
        """Warnings neither revoked, settled by a removal nor expired, oldest first."""
        expire = self.config.warnings_expire
        since = (self.ctx.now - expire).timestamp() if expire is not None else float("-inf")
        sql = ("SELECT id, member, at, detector, reason, weight FROM warnings"
               " WHERE grp=? AND ended IS NULL AND at>?")
        params: tuple[Any, ...] = (self.ctx.scope, since)
        if member is not None:
            sql, params = sql + " AND member=?", (*params, member)
        tz = self.ctx.now.tzinfo
        rows = await self.ctx.store.all(sql + " ORDER BY at, id", params)
        return [WarningInForce(row_id, who, datetime.fromtimestamp(at, tz), detector, reason,
                               weight) for row_id, who, at, detector, reason, weight in rows]

    async def count(self, member: str) -> int:
        return sum(w.weight for w in await self.in_force(member))

    async def revoke_last(self, member: str) -> WarningInForce | None:
        """Take back the member's latest warning in force."""
        warnings = await self.in_force(member)
        if not warnings:
            return None
        await self.ctx.store.execute("UPDATE warnings SET ended='revoked' WHERE id=?",
                                     (warnings[-1].id,))
        return warnings[-1]

    async def unblock(self, member: str) -> bool:
        """Let a removed member join again; False if they were not blocked."""
        return await self.ctx.store.changes("DELETE FROM blocklist WHERE member=?",
                                            (member,)) > 0

    async def _record(self, member: str, offence: Offence, message: str) -> int | None:
        """Store a warning; the member's count in force, or None if `message` had one."""
        added = await self.ctx.store.changes(
            "INSERT OR IGNORE INTO warnings (grp, member, at, detector, reason, weight, message)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.ctx.scope, member, self.ctx.now.timestamp(), offence.detector,
             offence.reason, offence.weight, message))
        if not added:
            return None
        count = await self.count(member)
        await self.ctx.audit("warn", member, f"{describe(offence)} ({count}/{self.limit})")
        return count

    async def _able(self) -> bool:
        if self._can_remove is None:
            self._can_remove = await self.ctx.can_remove()
        return self._can_remove


# ---------------------------------------------------------------- the handler


def _compact(text: str) -> str:
    """The message as the repeat detectors compare it: normalized, without any spaces."""
    return "".join(normalize(text).split())


def _digest(compact: str) -> str:
    return hashlib.blake2b(compact.encode(), digest_size=8).hexdigest()


class Antispam(Handler[Config]):
    name = "antispam"
    events = (Message, MemberJoined)
    Config = Config
    migrations = (
        """
        CREATE TABLE warnings (
            id INTEGER PRIMARY KEY AUTOINCREMENT, grp TEXT NOT NULL, member TEXT NOT NULL,
            at REAL NOT NULL, detector TEXT NOT NULL, reason TEXT NOT NULL,
            weight INTEGER NOT NULL DEFAULT 1, message TEXT NOT NULL DEFAULT '', ended TEXT);
        CREATE INDEX warnings_member ON warnings (grp, member, at);
        CREATE UNIQUE INDEX warnings_message ON warnings (grp, member, message)
            WHERE message != '';
        CREATE TABLE blocklist (
            member TEXT PRIMARY KEY, at REAL NOT NULL, grp TEXT NOT NULL, reason TEXT NOT NULL);
        CREATE TABLE antispam_recent (
            grp TEXT NOT NULL, member TEXT NOT NULL, message TEXT NOT NULL, at REAL NOT NULL,
            digest TEXT NOT NULL, acted INTEGER NOT NULL DEFAULT 0);
        CREATE UNIQUE INDEX antispam_recent_message ON antispam_recent (grp, message)
            WHERE message != '';
        CREATE INDEX antispam_recent_at ON antispam_recent (grp, at);
        CREATE TRIGGER antispam_recent_hour AFTER INSERT ON antispam_recent BEGIN
            DELETE FROM antispam_recent WHERE grp = NEW.grp AND at < NEW.at - 3600; END;
        """,
    )

    def prepare(self) -> None:
        config = self.config
        entries = [(word, index, True)
                   for index, word_list in enumerate(config.words.lists)
                   for word in (*word_list.words, *(word_list.file.lines() if word_list.file
                                                   else ()))]
        self._words: WordMatcher[int] = WordMatcher(entries)
        self._horizon = max(config.flood.within, config.repeats.within,
                            config.raid.within).total_seconds()

    async def handle(self, event: Message | MemberJoined, ctx: Context) -> Flow:
        if ctx.group is None:
            return CONTINUE
        if isinstance(event, MemberJoined):
            return await self._joined(event, ctx)
        if self._exempt(event.sender.id, ctx):
            return CONTINUE
        text = strip_mentions(event.text)
        compact = _compact(text)
        if not await self._remember(event, ctx, _digest(compact)):
            return STOP  # a duplicate delivery: the pipeline already ran for this message
        offences = await self._newcomer(event, ctx, self.detect(event, text))
        offences += await self._rates(event, ctx, compact)
        chosen = max(offences, key=lambda o: SEVERITY.index(o.action), default=None)
        if chosen is None or chosen.action is Action.IGNORE:
            return CONTINUE
        if chosen.action is Action.LOG:
            await ctx.audit("flagged", event.sender.id, describe(chosen))
            return CONTINUE
        await self._punish(event, ctx, chosen, compact)
        return STOP

    # ------------------------------------------------------------ what a message shows

    def detect(self, event: Message, text: str) -> list[Offence]:
        """Every content detector's offence in this message (links, contacts, words, kinds)."""
        found = [*self._links(event, text), *self._contacts(text), *self._banned(text)]
        kinds = self.config.kinds
        if event.kind is not Kind.TEXT:
            action = getattr(kinds, event.kind.value)
            if action is not Action.IGNORE:
                found.append(Offence("kinds", action,
                                     kinds.reason.render({"kind": KIND_NAMES[event.kind]}),
                                     event.kind.value))
        return found

    def _links(self, event: Message, text: str) -> list[Offence]:
        links = self.config.links
        if links.action is Action.IGNORE:
            return []
        found = find_links(text, links.allow)
        if event.kind is Kind.LINK and event.url:
            found += find_links(event.url, links.allow)
        if not found:
            return []
        return [Offence("links", links.action, links.reason,
                        " ".join(dict.fromkeys(f.value for f in found)))]

    def _contacts(self, text: str) -> list[Offence]:
        contacts = self.config.contacts
        if contacts.action is Action.IGNORE:
            return []
        found = [f for f in (*find_contacts(text), *find_spelled_markers(text))
                 if f.kind in contacts.look_for]
        if not found:
            return []
        return [Offence("contacts", contacts.action, contacts.reason,
                        " ".join(f"{f.kind}:{f.value}" for f in found))]

    def _banned(self, text: str) -> list[Offence]:
        words = self.config.words
        normalized = normalize(text)
        hits: dict[int, str] = {}
        for form in (normalized, squeeze(normalized)):  # also "f u c k", spelled out
            for start, end, index in self._words.find_all(form):
                hits.setdefault(index, form[start:end])
        offences = []
        for index in sorted(hits):
            word_list = words.lists[index]
            action = word_list.action or words.action
            if action is not Action.IGNORE:
                offences.append(Offence("words", action, word_list.reason, hits[index]))
        return offences

    async def _newcomer(self, event: Message, ctx: Context,
                        offences: list[Offence]) -> list[Offence]:
        """A link or contact detail soon after joining counts as `counts_as` offences."""
        strict = self.config.newcomers
        if strict is None or not any(o.detector in ("links", "contacts") for o in offences):
            return offences
        entry = await roster.entry(ctx.store, ctx.scope, event.sender.id)
        if entry is None or entry.joined_at is None or ctx.now - entry.joined_at > strict.within:
            return offences
        return [Offence(o.detector, o.action, o.reason, f"{o.detail}; newcomer",
                        strict.counts_as) if o.detector in ("links", "contacts") else o
                for o in offences]

    # ------------------------------------------------------------ rates: flood, repeats, raids

    async def _remember(self, event: Message, ctx: Context, digest: str) -> bool:
        """Keep the message for the rate detectors (the table keeps the last hour);
        False if its id was seen before."""
        return await ctx.store.changes(
            "INSERT OR IGNORE INTO antispam_recent (grp, member, message, at, digest)"
            " VALUES (?, ?, ?, ?, ?)",
            (ctx.scope, event.sender.id, event.id, ctx.now.timestamp(), digest)) > 0

    async def _rates(self, event: Message, ctx: Context, compact: str) -> list[Offence]:
        """Flood, repeats and raid offences, counted in one query over the recent messages
        (those already punished do not count again towards flood and repeats)."""
        config, now = self.config, ctx.now.timestamp()
        flood, repeats, raid = config.flood, config.repeats, config.raid
        row = await ctx.store.one(
            "SELECT count(*) FILTER (WHERE member=? AND at>? AND acted=0),"
            " count(*) FILTER (WHERE member=? AND digest=? AND at>? AND acted=0),"
            " count(DISTINCT member) FILTER (WHERE digest=? AND at>?)"
            " FROM antispam_recent WHERE grp=? AND at>?",
            (event.sender.id, now - flood.within.total_seconds(),
             event.sender.id, _digest(compact), now - repeats.within.total_seconds(),
             _digest(compact), now - raid.within.total_seconds(),
             ctx.scope, now - self._horizon))
        messages, times, members = row or (0, 0, 0)
        found = []
        if members >= raid.members and len(compact) >= raid.min_length:
            found.append(Offence("raid", raid.action, raid.reason, f"{members} members"))
        if times >= repeats.times and len(compact) >= repeats.min_length:
            found.append(Offence("repeats", repeats.action, repeats.reason, f"{times} times"))
        if messages > flood.messages:
            found.append(Offence("flood", flood.action, flood.reason,
                                 f"{messages} messages in {flood.within}"))
        return [o for o in found if o.action is not Action.IGNORE]

    async def _punish(self, event: Message, ctx: Context, offence: Offence,
                      compact: str) -> None:
        """Punish the sender, and for a raid everyone who posted the same text unpunished;
        their recent messages no longer count towards another offence."""
        offenders: list[tuple[str, str]] = [(event.sender.id, event.id)]
        if offence.detector == "raid":
            since = ctx.now.timestamp() - self.config.raid.within.total_seconds()
            offenders += [(member, message) for member, message in await ctx.store.all(
                "SELECT member, max(message) FROM antispam_recent WHERE grp=? AND digest=?"
                " AND at>? AND acted=0 AND member!=? GROUP BY member ORDER BY min(at)",
                (ctx.scope, _digest(compact), since, event.sender.id))]
        moderator = Moderator(self.config, ctx)
        for member, message in offenders:
            await ctx.store.execute("UPDATE antispam_recent SET acted=1 WHERE grp=? AND member=?",
                                    (ctx.scope, member))
            name = event.sender.name if member == event.sender.id else await ctx.name(member)
            await moderator.punish(member, name, offence, message)

    # ------------------------------------------------------------ joins

    async def _joined(self, event: MemberJoined, ctx: Context) -> Flow:
        """Removed members who join again: removed again (or reported), unless an admin
        invited them back, which lifts the block."""
        removed = 0
        for member in event.members:
            if self._exempt(member.id, ctx):
                continue
            row = await ctx.store.one("SELECT reason FROM blocklist WHERE member=?",
                                      (member.id,))
            if row is None:
                continue
            if event.inviter is not None and ctx.is_admin(event.inviter):
                await Moderator(self.config, ctx).unblock(member.id)
                await ctx.audit("unblock", member.id, f"invited back by {event.inviter}")
                continue
            removed += await self._rejoined(member, str(row[0]), ctx)
        return STOP if removed and removed == len(event.members) else CONTINUE

    async def _rejoined(self, member: Member, reason: str, ctx: Context) -> bool:
        policy = self.config.on_rejoin
        if policy is Rejoin.IGNORE:
            return False
        topic = ctx.group.topic if ctx.group else ctx.scope
        told = f"[群管] 曾因{reason}被移出的 {member.name}（{member.id}）又加入了「{topic}」"
        if policy is Rejoin.KICK and await ctx.can_remove():
            ctx.kick(member.id, reason)
            ctx.tell_admins(told + "，已再次移出。")
            await ctx.audit("kick", member.id, f"rejoined after removal: {reason}")
            return True
        ctx.tell_admins(told + ("，机器人不是群主，请手动移出。" if policy is Rejoin.KICK
                                else "，请留意。"))
        await ctx.audit("rejoined", member.id, f"removed before for {reason}")
        return False

    def _exempt(self, member: str, ctx: Context) -> bool:
        return member == ctx.bot_id or ctx.is_admin(member) or member in self.config.exempt
