"""Group bindings by id: once a group is bound to a type (by a pattern on its name), the
binding holds by the group's id, so a member renaming the group cannot move it to another
type or out of the bot's care. Owner of the `group_bindings` table; the group directory
(bot/groups.py) keeps a copy in memory.

Also owner of `trusted_topics`: the last name of each bound group that no member gave it
(bound by its name or by id), which `restore_topic` sets back. It is kept so that it survives
a restart: a group bound by id would otherwise trust whatever name it has when the bot starts
again, a member's rename made while the bot was down or not set back yet (review s32a T12)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.store import Reader, Store
from bot.times import stamp

MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE group_bindings (
        grp TEXT PRIMARY KEY, type TEXT NOT NULL, topic TEXT NOT NULL, at TEXT NOT NULL);
    """,
    """
    CREATE TABLE trusted_topics (grp TEXT PRIMARY KEY, topic TEXT NOT NULL, at TEXT NOT NULL);
    """,
)


async def all_bindings(store: Reader) -> dict[str, str]:
    """Every kept binding: group id -> type name."""
    return {grp: kind for grp, kind in await store.all("SELECT grp, type FROM group_bindings")}


async def type_of(store: Reader, group: str) -> str | None:
    """The type the group is kept as, read from the store (another account's process may
    have kept it since this one loaded the bindings)."""
    row = await store.one("SELECT type FROM group_bindings WHERE grp = ?", (group,))
    return None if row is None else str(row[0])


async def kept(store: Reader) -> list[tuple[str, str, str]]:
    """Every kept binding as (group id, type name, the group's name when it was bound)."""
    return [(grp, kind, topic) for grp, kind, topic in
            await store.all("SELECT grp, type, topic FROM group_bindings ORDER BY grp")]


async def bind(store: Store, group: str, type_name: str, topic: str, at: datetime) -> None:
    await store.execute(
        "INSERT INTO group_bindings VALUES (?, ?, ?, ?) ON CONFLICT (grp) DO UPDATE SET"
        " type=excluded.type, topic=excluded.topic, at=excluded.at",
        (group, type_name, topic, stamp(at)))


async def unbind(store: Store, group: str) -> None:
    await store.execute("DELETE FROM group_bindings WHERE grp=?", (group,))


async def trusted_topics(store: Reader) -> dict[str, str]:
    """The trusted name of every group the bot kept one for (`trust`); a database made
    before these were kept has the names its bindings by name were made with."""
    found = {grp: topic for grp, _, topic in await kept(store)}
    found.update({grp: topic for grp, topic in
                  await store.all("SELECT grp, topic FROM trusted_topics")})
    return found


async def trust(store: Store, group: str, topic: str, at: datetime) -> None:
    """`topic` is the group's trusted name from now on (it was bound by it, first seen
    with it, or an admin gave it)."""
    await store.execute(
        "INSERT INTO trusted_topics VALUES (?, ?, ?) ON CONFLICT (grp) DO UPDATE SET"
        " topic=excluded.topic, at=excluded.at", (group, topic, stamp(at)))
