"""Per-handler state: small JSON values a handler keeps per (group, member, key) between
events (Context.get/set). Owner of the core `state` table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.store import Reader, Store, open_reader

Key = tuple[str, str, str, str]  # (group, member, handler, key)
# json.dumps(value, ensure_ascii=False), without making an encoder for each value
_JSON = json.JSONEncoder(ensure_ascii=False)


async def get(store: Reader, key: Key, default: Any = None) -> Any:
    row = await store.one(
        "SELECT value FROM state WHERE grp=? AND member=? AND handler=? AND key=?", key)
    return json.loads(row[0]) if row else default


async def last_known(db: Path | str, key: Key, default: Any = None) -> Any:
    """`get`, read from the database at `db` off the event loop (before a bot opens it)."""
    reader = open_reader(db)
    try:
        return await get(reader, key, default)
    finally:
        await reader.close()


async def put(store: Store, key: Key, value: Any) -> None:
    await store.execute(
        "INSERT INTO state VALUES (?, ?, ?, ?, ?) ON CONFLICT (grp, member, handler, key)"
        " DO UPDATE SET value = excluded.value",
        (*key, _JSON.encode(value)))


async def note_unless_since(store: Store, key: Key, at: str, since: str) -> bool:
    """Keep the stored time `at` (bot/times.py `stamp`: now) under the key unless the time
    kept there is later than `since` ('' or a stamp) and not later than `at`: one statement,
    True if kept. A time kept in the future (a system clock stepped back) is over, as if
    long ago, so a cooldown never lasts longer than its own length from now; but a `since`
    of '' (once, ever) holds whatever is kept. Stamps are fixed width, so their JSON text
    compares as the times do; and they hold nothing JSON escapes, so their JSON text is the
    stamp in quotes (json.dumps costs more)."""
    if not since:
        return await store.changes(_NOTE_ONCE, (*key, f'"{at}"')) > 0
    return await store.changes(_NOTE_UNLESS_SINCE, (*key, f'"{at}"', f'"{since}"')) > 0


_NOTE = "INSERT INTO state VALUES (?, ?, ?, ?, ?) ON CONFLICT (grp, member, handler, key) "
_NOTE_UNLESS_SINCE = _NOTE + ("DO UPDATE SET value = excluded.value"
                              " WHERE state.value <= ? OR state.value > excluded.value")
_NOTE_ONCE = _NOTE + "DO NOTHING"  # once, ever: a kept time is never replaced


async def delete(store: Store, key: Key) -> None:
    await store.execute("DELETE FROM state WHERE grp=? AND member=? AND handler=? AND key=?",
                        key)
