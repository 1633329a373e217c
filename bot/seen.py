"""Seen messages: the ids of messages already handled, so one delivered again (even after a
restart) is handled once. Owner of the core `seen_messages` table."""

from __future__ import annotations

from datetime import datetime

from bot.store import Store
from bot.times import stamp


async def first_time(store: Store, message_id: str, at: datetime) -> bool:
    """Note the id; True if it was not noted before."""
    return await store.changes(
        "INSERT INTO seen_messages VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
        (message_id, stamp(at))) > 0


async def forget_before(store: Store, at: datetime) -> None:
    await store.execute("DELETE FROM seen_messages WHERE at < ?", (stamp(at),))
