"""The roster: who is (or was) in which group, since when, who invited them, and when they last
spoke. Owner of the core `roster` table; everything else reads and writes it through these
queries. The core keeps it up to date from every group event (bot/pipeline.py) and the join
backstop (bot/backstop.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.events import Member
from bot.store import Reader, Store, in_parts, open_reader
from bot.times import stamp, unstamp

# The table is the core's (bot/store.py); these steps are the roster's own (bot/schema.py).
MIGRATIONS = (
    # 1: the groups a member is in (group_of), found by the member: without the index every
    #    lookup read the whole table, every member of every group
    "CREATE INDEX roster_member ON roster (member);",
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One member's row: `left_at` is None while they are in the group."""

    group: str
    member: str
    name: str
    joined_at: datetime | None
    left_at: datetime | None
    inviter: str | None
    last_spoke: datetime | None
    messages: int

    @property
    def quiet_since(self) -> datetime | None:
        """When the member last spoke or joined, whichever is later."""
        times = [t for t in (self.last_spoke, self.joined_at) if t is not None]
        return max(times, default=None)


_COLUMNS = "grp, member, name, joined_at, left_at, inviter, last_spoke, messages"


def _entry(row: Sequence[object]) -> Entry:
    grp, member, name, joined, left, inviter, spoke, messages = row
    return Entry(str(grp), str(member), str(name), unstamp(joined), unstamp(left),
                 None if inviter is None else str(inviter), unstamp(spoke), int(str(messages)))


# ---------------------------------------------------------------- writes


async def joined(store: Store, group: str, members: Iterable[Member], at: datetime,
                 inviter: str | None) -> None:
    await store.executemany(
        "INSERT INTO roster (grp, member, name, joined_at, inviter) VALUES (?,?,?,?,?)"
        " ON CONFLICT (grp, member) DO UPDATE SET name=excluded.name,"
        " joined_at=excluded.joined_at, inviter=excluded.inviter, left_at=NULL",
        [(group, m.id, m.name, stamp(at), inviter) for m in members])


async def left(store: Store, group: str, members: Iterable[str], at: datetime) -> None:
    await store.executemany("UPDATE roster SET left_at=? WHERE grp=? AND member=?",
                            [(stamp(at), group, member) for member in members])


async def spoke(store: Store, group: str, member: Member, at: datetime) -> bool:
    """The member spoke; True if the roster had no row of them in the group (now it has)."""
    if await store.changes(
            "UPDATE roster SET name=?, last_spoke=?, messages=messages+1 WHERE grp=? AND member=?",
            (member.name, stamp(at), group, member.id)):
        return False
    await store.execute(
        "INSERT INTO roster (grp, member, name, last_spoke, messages) VALUES (?,?,?,?,1)"
        " ON CONFLICT (grp, member) DO UPDATE SET name=excluded.name,"
        " last_spoke=excluded.last_spoke, messages=roster.messages+1",
        (group, member.id, member.name, stamp(at)))
    return True


async def renamed(store: Store, group: str, member: Member) -> None:
    await store.execute(
        "INSERT INTO roster (grp, member, name) VALUES (?,?,?)"
        " ON CONFLICT (grp, member) DO UPDATE SET name=excluded.name",
        (group, member.id, member.name))


async def present_as(store: Store, group: str, members: Iterable[Member]) -> None:
    """Record members as present without a join (the backstop's first look at a group)."""
    await store.executemany(
        "INSERT INTO roster (grp, member, name) VALUES (?, ?, ?) ON CONFLICT (grp, member)"
        " DO UPDATE SET name=excluded.name, left_at=NULL",
        [(group, m.id, m.name) for m in members])


async def there_before(store: Store, group: str, members: Iterable[Member]) -> None:
    """Record members the roster never had in the group as present without a join: they
    were there before the bot looked (a replay member who speaks without a `join` step).
    Those it has, present or gone, are kept as they are."""
    await store.executemany(
        "INSERT INTO roster (grp, member, name) VALUES (?, ?, ?)"
        " ON CONFLICT (grp, member) DO NOTHING",
        [(group, m.id, m.name) for m in members])


# ---------------------------------------------------------------- reads


async def entry(store: Reader, group: str, member: str) -> Entry | None:
    row = await store.one(f"SELECT {_COLUMNS} FROM roster WHERE grp=? AND member=?",
                          (group, member))
    return _entry(row) if row else None


async def stay(store: Reader, group: str, member: str) -> tuple[str | None, str | None] | None:
    """When the member last joined and left the group, as stored (stamps: their text order
    is time order; None where the roster has no time), without the rest of the row; None if
    never seen there (moderation's "removed since they joined")."""
    row = await store.one("SELECT joined_at, left_at FROM roster WHERE grp=? AND member=?",
                          (group, member))
    return None if row is None else (row[0], row[1])


async def overtaken(store: Reader, group: str, members: Sequence[str], at: datetime,
                    leaving: bool) -> set[str]:
    """The members whose row records a later change than a leave (`leaving`) or a join at
    `at`: joined after that leave, or left after that join. Such an event came late (another
    overtook it on its way): it is no news about them."""
    column = "joined_at" if leaving else "left_at"  # (one of two fixed names)
    found: set[str] = set()
    for marks, part in in_parts(members):
        found.update(str(member) for member, when in await store.all(
            f"SELECT member, {column} FROM roster WHERE grp=? AND member IN ({marks})"
            f" AND {column} IS NOT NULL", (group, *part))
            if (changed := unstamp(when)) is not None and changed > at)
    return found


async def name(store: Reader, group: str, member: str) -> str | None:
    """The member's name in the group as last seen (present or not), None if never seen."""
    row = await store.one("SELECT name FROM roster WHERE grp=? AND member=?", (group, member))
    return str(row[0]) if row else None


async def present(store: Reader, group: str) -> list[Entry]:
    """Who the bot believes is in the group now, by name."""
    return [_entry(row) for row in await store.all(
        f"SELECT {_COLUMNS} FROM roster WHERE grp=? AND left_at IS NULL ORDER BY name, member",
        (group,))]


async def present_names(store: Reader, group: str) -> dict[str, str]:
    """Who the bot believes is in the group now: member -> name (the backstop's comparison,
    without the rest of each row)."""
    return {str(member): str(name) for member, name in await store.all(
        "SELECT member, name FROM roster WHERE grp=? AND left_at IS NULL", (group,))}


GROUPS_OF = "SELECT grp, joined_at FROM roster WHERE member=? AND left_at IS NULL"


async def group_of(store: Reader, member: str, groups: Sequence[str]) -> str | None:
    """The group among `groups` the member is in, the one they joined last (ties by id); one
    with no join time (the member was there before the bot saw a join) counts as earliest.
    (Of the few groups the member is in: `groups` may be every group of a type.)"""
    wanted = set(groups)
    found = [(unstamp(joined), str(grp)) for grp, joined in await store.all(GROUPS_OF, (member,))
             if grp in wanted]
    latest = max((joined for joined, _ in found if joined is not None), default=None)
    return min((grp for joined, grp in found if joined == latest), default=None)


async def present_in_any(store: Reader, groups: Iterable[str],
                         members: Sequence[str]) -> set[str]:
    """Those of `members` the bot believes are in one of `groups` now (namecard: a trainee
    in a group of a later stage of the funnel). Looked up by group, on the table's key."""
    found: set[str] = set()
    for group in groups:
        for marks, part in in_parts(members):
            found.update(str(member) for member, in await store.all(
                f"SELECT member FROM roster WHERE grp=? AND member IN ({marks})"
                " AND left_at IS NULL", (group, *part)))
    return found


async def everyone(store: Reader, group: str | None = None) -> list[Entry]:
    """Every row (of one group, or all), by group and join time: the members export and the
    terminal simulator's restart. Those with no join time first in their group."""
    where, params = ("WHERE grp=?", (group,)) if group is not None else ("", ())
    return [_entry(row) for row in await store.all(
        f"SELECT {_COLUMNS} FROM roster {where}"
        " ORDER BY grp, joined_at IS NOT NULL, joined_at, member", params)]


async def groups_seen(store: Reader) -> set[str]:
    """The groups the roster has a row of (the groups listed: bot/report.py)."""
    return {str(grp) for grp, in await store.all("SELECT DISTINCT grp FROM roster")}


async def present_count(store: Reader, group: str) -> int:
    """How many the bot believes are in the group now."""
    row = await store.one("SELECT count(*) FROM roster WHERE grp=? AND left_at IS NULL",
                          (group,))
    return int(row[0]) if row else 0


async def last_known(db: Path | str) -> list[Entry]:
    """`everyone`, read from the database at `db` off the event loop (before a bot opens it)."""
    reader = open_reader(db)
    try:
        return await everyone(reader)
    finally:
        await reader.close()


async def counts(store: Reader, group: str, since: datetime, until: datetime,
                 active_since: datetime, spoke: AbstractSet[str],
                 is_bot: Callable[[str], bool]) -> tuple[int, int, int]:
    """(active, joins, leaves) in [since, until): members present at `until` who spoke in
    [active_since, until), members who joined and who left in the period; the bot's own
    rows (`is_bot`: its join names who brought it in, bot/admission.py) are no member's. The
    roster keeps only each member's last message: for one who has spoken again since
    `until`, `spoke` says (the activity history's speakers in that window, bot/activity.py)."""
    s, u = stamp(since), stamp(until)
    moved = await store.all(
        "SELECT member, joined_at>=? AND joined_at<?, left_at>=? AND left_at<? FROM roster"
        " WHERE grp=? AND (joined_at>=? AND joined_at<? OR left_at>=? AND left_at<?)",
        (s, u, s, u, group, s, u, s, u))
    speakers = await store.all(
        "SELECT member, last_spoke FROM roster WHERE grp=? AND (left_at IS NULL OR left_at>=?)"
        " AND last_spoke>=?", (group, u, stamp(active_since)))
    active = sum(1 for member, last in speakers if str(last) < u or str(member) in spoke)
    members = [(joined, left) for member, joined, left in moved if not is_bot(str(member))]
    return active, sum(1 for joined, _ in members if joined), sum(1 for _, left in members if left)


async def moves(store: Reader, since: datetime,
                group: str | None = None) -> list[tuple[str, datetime]]:
    """Joins and leaves from `since` on, as ("join" | "leave", when): the console's trends."""
    s = stamp(since)
    rows = await store.all(
        "SELECT 'join', joined_at FROM roster WHERE joined_at >= ?"
        " AND (CAST(? AS TEXT) IS NULL OR grp = ?)"
        " UNION ALL SELECT 'leave', left_at FROM roster WHERE left_at >= ?"
        " AND (CAST(? AS TEXT) IS NULL OR grp = ?)", (s, group, group, s, group, group))
    return [(str(kind), at) for kind, value in rows if (at := unstamp(value)) is not None]
