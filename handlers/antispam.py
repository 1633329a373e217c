"""Keep ads, contact details, banned words, floods and raids out of a group.

The operators' rule: an offence gets a warning that names the count ("(1/2)"); at the limit
the member is removed and the removal is announced with the reason. Each detector has its
own action: `warn`, `kick` (remove at once; `remove` says the same), `review` (no public
action: a private case for the admins), `log` (only written to the audit log) or `ignore`.
Admins and `exempt` members are never checked. A member's name that is an ad
(「兼职日结 加V abc12345」) gets `names.action`, read as they join and as they rename
themselves. A removed member who joins any group of the deployment again is removed again
(`on_rejoin`). When the bot cannot
remove (it is not the group owner) it warns instead, tells the admins and records it. The
warnings, the block list and the cases belong to bot/moderation.py, which makes every
decision on them.

A raid is one text posted by several members: the copies by members without a history in
the group are punished, never the text's first author nor members with a history; when too
few copies are by new members to be sure, the admins get a private case instead.

This handler runs first in a type's pipeline and stops it when it acts, so no later
handler answers an ad. A message delivered twice (same id) is dropped by the core before
any handler sees it again (bot/seen.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated, Any
from urllib.parse import unquote

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from bot import expected, prompts, roster
from bot.banned import CONTEXT, Hit, Listed, Severity, banned_words, list_errors, word_error
from bot.config import (
    ContactIdText,
    ContentFile,
    Count,
    Duration,
    SaidText,
    Template,
    TemplateText,
    placeholders,
)
from bot.contacts import (
    Finding,
    contacts_in,
    find_contacts,
    links_in,
    marker_name,
    own_address,
    own_mini_program,
    platform_ids_in,
    public_mailboxes,
)
from bot.context import Context
from bot.events import Kind, Member, MemberJoined, MemberRenamed, Message, Quote
from bot.handler import CONTINUE, STOP, Flow, Handler, HandlerConfig
from bot.moderation import (
    Measure,
    Moderator,
    Offence,
    Policy,
    Status,
    WarningText,
    blocked_for,
    close_cases_about,
    describe,
    unblock,
)
from bot.prefilter import Prefilter
from bot.sanitize import clean
from bot.smalltalk import small_talk_only
from bot.store import sqlite_only
from bot.text import normalize, strip_mentions, unmask
from bot.times import from_epoch, micros
from bot.yamlfile import switch
from handlers import recent
from handlers.recent import RECENT


class Rejoin(StrEnum):
    IGNORE = "ignore"
    TELL = "tell"
    KICK = "kick"


def _off(value: Any) -> bool:
    """`false`, or a switch word saying it (`off`, `no`: YAML reads them as texts), taken
    here rather than by `settle`, which would validate the whole section again."""
    return switch(value) is False


def _off_means_ignore(value: Any) -> Any:
    """`off`, `no` or `false` mean `ignore`. A severity of `remove` is the action `kick`."""
    return "ignore" if _off(value) else "kick" if value == "remove" else value


def _off_means_off(value: Any) -> Any:
    """`names: off` (or `no`, `false`): the names are not read."""
    return {"action": "ignore"} if _off(value) else value


MeasureSetting = Annotated[Measure, BeforeValidator(_off_means_ignore)]
RejoinSetting = Annotated[Rejoin, BeforeValidator(_off_means_ignore)]
Window = Annotated[Duration, Field(gt=timedelta(0), le=timedelta(hours=1))]

SEVERITY = list(Measure)
KIND_NAMES = {Kind.IMAGE: "图片", Kind.LINK: "链接卡片", Kind.MINI_PROGRAM: "小程序",
              Kind.CARD: "名片", Kind.FILE: "文件", Kind.VIDEO: "视频", Kind.VOICE: "语音",
              Kind.EMOJI: "表情", Kind.OTHER: "此类消息"}
CONTACT_KINDS = ("phone", "wechat", "qq", "email")

# ---------------------------------------------------------------- config


_ADDRESS_END = re.compile(r"[/?#]")


# Where anyone registers a site of their own (country second levels, not every one, and
# hosts that give anyone a subdomain): an entry of `links.allow` that is one of them, or a
# single label (`*.cn`), is refused. Second levels only schools or governments get (edu.cn,
# gov.cn, ac.uk) are not in it: `*.edu.cn` is the operator's choice (review s33e E4).
_PUBLIC_SUFFIXES = frozenset({
    *(f"{second}.{country}" for country, seconds in {
        "cn": "com net org", "hk": "com net org", "tw": "com net org", "mo": "com net org",
        "uk": "co org me", "jp": "co ne or", "kr": "co or ne", "au": "com net org",
        "nz": "co org net", "sg": "com net org", "my": "com net org", "in": "co net org",
        "br": "com net org", "id": "co or web", "th": "co or in"}.items()
      for second in seconds.split()),
    "github.io", "gitee.io", "vercel.app", "netlify.app", "pages.dev", "blogspot.com"})


def _allowed_domain(entry: str) -> str:
    """An entry of `links.allow` as an operator pastes it, read as the domain it means: an
    address's host (`https://www.example.com` -> www.example.com, port and user aside), a
    wildcard's domain (`*.example.com` -> example.com: a domain allows its subdomains), a
    domain with a trailing `/` (`example.com/`) its domain. An address with a path keeps
    it, without the scheme (`https://mp.weixin.qq.com/s/abc` -> mp.weixin.qq.com/s/abc): it
    allows the pages under that path only, not every page of a host anyone may publish on
    (review s33d D2; `_Pages`). A name (no dot before a `/`) is left as written: a mini
    program's (review s33b B1)."""
    text = entry.strip()
    sep, rest = text.partition("://")[1:]
    host, *after = _ADDRESS_END.split(rest if sep else text, maxsplit=1)
    if not sep and "." not in host:
        return text  # a name: a mini program's
    host = re.sub(r":\d*$", "", host.rpartition("@")[2]).removeprefix("*.").strip(".")
    if not host:
        raise ValueError(f"{entry!r} names no domain: write the site's domain, such as "
                         "www.example.com")
    if "." not in host or host.lower() in _PUBLIC_SUFFIXES:  # review s33c C6
        raise ValueError(f"{entry!r} would allow every site under .{host.lower()}, which "
                         "anyone can register: write the site's own domain, such as "
                         f"example.{host.lower()}")
    path = text[len(text) - len(after[0]) - 1:] if after else ""
    path = path.partition("#")[0].rstrip("?&")
    return host if path.strip("/") == "" else host + path


def _is_page(entry: str) -> bool:
    """An entry of `links.allow` (as `_allowed_domain` gives it) that is an address with a
    path, not a domain or a mini program's name."""
    return "." in entry.partition("/")[0] and "/" in entry


class _Pages:
    """The entries of `links.allow` with a path, each a URL prefix: a link to their host
    (`www.` aside) is allowed only when every address at that host in the text is under
    one of their paths, at a `/` boundary (`mp.weixin.qq.com/s/abc` allows
    `https://mp.weixin.qq.com/s/abc`, not `.../s/abcd` nor `.../s/xyz`)."""

    def __init__(self, entries: Sequence[str]) -> None:
        paths: dict[str, list[str]] = {}
        for entry in entries:
            host, slash, path = entry.partition("/")
            paths.setdefault(host.removeprefix("www."), []).append(slash + path)
        self._paths = paths
        self._addresses = {host: re.compile(
            rf"(?<![a-z0-9.-])(?:www\.)?{re.escape(host)}(?::\d+)?"
            r"(?:(?P<rest>[/?#][!-~]*)|(?![a-z0-9.-]))") for host in paths}

    def __bool__(self) -> bool:
        return bool(self._paths)

    def allow(self, found: Finding, unmasked: str) -> bool:
        """The link `found` in the text is to pages allowed: each of its addresses there."""
        host = found.value.removeprefix("www.")
        paths = self._paths.get(host) if found.family == "link" else None
        if paths is None:
            return False
        rests = [match["rest"] for match in self._addresses[host].finditer(unmasked)]
        return bool(rests) and all(rest is not None and any(
            _under(rest.rstrip(".,;:!)]}>'\""), path) for path in paths) for rest in rests)


def _under(rest: str, path: str) -> bool:
    """An address's path (and query) `rest` is `path` or under it. A path that goes up a
    level (`..`, written or %-encoded: `<allowed>/../<any article>`, which the browser opens
    as the other article) is under nothing (review s33e E2)."""
    if not rest.startswith(path) or _DOT_SEGMENT.search(unquote(rest.partition("?")[0])):
        return False
    boundary = "/?#&" if "?" in path else "/?#"
    return len(rest) == len(path) or path.endswith("/") or rest[len(path)] in boundary


_DOT_SEGMENT = re.compile(r"(?:^|[/\\])\.{1,2}(?:$|[/\\])")


class Links(HandlerConfig):
    action: MeasureSetting = Measure.WARN
    reason: SaidText = "发布链接"
    allow: list[Annotated[str, AfterValidator(_allowed_domain)]] = []
    ips: bool = True  # bare IP addresses count as links


class Contacts(HandlerConfig):
    action: MeasureSetting = Measure.WARN
    reason: SaidText = "发布联系方式"
    # the operator's own service WeChat ids, numbers and addresses, written as members would
    # see them ("kefu_2026", "138 0013 8000", "QQ 12345678"); e-mail addresses at the
    # domains of `links.allow` are allowed too, but for public mailbox providers' (qq.com)
    allow: list[Annotated[str, Field(min_length=1)]] = []
    # which families count; `platform` (ids on Telegram, Douyin, Xiaohongshu, LINE,
    # DingTalk) only if listed
    look_for: list[Annotated[str, Field(pattern="^(phone|wechat|qq|email|platform)$")]] = list(
        CONTACT_KINDS)
    # a member's messages within this long are also read together ("138 0013" + "8000")
    split_within: Annotated[Duration, Field(le=timedelta(hours=1))] | None = timedelta(
        seconds=60)


class WordList(HandlerConfig):
    file: ContentFile | None = None
    words: list[str] = []
    reason: SaidText
    category: str | None = None  # default: the file's name without .txt, else "banned"
    severity: Severity = Severity.WARN
    # its words name services offered (卖淫, 援交): without a way to reach the seller (a
    # contact detail, a link, 加我 or 私聊), talk about them is at most review (banned.py)
    offers: bool = False
    action: MeasureSetting | None = None

    @model_validator(mode="after")
    def _has_words(self) -> WordList:
        if self.file is None and not self.words:
            raise ValueError("give `file` (a word list under content/) or `words`, or both")
        # a word that is not read as written: `(a+)+$` would be "a" (bot/banned.py)
        errors = [f"words[{i}]: {error}" for i, word in enumerate(self.words)
                  if (error := word_error(word))]
        if self.file is not None:
            errors += list_errors(self.file.path, self.file.text)
        if errors:
            raise ValueError("; ".join(errors))
        return self


class Words(HandlerConfig):
    action: MeasureSetting = Measure.WARN
    lists: list[WordList] = []
    allow: list[str] = []  # phrases in which a listed word does not count
    allow_file: ContentFile | None = None
    context: list[str] = list(CONTEXT)  # a listed word in a sentence with one: at most review


class Kinds(HandlerConfig):
    image: MeasureSetting = Measure.IGNORE
    link: MeasureSetting = Measure.IGNORE
    mini_program: MeasureSetting = Measure.WARN
    card: MeasureSetting = Measure.WARN
    file: MeasureSetting = Measure.IGNORE
    video: MeasureSetting = Measure.IGNORE
    voice: MeasureSetting = Measure.IGNORE
    emoji: MeasureSetting = Measure.IGNORE
    other: MeasureSetting = Measure.IGNORE  # location, chat history, transfer, red packet...
    reason: Annotated[TemplateText, placeholders("kind")] = Template("发送{kind}")


class Flood(HandlerConfig):
    action: MeasureSetting = Measure.WARN
    reason: SaidText = "刷屏"
    messages: Count = Field(default=5, ge=1)
    within: Window = timedelta(seconds=10)
    # the kinds of message that count: not pictures, stickers, videos, voice or files
    # (WeChat sends each picture of a multi-select as a message of its own)
    kinds: list[Kind] = [Kind.TEXT, Kind.LINK, Kind.CARD, Kind.MINI_PROGRAM]


class Repeats(HandlerConfig):
    """The same text `times` times within `within`, in messages of `kinds`: every kind but
    stickers (a sticker's text is the same for the same sticker, sent again in a happy
    moment; a picture's or a file's is the same only for the same picture or file, a
    QR code or an ad posted again)."""

    action: MeasureSetting = Measure.WARN
    reason: SaidText = "重复发送相同内容"
    times: Count = Field(default=3, ge=2)
    within: Window = timedelta(seconds=60)
    min_length: Count = Field(default=8, ge=1)
    kinds: list[Kind] = [kind for kind in Kind if kind is not Kind.EMOJI]


class History(HandlerConfig):
    """Who has a history in a group, and so is never punished for a raid."""

    joined: Duration = timedelta(days=3)  # joined at least this long ago (or unseen: before)
    spoke: bool = True                    # and said something else in the group before


class Raid(HandlerConfig):
    action: MeasureSetting = Measure.WARN
    # a raid whose text no content detector flags (nothing but sameness): at most this
    # (the shipped config: review)
    plain: MeasureSetting = Measure.WARN
    reason: SaidText = "多人群发相同内容"
    members: Count = Field(default=3, ge=2)
    within: Window = timedelta(minutes=2)
    min_length: Count = Field(default=10, ge=1)
    history: History | None = History()


class Newcomers(HandlerConfig):
    within: Duration = timedelta(minutes=10)
    counts_as: Count = Field(default=2, ge=1)


NAME_FAMILIES = ("link", "ip", "phone", "wechat", "qq", "email", "banned")


class Names(HandlerConfig):
    """A joining member's name that is an ad (「兼职日结 加V abc12345」): what the message
    detectors find in it (links, contact details, listed words), with their exemptions and
    their settings (a detector `ignore`d finds nothing in names either). Read on joins (the
    core's join for an unreported newcomer's first message too) and renames, once per member
    and name: a warning or a case is not given twice for the same name."""

    action: MeasureSetting = Measure.REVIEW
    reason: SaidText = "昵称含广告"
    look_for: list[Annotated[str, Field(pattern=f"^({'|'.join(NAME_FAMILIES)})$")]] = list(
        NAME_FAMILIES)
    # the public warning (action warn) asks for another name; the removal is announced with
    # the type's `messages.removed`
    warning: WarningText = Template("⚠️ 警告 ({count}/{limit})：{reason}，请修改群昵称。"
                                    "警告满 {limit} 次将被移出群聊。")


class Config(Policy):
    """The policy (warn_limit, warn_window, messages: bot/moderation.py) and the detectors."""

    exempt: list[ContactIdText] = []
    on_rejoin: RejoinSetting = Rejoin.KICK
    newcomers: Newcomers | None = None
    links: Links = Links()
    contacts: Contacts = Contacts()
    words: Words = Words()
    kinds: Kinds = Kinds()
    flood: Flood = Flood()
    repeats: Repeats = Repeats()
    raid: Raid = Raid()
    names: Annotated[Names, BeforeValidator(_off_means_off)] = Names()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# a removed member who keeps joining a group again: the admins are told once in this long
# per member and group (each join is still removed again and audited)
_REJOIN_TOLD_EVERY = timedelta(hours=1)

# review: a private case for the admins; warn: the list's `action` (words.action, `warn`);
# remove: at once.
_SEVERITY_MEASURE = {Severity.REVIEW: Measure.REVIEW, Severity.REMOVE: Measure.KICK}

# A message that may be a fragment of a listed word spelled over messages (「裸」 then 「聊
# 私我」): one or two Chinese characters
_FRAGMENT = re.compile(r"\W*[\u3400-\u9fff\uf900-\ufaff]{1,2}\W*")


def _category(word_list: WordList) -> str:
    return PurePosixPath(word_list.file.path).stem if word_list.file else "banned"


# ---------------------------------------------------------------- the handler


def _contact_values(entry: str) -> list[str]:
    """What `contacts.allow`'s entry is as the contact finders give it (bot/contacts.py): the
    contact details found in it, else the entry itself, normalized and without spaces."""
    return [f.value for f in find_contacts(entry)] or ["".join(normalize(entry).split())]


def _instant(micros: int) -> datetime:
    """A time in micros (handlers/recent.py) as an aware datetime."""
    return _EPOCH + timedelta(microseconds=micros)


def _as_seen(text: str, names: Sequence[str]) -> str:
    """The message as the members see it, its real mentions of `names` and all, but a
    mentioned name that merely holds a contact marker with the marker made harmless
    (bot/contacts.py `marker_name`): 「@小Q 20231234 是你的学号吗」 and 「@客服小薇 20231234567
    是我的订单号」 are no QQ number or WeChat id, 「@加V abc12345」 is one."""
    text = text.strip()
    for name in sorted(set(names), key=len, reverse=True):
        unmasked = unmask(name)
        shown = marker_name(unmasked)
        if shown != unmasked:
            text = re.sub(rf"@{re.escape(name)}(?=\u2005|\s|$)",
                          "@" + shown.replace("\\", "\\\\"), text)
    return text


def _digest(compact: str) -> str:
    """The text's key in the recent rows: 8 bytes of BLAKE2b, in hex."""
    hasher = _BLAKE2B.copy()  # (a copy of a hasher set up once costs less than a new one)
    hasher.update(compact.encode())
    return hasher.hexdigest()


_BLAKE2B = hashlib.blake2b(digest_size=8)


_RECENT = """
    CREATE TABLE antispam_recent (
        grp TEXT NOT NULL, member TEXT NOT NULL, message TEXT NOT NULL, at REAL NOT NULL,
        digest TEXT NOT NULL, acted INTEGER NOT NULL DEFAULT 0);
    CREATE UNIQUE INDEX antispam_recent_message ON antispam_recent (grp, message)
        WHERE message != '';
    CREATE INDEX antispam_recent_at ON antispam_recent (grp, at);
"""


_READINGS = 4
"""How many of a quote's 「：」 are tried as the end of its name (`_readings`)."""


def _readings(quote: Quote) -> Iterator[Quote]:
    """A quote as the platform split it (its name ends at the first 「：」), then as each of
    the next few full-width colons in its text would end a name that holds one (a member
    named 「招聘：小王」)."""
    yield quote
    name, text = quote.name, quote.text
    for _ in range(_READINGS - 1):
        more, colon, text = text.partition("：")
        if not colon:
            return
        name = f"{name}：{more}"
        yield Quote(name, text)


class Antispam(Handler[Config]):
    name = "antispam"
    events = (Message, MemberJoined, MemberRenamed)
    Config = Config
    # Migration 1 created the `warnings` and `blocklist` tables here too, before they moved
    # to bot/moderation.py (whose migration creates them where they are missing).
    # On PostgreSQL (younger than migration 3) the table gets the rowid migration 3 reads
    # instead of the trigger it drops.
    migrations = (
        sqlite_only(_RECENT + """
        CREATE TRIGGER antispam_recent_hour AFTER INSERT ON antispam_recent BEGIN
            DELETE FROM antispam_recent WHERE grp = NEW.grp AND at < NEW.at - 3600; END;
        """, postgresql=_RECENT + """
        ALTER TABLE antispam_recent ADD COLUMN rowid BIGINT GENERATED BY DEFAULT AS IDENTITY;
        """),
        # 2: who posted a text first, for the raid rule
        "CREATE INDEX antispam_recent_digest ON antispam_recent (grp, digest, at)",
        # 3: one time representation (bot/times.py), an explicit id (the order of posting),
        #    a member's recent messages by index (the rate check), and old messages pruned by
        #    the handler instead of a trigger on every insert.
        sqlite_only("DROP TRIGGER antispam_recent_hour;") + from_epoch("antispam_recent", "at")
        + """
        CREATE TABLE antispam_recent_new (
            id INTEGER PRIMARY KEY, grp TEXT NOT NULL, member TEXT NOT NULL,
            message TEXT NOT NULL, at TEXT NOT NULL, digest TEXT NOT NULL,
            acted INTEGER NOT NULL DEFAULT 0);
        INSERT INTO antispam_recent_new SELECT rowid, grp, member, message, at, digest, acted
            FROM antispam_recent;
        DROP TABLE antispam_recent;
        ALTER TABLE antispam_recent_new RENAME TO antispam_recent;
        CREATE UNIQUE INDEX antispam_recent_message ON antispam_recent (grp, message)
            WHERE message != '';
        CREATE INDEX antispam_recent_at ON antispam_recent (grp, at);
        CREATE INDEX antispam_recent_digest ON antispam_recent (grp, digest, at);
        CREATE INDEX antispam_recent_member ON antispam_recent (grp, member, at);
        """,
        # 4: two indexes fewer to keep on every message: the core drops a message delivered
        #    again before any handler sees it (bot/seen.py), and the sweep every PRUNE_EVERY
        #    reads the whole (small) table rather than every insert keeping an index for it
        "DROP INDEX antispam_recent_message; DROP INDEX antispam_recent_at;",
        # 5: one index fewer to keep on every message: the raid rule counts a text's posters
        #    from the copy in memory (handlers/recent.py), nothing reads the table by digest
        "DROP INDEX antispam_recent_digest;",
        # 6: no index left to keep on every message: whom the bot acted on, up to which row
        #    and until when (the newest of those rows: the sweep drops the entry with them),
        #    is a row of antispam_acted (the `acted` of each row of theirs before); ids are
        #    never used again (AUTOINCREMENT; an identity on PostgreSQL), so a row made later
        #    is never taken for one acted on
        """
        CREATE TABLE antispam_acted (
            grp TEXT NOT NULL, member TEXT NOT NULL, upto BIGINT NOT NULL, at TEXT NOT NULL,
            PRIMARY KEY (grp, member));
        INSERT INTO antispam_acted SELECT grp, member, max(id), max(at) FROM antispam_recent
            WHERE acted = 1 GROUP BY grp, member;
        """ + sqlite_only("""
        CREATE TABLE antispam_recent_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT, grp TEXT NOT NULL, member TEXT NOT NULL,
            message TEXT NOT NULL, at TEXT NOT NULL, digest TEXT NOT NULL);
        INSERT INTO antispam_recent_new SELECT id, grp, member, message, at, digest
            FROM antispam_recent;
        DROP TABLE antispam_recent;
        ALTER TABLE antispam_recent_new RENAME TO antispam_recent;
        """, postgresql="""
        ALTER TABLE antispam_recent DROP COLUMN acted;
        DROP INDEX antispam_recent_member;
        """),
        # 7: a group's rows by index: the copy loads one group at a time (its first message
        #    after a start, a takeover), and without it each load read every group's rows.
        #    The entries of one group go to the end of its range, so a commit of many events
        #    in few groups rewrites few of its pages.
        "CREATE INDEX antispam_recent_group ON antispam_recent (grp, id)",
        # 8: each row's kind of message: a flood counts only `flood.kinds` (rows from before
        #    were mostly texts)
        "ALTER TABLE antispam_recent ADD COLUMN kind TEXT NOT NULL DEFAULT 'text'",
        # 9: the texts the bot acted on, by whom, for a week (handlers/recent.py FLAGGED): a
        #    quote of one is a report of it, not a repost, after the recent hour too
        """
        CREATE TABLE antispam_flagged (
            grp TEXT NOT NULL, digest TEXT NOT NULL, member TEXT NOT NULL, at TEXT NOT NULL,
            PRIMARY KEY (grp, digest, member));
        """,
    )

    def prepare(self) -> None:
        config = self.config
        words = config.words
        categories = [word_list.category or _category(word_list) for word_list in words.lists]
        self._words = banned_words(
            tuple(Listed(word, categories[index], word_list.severity, index, word_list.offers)
                  for index, word_list in enumerate(words.lists)
                  for word in (*word_list.words, *(word_list.file.lines() if word_list.file
                                                   else ()))),
            (*words.allow, *(words.allow_file.lines() if words.allow_file else ())),
            tuple(words.context))
        self._plain = Prefilter.of(self._words, "platform" in self.config.contacts.look_for)
        allow = [normalize(entry) for entry in config.links.allow]
        self._allow = [entry.strip(".") for entry in allow if not _is_page(entry)]
        self._pages = _Pages([entry for entry in allow if _is_page(entry)])
        self._own = frozenset(value for entry in config.contacts.allow
                              for value in _contact_values(entry))
        self._exempted = frozenset(config.exempt)
        # the windows in micros, as handlers/recent.py counts
        within = config.contacts.split_within
        self._split_within = None if within is None else recent.span(within)
        self._windows = (recent.span(config.flood.within), recent.span(config.repeats.within),
                         recent.span(config.raid.within))
        self._flood_kinds = frozenset(kind.value for kind in config.flood.kinds)
        self._rates_within = max(self._windows[:2])  # what a flood or a repeat counts in
        self._repeat_kinds = frozenset(config.repeats.kinds)
        # a name's warning asks for another name; the rest of the policy is the type's
        self._names_policy = config.model_copy(update={"messages": config.messages.model_copy(
            update={"warning": config.names.warning})})

    async def handle(self, event: Message | MemberJoined | MemberRenamed,
                     ctx: Context) -> Flow:
        in_group = ctx.group
        if in_group is None:
            return CONTINUE
        if not isinstance(event, Message):  # (one test on every message for both)
            return await (self._joined(event, ctx) if isinstance(event, MemberJoined)
                          else self._renamed(event, ctx))
        member, group = event.sender.id, in_group.id  # (ctx.group_id)
        names: list[str] = []
        if "@" in event.text:
            # without the mentions of the members the platform names, by their names (anyone
            # can type "@加微信abc12345<U+2005>" before a real one): what repeats and raids
            # compare (without any mention-like run), and a second reading for the detectors
            names = await ctx.mention_names(event.mentions)
            text = strip_mentions(event.text, names)
            compact = prompts.compact(text) if not event.mentions else "".join(
                ctx.normalized.split())
        else:  # the text every handler reads, normalized once for all of them (most messages)
            text, compact = ctx.text, "".join(ctx.normalized.split())
        # Windows (flood, repeats, raids, split contacts) count on when members wrote, not on
        # when the bot handles it: a backlog handled at once (a takeover's standby, a stall)
        # is no flood. Clamped to now: a gateway clock ahead cannot put a message in the future.
        now = ctx.now
        written = event.at if event.at <= now else now  # (min() costs more, on every message)
        at = micros(written)
        if member in self._exempted or ctx.is_bot(member) or ctx.is_admin(member):  # _exempt
            if len(compact) >= self.config.raid.min_length:  # a raid could be part of it
                prompts.of(ctx.store).add(group, written, text, compact)
            return CONTINUE
        store = ctx.store
        copy = recent.copy_of(store)
        rows = copy.loaded(store, group, ctx.epoch, at) or await copy.load(store, group,
                                                                             ctx.epoch)
        # a quote-reply's quote is read as the member's own text unless the group saw it
        # lately (anyone can type 「name：ad」 and the rule: the group sees an ad)
        quoted = event.quoted
        quote = quoted and await self._typed(quoted, member, rows, group, written, ctx)
        if quoted is not None and quote is not None:
            # then what the group sees is what repeats, raids and floods compare: a copy of
            # a typed 「name：ad」 is a copy (a real quote of another's seen text is left out)
            compact = prompts.compact(quoted.around(text))
        digest = _digest(compact)
        kind = event.kind
        # the detectors read the text as the members see it, real mentions and all: a
        # mention of an accomplice named 「加V」 before an id completes a contact detail
        # (what a mentioned name holds alone is the name's, not the message's; a nickname
        # that merely holds a marker, 「小Q」, is no marker: `_as_seen`), and then without the
        # mentions: a mention between a marker and an id
        seen = _as_seen(event.text, names) if names else text
        shown = event.text
        if quote is not None:
            seen, shown = quote.around(seen), quote.around(shown)
        plain = self._plain.clean(seen)
        # (plain chat, most messages: what `detect` finds in it, without a call)
        # what the member said just before: an offer's listed word with a contact detail
        # split over it and this message is an ad (bot/banned.py `find`)
        lately = self._said_before(rows, member, at)
        before = "" if plain else "\n".join(lately)
        found = [] if plain and kind is Kind.TEXT else self.detect(event, seen, names, plain,
                                                                   before)
        if seen != text:
            found += [o for o in self.detect(event, text, before=before) if o not in found]
        # a text in which nothing was found is read with what the member said lately, for a
        # contact detail or a listed word split over messages, and kept for their next ones
        said = "" if found or self._split_within is None else seen
        if not found and lately:  # (most messages: nothing said lately to read them with)
            found = self._split_contacts(lately, said) or self._split_words(lately, said)
        copy.remember(store, group, rows, member, event.id, written, at, digest, str(kind),
                      said)
        raid = self.config.raid
        looks = raid.action is not Measure.IGNORE and len(compact) >= raid.min_length
        # one message alone is no flood (more than `messages`, at least 1) nor a repeat (at
        # least 2 `times`), nor a raid's copy while fewer rows than `raid.members` hold its
        # text: most messages, whose member said nothing else lately
        if rows.alone(member, at - self._rates_within) and (
                not looks or rows.copies(digest) < raid.members):
            rates: list[Offence] = []
            posters = 0
        else:
            rates, posters = self._rates(rows, member, at, compact, digest, looks,
                                         kind in self._flood_kinds, kind in self._repeat_kinds)
        if rates and await expected.expecting(store, group, member, written):
            rates = [o for o in rates if o.detector == "flood"]  # an answer asked for
        moderator = None
        if posters >= raid.members and not prompts.of(store).asked_for(
                group, written, compact) and not await asyncio.to_thread(small_talk_only, text):
            moderator = Moderator(self.config, ctx, group)
            offence = self._raid_offence(bool(found))
            if member in await self._raid(event, ctx, moderator, rows, digest, at, offence):
                rates.append(offence)
        if not found and not rates:
            return CONTINUE
        chosen = max(found + rates, key=lambda o: SEVERITY.index(o.measure))
        if chosen.measure is Measure.IGNORE:
            return CONTINUE
        moderator = moderator or Moderator(self.config, ctx, group)
        chosen = await self._newcomer(ctx, moderator, member, chosen, written)
        ref = digest if chosen.detector == "raid" else event.id
        public = await self._act(ctx, moderator, rows, member, event.sender.name, chosen,
                                 event.id, shown, ref, digest, at)
        return STOP if public else CONTINUE

    # (a reply of small talk, 「收到」 under a quote the group did not see lately, a notice of
    # yesterday, is no raid however many say it: the reply is what is read for that, review
    # s33e E3)

    async def _typed(self, quote: Quote, member: str, rows: recent.Window, group: str,
                     written: datetime, ctx: Context) -> Quote | None:
        """What of a quote-reply's quote its sender `member` may have typed: None when the
        group saw it lately, its text (another member's message still in the recent window,
        or one the bot acted on in the last week, recent.FLAGGED: whatever was done about it
        was done then; or part of what the bot, an admin or an exempt member said in the
        hour, bot/prompts.py) by someone of its name; the name
        alone when the text was seen but the name is none of theirs; else all of it (a
        quote of the sender's own words is hers again: a warned ad reposted as a quote)."""
        prompted = prompts.of(ctx.store)
        for reading in _readings(quote):  # (a name may hold a 「：」: the one the group saw)
            compact = prompts.compact(strip_mentions(reading.text))
            digest = _digest(compact)
            posters = {said.member for said in rows.texts.get(digest, ())}
            if not compact or posters or prompted.asked_for(group, written, compact):
                break
            if posters := await self._reported(ctx, group, member, digest, written):
                break
        else:
            if quote.of_media:
                return None  # a quoted picture, video, sticker, place: no text to type
            return quote
        if member in posters:
            return reading
        if reading.name in await ctx.mention_names({*posters, ctx.bot_id, *ctx.admins,
                                                    *self._exempted}):
            return None
        return Quote(reading.name, "")

    @staticmethod
    async def _reported(ctx: Context, group: str, member: str, digest: str,
                        written: datetime) -> set[str]:
        """Who posted a text older than the recent window that the bot acted on (an ad it
        warned about: whatever was done about it was done then too), with `member` among
        them when the quote is hers to answer for: she joined after it (she never saw it
        in the group), or she quoted it as a report before (one report a member; an
        accomplice reposting the ad as a quote day after day is warned from the second)."""
        at = micros(written)
        flagged = await recent.flagged_by(ctx.store, group, digest, at)
        if not flagged or member in flagged:
            return set(flagged)
        acted = min(flagged.values())
        entry = await roster.entry(ctx.store, group, member)
        if entry is not None and entry.joined_at is not None and entry.joined_at > acted:
            return {*flagged, member}
        # kept with the time the bot acted on the ad: a report does not make it last longer
        await recent.flagged(ctx.store, group, member, digest, micros(acted))
        return set(flagged)

    async def _act(self, ctx: Context, moderator: Moderator, rows: recent.Window, member: str,
                   name: str, offence: Offence, message: str, text: str, ref: str,
                   digest: str, at: int) -> bool:
        """Do to one member what the offence's measure says about their text (its `digest`,
        written `at` in micros); True if it was done in public (a warning or a removal).
        `log` only writes the audit log; `review` opens a private case (once per `ref`) for
        the admins. Either way the member's recent messages no longer count towards another
        flood, repeat or raid, and a quote of the text is a report of it for a week."""
        recent.Recent.acted(ctx.store, ctx.group_id, rows, member)
        await recent.flagged(ctx.store, ctx.group_id, member, digest, at)
        if offence.measure is Measure.LOG:
            await ctx.audit("flagged", member, describe(offence))
            return False
        if offence.measure is Measure.REVIEW:
            kind = "raid" if offence.detector == "raid" else "review"
            await moderator.review(member, name, offence, text, ref, kind=kind)
            return False
        await moderator.punish(member, name, offence, message)
        if offence.detector == "raid":  # sure now: a case the raid opened before is settled
            status = Status.REMOVED if offence.measure is Measure.KICK else Status.WARNED
            await close_cases_about(ctx.store, "raid", ctx.group_id, member, ref, status,
                                    ctx.bot_id, ctx.now)
        return True

    # ------------------------------------------------------------ what a message shows

    def detect(self, event: Message, text: str, names: Sequence[str] = (),
               plain: bool | None = None, before: str = "") -> list[Offence]:
        """Every content detector's offence in this message (links, contacts, words, kinds).

        `text` is the message as read; `names` the names of the members it really mentions,
        if it is read with their mentions: a link, contact detail or listed word that one of
        those names holds alone is the name's, not the message's (a member named
        「微信abc12345」 is mentioned, not advertised). The title and description of a link
        card, contact card or mini program are its text, read like any other. Plain chat
        that none of them can flag is told apart first (bot/prefilter.py): of a card's, only
        its link and its kind are read then (`plain`: what the prefilter said of `text`, if
        it was asked already; `before`: what the member said just before, read with the
        text for a way to reach them that makes an offer's listed word count)."""
        if self._plain.clean(text) if plain is None else plain:
            if event.kind is Kind.TEXT:
                return []
            found = self._links(event, "")
        else:
            unmasked = unmask(text)
            names_hold = self._held(names)
            found = [*self._links(event, unmasked, names_hold),
                     *self._contacts(unmasked, names_hold, text),
                     *self._banned(unmasked, names_hold, before)]
        kinds = self.config.kinds
        if event.kind is not Kind.TEXT and not self._own_mini_program(event, text):
            measure = getattr(kinds, event.kind.value)
            if measure is not Measure.IGNORE:
                found.append(Offence("kinds", measure,
                                     kinds.reason.render({"kind": KIND_NAMES[event.kind]}),
                                     event.kind.value, family=event.kind.value))
        return found

    def _held(self, names: Sequence[str]) -> frozenset[Finding | Listed]:
        """What these names hold read alone: links, contact details, listed words."""
        held: set[Finding | Listed] = set()
        for name in names:
            if not self._plain.clean(name):
                unmasked = unmask(name)
                held.update(links_in(unmasked, self._allow))
                held.update(contacts_in(unmasked))
                held.update(hit.listed for hit in self._words.find(unmasked, unmasked=True))
        return frozenset(held)

    def shadows(self, later: Sequence[Handler[Any]]) -> list[tuple[tuple[str | int, ...], str]]:
        """A public mailbox domain in `links.allow` (qq.com, 163.com): its links are
        allowed, its e-mail addresses are not (anyone has one), which the operator who
        allowed it for its pages may not expect."""
        return [(("links", "allow", i), (
            f"{domain} is a public mailbox domain" if domain in providers else
            f"{domain} holds public mailbox domains ({', '.join(providers)})")
                 + ": links to it are allowed, but e-mail addresses at it still count as "
                 "contact details (anyone can have one there); list your own address in "
                 "contacts.allow")
                for i, domain in enumerate(map(normalize, self.config.links.allow))
                if not _is_page(domain) and (providers := public_mailboxes(domain))]

    def _own_mini_program(self, event: Message, text: str) -> bool:
        """A mini program card of the operator's own, named in links `allow` by its name or
        appid: `kinds.mini_program` does not act on it (its text is read all the same)."""
        return event.kind is Kind.MINI_PROGRAM and own_mini_program(text, self._allow)

    def _links(self, event: Message, unmasked: str,
               held: frozenset[Finding | Listed] = frozenset()) -> list[Offence]:
        links = self.config.links
        if links.action is Measure.IGNORE:
            return []
        found = [f for f in links_in(unmasked, self._allow) if f not in held
                 and not (self._pages and self._pages.allow(f, unmasked))] if unmasked else []
        if event.kind is Kind.LINK and event.url:
            url = unmask(event.url)
            found += [f for f in links_in(url, self._allow)
                      if not (self._pages and self._pages.allow(f, url))]
        found = [f for f in found if f.family == "link" or links.ips]
        if not found:
            return []
        return [Offence("links", links.action, links.reason,
                        " ".join(dict.fromkeys(f"{f.family}:{f.value}" for f in found)),
                        family=found[0].family)]

    def _contacts(self, unmasked: str, held: frozenset[Finding | Listed] = frozenset(),
                  written: str = "") -> list[Offence]:
        """The contact details in a text unmasked (`written`: as written, whose lines
        bot/contacts.py reads a roster in), but those the names it mentions hold (`held`)
        and the operator's own."""
        contacts = self.config.contacts
        if contacts.action is Measure.IGNORE:
            return []
        found = [f for f in contacts_in(unmasked, written) if f.family in contacts.look_for
                 and not self._own_contact(f) and f not in held]
        if "platform" in contacts.look_for:
            found += [f for f in platform_ids_in(unmasked)
                      if not self._own_contact(f) and f not in held]
        if not found:
            return []
        return [Offence("contacts", contacts.action, contacts.reason,
                        " ".join(f"{f.family}:{f.value}" for f in found),
                        family=found[0].family)]

    def _own_contact(self, found: Finding) -> bool:
        """One of `contacts.allow`, or an e-mail address at a domain of `links.allow` that
        is no public mailbox provider's (bot/contacts.py `own_address`)."""
        if found.value in self._own:
            return True
        return found.family == "email" and own_address(found.value, self._allow)

    def _said_before(self, rows: recent.Window, member: str, now: int) -> list[str]:
        """What the member said within `contacts.split_within` before `now` (micros), the
        last few, as written (a message that came late is never read with later ones)."""
        within = self._split_within
        return [] if within is None else rows.said_lately(member, now - within, now)[-4:]

    def _split_contacts(self, before: list[str], text: str) -> list[Offence]:
        """A contact detail that this message completes with the member's previous messages
        within `contacts.split_within` (`before`): found in them all read together, and
        neither in those before it read together nor in any of them alone (each was read
        when it came). What they said is kept with their recent rows (handlers/recent.py),
        for the messages read here."""
        if not text or not before or self._plain.no_contact_part(text):
            return []  # nothing before it, or nothing in it a contact detail is made of
        kept = [*before, text]
        joined = "\n".join(kept)
        if self._plain.no_contact(joined):  # plain chat: the joined text holds none
            return []
        # (this one alone too: what the name of a member it mentions holds is no finding)
        # (each message a line of its own: a roster's entry is read in its own, bot/contacts.py)
        known = {f for said in kept for f in find_contacts(said)}
        known.update(find_contacts("\n".join(before)))
        unmasked = unmask(joined)
        if not set(contacts_in(unmasked, joined)) - known:
            return []
        return [Offence(o.detector, o.measure, o.reason, f"{o.detail}; over several messages",
                        family=o.family) for o in self._contacts(unmasked, written=joined)]

    def _split_words(self, before: list[str], text: str) -> list[Offence]:
        """A listed word that this message completes with the fragments the member sent
        just before within `contacts.split_within` (`before`): 「裸」 then 「聊 私我」, each
        message before it of one or two Chinese characters, so no two sentences make a word
        (bot/banned.py `find_split`)."""
        if not (text and before and _FRAGMENT.fullmatch(before[-1])):
            return []  # (most messages: the one before it is no fragment)
        fragments = list(itertools.takewhile(_FRAGMENT.fullmatch, reversed(before)))[::-1]
        if self._plain.clean("\n".join([*fragments, text])):
            return []
        return [Offence(o.detector, o.measure, o.reason, f"{o.detail}; over several messages",
                        family=o.family, category=o.category)
                for o in self._offences(self._words.find_split(fragments, text))]

    def _banned(self, unmasked: str, held: frozenset[Finding | Listed] = frozenset(),
                before: str | None = "") -> list[Offence]:
        """The listed words' offences (`before`: as `BannedWords.find` reads it; None for a
        name)."""
        return self._offences(self._words.find(unmasked, unmasked=True, before=before), held)

    def _offences(self, hits: Iterable[Hit],
                  held: frozenset[Finding | Listed] = frozenset()) -> list[Offence]:
        """The offences of these hits: the first of each list, at its list's action."""
        words = self.config.words
        first: dict[int, Hit] = {}
        for hit in hits:
            if hit.listed not in held:
                first.setdefault(hit.listed.source, hit)
        offences = []
        for index, hit in sorted(first.items()):
            word_list = words.lists[index]
            measure = word_list.action or _SEVERITY_MEASURE.get(hit.severity, words.action)
            if measure is not Measure.IGNORE:
                offences.append(Offence("words", measure, word_list.reason, hit.found,
                                        family="banned", category=hit.listed.category))
        return offences

    async def _newcomer(self, ctx: Context, moderator: Moderator, member: str,
                        offence: Offence, written: datetime) -> Offence:
        """A link or contact detail soon after joining counts as `counts_as` offences. (Not
        looked up for a warning or removal of a member being removed: none is given.)"""
        strict = self.config.newcomers
        if strict is None or offence.detector not in ("links", "contacts") or (
                offence.measure in (Measure.WARN, Measure.KICK)
                and await moderator.being_removed(member)):
            return offence
        entry = await roster.entry(ctx.store, ctx.group_id, member)
        if entry is None or entry.joined_at is None or written - entry.joined_at > strict.within:
            return offence
        return Offence(offence.detector, offence.measure, offence.reason,
                       f"{offence.detail}; newcomer", strict.counts_as)

    # ------------------------------------------------------------ rates: flood, repeats, raids

    def _rates(self, rows: recent.Window, member: str, now: int, compact: str,
               digest: str, raid: bool, floods: bool,
               repeatable: bool) -> tuple[list[Offence], int]:
        """Flood and repeats offences, counted over the member's recent messages (those
        already punished do not count again; for a flood, only those of `flood.kinds`, and
        only if this one is of them: `floods`; a repeat only if this one is of
        `repeats.kinds`: `repeatable`, not a sticker sent three times in a happy moment, its
        text the same XML each time); and,
        if the raid rule looks at this text, how many members posted it within
        `raid.within`. (`handle` does not ask for a message alone: none of them.)"""
        config = self.config
        flood, repeats = config.flood, config.repeats
        flood_within, repeats_within, raid_within = self._windows
        messages, times, posters = rows.rates(member, digest, now, flood_within,
                                              repeats_within, raid_within if raid else None,
                                              self._flood_kinds if floods else frozenset())
        if messages <= flood.messages and times < repeats.times:
            return [], posters
        found = []
        if times >= repeats.times and len(compact) >= repeats.min_length and repeatable:
            found.append(Offence("repeats", repeats.action, repeats.reason, f"{times} times"))
        if messages > flood.messages:
            found.append(Offence("flood", flood.action, flood.reason,
                                 f"{messages} messages in {flood.within}"))
        return [o for o in found if o.measure is not Measure.IGNORE], posters

    def _raid_offence(self, flagged: bool) -> Offence:
        """The raid's `action`; at most `plain` for a text no content detector flagged
        (`flagged`): copies that carry nothing harmful may be newcomers who happen to say
        the same thing, for the admins to look at rather than a public warning."""
        raid = self.config.raid
        if flagged or SEVERITY.index(raid.plain) >= SEVERITY.index(raid.action):
            return Offence("raid", raid.action, raid.reason,
                           "a copy by a member new to the group")
        return Offence("raid", raid.plain, raid.reason,
                       "未含链接、联系方式或违禁词")

    async def _raid(self, event: Message, ctx: Context, moderator: Moderator,
                    rows: recent.Window, digest: str, now: int,
                    offence: Offence) -> list[str]:
        """The raiders of a text posted by `members` members within `within`: the members
        without a history in the group who copied it, never its first author. Those other
        than the sender get `offence` here. When too few of the copies are by members
        without a history to be sure, each of them is a private case instead."""
        raid = self.config.raid
        within = self._windows[2]
        _, until = rows.raid(digest, now, within)  # (later than now for a message come late)
        since = until - within
        posters = rows.posters(digest, until - recent.span(RECENT), until)
        if sum(1 for *_, last in posters if last > since) < raid.members:
            return []
        suspects = [(member, message, acted) for member, message, acted, copies, last
                    in posters[1:] if last > since
                    and not await self._has_history(ctx, member, copies)
                    and not await expected.expecting(ctx.store, ctx.group_id, member,
                                                     _instant(last))]
        unpunished = [(member, message) for member, message, acted in suspects if not acted]
        if len(suspects) < raid.members - 1:  # mostly the author and members with a history
            author = await ctx.name(posters[0][0])
            for member, _ in unpunished:
                offence = Offence("raid", Measure.REVIEW, raid.reason,
                                  f"与 {author} 先发的消息相同")
                await moderator.review(member, await ctx.name(member), offence, event.text,
                                       digest, kind="raid")
            return []
        for member, message in unpunished:
            if member != event.sender.id:
                await self._act(ctx, moderator, rows, member, await ctx.name(member),
                                offence, message, event.text, digest, digest, now)
        return [member for member, _ in unpunished]

    async def _has_history(self, ctx: Context, member: str, copies: int) -> bool:
        """Joined at least `history.joined` ago (or before the bot saw the group) and, if
        `history.spoke`, said something other than these `copies` before."""
        history = self.config.raid.history
        if history is None:
            return False
        entry = await roster.entry(ctx.store, ctx.group_id, member)
        if entry is None:
            return False
        if entry.joined_at is not None and ctx.now - entry.joined_at < history.joined:
            return False
        return not history.spoke or entry.messages > copies

    # ------------------------------------------------------------ joins

    async def _joined(self, event: MemberJoined, ctx: Context) -> Flow:
        """Removed members who join again: removed again (or reported), unless an admin
        invited them back, which lifts the block. Then the names of the others: one that is
        an ad gets `names.action`, unless an admin invited them (a partner whose name carries
        a phone number, brought in on purpose)."""
        removed = 0
        moderator: Moderator | None = None
        vouched = event.inviter is not None and ctx.is_admin(event.inviter)
        for member in event.members:
            if self._exempt(member.id, ctx):
                continue
            reason = await blocked_for(ctx.store, member.id)
            if reason is not None:
                if vouched:
                    await unblock(ctx.store, member.id)
                    await ctx.audit("unblock", member.id, f"invited back by {event.inviter}")
                else:
                    removed += await self._rejoined(member, reason, ctx)
                continue
            offence = None if vouched else self._name_offence(member)
            if offence is not None:
                moderator = moderator or Moderator(self._names_policy, ctx, ctx.group_id)
                removed += await self._named(ctx, moderator, member, offence)
        return STOP if removed and removed == len(event.members) else CONTINUE

    async def _renamed(self, event: MemberRenamed, ctx: Context) -> Flow:
        """A member's new name, read as a joining member's (review r5 R5-10: joining with a
        plain name and renaming to the ad after): one that is an ad gets `names.action`,
        once per member and name, unless an admin invited them (`_joined`)."""
        member = event.member
        if self._exempt(member.id, ctx):
            return CONTINUE
        offence = self._name_offence(member)
        if offence is None:
            return CONTINUE
        entry = await roster.entry(ctx.store, ctx.group_id, member.id)
        if entry is not None and entry.inviter is not None and ctx.is_admin(entry.inviter):
            return CONTINUE
        removed = await self._named(ctx, Moderator(self._names_policy, ctx, ctx.group_id),
                                    member, offence)
        return STOP if removed else CONTINUE

    def _name_offence(self, member: Member) -> Offence | None:
        """What the message detectors find in a member's name, as `names` looks for it (a
        word list's words only if its action in a message would be `warn` or `kick`: a
        word of severity `review` is innocent in many names); None if nothing. (A name
        that is the member's id is no name: the platform's lookup failed, and a WeChat id,
        wxid_..., is a contact detail.)"""
        config = self.config
        names = config.names
        name = member.name
        if names.action is Measure.IGNORE or not name or name.strip() == member.id \
                or self._plain.clean(name):
            return None
        look_for = names.look_for
        unmasked = unmask(name)
        found: list[Finding] = []
        if config.links.action is not Measure.IGNORE:
            found += [f for f in links_in(unmasked, self._allow, name=True) if f.family in look_for
                      and (f.family == "link" or config.links.ips)]
        if config.contacts.action is not Measure.IGNORE:
            found += [f for f in contacts_in(unmasked) if f.family in look_for
                      and f.family in config.contacts.look_for and not self._own_contact(f)]
        if "banned" in look_for:
            found += [Finding("banned", o.detail) for o in self._banned(unmasked, before=None)
                      if o.measure in (Measure.WARN, Measure.KICK)]
        if not found:
            return None
        return Offence("names", names.action, names.reason,
                       " ".join(dict.fromkeys(f"{f.family}:{f.value}" for f in found)),
                       family=found[0].family)

    async def _named(self, ctx: Context, moderator: Moderator, member: Member,
                     offence: Offence) -> bool:
        """Do what `names.action` says about a member whose name is an ad, once per member
        and name in the group (a case, a warning); True if they are being removed."""
        ref = "name:" + _digest("".join(normalize(member.name).split()))
        if offence.measure is Measure.LOG:
            await ctx.audit("flagged", member.id, describe(offence))
            return False
        if offence.measure is Measure.REVIEW:
            await moderator.review(member.id, member.name, offence, "", ref, kind="name")
            return False
        await moderator.punish(member.id, member.name, offence, ref)
        return await moderator.being_removed(member.id)

    async def _rejoined(self, member: Member, reason: str, ctx: Context) -> bool:
        policy = self.config.on_rejoin
        if policy is Rejoin.IGNORE:
            return False
        topic = clean(ctx.group.topic if ctx.group else ctx.group_id)
        told = f"[群管] 曾因{reason}被移出的 {clean(member.name)}（{member.id}）又加入了「{topic}」"
        tell = await ctx.off_cooldown("rejoin_told", _REJOIN_TOLD_EVERY, member.id)
        if policy is Rejoin.KICK and await ctx.can_remove():
            ctx.kick(member.id, reason)
            if tell:  # queued, not done yet: the notice may go before the removal
                ctx.tell_admins(told + "，已安排再次移出（1 小时内再加入不再重复通知）。")
            await ctx.audit("kick", member.id, f"rejoined after removal: {reason}")
            return True
        if tell:
            ctx.tell_admins(told + ("，机器人不是群主，请手动移出。" if policy is Rejoin.KICK
                                    else "，请留意。"))
        await ctx.audit("rejoined", member.id, f"removed before for {reason}")
        return False

    def _exempt(self, member: str, ctx: Context) -> bool:
        return member in self._exempted or ctx.is_bot(member) or ctx.is_admin(member)
