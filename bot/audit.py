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
