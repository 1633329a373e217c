"""What became of a message whose handler asked (owner of `outbox_receipts`).

A handler that needs to know whether and when a text of its went (a warning before a removal,
a quiz question before its deadline) gives it a receipt key (Context.say/dm `receipt=`).
The outbox notes it `queued` when it is put, delivery notes how it ended and when
(bot/delivery.py: `sent`, `dropped` by the send budget, `refused`, ...); the handler asks
with Context.receipt. Settled receipts are forgotten after KEPT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.store import Reader, Store
from bot.times import instant, stamp

TABLE = "outbox_receipts"
MIGRATIONS: Sequence[str] = (
    f"""
    CREATE TABLE {TABLE} (key TEXT PRIMARY KEY, outcome TEXT NOT NULL, at TEXT NOT NULL);
    CREATE INDEX {TABLE}_at ON {TABLE} (at);
    """,
)
QUEUED = "queued"
SENT = "sent"
KEPT = timedelta(days=90)  # a settled receipt is forgotten this long after


@dataclass(frozen=True, slots=True)
class Receipt:
    outcome: str  # QUEUED, or how its delivery ended (sent, dropped, refused, ...)
    at: datetime  # when it was queued, or when it was sent (or given up)

    @property
    def queued(self) -> bool:
        return self.outcome == QUEUED

    @property
    def delivered(self) -> bool:
        """The platform took it (one that may have gone before a crash did not: `uncertain`)."""
        return self.outcome == SENT


async def queued(store: Store, key: str, now: datetime) -> None:
    """The message is on the outbox (in the transaction that put it there)."""
    await store.execute(
        f"INSERT INTO {TABLE} VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
        " outcome=excluded.outcome, at=excluded.at", (key, QUEUED, stamp(now)))


async def settled(store: Store, key: str, outcome: str, now: datetime) -> None:
    """Its delivery ended with `outcome` at `now`; old settled receipts go."""
    await store.execute(f"UPDATE {TABLE} SET outcome=?, at=? WHERE key=?",
                        (outcome, stamp(now), key))
    await store.execute(f"DELETE FROM {TABLE} WHERE at < ? AND outcome <> ?",
                        (stamp(now - KEPT), QUEUED))


async def receipt(store: Reader, key: str) -> Receipt | None:
    """What became of the message queued with `key`; None if none was (or it was settled
    longer than KEPT ago)."""
    row = await store.one(f"SELECT outcome, at FROM {TABLE} WHERE key=?", (key,))
    return Receipt(str(row[0]), instant(row[1])) if row else None
