"""The join backstop: joins and leaves the platform never reported, found by comparing lists.

Some WeChat backends report joins late or not at all, and none reach a bot that is down or
disconnected. Every `backstop.every` (bot.yaml, default 5m), at start and after every login
(never while the platform is away), the bot asks the platform for each bound group's member list
(at most Rotation.PER_RUN groups a run, more often when there are more groups, so each group
still comes up once per `every` and no run costs time proportional to all groups)
and compares it with the roster (who the bot believes is in the group: `left_at IS NULL`).
A list that is the same as when the group last matched its roster, with no join or leave fed
for the group since, is not compared again: the roster is read only when something changed.
Members on the list but not in the roster are fed as one MemberJoined, members in the roster
but gone from the list as one MemberLeft, so handlers react as if the platform had reported
them; the welcome handler still greets each person once. A join reported late, after the
backstop found it, is a repeat the handlers already ignore. The members events were handled
about while the list was read (`touched`) are left out of that comparison: the roster may be
newer than the list for them; the rest of the group is compared (a busy group has a message
during nearly every read).

The first time the backstop sees a group, the list is only recorded as the starting point:
nobody in a group the bot has just been added to (or had before it had a backstop) is
treated as a newcomer. A group counts as seen once a state row says so, not by having
roster rows, because a message or a reported join may reach the roster before the first
comparison does.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from operator import attrgetter

from bot import roster, state
from bot.events import Event, Member, MemberJoined, MemberLeft, MemberRenamed, Message
from bot.store import Store
from bot.times import stamp, utc

log = logging.getLogger(__name__)

OWNER = "@backstop"  # the state rows of the core's backstop (handler names have no "@")


class Rotation:
    """Which groups the backstop compares next: every bound group once per `every`, at most
    PER_RUN of them in one run, so a run costs the same with 10 groups or 10,000 (with more
    than PER_RUN groups, runs come more often, each taking the next few in turn)."""

    PER_RUN = 50

    def __init__(self, start: datetime) -> None:
        self._order: deque[str] = deque()
        self._known: set[str] = set()
        self.at = utc(start)  # the first run compares at start
        self._matched: dict[str, int] = {}  # group -> its list when it last matched

    def same(self, group: str, members: Sequence[Member]) -> bool:
        """Whether the group's list is the one that last matched its roster, and no join or
        leave was fed for the group since: nothing to compare."""
        return self._matched.get(group) == _fingerprint(members)

    def matched(self, group: str, members: Sequence[Member]) -> None:
        self._matched[group] = _fingerprint(members)

    def changed(self, group: str | None) -> None:
        """A join or leave is fed for the group (its roster may change): compare it again."""
        if group is not None:
            self._matched.pop(group, None)

    def track(self, groups: Iterable[str]) -> None:
        """The bound groups now (at start, after a reload or a platform change)."""
        self._known = set(groups)
        kept = [g for g in self._order if g in self._known]
        self._order = deque([*kept, *sorted(self._known.difference(kept))])

    def add(self, group: str) -> None:
        """A group bound since (by its first event): compared from the next run on."""
        if group not in self._known:
            self._known.add(group)
            self._order.append(group)

    def all_in(self, groups: set[str]) -> bool:
        return bool(self._order) and self._known <= groups

    def skip(self, until: datetime, every: timedelta, inclusive: bool) -> None:
        """Pass over the runs due before `until` (or at it, if `inclusive`) as if they had
        compared their groups and found nothing."""
        until = utc(until)
        while self.at < until or (inclusive and self.at == until):
            self.take(self.at, every)

    def take(self, now: datetime, every: timedelta) -> list[str]:
        """The groups to compare now; the next run is planned so that each group comes up
        once per `every`."""
        runs = -(-len(self._order) // self.PER_RUN) or 1  # runs per `every`
        count = -(-len(self._order) // runs)
        taken = [self._order[i] for i in range(count)]
        self._order.rotate(-count)
        self.at = utc(now) + every / runs  # an instant: bot/times.py
        return taken


_ID = attrgetter("id")


def _fingerprint(members: Sequence[Member]) -> int:
    """The list's ids, in any order, as one number (in memory only: a hash of the set, half
    the cost of a digest of the sorted ids; two lists alike by chance, one in 2^64, would
    leave a change to the group's next change or the next start)."""
    return hash(frozenset(map(_ID, members)))


def touched(event: Event) -> Iterable[str]:
    """The members whose roster rows handling `event` may change (bot/pipeline.py)."""
    match event:
        case MemberJoined() | MemberLeft():
            return (m.id for m in event.members)
        case Message():
            return (event.sender.id,)
        case MemberRenamed():
            return (event.member.id,)
    return ()


async def missed(store: Store, group: str, members: Sequence[Member], bot_id: str,
                 now: datetime, unsure: AbstractSet[str] = frozenset()) -> list[Event]:
    """The joins and leaves in `group` that the roster does not know about, as events; on
    the first look at a group, none: its members are recorded as they are. The `unsure`
    members (events about them were handled while the list was read: their rows may be
    newer than the list) are left out."""
    listed = {m.id: m for m in members if m.id != bot_id and m.id not in unsure}
    known = await roster.present_names(store, group)
    known.pop(bot_id, None)
    joined = tuple(m for member_id, m in listed.items() if member_id not in known)
    left = tuple(Member(i, known[i]) for i in known if i not in listed and i not in unsure)
    if not await looked_at(store, group):
        await _record(store, group, joined, left, now)
        return []
    if joined or left:
        log.info("join backstop: %s has %d unreported join(s), %d leave(s)", group,
                 len(joined), len(left))
    events: list[Event] = []
    if left:
        events.append(MemberLeft(now, group, left))
    if joined:
        events.append(MemberJoined(now, group, joined))
    return events


async def looked_at(store: Store, group: str) -> bool:
    """Whether the backstop has recorded the group's members (its first look): from then on
    the roster has everyone in it, but those who joined unreported since."""
    return await state.get(store, (group, "", OWNER, "seen")) is not None


async def _record(store: Store, group: str, joined: Sequence[Member], left: Sequence[Member],
                  now: datetime) -> None:
    """Make the roster match the platform's list without any event: the starting point."""
    await roster.present_as(store, group, joined)
    await roster.left(store, group, [m.id for m in left], now)
    await state.put(store, (group, "", OWNER, "seen"), stamp(now))
