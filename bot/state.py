"""Per-handler state: small JSON values a handler keeps per (group, member, key) between
events (Context.get/set). Owner of the core `state` table.

The table is the durable record. A group's own rows (member '': a flood guard, a leaderboard's
last post, the newcomers waiting for a welcome) are read from a copy in memory, one per store,
which the group loads from the table at its first use; a write changes the copy and reaches
the table at the commit of its transaction, with no statement meanwhile. The copy never
differs from what is committed, nor from what will be, for the reasons handlers/recent.py
gives for its own: writes deferred to the commit in order (`Store.defer`; a group loads only
while it has none pending), each change undone with what is rolled back (`Store.on_undo`), a
restart loading from the table, and a group loaded again when this account's lease on it has
a new epoch (several accounts).

The rest is read and written by statement: a member's rows, which grow with every member
ever seen (welcomes, cooldowns) where a group's own few are bounded by the config; and
private chats' (group ''), which belong to no lease, so that every account's process may
write them at any time.
"""

from __future__ import annotations

import json
import weakref
from typing import Any

from bot.store import Store

Key = tuple[str, str, str, str]  # (group, member, handler, key)
_Row = tuple[str, str]  # (handler, key) of a group's own row

_PUT = ("INSERT INTO state VALUES (?, ?, ?, ?, ?) ON CONFLICT (grp, member, handler, key)"
        " DO UPDATE SET value = excluded.value")
_DELETE = "DELETE FROM state WHERE grp=? AND member=? AND handler=? AND key=?"


class _Group:
    """A group's own rows: each value as the JSON text stored (so every `get` gives a new
    object, as a read of the table did)."""

    __slots__ = ("epoch", "values")

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch  # of this account's lease on the group when it was loaded
        self.values: dict[_Row, str] = {}


_COPIES: weakref.WeakKeyDictionary[Store, dict[str, _Group]] = weakref.WeakKeyDictionary()


async def _rows(store: Store, group: str, epoch: int) -> _Group:
    """The group's own rows in the store's copy; loaded from the table at the group's first
    use, or when the lease's epoch changed."""
    groups = _COPIES.get(store)
    if groups is None:
        groups = _COPIES[store] = {}
    found = groups.get(group)
    if found is None or found.epoch != epoch:
        found = groups[group] = _Group(epoch)
        for handler, key, value in await store.all(
                "SELECT handler, key, value FROM state WHERE grp=? AND member=''", (group,)):
            found.values[handler, key] = value
    return found


def _copied(key: Key) -> bool:
    """Whether the key's row is read from the copy: a group's own."""
    return bool(key[0]) and not key[1]


def _write(store: Store, rows: _Group, key: Key, text: str | None) -> None:
    """Keep `text` under the key (None: no row), in the copy now and in the table at the
    commit."""
    row = key[2:]
    values = rows.values
    was = values.get(row)
    if text is None:
        del values[row]
        store.defer(_DELETE, key)
    else:
        values[row] = text
        store.defer(_PUT, (*key, text))

    def undo() -> None:
        if was is None:
            values.pop(row, None)
        else:
            values[row] = was

    store.on_undo(undo)


async def get(store: Store, key: Key, default: Any = None, *, epoch: int) -> Any:
    """The value kept under the key (`epoch`: of this account's lease on the group)."""
    if _copied(key):
        text = (await _rows(store, key[0], epoch)).values.get(key[2:])
    else:
        row = await store.one("SELECT value FROM state WHERE grp=? AND member=? AND handler=?"
                              " AND key=?", key)
        text = row[0] if row else None
    return default if text is None else json.loads(text)


async def put(store: Store, key: Key, value: Any, *, epoch: int) -> None:
    text = json.dumps(value, ensure_ascii=False)
    if _copied(key):
        _write(store, await _rows(store, key[0], epoch), key, text)
    else:
        await store.execute(_PUT, (*key, text))


async def note_unless_since(store: Store, key: Key, at: str, since: str, *,
                            epoch: int) -> bool:
    """Keep the stored time `at` (bot/times.py `stamp`) under the key unless the time kept
    there is later than `since`: True if kept. Stamps are fixed width, so their JSON text
    compares as the times do."""
    if not _copied(key):
        return await store.changes(_PUT + " WHERE state.value <= ?",
                                   (*key, json.dumps(at), json.dumps(since))) > 0
    rows = await _rows(store, key[0], epoch)
    kept = rows.values.get(key[2:])
    if kept is not None and kept > json.dumps(since):
        return False
    _write(store, rows, key, json.dumps(at))
    return True


async def delete(store: Store, key: Key, *, epoch: int) -> None:
    if not _copied(key):
        await store.execute(_DELETE, key)
    elif key[2:] in (rows := await _rows(store, key[0], epoch)).values:
        _write(store, rows, key, None)
