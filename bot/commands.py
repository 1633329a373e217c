"""Console actions handed to another account's process (several accounts, one process each:
docs/scale.md). Owner of the `commands` table.

The console of any process can act on any group, but what happens in a group must happen in
the process that serves it (the lease holder: bot/leases.py), and a reload in every process.
The console writes such an action here for that account; its process takes its commands at
each lease renewal (every `leases.takeover / 3`), carries each out once (claimed by a state
change, so two takers cannot both run it) and records the outcome, which
`GET /api/commands/{id}` shows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "account": self.account, "action": self.action,
                "args": self.args, "operator": self.operator, "at": stamp(self.at),
                "state": self.state, "result": self.result,
                "done_at": stamp(self.done_at) if self.done_at else None}


_COLUMNS = "id, account, action, args, operator, at, state, result, done_at"


def _command(row: Sequence[Any]) -> Command:
    return Command(int(row[0]), row[1], row[2], json.loads(row[3]), row[4],
                   datetime.fromisoformat(row[5]), row[6], json.loads(row[7] or "{}"),
                   unstamp(row[8]))


async def hand(store: Store, account: str, action: str, args: dict[str, Any], operator: str,
               now: datetime) -> int:
    """Queue `action` for `account`'s process; the command's id."""
    return await store.execute(
        "INSERT INTO commands (account, action, args, operator, at, state, result)"
        " VALUES (?, ?, ?, ?, ?, 'queued', '{}')",
        (account, action, json.dumps(args, ensure_ascii=False), operator, stamp(now)))


async def waiting(store: Reader, account: str) -> list[Command]:
    return [_command(row) for row in await store.all(
        f"SELECT {_COLUMNS} FROM commands WHERE account = ? AND state = 'queued' ORDER BY id",
        (account,))]


async def claim(store: Store, command: Command) -> bool:
    """Take the command to carry it out; False when another taker has it."""
    return await store.changes(
        "UPDATE commands SET state = 'running' WHERE id = ? AND state = 'queued'",
        (command.id,)) > 0


async def finish(store: Store, command: Command, ok: bool, result: dict[str, Any],
                 now: datetime) -> None:
    await store.execute(
        "UPDATE commands SET state = ?, result = ?, done_at = ? WHERE id = ?",
        ("done" if ok else "failed", json.dumps(result, ensure_ascii=False), stamp(now),
         command.id))


async def get(store: Reader, command_id: int) -> Command | None:
    row = await store.one(f"SELECT {_COLUMNS} FROM commands WHERE id = ?", (command_id,))
    return _command(row) if row else None
