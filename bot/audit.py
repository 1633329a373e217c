"""The audit log: what the bot decided about whom (warnings, removals, refusals...). Owner of
the core `audit` table; `groupbot audit` (bot/audit_command.py) shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store import Reader, Store
from bot.times import stamp, unstamp


@dataclass(frozen=True, slots=True)
class Record:
    at: datetime
    group: str
    member: str
    name: str | None  # the member's name where the roster knows it
    action: str
    handler: str
    detail: str


async def record(store: Store, at: datetime, group: str, member: str, action: str,
                 handler: str, detail: str) -> None:
    await store.execute(
        "INSERT INTO audit (at, grp, member, action, handler, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (stamp(at), group, member, action, handler, detail))


async def records(store: Reader, group: str | None = None, since: datetime | None = None,
                  handler: str | None = None) -> list[Record]:
    """The audit records, oldest first, with members' names from the roster."""
    where, params = ["1=1"], []
    for clause, value in (("a.grp = ?", group), ("a.at >= ?", since and stamp(since)),
                          ("a.handler = ?", handler)):
        if value is not None:
            where.append(clause)
            params.append(value)
    found = await store.all(
        "SELECT a.at, a.grp, a.member, r.name, a.action, a.handler, a.detail FROM audit a"
        " LEFT JOIN roster r ON r.grp = a.grp AND r.member = a.member"
        f" WHERE {' AND '.join(where)} ORDER BY a.id", params)
    return [Record(unstamp(at) or datetime.min, grp, member, name, action, owner, detail)
            for at, grp, member, name, action, owner, detail in found]


async def newest(store: Reader, *, group: str | None = None, since: datetime | None = None,
                 action: str | None = None, member: str | None = None, offset: int = 0,
                 limit: int = 50) -> tuple[list[Record], int]:
    """One page of the audit records, newest first, and how many match in all."""
    where, params = ["1=1"], []
    for clause, value in (("a.grp = ?", group), ("a.at >= ?", since and stamp(since)),
                          ("a.action = ?", action), ("a.member = ?", member)):
        if value is not None:
            where.append(clause)
            params.append(value)
    condition = " AND ".join(where)
    total = await store.one(f"SELECT count(*) FROM audit a WHERE {condition}", params)
    found = await store.all(
        "SELECT a.at, a.grp, a.member, r.name, a.action, a.handler, a.detail FROM audit a"
        " LEFT JOIN roster r ON r.grp = a.grp AND r.member = a.member"
        f" WHERE {condition} ORDER BY a.id DESC LIMIT ? OFFSET ?", [*params, limit, offset])
    return [Record(unstamp(at) or datetime.min, grp, who, name, what, owner, detail)
            for at, grp, who, name, what, owner, detail in found], int(total[0] if total else 0)


async def times(store: Reader, action: str, since: datetime,
                group: str | None = None) -> list[datetime]:
    """When each record of one action (e.g. "kick") was made, from `since` on."""
    rows = await store.all("SELECT at FROM audit WHERE action = ? AND at >= ?"
                           " AND (CAST(? AS TEXT) IS NULL OR grp = ?)",
                           (action, stamp(since), group, group))
    return [at for (value,) in rows if (at := unstamp(value)) is not None]
