"""The outbox: everything the bot sends waits here, in the store, until it has gone.

What goes next (docs/limits.md, "The outbox"):
- Pacing: one action per `group_interval` in each group (its lane; private chats share one)
  and `global_per_minute` overall, spread evenly. A stored send time in the future (the
  clock was set back) counts as now: it never mutes the bot.
- Priority: among the actions pacing lets go, the first class of PRIORITY goes first
  (moderation before a reply to an admin before an answer to a member before a welcome
  before a push before a broadcast), then the oldest; so 200 check-in replies never delay
  an ad's warning.
- Wait rules (WAIT_RULES): an action waits while another queued action it depends on is
  still there, in any lane (an invitation waits for the acceptance of the friend request).
  When that action is dropped (the send governor's keep rule), what depends on it is
  dropped too (`orphans`): nothing waits for an action that will never go.
- A failed action waits for its retry without holding up the others. Its failed tries are
  counted in the store (`attempts`), so a restart does not give it the whole limit again,
  and when its retry falls due is kept there too (`not_before`), so a restart does not try
  it before then (a crash loop would hammer a gateway that rate-limited us).
- At most once: an action is marked `sending` before it goes out. After a crash, a message
  in that state is not sent again (audited as uncertain); a removal or invitation is checked
  against the group's member list first (bot/delivery.py), as is one whose last try failed
  uncertain (`verify`, kept across a restart too).
- Several accounts (docs/scale.md): an action in a group goes from the account serving the
  group (its lease holder, bot/leases.py), under that lease. One decided by another account's
  process (a console broadcast, an invitation into a group it is not serving) is stored with
  epoch 0 and left to the serving account, which takes it at its next lease renewal (`route`).
"""

from __future__ import annotations

import bisect
import json
import logging
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Protocol

from bot import prompts, receipts
from bot.actions import AcceptFriend, Action, Dm, Invite, Kick, Say
from bot.clock import Clock
from bot.config import OutboxSettings
from bot.store import Reader, Store, in_parts
from bot.times import instant, stamp, unstamp, utc

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# one encoder for every action queued; an action's fields are strings (or a tuple of them),
# so there is no cycle to look for (the check costs a third of the encoding)
_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)
ALL = "*"  # the lane key under which the last send anywhere is kept
DIRECT = Dm(to="", text="").lane  # the lane of actions in no group (a DM, a friend request)


class Priority(IntEnum):
    """The one ordered list of action classes: a lower value goes first."""

    MODERATION = 0  # warnings and removals: the spam filter's, an admin's /kick
    ADMIN = 1  # replies to admins' commands, notices to admins
    ANSWER = 2  # answers to members: keywords, check-ins, invitations, friend requests
    WELCOME = 3  # welcomes and what newcomers are reminded of (name cards)
    PUSH = 4  # scheduled pushes, reports, congratulations
    BULK = 5  # what an admin confirmed for many at once: broadcasts, moves (bot/bulk.py)


BULK = "bulk"  # the source of a confirmed broadcast's or move's sends
# The class of what each handler sends; a handler not listed answers members.
HANDLER_PRIORITY: dict[str, Priority] = {
    "antispam": Priority.MODERATION, "admin": Priority.ADMIN,
    "welcome": Priority.WELCOME, "namecard": Priority.WELCOME,
    "push": Priority.PUSH, "fission": Priority.PUSH, BULK: Priority.BULK,
}


def priority(action: Action, handler: str, admins: Sequence[str]) -> Priority:
    """The class of `action`, put on the outbox by `handler` ('' for the core itself)."""
    listed = HANDLER_PRIORITY.get(handler)
    if isinstance(action, Dm) and action.to in admins:
        return min(Priority.ADMIN, Priority.ADMIN if listed is None else listed)
    if listed is None and isinstance(action, Kick) and not handler:
        return Priority.MODERATION
    return Priority.ANSWER if listed is None else listed


@dataclass(slots=True)
class Queued:
    id: int
    action: Action
    priority: Priority = Priority.ANSWER
    attempts: int = 0
    not_before: datetime | None = None  # a failed action's next try
    verify: bool = False  # it may have happened already: check before doing it again
    uncertain: bool = False  # it was going out when the bot stopped
    provides: tuple[Hashable, ...] = ()  # its wait-rule keys, while it is queued
    needs: tuple[Hashable, ...] = ()
    after: int | None = None  # what its handler put before it in the same chat (put_all)
    deferred_since: datetime | None = None  # held back by the send budget since (stored)
    held: bool = False  # the send governor holds it back now (it set deferred_since)
    wait_key: Hashable = ()  # what decides whether a wait rule holds it back (_waits)
    gate_key: tuple[str, int] | None = None  # Gate.key(item), asked once
    epoch: int = 0  # the group's lease when it was decided (several accounts: bot/leases.py)
    error: str = ""  # what its last failed try met (stored: a restart's give-up says it)

    def order(self) -> tuple[int, int]:
        return (self.priority, self.id)


@dataclass(frozen=True, slots=True)
class WaitRule:
    """An action waits while another queued action provides a key it needs.

    `provides` and `needs` give the keys of one queued action (any hashable values). A rule
    is one entry of WAIT_RULES; docs/limits.md shows how to add one. `depends`: the waiting
    action makes no sense without the other (it is dropped with it); else it only waits.
    `kinds`: the only kinds of action either side gives keys for, if the rule says (every
    action queued is asked about every rule that may concern it).
    """

    name: str
    provides: Callable[[Queued], Iterable[Hashable]]
    needs: Callable[[Queued], Iterable[Hashable]]
    depends: bool = True
    kinds: tuple[type[Action], ...] | None = None


def _friend_accepted(item: Queued) -> Iterable[Hashable]:
    action = item.action
    return [("friend", action.contact)] if isinstance(action, AcceptFriend) else []


def _friend_needed(item: Queued) -> Iterable[Hashable]:
    action = item.action
    if isinstance(action, Invite):
        return [("friend", action.member)]
    if isinstance(action, Dm):
        return [("friend", action.to)]
    return []


def _invited(item: Queued) -> Iterable[Hashable]:
    action = item.action
    return [("moved", action.member, action.leaving)] if isinstance(action, Invite) \
        and action.leaving else []


def _removed(item: Queued) -> Iterable[Hashable]:
    action = item.action
    return [("moved", action.member, action.group)] if isinstance(action, Kick) \
        and action.moved_to else []


def _queued(item: Queued) -> Iterable[Hashable]:
    return [("before", item.id)]


def _after(item: Queued) -> Iterable[Hashable]:
    return [("before", item.after)] if item.after is not None else []


def _welcome(item: Queued) -> Iterable[Hashable]:
    action = item.action
    if (isinstance(action, Say) and item.priority is Priority.WELCOME and action.mentions
            and item.not_before is None):  # a welcome waiting for its retry holds nothing up
        return [("welcome", action.group)]
    return []


def _after_welcome(item: Queued) -> Iterable[Hashable]:
    action = item.action
    if isinstance(action, Say) and item.priority not in (Priority.MODERATION,
                                                         Priority.WELCOME):
        return [("welcome", action.group)]
    return []


WAIT_RULES: list[WaitRule] = [
    # accept the friend request, then invite the new friend or write to them
    WaitRule("friend before invitation", provides=_friend_accepted, needs=_friend_needed,
             kinds=(AcceptFriend, Invite, Dm)),
    # a member moved to another group is invited there before being removed here (only that
    # removal waits for that invitation: each names the other's group)
    WaitRule("invitation before removal", provides=_invited, needs=_removed,
             kinds=(Invite, Kick)),
    # what one handler does in one chat for one event goes in the order it gave: a removal
    # before its announcement, a text before its image, greetings before the poster (though
    # each spends a budget of its own, which may hold the first back)
    WaitRule("a handler's order in one chat", provides=_queued, needs=_after),
    # the welcome is the first thing said to a newcomer: while one is queued in a group, the
    # bot's other messages there wait for it (an answer, a quiz question, a check-in reply);
    # moderation never waits, nor anything once the welcome failed and waits for a retry
    # (handlers/welcome.py greets a newcomer who speaks at once)
    WaitRule("welcome first", provides=_welcome, needs=_after_welcome, depends=False,
             kinds=(Say,)),
]

# an action's `state` while it waits to go again after a try that failed uncertain: it may
# have happened, so the member list is read first (Queued.verify), after a restart too
VERIFY = "verify"

# The outbox's own columns, on the core table `outbox` (grp, action).
MIGRATIONS: Sequence[str] = (
    """
    ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 2;
    ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'queued';
    """,
    """
    ALTER TABLE outbox ADD COLUMN after_id INTEGER;
    ALTER TABLE outbox ADD COLUMN deferred_since TEXT;
    """,
    # several accounts share the database (docs/scale.md): whose action it is, and the
    # epoch of the group's lease it was decided under (the fence at send time)
    """
    ALTER TABLE outbox ADD COLUMN account TEXT NOT NULL DEFAULT '';
    ALTER TABLE outbox ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
    """,
    # the failed tries of an action waiting for its retry (Queued.attempts): a restart goes
    # on counting, so the limit (bot/delivery.py, MAX_ATTEMPTS) holds across restarts
    "ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;",
    # when that retry falls due (Queued.not_before; bot/times.py `stamp`): a restart waits
    # out the back-off or the pause as the stopped process would have
    "ALTER TABLE outbox ADD COLUMN not_before TEXT;",
    # what its last failed try met (Queued.error): a give-up a restart finishes names it
    "ALTER TABLE outbox ADD COLUMN error TEXT;",
    # a group's queued actions found without reading the whole backlog: `/status`'s count
    # (1.4 ms over the burst's backlog of a few thousand, for every one), a lease taken over
    "CREATE INDEX outbox_grp ON outbox (grp);",
)


@dataclass(slots=True)
class _Lane:
    items: list[Queued] = field(default_factory=list)  # by (priority, id)

    def add(self, item: Queued) -> None:
        items = self.items
        if not items or items[-1].order() <= item.order():
            items.append(item)  # most often: the newest of the lane's lowest class
        else:
            bisect.insort(items, item, key=Queued.order)


class Gate(Protocol):
    """The send governor (bot/governor.py) as the outbox asks it when an action may go: not
    before its lane's own gap ends (`lane`), nor before the `bound` that the budget and class
    of its `key` set for every lane alike (at least `now`). `defer` is told of each action
    the outbox looks at, and keeps those the budget holds back (`holds`). Their answers
    change only when `state()` does: its first part for every lane's own gaps, its second
    for the bounds; or when the budgets grow by themselves (`steady_until`)."""

    def key(self, item: Queued) -> tuple[str, int]: ...
    def lane(self, lane: str, now: datetime) -> datetime: ...
    def bound(self, key: tuple[str, int], now: datetime) -> datetime: ...
    def holds(self, key: tuple[str, int], now: datetime) -> bool: ...
    def defer(self, item: Queued, key: tuple[str, int], now: datetime) -> None: ...
    def state(self) -> tuple[int, int]: ...
    def steady_until(self, now: datetime) -> datetime | None: ...
    def next_expiry(self) -> datetime | None: ...


@dataclass(slots=True)
class _Group:
    """The offered actions of one gate key (one budget and class): each with its own time,
    the lane's part of when it may go; the gate's bound for the key applies to all alike."""

    priority: int
    by_id: list[tuple[int, datetime]] = field(default_factory=list)  # (id, own time), sorted
    by_at: list[tuple[datetime, int]] = field(default_factory=list)  # (own time, id), sorted
    loose: dict[int, Queued] = field(default_factory=dict)  # those the gate holds not back

    def first(self, until: datetime) -> tuple[int, datetime]:
        """The first by id of those whose own time is at most `until` (there is one)."""
        for item_id, at in self.by_id:
            if at <= until:
                return item_id, at
        raise AssertionError("no offered action by then")


class Outbox:
    def __init__(self, store: Store, settings: OutboxSettings, clock: Clock, *,
                 durable: bool = False) -> None:
        self._store = store
        self._clock = clock
        self._durable = durable  # the `sending` mark on the disk before the send (real sends)
        self._rules = tuple(WAIT_RULES)
        self._rules_of: dict[type[Action], tuple[WaitRule, ...]] = {}  # by kind of action
        self._version = 0  # counts the changes that can change what goes next
        self._best_memo: tuple[datetime, int, Hashable, tuple[datetime, Queued] | None] | None \
            = None
        self._lanes: dict[str, _Lane] = {}
        # What each lane offers (its candidates, each with the lane's part of its time) is
        # worked out again only for the lanes a change touched (`_stale`), or for all when
        # the config changed or time went back (`_stale_all`). A change of the gate's bounds
        # (any send moves the gap between two sends anywhere) applies to the offers as they
        # are, by gate key (`_groups`); only the lanes whose offer the bounds cut short are
        # worked out again (`_cut`). So a backlog of thousands of actions over hundreds of
        # groups costs a step what changed, not what is queued.
        self._offers: dict[str, list[tuple[datetime, tuple[str, int], Queued]]] = {}
        self._groups: dict[tuple[str, int], _Group] = {}
        self._offered: dict[int, Queued] = {}  # the offered actions by id
        self._cut: set[str] = set()
        self._stale: set[str] = set()
        self._stale_all = True
        self._worked_out: tuple[datetime, tuple[int, int] | None] | None = None
        self._bounds: dict[tuple[str, int], datetime] = {}  # the gate's, as of _bound_at
        self._bound_at = _EPOCH
        self._needers: dict[Hashable, dict[int, Queued]] = {}  # wait-rule key -> who needs it
        self._count = 0
        self.configure(settings)
        self._last_sent: dict[str, datetime] = {}  # per lane, and ALL for any lane
        self._provided: dict[Hashable, int] = {}  # wait-rule keys of queued actions: how many
        self._held_until: datetime | None = None  # the platform is away until about then
        self.gate: Gate | None = None  # the send governor (bot/governor.py), if any
        self.account = ""  # with several accounts: this process's; pacing is per account
        self.epoch_of: Callable[[str], int] = lambda group: 0  # a group's lease epoch

    def configure(self, settings: OutboxSettings) -> None:
        self._interval = settings.group_interval
        self._gap = timedelta(seconds=60 / settings.global_per_minute)
        self.changed()

    def back(self) -> None:
        """The platform is back (logged in): what waited for it goes now, not when the hold
        would have ended."""
        self._held_until = None
        self.changed()

    def changed(self) -> None:
        """Something that decides what goes next changed (here, or in the gate's state):
        look again rather than reuse the last answer for the same time."""
        self._version += 1
        self._stale_all = True

    def _touch(self, item: Queued) -> None:
        """`item` came or went: its lane, and the lanes of what waits for a key it provides,
        offer something else now."""
        self._version += 1
        self._stale.add(item.action.lane)
        for key in item.provides:
            for other in self._needers.get(key, {}).values():
                self._stale.add(other.action.lane)

    async def load(self) -> None:
        """Queue again what was not sent before the last stop, paced from the last sends,
        so a restart (or a crash loop) never sends faster than the limits. With several
        accounts, the private actions a process without `accounts:` queued (account '': to
        admins, to contacts; no group's account takes them) are taken by the first account
        process to load, and sent by it once (docs/scale.md)."""
        if self.account:  # (one statement: of processes starting together, one takes each)
            await self._store.execute(
                "UPDATE outbox SET account = ? WHERE account = '' AND grp = ?",
                (self.account, DIRECT))
        queued = {item.id for lane in self._lanes.values() for item in lane.items}
        for row_id, action, prio, state, after, since, attempts, due, error, epoch in \
                await self._store.all(f"SELECT {_COLUMNS}, epoch FROM outbox WHERE account = ?"
                                      " ORDER BY id", (self.account,)):
            if row_id in queued:
                continue  # queued already (a second load)
            decided = Action.from_json(json.loads(action))
            if self._handed(decided, epoch):
                continue  # the group's serving account takes it (route)
            self._add(await self._stored(row_id, decided, prio, state, after, since, attempts,
                                         due, epoch, error))
        for lane, at in await self._store.all("SELECT lane, at FROM outbox_sent"):
            # an account's lanes are stored as `account|lane`
            account, _, own = lane.partition("|") if "|" in lane else ("", "", lane)
            if account == self.account:
                self._last_sent[own] = datetime.fromisoformat(at)
        self.changed()

    async def _stored(self, row_id: int, action: Action, prio: int, state: str,
                      after: int | None, since: str | None, attempts: int, due: str | None,
                      epoch: int, error: str | None) -> Queued:
        """A queued action as the store kept it: its failed tries and when its retry is due,
        whether it may have happened (`_waiting`), and since when the send budget holds it
        back."""
        return Queued(row_id, action, Priority(prio), attempts,
                      self._due(await self._time(row_id, "not_before", due)),
                      verify=state == VERIFY, uncertain=state == "sending", after=after,
                      deferred_since=await self._time(row_id, "deferred_since", since),
                      epoch=epoch, error=error or "")

    async def _time(self, row_id: int, column: str, stored: str | None) -> datetime | None:
        """A stored time read back. One that is no time (a hand edit, a restore from another
        tool) is now, and stored as now: a retry due now, held back since now (kept the
        whole keep time), logged with its row; the start does not fail on it (every queued
        action would wait for a fix)."""
        try:
            return unstamp(stored)
        except ValueError:
            now = utc(self._clock.now())
            log.warning("outbox row %d: %s %r is no time; read as now (%s)", row_id, column,
                        stored, now)
            await self._store.execute(f"UPDATE outbox SET {column} = ? WHERE id = ?",
                                      (stamp(now), row_id))
            return now

    def _due(self, due: datetime | None) -> datetime | None:
        """When a stored retry falls due, at most LONGEST_RETRY from now: a later time is a
        clock that went back since it was stored (or was ahead then), and the action (with
        what waits for it) would wait that long, a restart no cure (as `_last`)."""
        return None if due is None else min(due, self._clock.now() + LONGEST_RETRY)

    def _handed(self, action: Action, epoch: int) -> bool:
        """With several accounts: an action in a group this account did not serve when it
        was decided (no lease: epoch 0). It is not this process's to send: the account
        serving the group takes it (`route`) and sends it under its own lease."""
        return bool(self.account) and epoch == 0 and getattr(action, "group", None) is not None

    async def route(self, epochs: Mapping[str, int]) -> int:
        """Take the actions handed to the groups this account serves (`epochs`: each
        group's lease epoch, renewed by the caller in the same transaction, so no other
        account can hold them meanwhile): they go from here, under those leases, once.
        How many were taken."""
        handed: set[str] = set()
        for marks, part in in_parts(sorted(epochs)):
            handed.update(group for (group,) in await self._store.all(
                f"SELECT DISTINCT grp FROM outbox WHERE epoch = 0 AND grp IN ({marks})", part))
        taken = 0
        for group in sorted(handed):
            taken += await self.adopt(group, epochs[group])
        return taken

    async def adopt(self, group: str, epoch: int) -> int:
        """The group was taken over (or actions were handed to it): its actions queued by
        any account go from here, under the lease `epoch` (those that were going out when
        their account stopped are uncertain, as after a restart). How many were new here."""
        await self._store.execute("UPDATE outbox SET account = ?, epoch = ? WHERE grp = ?",
                                  (self.account, epoch, group))
        mine = {item.id: item for item in self._lanes.get(group, _Lane()).items}
        new = 0
        for row_id, action, prio, state, after, since, attempts, due, error in \
                await self._store.all(f"SELECT {_COLUMNS} FROM outbox WHERE grp = ? ORDER BY id",
                                      (group,)):
            if row_id in mine:
                mine[row_id].epoch = epoch
            else:
                self._add(await self._stored(row_id, Action.from_json(json.loads(action)),
                                             prio, state, after, since, attempts, due, epoch,
                                             error))
                new += 1
        return new

    async def hand_on(self, item: Queued) -> None:
        """Its group's lease is lost: the action is handed on (in the store: epoch 0, as
        `route` takes them) to the account serving the group at its next renewal, this one
        if it takes the lease back. One decided after another account took the group over
        (its holder adopted the group's rows before this one was written) goes that way."""
        await self._store.execute("UPDATE outbox SET epoch = 0 WHERE id = ?", (item.id,))
        self._remove(item)

    async def put(self, action: Action, source: str = "", admins: Sequence[str] = (),
                  after: int | None = None) -> int:
        """Queue `action`, sent by the handler `source` ('' for the core); its id."""
        prio = priority(action, source, admins)
        lane = action.lane
        epoch = self.epoch_of(lane)
        row_id = await self._store.execute(
            "INSERT INTO outbox (grp, action, priority, after_id, account, epoch)"
            " VALUES (?, ?, ?, ?, ?, ?)", (lane, _JSON.encode(action.to_json()), int(prio),
                                          after, self.account, epoch))
        if key := getattr(action, "receipt", ""):
            await receipts.queued(self._store, key, self._clock.now())
        if isinstance(action, Say) and action.text:  # what it asks members may be repeated
            prompts.bot_said(self._store, action.group, self._clock.now(), action.text)
        if not self._handed(action, epoch):
            item = Queued(row_id, action, prio, after=after, epoch=epoch)
            self._add(item)
            # the event that queued it undone, or its batch's commit failed: the row is
            # gone, so is the action (and its id may be given to another row)
            self._store.on_undo(lambda: self._remove(item) if self.holds(item) else None)
        return row_id

    async def put_all(self, actions: Iterable[Action], source: str = "",
                      admins: Sequence[str] = ()) -> None:
        """Queue what one handler did: in each chat (a group, or one contact's private
        chat), each action after the one before it (it waits for it, and is dropped with
        it)."""
        before: dict[str, int] = {}
        for action in actions:
            chat = str(getattr(action, "group", None) or getattr(action, "to", None)
                       or getattr(action, "contact", ""))
            before[chat] = await self.put(action, source, admins, before.get(chat))

    async def defer(self, items: Iterable[Queued]) -> None:
        """Keep when the send budget began to hold these back (a restart keeps counting)."""
        if rows := [(stamp(item.deferred_since), item.id) for item in items
                    if item.deferred_since]:  # (none: no write)
            # in the open batch of events: alone, it was a commit of its own at every run
            async with self._store.transaction():
                await self._store.executemany(
                    "UPDATE outbox SET deferred_since = ? WHERE id = ?", rows)

    def orphans(self, dropped: Queued) -> list[Queued]:
        """Once `dropped` is off the outbox: the queued actions that depended on it by a rule
        and have no other queued action to wait for instead."""
        keys = {key for rule in self._rules if rule.depends for key in rule.provides(dropped)}
        provided = self._provided
        found = {item.id: item for key in keys if key not in provided
                 for item in self._needers.get(key, {}).values()
                 if any(need in keys and need not in provided
                        for rule in self._rules if rule.depends for need in rule.needs(item))}
        if len(found) < 2:
            return list(found.values())
        lanes = {lane: n for n, lane in enumerate(self._lanes)}  # lane by lane, in order
        return sorted(found.values(), key=lambda item: (lanes[item.action.lane], item.order()))

    def _add(self, item: Queued) -> None:
        kind = type(item.action)
        if (rules := self._rules_of.get(kind)) is None:
            rules = self._rules_of[kind] = tuple(
                rule for rule in self._rules if rule.kinds is None or issubclass(kind, rule.kinds))
        provides: list[Hashable] = []
        needs: list[Hashable] = []
        for rule in rules:
            provides += rule.provides(item)
            needs += rule.needs(item)
        item.provides, item.needs = tuple(provides), tuple(needs)
        # whether it waits depends on the keys it needs, and on those it provides itself only
        # when it needs one of them
        item.wait_key = (item.needs, item.provides) if not set(item.needs).isdisjoint(
            item.provides) else item.needs
        lane = self._lanes.get(item.action.lane)
        if lane is None:
            lane = self._lanes[item.action.lane] = _Lane()
        lane.add(item)
        provided = self._provided
        for key in item.provides:
            provided[key] = provided.get(key, 0) + 1
        for key in item.needs:
            self._needers.setdefault(key, {})[item.id] = item
        self._count += 1
        self._touch(item)

    def _remove(self, item: Queued) -> None:
        lane = self._lanes[item.action.lane]
        lane.items.remove(item)
        if not lane.items:
            del self._lanes[item.action.lane]
        provided = self._provided
        for key in item.provides:  # (a key none provides any more goes: no zeros pile up)
            if provided[key] > 1:
                provided[key] -= 1
            else:
                del provided[key]
        for key in item.needs:
            needers = self._needers[key]
            del needers[item.id]
            if not needers:
                del self._needers[key]
        self._count -= 1
        self._touch(item)

    def _waits(self, item: Queued) -> bool:
        """Whether a wait rule holds `item` back: another queued action provides a key it
        needs."""
        provided = self._provided
        return any(provided.get(key, 0) > item.provides.count(key) for key in item.needs)

    def queued_after(self, item: Queued) -> Queued | None:
        """The action its handler queued next in the same chat for the same event (which
        waits for it: "a handler's order in one chat"), if it is still queued."""
        lane = self._lanes.get(item.action.lane)
        return None if lane is None else next(
            (other for other in lane.items if other.after == item.id), None)

    def removal_queued(self, group: str, member: str) -> bool:
        """Whether a removal of `member` from `group` waits to be sent (in its lane)."""
        return self._removal(group, member) is not None

    def move_queued(self, invite: Invite) -> Queued | None:
        """The removal that waits for `invite` (the member moved on from its `leaving`)."""
        return self._removal(invite.leaving, invite.member, invite.group)

    def _removal(self, group: str, member: str, moved_to: str | None = None) -> Queued | None:
        lane = self._lanes.get(group)
        return None if lane is None else next(
            (item for item in lane.items if isinstance(item.action, Kick)
             and item.action.member == member
             and (moved_to is None or item.action.moved_to == moved_to)), None)

    def holds(self, item: Queued) -> bool:
        lane = self._lanes.get(item.action.lane)
        return lane is not None and item in lane.items

    def __len__(self) -> int:
        return self._count

    # ------------------------------------------------------------ what goes when

    def _last(self, key: str, now: datetime) -> datetime:
        """When `key` last sent. A time in the future (the clock went back) is taken as now,
        the first time it is seen: the lane waits one interval, not until that time."""
        last = self._last_sent.get(key, _EPOCH)
        if last > now:
            last = self._last_sent[key] = now
        return last

    def _offer(self, key: str, lane: _Lane, now: datetime, waits: bool,
               held: dict[Hashable, bool], bound: Callable[[tuple[str, int]], datetime]
               ) -> tuple[list[tuple[datetime, tuple[str, int], Queued]], bool]:
        """One lane's candidates: per lane, the first action in its order that no rule holds
        back, later ones too while the earlier ones may not go when the lane may; each with
        its own time (the lane's pacing, its retry, the gate's gap in the lane and `now`:
        the gate's `bound` for its key comes on top), and its gate key. And whether the
        bounds cut the offer short (`held`: which wait-rule keys hold back, as found so
        far)."""
        ready = self._last(key, now) + self._interval
        gate = self.gate
        own = ready if gate is None else max(ready, gate.lane(key, now), now)
        offer = []
        cut = False
        shown: set[tuple[str, int]] = set()  # the gate keys of the lane's items offered
        for item in lane.items:
            if item.held and item.not_before is None and item.gate_key in shown:
                # an action like one offered before it (same lane and gate key: the same
                # time, and a later place) that the governor holds back already (so its
                # gate key is known): neither its time nor the governor's records change
                # by asking again
                continue
            if waits and item.needs:  # items with the same keys wait alike: ask once
                if (waiting := held.get(item.wait_key)) is None:
                    waiting = held[item.wait_key] = self._waits(item)
                if waiting:
                    continue
            at = mine = max(own, item.not_before or own)
            if gate is None:
                gate_key = ("", int(item.priority))
            else:
                gate_key = item.gate_key or gate.key(item)
                item.gate_key = gate_key
                gate.defer(item, gate_key, now)
                at = max(mine, bound(gate_key))
                cut = cut or mine == ready  # with a smaller bound it may stop here
            offer.append((mine, gate_key, item))
            if at == ready:
                break
            if item.not_before is None:
                shown.add(gate_key)
        return offer, cut

    def _bound(self, key: tuple[str, int]) -> datetime:
        """The gate's bound for the actions of `key`, as of the last change of the bounds."""
        if (found := self._bounds.get(key)) is None:
            found = self._bounds[key] = _EPOCH if self.gate is None \
                else self.gate.bound(key, self._bound_at)
        return found

    def _work_out(self, now: datetime) -> None:
        """Bring every lane's offer up to date: the stale ones, or all of them when the
        gate's lanes changed or time went back. When the gate's bounds changed (a send, a
        pause, the budgets growing as the account warms up), the offers stay as they are but
        for those the bounds cut short, and the gate is told of what it holds back now.
        Offers worked out earlier stay true as time goes on: an action's time is when it may
        go, and until a change nothing makes it earlier."""
        gate = self.gate
        state = gate.state() if gate is not None else None
        last = self._worked_out
        exhausted: set[tuple[str, int]] = set()
        if last is None or self._stale_all or now < last[0] or (
                last[1] != state and (last[1] is None or state is None
                                      or last[1][0] != state[0])):
            self._offers, self._groups, self._offered, self._cut = {}, {}, {}, set()
            self._bounds, self._bound_at = {}, now
            todo: set[str] = set(self._lanes)
        elif last[1] != state or (gate is not None and (
                steady := gate.steady_until(last[0])) is not None and now >= steady):
            self._bounds, self._bound_at = {}, now
            todo = self._stale | self._cut
            if gate is not None:
                exhausted = {key for key, group in self._groups.items()
                             if group.loose and gate.holds(key, now)}
        else:
            todo = self._stale
        lanes = todo | {item.action.lane for key in exhausted
                        for item in self._groups[key].loose.values()}
        for key in [key for key in todo if key not in self._lanes]:  # lanes gone: their
            self._forget_offer(key)  # offers too (`todo - keys()` walks every lane)
        held: dict[Hashable, bool] = {}
        for key in self._lanes if len(lanes) > 1 else lanes:  # in the lanes' order
            if key not in lanes or key not in self._lanes:
                continue
            if key in todo:
                self._work_out_lane(key, now, held)
                continue
            for _, gate_key, item in self._offers[key]:  # the bounds changed: what the gate
                if gate_key in exhausted and \
                        item.id in (loose := self._groups[gate_key].loose):  # holds back now
                    assert gate is not None
                    gate.defer(item, gate_key, now)
                    if item.held:
                        del loose[item.id]
        self._stale, self._stale_all = set(), False
        self._worked_out = (now, state)

    def _work_out_lane(self, key: str, now: datetime, held: dict[Hashable, bool]) -> None:
        self._forget_offer(key)
        if (lane := self._lanes.get(key)) is None:
            return
        offer, cut = self._offer(key, lane, now, True, held, self._bound)
        for at, gate_key, item in offer:
            if (group := self._groups.get(gate_key)) is None:
                group = self._groups[gate_key] = _Group(int(item.priority))
            bisect.insort(group.by_id, (item.id, at))
            bisect.insort(group.by_at, (at, item.id))
            if not item.held:
                group.loose[item.id] = item
            self._offered[item.id] = item
        self._offers[key] = offer
        if cut:
            self._cut.add(key)

    def _forget_offer(self, key: str) -> None:
        for at, gate_key, item in self._offers.pop(key, ()):
            group = self._groups[gate_key]
            del group.by_id[bisect.bisect_left(group.by_id, (item.id, at))]
            del group.by_at[bisect.bisect_left(group.by_at, (at, item.id))]
            group.loose.pop(item.id, None)
            if not group.by_id:
                del self._groups[gate_key]
            del self._offered[item.id]
        self._cut.discard(key)

    def _best(self, now: datetime) -> tuple[datetime, Queued] | None:
        """The next action and when it may go; the same answer while nothing changed (the
        bot asks several times a step: what is due next, what goes now), and later too, until
        that action is due: time alone moves no action ahead of it, except the governor's
        budgets growing as the account warms up (`steady`); what else can, a put, a send, the
        governor's state, is a change."""
        memo = self._best_memo
        gate = self.gate
        state = gate.state() if gate is not None else None
        if memo is not None and memo[1] == self._version and memo[2] == state and (
                memo[0] == now or (memo[0] < now and memo[3] is not None and now < memo[3][0]
                                   and (gate is None
                                        or (steady := gate.steady_until(memo[0])) is None
                                        or now < steady))):
            return memo[3]
        found = self._find_best(now)
        self._best_memo = (now, self._version, state, found)
        return found

    def _find_best(self, now: datetime) -> tuple[datetime, Queued] | None:
        if not self._lanes:
            return None
        self._work_out(now)
        anywhere = max(self._last(ALL, now) + self._gap, self._held_until or _EPOCH)
        if self._groups:
            # the first class, then the oldest, of those that may go by `until` (the ready
            # ones, or those only the gap between any two sends holds back); else the soonest
            until = max(now, anywhere)
            best: tuple[int, int, datetime] | None = None  # (class, id, when)
            for gate_key, group in self._groups.items():
                bound = self._bound(gate_key)
                if bound <= until and group.by_at[0][0] <= until:
                    item_id, at = group.first(until)
                    if best is None or (group.priority, item_id) < best[:2]:
                        best = (group.priority, item_id, max(at, bound))
            if best is None:
                soonest: tuple[datetime, int, int] | None = None  # (when, class, id)
                for gate_key, group in self._groups.items():
                    bound = self._bound(gate_key)
                    at, item_id = group.by_at[0]
                    if at <= bound:
                        item_id, at = group.first(bound)
                        at = bound
                    if soonest is None or (at, group.priority, item_id) < soonest:
                        soonest = (at, group.priority, item_id)
                assert soonest is not None
                best = (soonest[1], soonest[2], soonest[0])
            return max(best[2], anywhere), self._offered[best[1]]
        # rules that wait on each other (none offers anything): the oldest goes
        gate = self.gate

        def bound_now(gate_key: tuple[str, int]) -> datetime:
            return _EPOCH if gate is None else gate.bound(gate_key, now)

        found = [(max(at, bound_now(gate_key)), item) for key, lane in self._lanes.items()
                 for at, gate_key, item in self._offer(key, lane, now, False, {},
                                                       bound_now)[0]]
        due = [(max(at, anywhere), item) for at, item in found]
        ready = [(at, item) for at, item in due if at <= now]
        if ready:
            return min(ready, key=lambda c: c[1].order())
        return min(due, key=lambda c: (c[0], c[1].order()))

    def next_due(self) -> datetime | None:
        """When the next action may go (or be dropped), or None when nothing is queued."""
        best = self._best(utc(self._clock.now()))  # instants: bot/times.py
        times = [best[0]] if best else []
        if self.gate is not None and (expires := self.gate.next_expiry()) is not None:
            times.append(expires)
        return min(times, default=None)

    def take(self, now: datetime) -> Queued | None:
        """The action that goes now: the first class, then the oldest, among those pacing,
        retries and wait rules let go; None if none may go yet."""
        best = self._best(now)
        if best is None or best[0] > now:
            return None
        return best[1]

    # ------------------------------------------------------------ what happened to it

    async def sending(self, item: Queued) -> None:
        """Mark `item` as going out, before it does: after a crash it is not sent again (with
        `durable`, after a power cut either)."""
        await self._store.execute("UPDATE outbox SET state='sending' WHERE id = ?", (item.id,),
                                  durable=self._durable)

    async def sent(self, item: Queued, now: datetime) -> None:
        """The platform had `item` at `now` (it went, failed or was refused): pace from it."""
        self._last_sent[item.action.lane] = self._last_sent[ALL] = now
        self._version += 1
        self._stale.add(item.action.lane)  # the gate is told of the send, and changes
        await self._store.executemany(
            "INSERT INTO outbox_sent VALUES (?, ?) ON CONFLICT (lane) DO UPDATE SET at=excluded.at",
            [(f"{self.account}|{key}" if self.account else key, stamp(now))
             for key in (item.action.lane, ALL)])

    async def retry(self, item: Queued, at: datetime, *, verify: bool = False,
                    failed: bool = True, error: str = "") -> None:
        """The action failed (`failed`: a failed try, counted; else WeChat pushed back, and it
        is no attempt; `error`: what it met): it goes again at `at`, the others meanwhile."""
        self._remove(item)  # and added again: the keys a wait rule gives it may change
        if failed:
            item.attempts += 1
        item.not_before = at
        self._add(item)
        item.verify = item.verify or verify
        item.error = error or item.error
        await self._store.execute(
            "UPDATE outbox SET state=?, attempts=?, not_before=?, deferred_since=NULL, error=?"
            " WHERE id = ?", (_waiting(item), item.attempts, stamp(at), item.error or None,
                              item.id))

    async def hold(self, item: Queued, until: datetime) -> bool:
        """The platform is away: nothing goes before `until`, when the first action tries
        again (counting no attempt). True when this starts a hold."""
        started = self._held_until is None
        self._held_until = until
        self.changed()
        await self._store.execute("UPDATE outbox SET state=? WHERE id = ?",
                                  (_waiting(item), item.id))
        return started

    async def done(self, item: Queued, outcome: str = receipts.SENT,
                   now: datetime | None = None) -> None:
        """The action went (or was given up: `outcome`, at `now`): forget it, and note the
        outcome if its handler asked for a receipt (bot/receipts.py). The caller makes both
        one transaction (Delivery._done)."""
        self._held_until = None
        self._remove(item)
        await self._store.execute("DELETE FROM outbox WHERE id = ?", (item.id,))
        if key := getattr(item.action, "receipt", ""):
            await receipts.settled(self._store, key, outcome, now or self._clock.now())


# the longest a retry read back waits: the back-off's longest is minutes (bot/delivery.py),
# a platform's retry_after rarely more; a governor's pause is kept by the governor
LONGEST_RETRY = timedelta(hours=1)
# what `load` and `adopt` read back of a queued action (`Outbox._stored`)
_COLUMNS = ("id, action, priority, state, after_id, deferred_since, attempts, not_before,"
            " error")


def _waiting(item: Queued) -> str:
    """The state of an action that waits to go again, as a restart must find it: still
    `sending` if it was going out when the bot last stopped and has not gone since (it is
    not settled, nor counted: bot/delivery.py), `VERIFY` if it may have happened."""
    return "sending" if item.uncertain else VERIFY if item.verify else "queued"


async def held_back(store: Reader, now: datetime) -> list[tuple[Action, Priority, datetime]]:
    """The queued actions the send budget holds back, and since when, longest first. A time
    that is no time (a hand edit) is `now`, as the bot reads it at its next start (`_time`):
    a console must not fail on the row the bot goes on with."""
    def since(value: str) -> datetime:
        try:
            return instant(value)
        except ValueError:
            return utc(now)

    found = [(Action.from_json(json.loads(action)), Priority(prio), since(value))
             for action, prio, value in await store.all(
                 "SELECT action, priority, deferred_since FROM outbox"
                 " WHERE deferred_since IS NOT NULL ORDER BY id")]
    return sorted(found, key=lambda held: held[2])  # (stable: in the order queued)


async def behind_held(store: Reader) -> int:
    """How many queued actions the send budget does not hold back themselves but wait in a
    group where it holds one back (a group's lane goes in order: by priority, then as
    queued, so a removal held back holds up the replies queued before it too)."""
    row = await store.one(
        "SELECT count(*) FROM outbox AS o WHERE o.deferred_since IS NULL AND EXISTS (SELECT 1"
        " FROM outbox AS h WHERE h.grp = o.grp AND h.deferred_since IS NOT NULL)")
    return int(row[0]) if row else 0


QUEUED_IN = "SELECT count(*) FROM outbox WHERE grp = ?"


async def queued_in(store: Reader, group: str) -> int:
    """How many actions wait to be sent in the group (its lane)."""
    row = await store.one(QUEUED_IN, (group,))
    return int(row[0]) if row else 0
