"""The last hour of messages in each group, as antispam's rate detectors (flood, repeats,
raids) count them, and the texts the bot acted on in the last week. Owner of the
`antispam_recent`, `antispam_acted` and `antispam_flagged` tables (the antispam handler
carries their migrations).

A row per message: group, member, message id, when, the digest of its text, its kind; a row per
member acted on (warned, removed, reviewed, logged): the last row of the table (by id) when it
happened, as their rows up to it no longer count, and when the newest of theirs was said (the
sweep drops the entry with that row). Ids are never used again; besides the ids, the one index
kept up on every message is by group and id, to whose end each row of a group goes. The tables are
the durable record; the counts come from a copy in memory, one per store, which a group loads
from the tables when first used, so that a message costs no statement but its row's insert at
the commit. The copy never differs from what is committed, nor from what will be:

- the writes (the insert, the one acted on, the sweep of old rows) are deferred to the
  commit of the transaction they belong to (`Store.defer`), in the order they were made, so
  nothing reads the tables between them and the commit (a group loads only while it has none
  pending);
- each change of the copy registers its undo (`Store.on_undo`): a handler that raised (its
  savepoint), an event rolled back, a batch whose commit failed take theirs back too;
- a restart starts empty and loads each group from the table;
- with several accounts (bot/leases.py), a group is loaded again when this account's lease
  on it has a new epoch: another account's process may have handled it meanwhile. (The epoch
  changes only at a lease renewal, which commits what was pending before and after it.)
"""

from __future__ import annotations

import weakref
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter, itemgetter
from typing import Any, Literal, overload

from bot.savepoint import restoring
from bot.store import Store
from bot.times import instant, micros, stamp, stamp_of

RECENT = timedelta(hours=1)  # the rate detectors read the last hour, so their windows are
PRUNE_EVERY = timedelta(minutes=10)  # at most that; how often older rows are deleted
# how long a text the bot acted on (an ad warned, removed, sent to review) is known by whom
# it was posted: a member quoting it to report it posted nothing (antispam's quote-replies)
FLAGGED = timedelta(days=7)





def span(delta: timedelta) -> int:
    """A duration in micros."""
    return delta // timedelta(microseconds=1)


_RECENT, _PRUNE_EVERY, _FLAGGED = span(RECENT), span(PRUNE_EVERY), span(FLAGGED)
# a group's rows (by the index on grp, id), as a load reads them
LOAD = ("SELECT id, member, message, at, digest, kind FROM antispam_recent WHERE grp=?"
        " ORDER BY id")
@dataclass(slots=True, eq=False)
class Said:
    """One row: a message of `member`, `at` in microseconds (`micros`), of `kind` (a
    bot.events.Kind value: a flood counts only the kinds it is told). Not in the table:
    its `text` as antispam's split-contact detector reads it, if it does ('' for a row
    loaded from the table: a restart forgets what was said)."""

    member: str
    message: str
    at: int
    digest: str
    acted: bool
    kind: str = "text"
    text: str = ""


class Window:
    """A group's rows, in the table's order (by id), by member and by digest."""

    __slots__ = ("epoch", "last", "members", "ordered", "texts")

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch  # of this account's lease on the group when it was loaded
        self.members: dict[str, list[Said]] = {}
        self.texts: dict[str, list[Said]] = {}
        self.ordered = True  # every row at or after the one before: scans stop early
        self.last = 0

    def add(self, said: Said) -> None:
        if said.at < self.last:
            self.ordered = False
        else:
            self.last = said.at
        member = self.members.get(said.member)
        if member is None:
            self.members[said.member] = [said]
        else:
            member.append(said)
        text = self.texts.get(said.digest)
        if text is None:
            self.texts[said.digest] = [said]
        else:
            text.append(said)

    def drop(self, said: Said) -> None:
        """The undo of `add`."""
        for index, key in ((self.members, said.member), (self.texts, said.digest)):
            rows = index[key]
            if rows[-1] is said:
                rows.pop()
            else:
                rows.remove(said)
            if not rows:
                del index[key]

    def alone(self, member: str, since: int) -> bool:
        """No row of the member after `since` but their newest (False when the rows are not
        in time order: then it cannot tell without counting)."""
        theirs = self.members.get(member, ())
        return len(theirs) < 2 or (self.ordered and theirs[-2].at <= since)

    def said_lately(self, member: str, since: int, until: int) -> list[str]:
        """The `text`s of the member's rows after `since` and up to `until` (micros), in the
        order written."""
        theirs = self.members.get(member)
        if not theirs or (self.ordered and theirs[-1].at <= since):
            return []  # nothing lately (most messages)
        lately = []
        for said in reversed(theirs):
            if said.at <= since:
                if self.ordered:
                    break
                continue
            if said.at <= until and said.text:
                lately.append(said)
        lately.reverse()
        if not self.ordered:
            lately.sort(key=_AT)
        return [said.text for said in lately]

    def copies(self, digest: str) -> int:
        """How many rows hold the digest (the members who posted it are never more)."""
        return len(self.texts.get(digest, ()))

    def rates(self, member: str, digest: str, now: int, flood: int, repeats: int,
              raid: int | None, kinds: frozenset[str]) -> tuple[int, int, int]:
        """Counted on windows that end at `now` (micros: when the message was written), each
        `flood`, `repeats` or `raid` long (None: the raid rule does not look): the member's
        rows of the `kinds` in the first and those of this digest in the second, both without
        the ones acted on; and how many members posted the digest in the third (0 if None).

        A row written after `now` was handled before this message, which came late (read
        again after a failure, or kept by a standby account): it counts only in a window that
        holds both, and the busiest such window is the one counted, as if the message had
        come in time. Never a window that starts after the message, so a message handled
        minutes late is not counted with the chat that came meanwhile."""
        messages = times = 0
        low = now - max(flood, repeats)
        later: list[Said] = []
        for said in reversed(self.members.get(member, ())):
            if said.at <= low:
                if self.ordered:
                    break
                continue
            if said.acted:
                continue
            if said.at > now:
                later.append(said)
                continue
            if said.at > now - flood and said.kind in kinds:
                messages += 1
            if said.at > now - repeats and said.digest == digest:
                times += 1
        if later:  # (rare: a message that came late)
            theirs = [said for said in self.members[member] if not said.acted]
            messages = busiest([(said.at, said) for said in theirs if said.kind in kinds],
                               now, flood)
            times = busiest([(said.at, said) for said in theirs if said.digest == digest],
                            now, repeats)
        if raid is None:
            return messages, times, 0
        return messages, times, self.raid(digest, now, raid)[0]

    def raid(self, digest: str, now: int, within: int) -> tuple[int, int]:
        """How many members posted the digest in the busiest window `within` long that holds
        `now`, and when that window ends (`now` unless rows written after `now` make a later
        window busier)."""
        posters: set[str] = set()
        later = False
        for said in reversed(self.texts.get(digest, ())):
            if said.at <= now - within:
                if self.ordered:
                    break
                continue
            if said.at > now:
                later = True
                continue
            posters.add(said.member)
        if not later:  # (most texts)
            return len(posters), now
        return busiest([(said.at, said.member) for said in self.texts[digest]], now, within,
                       ends=True)

    def posters(self, digest: str, since: int,
                until: int) -> list[tuple[str, str, int, int, int]]:
        """Who posted the digest after `since` and up to `until`, first poster first (by
        the first time, then the first row): member, their latest message id (the greatest),
        how many of their rows were acted on, how many rows, the last time."""
        found: dict[str, list[Any]] = {}
        for index, said in enumerate(self.texts.get(digest, ())):
            if said.at <= since or said.at > until:
                continue
            seen = found.get(said.member)
            if seen is None:
                found[said.member] = [said.at, index, said.message, int(said.acted), 1,
                                      said.at]
            else:
                seen[0] = min(seen[0], said.at)
                seen[2] = max(seen[2], said.message)
                seen[3] += said.acted
                seen[4] += 1
                seen[5] = max(seen[5], said.at)
        ranked = sorted(found.items(), key=lambda item: (item[1][0], item[1][1]))
        return [(member, s[2], s[3], s[4], s[5]) for member, s in ranked]

    def prune(self, before: int) -> tuple[dict[str, list[Said]], dict[str, list[Said]]]:
        """Let the rows before `before` go; what the window held (the undo puts it back).

        In time order (the usual case), only the lists that hold a row to let go are made
        again, found from the members' lists: the others stay the very lists in both, and
        whatever changes them later (an add) is undone before this prune is (the journal
        undoes newest first)."""
        held = self.members, self.texts
        if not self.ordered:
            self.members = {member: kept for member, rows in held[0].items()
                            if (kept := [said for said in rows if said.at >= before])}
            self.texts = {digest: kept for digest, rows in held[1].items()
                          if (kept := [said for said in rows if said.at >= before])}
            return held
        members: dict[str, list[Said]] = {}
        gone: set[str] = set()  # the digests of the rows let go
        for member, rows in held[0].items():
            cut = _first_from(rows, before)
            if cut:
                gone.update(said.digest for said in rows[:cut])
            if cut < len(rows):
                members[member] = rows[cut:] if cut else rows
        texts = dict(held[1])
        for digest in gone:
            rows = texts[digest]
            cut = _first_from(rows, before)
            if cut < len(rows):
                texts[digest] = rows[cut:]
            else:
                del texts[digest]
        self.members, self.texts = members, texts
        return held


@overload
def busiest(rows: list[tuple[int, Any]], at: int, within: int) -> int: ...
@overload
def busiest(rows: list[tuple[int, Any]], at: int, within: int,
            ends: Literal[True]) -> tuple[int, int]: ...
def busiest(rows: list[tuple[int, Any]], at: int, within: int,
            ends: bool = False) -> int | tuple[int, int]:
    """The most distinct keys of `rows` (time in micros, key) in one window (end - within,
    end] that holds `at`; with `ends`, also that window's end (the earliest of the
    busiest)."""
    inside = sorted((row for row in rows if at - within < row[0] < at + within),
                    key=itemgetter(0))
    counts: dict[Any, int] = {}
    best, end, start = 0, at, 0
    for time, key in inside:
        counts[key] = counts.get(key, 0) + 1
        while inside[start][0] <= time - within:
            gone = inside[start][1]
            counts[gone] -= 1
            if not counts[gone]:
                del counts[gone]
            start += 1
        if time >= at and len(counts) > best:
            best, end = len(counts), time
    return (best, end) if ends else best


def _first_from(rows: list[Said], before: int) -> int:
    """The index of the first row at or after `before` in a list in time order."""
    return 0 if rows[0].at >= before else bisect_left(rows, before, key=_AT)


_AT = attrgetter("at")


class Recent:
    """The copy of one store's table: the windows of the groups loaded so far. Each change
    takes the store whose transaction it belongs to (the copy keeps no reference to it)."""

    def __init__(self) -> None:
        self.windows: dict[str, Window] = {}
        self.swept: int | None = None  # when rows older than RECENT last went (micros)
        self.bound = 0  # rows before this are gone, or go at the commit (micros)
        self.bound_stamp = ""  # the same, as stored

    def loaded(self, store: Store, group: str, epoch: int, now: int) -> Window | None:
        """The group's rows (`now` in micros), None if they must be loaded first (`load`):
        never used, or the lease's epoch changed. Every PRUNE_EVERY, rows older than RECENT
        go, in every group."""
        swept = self.swept
        if swept is None or not now - _PRUNE_EVERY < swept <= now:
            self._sweep(store, now)
        found = self.windows.get(group)
        return found if found is not None and found.epoch == epoch else None

    async def load(self, store: Store, group: str, epoch: int) -> Window:
        """The group's rows from the table (those a sweep deletes at the commit left out)."""
        undo = restoring(self.windows, group)
        loaded, old = Window(epoch), 0
        acted: dict[str, int] = dict(await store.all(
            "SELECT member, upto FROM antispam_acted WHERE grp=?", (group,)))
        for row, member, message, at, digest, kind in await store.all(LOAD, (group,)):
            said = Said(member, message, micros(instant(at)), digest,
                        row <= acted.get(member, 0), kind)
            if said.at >= self.bound:
                loaded.add(said)
            else:  # a sweep not committed yet deletes it, or one did before the clock
                old += 1  # went back and it came: either way it goes
        if old:
            store.defer("DELETE FROM antispam_recent WHERE grp=? AND at<?",
                        (group, self.bound_stamp))
        self.windows[group] = loaded
        store.on_undo(undo)
        return loaded

    def _sweep(self, store: Store, now: int) -> None:
        bound = now - _RECENT
        bound_stamp = stamp_of(bound)
        store.defer("DELETE FROM antispam_recent WHERE at<?", (bound_stamp,))
        # whom the bot acted on, once the rows it covers are gone too (a test of the entry's
        # own time: another account's process may be acting on the same member meanwhile)
        store.defer("DELETE FROM antispam_acted WHERE at<?", (bound_stamp,))
        # (read meanwhile, by `flagged_by`, which reads only the rows of the last week)
        store.defer("DELETE FROM antispam_flagged WHERE at<?", (stamp_of(now - _FLAGGED),))
        held = [(rows, rows.prune(bound)) for rows in self.windows.values()]
        was = self.swept, self.bound, self.bound_stamp
        self.swept = now
        if bound > self.bound:
            self.bound, self.bound_stamp = bound, bound_stamp

        def undo() -> None:
            for rows, (members, texts) in held:
                rows.members, rows.texts = members, texts
            self.swept, self.bound, self.bound_stamp = was

        store.on_undo(undo)

    @staticmethod
    def remember(store: Store, group: str, rows: Window, member: str, message: str,
                 written: datetime, now: int, digest: str, kind: str, text: str) -> None:
        """Add a message of `kind` to the group's rows: written at `written`, `now` in
        micros, `text` kept in memory only. (Its row's time is `stamp(written)`: the core
        stamped the very datetime as the event's time already, and keeps that stamp.)"""
        said = Said(member, message, now, digest, False, kind, text)
        rows.add(said)
        store.defer("INSERT INTO antispam_recent (grp, member, message, at, digest, kind)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (group, member, message, stamp(written), digest, kind))
        store.on_undo(lambda: rows.drop(said))

    @staticmethod
    def acted(store: Store, group: str, rows: Window, member: str) -> None:
        """The member was acted on: their rows no longer count towards another flood,
        repeat or raid."""
        theirs = rows.members.get(member, ())
        changed = [said for said in theirs if not said.acted]
        for said in changed:
            said.acted = True
        until = stamp_of(max((said.at for said in theirs), default=0))  # the newest covered
        store.defer("INSERT INTO antispam_acted (grp, member, upto, at)"
                    " SELECT ?, ?, max(id), ? FROM antispam_recent WHERE true"
                    " ON CONFLICT (grp, member) DO UPDATE SET upto = excluded.upto,"
                    " at = excluded.at", (group, member, until))

        def undo() -> None:
            for said in changed:
                said.acted = False

        store.on_undo(undo)



async def flagged(store: Store, group: str, member: str, digest: str, at: int) -> None:
    """The bot acted on a text of the member's (its digest, written `at` in micros), or the
    member quoted it as a report, once. (Written now, not deferred: `flagged_by` reads the
    table. The bot acts on few messages.)"""
    await store.execute(
        "INSERT INTO antispam_flagged (grp, digest, member, at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (grp, digest, member) DO UPDATE SET at = excluded.at",
        (group, digest, member, stamp_of(at)))


async def flagged_by(store: Store, group: str, digest: str, at: int) -> dict[str, datetime]:
    """Who posted the text (by its digest) that the bot acted on in the week before `at`
    (micros), or quoted it once as a report since, and when the bot acted on it, or on them."""
    return {member: instant(when) for member, when in await store.all(
        "SELECT member, at FROM antispam_flagged WHERE grp=? AND digest=? AND at>?",
        (group, digest, stamp_of(at - _FLAGGED)))}


_COPIES: weakref.WeakKeyDictionary[Store, Recent] = weakref.WeakKeyDictionary()
_last: tuple[weakref.ref[Store], Recent] | None = None  # the store asked for last, its copy


def copy_of(store: Store) -> Recent:
    """The store's copy: one per store, whichever handler (of whichever group type) uses it."""
    global _last
    last = _last
    if last is not None and last[0]() is store:  # (a lookup by weak key makes a weakref)
        return last[1]
    recent = _COPIES.get(store)
    if recent is None:
        recent = _COPIES[store] = Recent()
    _last = (weakref.ref(store), recent)
    return recent
