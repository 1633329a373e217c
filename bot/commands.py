"""Console actions handed to another account's process (several accounts, one process each:
docs/scale.md). Owner of the `commands` table.

The console of any process can act on any group, but what happens in a group must happen in
the process that serves it (the lease holder: bot/leases.py), and a reload in every process.
The console writes such an action here for that account; its process takes its commands at
each lease renewal (every `leases.takeover / 3`), carries each out once (claimed by a state
change, so two takers cannot both run it) and records the outcome, which
`GET /api/commands/{id}` shows. An action about one group (a revoke, a move into it) is the
group's: if the account it was handed to loses the group before taking it (its process died),
the account that takes the group over carries it out. A taker that stops while carrying one
out puts it back in the queue; one that dies leaves its claim, which is taken again once it
is older than a takeover (`leases.takeover`): the command is carried out by the account that
serves the group then, or by the account it was handed to, started again.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store import Reader, Store
from bot.times import stamp, unstamp

MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE commands (
        id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, action TEXT NOT NULL,
        args TEXT NOT NULL, operator TEXT NOT NULL, at TEXT NOT NULL, state TEXT NOT NULL,
        result TEXT NOT NULL, done_at TEXT);
    CREATE INDEX commands_waiting ON commands (account, state);
    """,
    "ALTER TABLE commands ADD COLUMN grp TEXT;",  # the group the action is about, if one
    # 3: when a taker claimed it: a claim older than a takeover is of a process that is gone
    "ALTER TABLE commands ADD COLUMN claimed_at TEXT;",
)


@dataclass(frozen=True, slots=True)
class Command:
    id: int
    account: str
    action: str
    args: dict[str, Any]
    operator: str
    at: datetime
    state: str  # queued, running, done, failed
    result: dict[str, Any]
    done_at: datetime | None
    group: str | None = None
    claimed_at: str | None = None  # as stored: a claim is taken again only as it was read

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "account": self.account, "action": self.action,
                "args": self.args, "operator": self.operator, "at": stamp(self.at),
                "state": self.state, "result": self.result,
                "done_at": stamp(self.done_at) if self.done_at else None,
                "group": self.group}


_COLUMNS = "id, account, action, args, operator, at, state, result, done_at, grp, claimed_at"


def _command(row: Sequence[Any]) -> Command:
    return Command(int(row[0]), row[1], row[2], json.loads(row[3]), row[4],
                   datetime.fromisoformat(row[5]), row[6], json.loads(row[7] or "{}"),
                   unstamp(row[8]), row[9], row[10])


async def hand(store: Store, account: str, action: str, args: dict[str, Any], operator: str,
               now: datetime, group: str | None = None) -> int:
    """Queue `action` for `account`'s process (about `group`, if it is about one); the
    command's id."""
    return await store.execute(
        "INSERT INTO commands (account, action, args, operator, at, state, result, grp)"
        " VALUES (?, ?, ?, ?, ?, 'queued', '{}', ?)",
        (account, action, json.dumps(args, ensure_ascii=False), operator, stamp(now), group))


async def waiting(store: Reader, account: str, held: Collection[str] = (),
                  stale: datetime | None = None) -> list[Command]:
    """The commands queued for `account`, and those about a group in `held` (the groups it
    serves now) queued for an account that lost the group before taking them; and, with
    `stale`, those of these a taker claimed before `stale` and never finished (its process
    stopped or died while carrying it out): they are taken again."""
    rows = await store.all(
        f"SELECT {_COLUMNS} FROM commands WHERE (state = 'queued' OR (state = 'running'"
        " AND claimed_at < ?)) AND (account = ? OR grp IS NOT NULL) ORDER BY id",
        (stamp(stale) if stale is not None else "", account))
    return [command for command in map(_command, rows)
            if command.account == account or command.group in held]


async def claim(store: Store, command: Command, account: str | None = None,
                now: datetime | None = None) -> bool:
    """Take the command to carry it out (as `account`, when the group changed hands), as it
    was read (queued, or a stale claim); False when another taker has it."""
    return await store.changes(
        "UPDATE commands SET state = 'running', account = ?, claimed_at = ? WHERE id = ?"
        " AND state = ? AND (claimed_at IS NULL AND CAST(? AS TEXT) IS NULL OR claimed_at = ?)",
        (account or command.account, stamp(now) if now is not None else None, command.id,
         command.state, command.claimed_at, command.claimed_at)) > 0


async def release(store: Store, command: Command) -> None:
    """Put a command this process claimed back in the queue (it stops before finishing)."""
    await store.execute("UPDATE commands SET state = 'queued', claimed_at = NULL WHERE id = ?"
                        " AND state = 'running'", (command.id,))


async def finish(store: Store, command: Command, ok: bool, result: dict[str, Any],
                 now: datetime) -> None:
    await store.execute(
        "UPDATE commands SET state = ?, result = ?, done_at = ? WHERE id = ?",
        ("done" if ok else "failed", json.dumps(result, ensure_ascii=False), stamp(now),
         command.id))


async def get(store: Reader, command_id: int) -> Command | None:
    row = await store.one(f"SELECT {_COLUMNS} FROM commands WHERE id = ?", (command_id,))
    return _command(row) if row else None
