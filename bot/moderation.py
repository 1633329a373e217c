"""Moderation: the warnings ledger, the block list and private cases, and the decisions made
on them. Owner of the `warnings`, `blocklist` and `cases` tables; everything else reads and
writes them through the queries here.

The antispam handler, the admin commands (in a group or in private) and the web console all
decide through a `Moderator`, so a warning by hand counts like one by a detector, and the
same rule says which warnings count: those neither revoked nor settled by a removal, given
within the type's `warn_window`.

A case is something the admins decide in private: the bot opens it with a short id (K3F2),
sends it to every admin, and an admin answers with the id and a command (`/warn K3F2`,
`/dismiss K3F2`). Cases are generic: a kind (`review` for a word list's `review` severity,
`raid` for a copy the raid rule is unsure about; other handlers may add kinds), the group,
the member, their text, a status, and who opened and closed it when.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Annotated, Any, Protocol

from pydantic import Field, model_validator

from bot import roster
from bot.adapters.base import GroupInfo
from bot.config import Count, Duration, Template, TemplateText, placeholders
from bot.context import Group
from bot.handler import HandlerConfig
from bot.sanitize import Safe, clean
from bot.store import Reader, Store, in_parts
from bot.times import from_epoch, instant, stamp

MIGRATIONS: Sequence[str] = (
    # 1: warnings and the block list, created before by the antispam handler's migration 1
    #    (IF NOT EXISTS keeps those databases as they are), and private cases.
    """
    CREATE TABLE IF NOT EXISTS warnings (
        id INTEGER PRIMARY KEY AUTOINCREMENT, grp TEXT NOT NULL, member TEXT NOT NULL,
        at REAL NOT NULL, detector TEXT NOT NULL, reason TEXT NOT NULL,
        weight INTEGER NOT NULL DEFAULT 1, message TEXT NOT NULL DEFAULT '', ended TEXT);
    CREATE INDEX IF NOT EXISTS warnings_member ON warnings (grp, member, at);
    CREATE UNIQUE INDEX IF NOT EXISTS warnings_message ON warnings (grp, member, message)
        WHERE message != '';
    CREATE TABLE IF NOT EXISTS blocklist (
        member TEXT PRIMARY KEY, at REAL NOT NULL, grp TEXT NOT NULL, reason TEXT NOT NULL);
    CREATE TABLE cases (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, grp TEXT NOT NULL, member TEXT NOT NULL,
        name TEXT NOT NULL, text TEXT NOT NULL, reason TEXT NOT NULL, ref TEXT NOT NULL,
        status TEXT NOT NULL, opened_at REAL NOT NULL, opened_by TEXT NOT NULL,
        closed_at REAL, closed_by TEXT);
    CREATE UNIQUE INDEX cases_ref ON cases (kind, grp, member, ref) WHERE ref != '';
    CREATE INDEX cases_status ON cases (status, opened_at);
    """,
    # 2: one time representation (bot/times.py): the times, epoch seconds before, as UTC ISO
    #    text; the tables are made again to say so.
    from_epoch("warnings", "at") + from_epoch("blocklist", "at")
    + from_epoch("cases", "opened_at", "closed_at") + """
    CREATE TABLE warnings_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT, grp TEXT NOT NULL, member TEXT NOT NULL,
        at TEXT NOT NULL, detector TEXT NOT NULL, reason TEXT NOT NULL,
        weight INTEGER NOT NULL DEFAULT 1, message TEXT NOT NULL DEFAULT '', ended TEXT);
    INSERT INTO warnings_new SELECT id, grp, member, at, detector, reason, weight, message,
        ended FROM warnings;
    DROP TABLE warnings;
    ALTER TABLE warnings_new RENAME TO warnings;
    CREATE INDEX warnings_member ON warnings (grp, member, at);
    CREATE UNIQUE INDEX warnings_message ON warnings (grp, member, message)
        WHERE message != '';
    CREATE INDEX warnings_at ON warnings (at);
    CREATE TABLE blocklist_new (
        member TEXT PRIMARY KEY, at TEXT NOT NULL, grp TEXT NOT NULL, reason TEXT NOT NULL);
    INSERT INTO blocklist_new SELECT member, at, grp, reason FROM blocklist;
    DROP TABLE blocklist;
    ALTER TABLE blocklist_new RENAME TO blocklist;
    CREATE TABLE cases_new (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, grp TEXT NOT NULL, member TEXT NOT NULL,
        name TEXT NOT NULL, text TEXT NOT NULL, reason TEXT NOT NULL, ref TEXT NOT NULL,
        status TEXT NOT NULL, opened_at TEXT NOT NULL, opened_by TEXT NOT NULL,
        closed_at TEXT, closed_by TEXT);
    INSERT INTO cases_new SELECT id, kind, grp, member, name, text, reason, ref, status,
        opened_at, opened_by, closed_at, closed_by FROM cases;
    DROP TABLE cases;
    ALTER TABLE cases_new RENAME TO cases;
    CREATE UNIQUE INDEX cases_ref ON cases (kind, grp, member, ref) WHERE ref != '';
    CREATE INDEX cases_status ON cases (status, opened_at);
    """,
    # 3: one open case per member, group and kind: later messages are added to it (counted)
    "ALTER TABLE cases ADD COLUMN more INTEGER NOT NULL DEFAULT 0;",
)

CASE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed on a phone
CASE_ID_LENGTH = 4
QUOTE_LIMIT = 200  # characters of a member's text shown to the admins
REASON_LIMIT = 100  # characters of a reason kept and shown (an admin's, on one line)


class Measure(StrEnum):
    """What is done about an offence, mildest first. A detector's setting or a word list's
    severity is one of these; `review` opens a private case instead of a public warning."""

    IGNORE = "ignore"
    LOG = "log"
    REVIEW = "review"
    WARN = "warn"
    KICK = "kick"


# ---------------------------------------------------------------- the policy of a group type

WarningText = Annotated[TemplateText, placeholders("member", "reason", "count", "limit")]
RemovalText = Annotated[TemplateText, placeholders("member", "reason")]


class Messages(HandlerConfig):
    warning: WarningText = Template("⚠️ 警告 ({count}/{limit})：{reason}。"
                                    "警告满 {limit} 次将被移出群聊。")
    reported: WarningText = Template("⚠️ 警告 ({count}/{limit})：{reason}。已通知管理员处理。")
    removed: RemovalText = Template("📢 {member} 因{reason}已被移出群聊，请大家遵守群规。")


class Policy(HandlerConfig):
    """How many warnings remove a member, for how long a warning counts, and the texts.
    The antispam handler's config is one; a type without it gets these defaults."""

    warn_limit: Count = Field(default=3, ge=1)
    warn_window: Annotated[Duration, Field(gt=timedelta(0))] | None = timedelta(days=30)
    messages: Messages = Messages()

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "warnings_expire" in data:
            raise ValueError("`warnings_expire` is now called `warn_window`")
        return data


def policy_of(group: Group | None) -> Policy:
    """The moderation policy of a group's type: its first handler config that is one."""
    for config in group.configs.values() if group is not None else ():
        if isinstance(config, Policy):
            return config
    return Policy()


@dataclass(frozen=True, slots=True)
class Offence:
    detector: str
    measure: Measure
    reason: str
    detail: str
    weight: int = 1
    family: str = ""  # what was found: phone, wechat, qq, email, link, ip, banned, a kind
    category: str = ""  # a banned word's list category


def describe(offence: Offence) -> str:
    """An offence as the audit log shows it: detector, reason and what was found."""
    return f"{offence.detector}: {offence.reason}" + (
        f" [{offence.detail}]" if offence.detail else "")


def reason_shown(reason: str) -> Safe:
    """A warning's or removal's reason as the group and `/warns` see it: one line of at most
    REASON_LIMIT, as an admin's reason is kept (a template would cut it to a name's 40)."""
    return Safe(clean(reason, REASON_LIMIT))


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """A member's text on one line, shortened, for a message to the admins."""
    return clean(text, limit)


# ---------------------------------------------------------------- the ledger: warnings


@dataclass(frozen=True, slots=True)
class WarningInForce:
    id: int
    member: str
    at: datetime
    detector: str
    reason: str
    weight: int


def window_start(now: datetime, window: timedelta | None) -> datetime | None:
    """The earliest time a warning given now-ish still counts from (None: any time)."""
    return now - window if window is not None else None


async def warnings_in_force(store: Reader, group: str, since: datetime | None, now: datetime,
                            member: str | None = None) -> list[WarningInForce]:
    """Warnings given after `since`, neither revoked nor settled by a removal, oldest first."""
    sql = ("SELECT id, member, at, detector, reason, weight FROM warnings"
           " WHERE grp=? AND ended IS NULL AND at>?")
    params: tuple[Any, ...] = (group, "" if since is None else stamp(since))
    if member is not None:
        sql, params = sql + " AND member=?", (*params, member)
    rows = await store.all(sql + " ORDER BY at, id", params)
    return [WarningInForce(row_id, who, instant(at).astimezone(now.tzinfo), detector, reason,
                           weight)
            for row_id, who, at, detector, reason, weight in rows]


async def weight_in_force(store: Reader, group: str, member: str, since: datetime | None) -> int:
    """The weight of the member's warnings given after `since`, neither revoked nor settled
    by a removal (`warnings_in_force`, summed in the database)."""
    row = await store.one("SELECT sum(weight) FROM warnings WHERE grp=? AND ended IS NULL"
                          " AND at>? AND member=?",
                          (group, "" if since is None else stamp(since), member))
    return int(row[0]) if row and row[0] is not None else 0


async def tally_in_force(store: Reader, group: str, since: datetime | None) -> tuple[int, int]:
    """How many warnings given after `since` are neither revoked nor settled by a removal,
    and how many members they are of: `/status`'s figures, from the members alone (no
    `WarningInForce` made of each row)."""
    members = [member for (member,) in await store.all(
        "SELECT member FROM warnings WHERE grp=? AND ended IS NULL AND at>?",
        (group, "" if since is None else stamp(since)))]
    return len(members), len(set(members))


async def add_warning(store: Store, group: str, member: str, at: datetime, offence: Offence,
                      message: str) -> bool:
    """Record a warning; False if `message` (an id) already got one."""
    return await store.changes(
        "INSERT INTO warnings (grp, member, at, detector, reason, weight, message)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (group, member, stamp(at), offence.detector, offence.reason, offence.weight,
         message)) > 0


async def settle_warnings(store: Store, group: str, member: str) -> None:
    """A removal settles the member's warnings in the group: they no longer count."""
    await store.execute(
        "UPDATE warnings SET ended='removed' WHERE grp=? AND member=? AND ended IS NULL",
        (group, member))


async def revoke_warning(store: Store, warning_id: int) -> None:
    await store.execute("UPDATE warnings SET ended='revoked' WHERE id=?", (warning_id,))


async def warnings_given(store: Reader, group: str, since: datetime, until: datetime) -> int:
    """Warnings given in the group in [since, until), revoked ones not counted."""
    row = await store.one(
        "SELECT count(*) FROM warnings WHERE grp=? AND at>=? AND at<?"
        " AND (ended IS NULL OR ended != 'revoked')",
        (group, stamp(since), stamp(until)))
    return int(row[0]) if row else 0


async def all_warnings(store: Reader, group: str | None) -> list[tuple[Any, ...]]:
    """Every warning ever given (in one group or all): grp, member, at (in UTC), detector,
    reason, weight, ended; for the CSV export."""
    return [(grp, member, instant(at), *rest) for grp, member, at, *rest in await store.all(
        "SELECT grp, member, at, detector, reason, weight, ended FROM warnings"
        " WHERE CAST(? AS TEXT) IS NULL OR grp=? ORDER BY at, id", (group, group))]


# ---------------------------------------------------------------- the ledger: block list


async def block(store: Store, member: str, at: datetime, group: str, reason: str) -> None:
    """Put a removed member on the deployment-wide block list."""
    await store.execute(
        "INSERT INTO blocklist (member, at, grp, reason) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (member) DO UPDATE SET at=excluded.at, grp=excluded.grp,"
        " reason=excluded.reason", (member, stamp(at), group, reason))


async def unblock(store: Store, member: str) -> bool:
    """Let a removed member join again; False if they were not blocked."""
    return await store.changes("DELETE FROM blocklist WHERE member=?", (member,)) > 0


async def blocked_for(store: Reader, member: str) -> str | None:
    """The reason the member was removed and blocked, or None."""
    row = await store.one("SELECT reason FROM blocklist WHERE member=?", (member,))
    return None if row is None else str(row[0])


async def blocked_among(store: Reader, members: Sequence[str]) -> set[str]:
    """Those of `members` on the block list (a leaderboard leaves them out; a type's board
    may hold tens of thousands)."""
    found: set[str] = set()
    for marks, part in in_parts(members):
        found.update(str(member) for (member,) in await store.all(
            f"SELECT member FROM blocklist WHERE member IN ({marks})", tuple(part)))
    return found


# ---------------------------------------------------------------- the ledger: cases


class Status(StrEnum):
    OPEN = "open"
    WARNED = "warned"
    REMOVED = "removed"
    DISMISSED = "dismissed"
    ANSWERED = "answered"  # a question handed off to a person (handlers/faq.py)


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    kind: str
    group: str
    member: str
    name: str
    text: str
    reason: str
    ref: str
    status: Status
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    closed_by: str | None
    more: int = 0  # the member's later messages added to it while it was open


_CASE_COLUMNS = ("id, kind, grp, member, name, text, reason, ref, status, opened_at, opened_by,"
                 " closed_at, closed_by")
_CASE_READ = _CASE_COLUMNS + ", more"


def _case(row: Sequence[Any], now: datetime) -> Case:
    (case_id, kind, group, member, name, text, reason, ref, status, opened_at, opened_by,
     closed_at, closed_by, more) = row
    tz = now.tzinfo
    return Case(case_id, kind, group, member, name, text, reason, ref, Status(status),
                instant(opened_at).astimezone(tz), opened_by,
                None if closed_at is None else instant(closed_at).astimezone(tz), closed_by,
                more)


def is_case_id(text: str) -> bool:
    return len(text) == CASE_ID_LENGTH and all(c in CASE_ALPHABET for c in text.upper())


def short_id(seed: str, attempt: int) -> str:
    """A short id (a case's, a broadcast's) from what it is about and when: the same input
    gives the same id, so a replayed scenario can answer it."""
    number = int.from_bytes(hashlib.blake2b(f"{seed}|{attempt}".encode(),
                                            digest_size=8).digest(), "big")
    chars = []
    for _ in range(CASE_ID_LENGTH):
        number, index = divmod(number, len(CASE_ALPHABET))
        chars.append(CASE_ALPHABET[index])
    return "".join(chars)


async def open_case(store: Store, *, kind: str, group: str, member: str, name: str,
                    text: str, reason: str, ref: str, at: datetime,
                    by: str) -> Case | None:
    """Open a case with a fresh short id; None if one of this kind about the same `ref`
    (a message id, a text's digest) for this member was opened before."""
    if ref and await store.one("SELECT 1 FROM cases WHERE kind=? AND grp=? AND member=?"
                               " AND ref=?", (kind, group, member, ref)):
        return None
    seed = f"{kind}|{group}|{member}|{at.timestamp()}"  # not `ref`: message ids vary by run
    attempt = 0
    while await store.one("SELECT 1 FROM cases WHERE id=?", (case_id := short_id(
            seed, attempt),)) is not None:
        attempt += 1
    await store.execute(
        f"INSERT INTO cases ({_CASE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,NULL,NULL)",
        (case_id, kind, group, member, name, text, reason, ref, Status.OPEN, stamp(at), by))
    return Case(case_id, kind, group, member, name, text, reason, ref, Status.OPEN, at, by,
                None, None)


async def open_case_of(store: Reader, kind: str, group: str, member: str,
                       now: datetime) -> Case | None:
    """The member's oldest open case of this kind in the group (handlers/faq.py: one open
    hand-off per member and group)."""
    row = await store.one(f"SELECT {_CASE_READ} FROM cases WHERE status='open' AND kind=?"
                          " AND grp=? AND member=? ORDER BY opened_at, id LIMIT 1",
                          (kind, group, member))
    return None if row is None else _case(row, now)


async def add_to_case(store: Store, case_id: str) -> None:
    """One more message of the member for their open case (counted, not told at once)."""
    await store.execute("UPDATE cases SET more = more + 1 WHERE id=?", (case_id,))


async def find_case(store: Reader, case_id: str, now: datetime) -> Case | None:
    row = await store.one(f"SELECT {_CASE_READ} FROM cases WHERE id=?", (case_id.upper(),))
    return None if row is None else _case(row, now)


async def close_case(store: Store, case_id: str, status: Status, by: str,
                     at: datetime) -> bool:
    """Close an open case; False if it was closed already."""
    return await store.changes(
        "UPDATE cases SET status=?, closed_at=?, closed_by=? WHERE id=? AND status='open'",
        (status, stamp(at), by, case_id)) > 0


async def close_cases_about(store: Store, kind: str, group: str, member: str, ref: str,
                            status: Status, by: str, at: datetime) -> int:
    """Close the open cases of this kind about `ref` for the member (the bot decided after
    all); how many were open."""
    return await store.changes(
        "UPDATE cases SET status=?, closed_at=?, closed_by=? WHERE kind=? AND grp=?"
        " AND member=? AND ref=? AND status='open'",
        (status, stamp(at), by, kind, group, member, ref))


async def open_cases(store: Reader, now: datetime) -> list[Case]:
    """Every open case, oldest first."""
    return [_case(row, now) for row in await store.all(
        f"SELECT {_CASE_READ} FROM cases WHERE status='open' ORDER BY opened_at, id")]


async def response_times(store: Reader, kind: str, since: datetime,
                         until: datetime) -> tuple[int, list[float]]:
    """Cases of `kind` opened in [since, until): how many, and the seconds from opening to
    the first answer of each one answered (the hand-off's first-response times)."""
    rows = await store.all(
        "SELECT status, opened_at, closed_at FROM cases WHERE kind=? AND opened_at>=?"
        " AND opened_at<?", (kind, stamp(since), stamp(until)))
    return len(rows), sorted(
        (instant(closed) - instant(opened)).total_seconds()
        for status, opened, closed in rows if status == Status.ANSWERED and closed is not None)


# ---------------------------------------------------------------- decisions


class Actor(Protocol):
    """What a Moderator needs to act: the handler context in the bot, or the web console."""

    @property
    def now(self) -> datetime: ...

    @property
    def store(self) -> Store: ...

    @property
    def bot_id(self) -> str: ...

    def say(self, text: str, mentions: Iterable[str] = (), group: str | None = None) -> None: ...

    def kick(self, member: str, reason: str, group: str | None = None) -> None: ...

    def removal_queued(self, member: str, group: str | None = None) -> bool: ...

    def tell_admins(self, text: str) -> None: ...

    async def group_info(self, group_id: str | None = None) -> GroupInfo: ...

    async def audit(self, action: str, member: str, detail: str,
                    group: str | None = None) -> None: ...


class Moderator:
    """A group type's policy applied in one group through one actor."""

    def __init__(self, policy: Policy, actor: Actor, group: str) -> None:
        self.policy = policy
        self.actor = actor
        self.group = group
        self._can_remove: bool | None = None
        self._removing: dict[str, bool] = {}  # being_removed, read once per member

    @property
    def limit(self) -> int:
        return self.policy.warn_limit

    async def punish(self, member: str, name: str, offence: Offence,
                     message: str = "") -> None:
        """Warn (removing at the limit) or remove at once, as the offence's measure says;
        nothing for a member whose removal is already under way."""
        if await self.being_removed(member):
            return
        if offence.measure is Measure.KICK and await self._remove(member, name, offence):
            return
        count = await self._record(member, offence, message)
        if count is None:
            return  # this message was already punished
        template = self.policy.messages.warning
        if count >= self.limit:
            if offence.measure is Measure.WARN and await self._remove(member, name, offence):
                return
            template = self.policy.messages.reported  # the bot cannot remove; admins told
        elif offence.measure is Measure.KICK:
            template = self.policy.messages.reported
        self.actor.say(template.render({"member": name, "reason": reason_shown(offence.reason),
                                        "count": count, "limit": self.limit}),
                       mentions=[member], group=self.group)

    async def remove(self, member: str, name: str, offence: Offence) -> bool:
        """Remove, announce and block the member; False (admins told) when the bot cannot."""
        return await self.being_removed(member) or await self._remove(member, name, offence)

    async def _remove(self, member: str, name: str, offence: Offence) -> bool:
        """`remove` for a member known not to be under removal (punish looked first)."""
        actor = self.actor
        if not await self.can_remove():
            topic = clean((await actor.group_info(self.group)).topic)
            actor.tell_admins(f"[群管] 无法移出 {quote(name, 40)}（{member}）：机器人不是"
                              f"「{topic}」的群主。原因：{offence.reason}。请手动处理。")
            await actor.audit("kick_unavailable", member, describe(offence), self.group)
            return False
        actor.kick(member, offence.reason, group=self.group)
        actor.say(self.policy.messages.removed.render({"member": name,
                                                       "reason": reason_shown(offence.reason)}),
                  group=self.group)
        await block(actor.store, member, actor.now, self.group, offence.reason)
        self._removing[member] = True
        await settle_warnings(actor.store, self.group, member)
        await actor.audit("kick", member, describe(offence), self.group)
        return True

    async def review(self, member: str, name: str, offence: Offence, text: str,
                     ref: str, kind: str = "review") -> Case | None:
        """No public action: open a case and send it to the admins privately (once per
        `ref`). While the member has an open case of this kind in the group, a later message
        is added to it (counted, shown with it) instead: one member posting such a word
        again and again must not send the admins a message each time (their private
        messages share the budget members' greetings wait for)."""
        actor = self.actor
        if (open_now := await open_case_of(actor.store, kind, self.group, member,
                                           actor.now)) is not None:
            if ref and ref == open_now.ref:
                return None
            await add_to_case(actor.store, open_now.id)
            await actor.audit("case_added", member, f"{open_now.id} {describe(offence)}",
                              self.group)
            return None
        case = await open_case(actor.store, kind=kind, group=self.group,
                               member=member, name=quote(name, 40), text=text,
                               reason=offence.reason,
                               ref=ref, at=actor.now, by=actor.bot_id)
        if case is None:
            return None
        topic = clean((await actor.group_info(self.group)).topic)
        actor.tell_admins("\n".join([
            f"[群管] 待处理 {case.id}（{offence.detector}）· 「{topic}」",
            f"成员：{quote(name, 40)}（{member}）",
            f"原因：{offence.reason}" + (f"（{quote(offence.detail, 60)}）"
                                        if offence.detail else ""),
            *([f"消息：{quote(text)}"] if text else []),
            f"回复 /warn {case.id} 警告，/kick {case.id} 移出，/dismiss {case.id} 不处理",
        ]))
        await actor.audit("case_opened", member, f"{case.id} {describe(offence)}", self.group)
        return case

    async def in_force(self, member: str | None = None) -> list[WarningInForce]:
        """Warnings that count now: within the window, neither revoked nor settled."""
        since = window_start(self.actor.now, self.policy.warn_window)
        return await warnings_in_force(self.actor.store, self.group, since, self.actor.now,
                                       member)

    async def tally(self) -> tuple[int, int]:
        """The warnings that count now, and how many members they are of."""
        return await tally_in_force(self.actor.store, self.group,
                                    window_start(self.actor.now, self.policy.warn_window))

    async def count(self, member: str) -> int:
        """The weight of the member's warnings in force."""
        return await weight_in_force(self.actor.store, self.group, member,
                                     window_start(self.actor.now, self.policy.warn_window))

    async def revoke(self, warning_id: int) -> WarningInForce | None:
        """Take back one warning in force (the web console's revoke); None if it is not."""
        found = next((w for w in await self.in_force() if w.id == warning_id), None)
        if found is not None:
            await revoke_warning(self.actor.store, warning_id)
        return found

    async def revoke_last(self, member: str) -> WarningInForce | None:
        """Take back the member's latest warning in force."""
        warnings = await self.in_force(member)
        if not warnings:
            return None
        await revoke_warning(self.actor.store, warnings[-1].id)
        return warnings[-1]

    async def can_remove(self) -> bool:
        """Whether the bot can remove members in the group (on WeChat: it owns it)."""
        if self._can_remove is None:
            self._can_remove = (await self.actor.group_info(self.group)).owner == \
                self.actor.bot_id
        return self._can_remove

    async def being_removed(self, member: str) -> bool:
        """Removed from this group since they last joined, the removal on its way or landed
        (out of the group, as the roster shows): messages sent before it lands (a burst of
        ads) are not punished again. A removal dropped or refused shields nobody: still in
        the group, they are punished again. Read once per member: a moderator serves one
        event, command or request, and counts the removals it makes itself."""
        found = self._removing.get(member)
        if found is None:
            found = self._removing[member] = await self._removed_since_joined(member)
        return found

    async def _removed_since_joined(self, member: str) -> bool:
        store = self.actor.store
        row = await store.one("SELECT at FROM blocklist WHERE member=? AND grp=?",
                              (member, self.group))
        if row is None:
            return False
        joined, left = await roster.stay(store, self.group, member) or (None, None)
        if joined is not None and row[0] < joined:  # (stamps: text order is time order)
            return False  # blocked before they last joined (and let back in since)
        if left is not None:
            return True
        return self.actor.removal_queued(member, self.group)

    async def _record(self, member: str, offence: Offence, message: str) -> int | None:
        """Store a warning; the member's count in force, or None if `message` had one."""
        actor = self.actor
        if not await add_warning(actor.store, self.group, member, actor.now, offence, message):
            return None
        count = await self.count(member)
        await actor.audit("warn", member, f"{describe(offence)} ({count}/{self.limit})",
                          self.group)
        return count


# ---------------------------------------------------------------- queries (the web console)


async def warning_times(store: Reader, since: datetime,
                        group: str | None = None) -> list[datetime]:
    """When each warning from `since` on was given (revoked ones not counted)."""
    rows = await store.all(
        "SELECT at FROM warnings WHERE at >= ? AND (ended IS NULL OR ended != 'revoked')"
        " AND (CAST(? AS TEXT) IS NULL OR grp = ?)", (stamp(since), group, group))
    return [instant(at).astimezone(since.tzinfo) for (at,) in rows]


async def warning_group(store: Reader, warning_id: int) -> str | None:
    """The group a warning was given in; None if there is no such warning."""
    row = await store.one("SELECT grp FROM warnings WHERE id=?", (warning_id,))
    return None if row is None else str(row[0])


@dataclass(frozen=True, slots=True)
class Blocked:
    member: str
    at: datetime
    group: str
    reason: str


async def blocked(store: Reader, tz: tzinfo, *, offset: int = 0,
                  limit: int | None = None) -> list[Blocked]:
    """The block list, newest first: all of it, or `limit` entries from the `offset`th on
    (a page of the console's: the list is never pruned, a year of spam waves is 50,000)."""
    page = "" if limit is None else " LIMIT ? OFFSET ?"
    return [Blocked(member, instant(at).astimezone(tz), grp, reason)
            for member, at, grp, reason in await store.all(
                f"SELECT member, at, grp, reason FROM blocklist ORDER BY at DESC, member{page}",
                () if limit is None else (limit, offset))]


async def blocked_count(store: Reader) -> int:
    """How many members are on the block list."""
    row = await store.one("SELECT count(*) FROM blocklist")
    return int(row[0]) if row else 0
