"""The send governor: what keeps the WeChat account alive. It sits between the outbox and
the gateway (the outbox asks it when each action may go; delivery tells it what happened).

- Budgets per account and kind (group messages, private messages, images and files,
  friend acceptances, invitations, removals): per_minute is a least gap between two actions
  of the kind, per_hour and per_day count the last 60 minutes and 24 hours.
- Jitter: every gap (the outbox's per group and overall, and the kind's) is its least
  times 1 + a random share up to `jitter`, drawn from the bot's seeded random: never less.
- Shares: a class may use only its share of a budget, the rest is kept for the classes
  above it (moderation first, pushes last); among actions that may go, the outbox's order.
- Warm-up: budgets start at `warmup.start` of their size the day the bot first saw the
  account and grow evenly to full over `warmup.days` (kept in the store: a re-login does not
  start it again).
- Back-off: a rate limit or risk-control error pauses the kind (or the whole account) for
  `backoff.first`, doubling while WeChat keeps pushing back, at most `backoff.max`; nothing
  of it goes before the pause ends; the admins are told once a pause.
- Keep: what the budget holds back longer than its `keep` time is dropped and audited,
  with what depends on it (the outbox's wait rules).
- Restarts: the last day's sends, the first day and the pauses in force are in the store,
  and when each queued action began to be held back (the outbox keeps it): a restart never
  sends into an active pause, nor starts a deferral's keep time again.

Owner of the tables governor_accounts, governor_sends and governor_pauses. Operator view:
docs/configuration.md, "Send governor".
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count, product
from random import Random

from bot import audit
from bot.actions import Action, Card
from bot.adapters.base import Disconnected, GatewayError, RateLimited
from bot.config import Budget, GovernorSettings, OutboxSettings
from bot.metrics import Metrics
from bot.outbox import Priority, Queued
from bot.store import Reader, Store
from bot.table import table
from bot.times import stamp, unstamp

ACCOUNT = "*"  # the pause key that holds every kind
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)

FILES = "files"  # what an image or file spends, in a group or private chat alike
# The budget each action kind spends.
BUDGET_OF: dict[str, str] = {
    "say": "group_messages", "rename_group": "group_messages", "dm": "private_messages",
    "accept_friend": "friend_accepts", "invite": "invitations", "kick": "removals",
    "card": "private_messages", "group_qr": FILES,  # a card in a group: group_messages
}


def budget_of(action: Action) -> str:
    """The budget `action` spends: an image or file its own, a contact card posted in a
    group the group messages', else its kind's."""
    if getattr(action, "file", ""):
        return FILES
    if isinstance(action, Card) and action.group:
        return "group_messages"
    return BUDGET_OF[action.kind]


MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE governor_accounts (account TEXT PRIMARY KEY, first_seen TEXT NOT NULL);
    CREATE TABLE governor_sends (account TEXT NOT NULL, budget TEXT NOT NULL,
                                 at TEXT NOT NULL, waited REAL NOT NULL DEFAULT 0);
    CREATE INDEX governor_sends_at ON governor_sends (account, at);
    """,
    """
    CREATE TABLE governor_pauses (account TEXT NOT NULL, pause_key TEXT NOT NULL,
                                  until TEXT NOT NULL, level INTEGER NOT NULL,
                                  told INTEGER NOT NULL, PRIMARY KEY (account, pause_key));
    """,
)


@dataclass(slots=True)
class Pause:
    until: datetime
    level: int  # 1 for the first push-back; doubles the pause each time
    told: bool = False


@dataclass(frozen=True, slots=True)
class Usage:
    budget: str
    hour: int
    day: int
    per_hour: int
    per_day: int
    paused_until: datetime | None


def warmed(settings: GovernorSettings, first_seen: datetime | None, now: datetime) -> float:
    """The share of each budget an account first seen at `first_seen` has by `now`."""
    warm = settings.warmup
    if not warm.days or first_seen is None:
        return 1.0
    age = (now - first_seen) / timedelta(days=warm.days)
    return min(1.0, warm.start + (1 - warm.start) * max(0.0, age))


def scaled(settings: GovernorSettings, budget: str, scale: float) -> tuple[int, int, int]:
    """(per_minute, per_hour, per_day) of `budget` at `scale` of its size, at least 1."""
    size: Budget = getattr(settings.budgets, budget)
    return tuple(max(1, math.floor(n * scale))  # type: ignore[return-value]
                 for n in (size.per_minute, size.per_hour, size.per_day))


def keep_of(settings: GovernorSettings, kind: str, cls: str) -> timedelta | None:
    """How long the budget may hold back an action of `kind` and outbox class `cls`."""
    keep = settings.keep
    return keep[kind] if kind in keep else keep.get(cls)


class Governor:
    def __init__(self, store: Store, settings: GovernorSettings, outbox: OutboxSettings,
                 random: Random, metrics: Metrics) -> None:
        self._store = store
        self._metrics = metrics
        self._random = random
        self.account = ""
        self._first_seen: datetime | None = None
        self._sends: dict[str, list[datetime]] = {}  # per budget, the last day's, in order
        # per lane, per budget and "" (anywhere): the last send and the jittered gap after it
        self._last: dict[str, tuple[datetime, timedelta]] = {}
        self._pauses: dict[str, Pause] = {}  # per budget, and ACCOUNT
        self.deferred: dict[int, Queued] = {}  # held back by the budget (since .deferred_since)
        self._order: dict[int, int] = {}  # which of them was held back first (a count)
        self._deferrals = count()
        self._unsaved: list[Queued] = []  # deferrals the outbox is yet to store
        # when each deferred action is to be dropped, soonest first: (then, its id); an entry
        # whose action is no longer deferred is skipped when it comes up
        self._expiries: list[tuple[datetime, int]] = []
        # what bound() and holds() found at one time for a (budget, class), until what they
        # read changes (a send, a pause, the config, the account): the outbox asks for each
        # gate key, and for each action it looks at
        self._version = 0
        self._layout = 0  # changes when lane()'s answers may (the config)
        self._spent_until: dict[tuple[str, int], datetime] = {}
        self._spent_for: tuple[datetime, int] | None = None
        # steady_until's answer: for which config and first day, from when, until when
        self._steady: tuple[tuple[int, datetime | None], datetime, datetime] | None = None
        self.configure(settings, outbox)

    def configure(self, settings: GovernorSettings, outbox: OutboxSettings) -> None:
        self.settings = settings
        self._version += 1
        self._layout += 1
        self._expiries = []  # the keep times may have changed
        for item in self.deferred.values():
            self._expire_later(item)
        self._interval = outbox.group_interval
        self._gap = timedelta(seconds=60 / outbox.global_per_minute)
        self._patterns = [re.compile(re.escape(p)) for p in settings.backoff.patterns]
        self._account_patterns = [re.compile(re.escape(p))
                                  for p in settings.backoff.account_patterns]

    async def use_account(self, account: str, now: datetime) -> None:
        """The account the gateway is logged in as: its first day and its last day's sends."""
        if account == self.account or not account:  # '' before the first login
            return
        self.account = account
        self._version += 1
        await self._store.execute(
            "INSERT INTO governor_accounts VALUES (?, ?) ON CONFLICT (account) DO NOTHING",
            (account, stamp(now)))
        row = await self._store.one(
            "SELECT first_seen FROM governor_accounts WHERE account = ?", (account,))
        self._first_seen = unstamp(row[0]) if row else now
        await self._store.execute("DELETE FROM governor_sends WHERE at <= ?",
                                  (stamp(now - 2 * DAY),))
        self._sends = {}
        for budget, at in await self._store.all(
                "SELECT budget, at FROM governor_sends WHERE account = ? AND at > ?"
                " ORDER BY at", (account, stamp(now - DAY))):
            self._sends.setdefault(budget, []).append(unstamp(at) or now)
        for budget, sends in self._sends.items():  # the least gap after the last one
            per_minute = self.limits(budget, now)[0]
            self._last[budget] = (sends[-1], timedelta(seconds=60 / per_minute))
        self._pauses = {key: Pause(unstamp(until) or now, int(level), bool(told))
                        for key, until, level, told in await self._store.all(
                            "SELECT pause_key, until, level, told FROM governor_pauses"
                            " WHERE account = ?", (account,))}

    # ------------------------------------------------------------ when it may go

    def warmup(self, now: datetime) -> float:
        """The share of each budget the account has by now (1.0 once warmed up)."""
        return warmed(self.settings, self._first_seen, now)

    def state(self) -> tuple[int, int]:
        """Changes whenever the answers of lane() (its first part) or of bound() and holds()
        may (but for the warm-up: steady_until)."""
        return self._layout, self._version

    def steady_until(self, now: datetime) -> datetime | None:
        """Until when no budget's size changes by itself (None: never; the warm-up is over,
        or the governor is off): the answers of bound() and holds() change before then only
        by a send, a pause or a new config."""
        cached, version = self._steady, (self._layout, self._first_seen)
        if cached is not None and cached[0] == version and cached[1] <= now < cached[2]:
            return cached[2]  # (the config and the first day are what it depends on)
        warm = self.settings.warmup
        if not self.settings.enabled or not warm.days or self._first_seen is None:
            return None
        share = self.warmup(now)
        if share >= 1.0:
            return None
        changes = []
        # per_minute is a gap drawn at each send: only the hour's and the day's sizes matter
        for budget in type(self.settings.budgets).model_fields:
            size: Budget = getattr(self.settings.budgets, budget)
            for cls, n in product((1.0, *self.settings.shares.values()),
                                  (size.per_hour, size.per_day)):
                if (full := n * cls) <= 0:
                    continue
                grown = (math.floor(full * share) + 1) / full  # the share it grows at
                if grown <= 1.0:
                    changes.append((grown - warm.start) / (1 - warm.start))
        # the warm-up's end, when every size is full; a second early, for rounding
        ages = [*changes, 1.0]
        until = self._first_seen + timedelta(days=warm.days) * min(ages) - timedelta(seconds=1)
        until = max(until, now + timedelta(microseconds=1))
        self._steady = (version, now, until)
        return until

    def limits(self, budget: str, now: datetime, share: float = 1.0) -> tuple[int, int, int]:
        """(per_minute, per_hour, per_day) of `budget` now, for a class with `share`."""
        return scaled(self.settings, budget, self.warmup(now) * share)

    # The earliest time an action may go, by the governor, is the latest of lane() for its
    # lane and bound() for its key (the outbox adds its pacing): the outbox applies a bound
    # to every lane alike, so a send costs it only the lanes it changed (bot/outbox.py).

    def key(self, item: Queued) -> tuple[str, int]:
        """What bound() and holds() tell apart: the budget `item` spends and its class."""
        return budget_of(item.action), item.priority

    def lane(self, lane: str, now: datetime) -> datetime:
        """When the gap after the last send in `lane` ends."""
        return self._after(lane, now) if self.settings.enabled else now

    def bound(self, key: tuple[str, int], now: datetime) -> datetime:
        """When an action of `key` may go, in any lane: the gap after the last send of its
        budget and anywhere, and when its class has budget left and no pause holds it."""
        if not self.settings.enabled:
            return now
        return max(self._after(key[0], now), self._after("", now), self._held(key, now))

    def holds(self, key: tuple[str, int], now: datetime) -> bool:
        """Whether the budget (or a pause) holds the actions of `key` back now."""
        return self.settings.enabled and self._held(key, now) > now

    def defer(self, item: Queued, key: tuple[str, int], now: datetime) -> None:
        """The outbox looks at `item` at `now`: if the budget holds it back, keep it (since
        when, and when it is to be dropped)."""
        if item.id in self.deferred or not self.holds(key, now):
            return
        self.deferred[item.id] = item
        self._order[item.id] = next(self._deferrals)
        item.held = True
        if item.deferred_since is None:  # else: held back before a restart
            item.deferred_since = now
            self._unsaved.append(item)
            self._metrics.governor_deferred.labels(item.action.kind).inc()
        self._expire_later(item)

    def _held(self, key: tuple[str, int], now: datetime) -> datetime:
        """When `key`'s class has budget left and no pause holds its budget (now if so)."""
        if self._spent_for != (now, self._version):
            self._spent_until.clear()
            self._spent_for = (now, self._version)
        if (spent := self._spent_until.get(key)) is None:
            budget = key[0]
            spent = self._spent(Priority(key[1]), budget, now)
            for pause_key in (budget, ACCOUNT):
                if (pause := self._pauses.get(pause_key)) is not None:
                    spent = max(spent, pause.until)
            self._spent_until[key] = spent
        return spent

    def _expire_later(self, item: Queued) -> None:
        if item.deferred_since is not None and (keep := self.keep_for(item)) is not None:
            heapq.heappush(self._expiries, (item.deferred_since + keep, item.id))

    def unsaved(self) -> list[Queued]:
        """The actions held back since the last call (for the outbox to keep since when)."""
        items, self._unsaved = self._unsaved, []
        return items

    def _after(self, key: str, now: datetime) -> datetime:
        """When the gap after `key`'s last send ends. A last send in the future (the clock
        was set back) counts as now, once: it waits one gap, never until that time."""
        if (last := self._last.get(key)) is None:
            return now
        at, gap = last
        if at > now:
            self._last[key] = (now, gap)
            at = now
        return at + gap

    def _spent(self, cls: Priority, budget: str, now: datetime) -> datetime:
        """When the class `cls` has budget left in the last hour and day (now if it has)."""
        share = self.settings.shares.get(cls.name.lower(), 1.0)
        _, per_hour, per_day = self.limits(budget, now, share)
        sends = self._sends.get(budget, [])
        at = now
        for window, limit in ((HOUR, per_hour), (DAY, per_day)):
            inside = len(sends) - bisect.bisect_right(sends, now - window)
            if inside >= limit:  # the oldest that must leave the window first
                at = max(at, sends[len(sends) - limit] + window)
        return at

    def keep_for(self, item: Queued) -> timedelta | None:
        return keep_of(self.settings, item.action.kind, item.priority.name.lower())

    def expired(self, now: datetime) -> list[Queued]:
        """What the budget held back longer than its kind or class may wait."""
        gone: dict[int, Queued] = {}
        while (expiry := self.next_expiry()) is not None and expiry <= now:
            item_id = heapq.heappop(self._expiries)[1]
            gone[item_id] = self.deferred[item_id]
        if len(gone) > 1:  # in the order they were held back
            gone = dict(sorted(gone.items(), key=lambda pair: self._order[pair[0]]))
        for item in gone.values():
            self._release(item)
        return list(gone.values())

    def _release(self, item: Queued) -> None:
        """`item` is no longer held back (it went, or is dropped)."""
        self.deferred.pop(item.id, None)
        self._order.pop(item.id, None)
        item.held = False

    def next_expiry(self) -> datetime | None:
        """When the first action held back is to be dropped, if any is."""
        expiries = self._expiries
        while expiries:
            at, item_id = expiries[0]
            item = self.deferred.get(item_id)
            if item is not None and item.deferred_since is not None and \
                    (keep := self.keep_for(item)) is not None and item.deferred_since + keep == at:
                return at
            heapq.heappop(expiries)  # sent, dropped, or held back again since
        return None

    def forget(self, item: Queued) -> None:
        """`item` left the outbox without being sent (dropped with what it depended on)."""
        self._release(item)

    # ------------------------------------------------------------ what happened

    async def sent(self, item: Queued, now: datetime) -> None:
        """`item` reached WeChat at `now` (done or failed): spend its budget, draw the next
        jittered gaps."""
        self._release(item)
        self._version += 1
        since, item.deferred_since = item.deferred_since, None
        waited = (now - since).total_seconds() if since else 0.0
        action = item.action
        budget = budget_of(action)
        per_minute = self.limits(budget, now)[0]
        self._last[action.lane] = (now, self._jittered(self._interval))
        self._last[""] = (now, self._jittered(self._gap))
        self._last[budget] = (now, self._jittered(timedelta(seconds=60 / per_minute)))
        sends = self._sends.setdefault(budget, [])
        sends.append(now)
        del sends[:bisect.bisect_right(sends, now - DAY)]
        await self._store.execute("INSERT INTO governor_sends VALUES (?, ?, ?, ?)",
                                  (self.account, budget, stamp(now), waited))
        for row in self.usage(now):
            if row.budget == budget:
                for window, used, limit in (("hour", row.hour, row.per_hour),
                                            ("day", row.day, row.per_day)):
                    self._metrics.budget_used.labels(budget, window).set(used)
                    self._metrics.budget_limit.labels(budget, window).set(limit)

    def _jittered(self, least: timedelta) -> timedelta:
        return least * (1 + self._random.uniform(0, self.settings.jitter))

    async def ok(self, action: Action) -> None:
        """A send of the kind went through: its pause is over (its level stays a while)."""
        for key in (budget_of(action), ACCOUNT):
            if (pause := self._pauses.get(key)) is not None and pause.told:
                pause.told = False
                await self._save(key, pause)

    def pushback(self, action: Action, exc: GatewayError) -> str | None:
        """The pause key (a budget, or ACCOUNT) when `exc` is WeChat pushing back."""
        if isinstance(exc, Disconnected) or not self.settings.enabled:
            return None
        text = str(exc)
        if any(p.search(text) for p in self._account_patterns):
            return ACCOUNT
        if isinstance(exc, RateLimited) or any(p.search(text) for p in self._patterns):
            return budget_of(action)
        return None

    async def pause(self, key: str, now: datetime,
                    retry_after: float | None) -> tuple[Pause, bool]:
        """Pause `key`: twice as long as the last time while WeChat keeps pushing back (within
        backoff.max of the end of the last pause), at most backoff.max. True when the admins are to
        be told (the first push-back of a pause)."""
        backoff = self.settings.backoff
        old = self._pauses.get(key)
        again = old is not None and now - old.until <= backoff.max  # soon after the last pause
        level = old.level + 1 if old is not None and again else 1
        delay = min(backoff.first * 2 ** (level - 1), backoff.max)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        tell = not again or old is None or not old.told
        pause = self._pauses[key] = Pause(now + delay, level, told=True)
        self._version += 1
        await self._save(key, pause)
        return pause, tell

    async def _save(self, key: str, pause: Pause) -> None:
        await self._store.execute(
            "INSERT INTO governor_pauses VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, pause_key)"
            " DO UPDATE SET until=excluded.until, level=excluded.level, told=excluded.told",
            (self.account, key, stamp(pause.until), pause.level, int(pause.told)))

    def paused(self, now: datetime) -> dict[str, datetime]:
        return {key: p.until for key, p in self._pauses.items() if p.until > now}

    def usage(self, now: datetime) -> list[Usage]:
        """Each budget's use in the last hour and day, with its limits now."""
        paused = self.paused(now)
        rows = []
        for budget in type(self.settings.budgets).model_fields:
            sends = self._sends.get(budget, [])
            _, per_hour, per_day = self.limits(budget, now)
            hour = len(sends) - bisect.bisect_right(sends, now - HOUR)
            day = len(sends) - bisect.bisect_right(sends, now - DAY)
            rows.append(Usage(budget, hour, day, per_hour, per_day,
                              paused.get(budget, paused.get(ACCOUNT))))
        return rows


@dataclass(frozen=True, slots=True)
class AccountStatus:
    account: str
    first_seen: datetime
    warmup: float  # the share of each budget it has now
    budgets: list[Usage]
    pauses: dict[str, tuple[datetime, int]]  # in force: budget (or ACCOUNT) -> until, level


async def status(store: Reader, settings: GovernorSettings, now: datetime) -> list[AccountStatus]:
    """From the store (so `groupbot web` shows it without a bot): per account, each budget's
    use in the last hour and day against its limits now, and the pauses in force."""
    accounts = []
    for account, seen in await store.all(
            "SELECT account, first_seen FROM governor_accounts ORDER BY first_seen"):
        first_seen = unstamp(seen) or now
        used = {budget: (int(hour), int(day)) for budget, hour, day in await store.all(
            "SELECT budget, sum(CASE WHEN at > ? THEN 1 ELSE 0 END), count(*) FROM governor_sends"
            " WHERE account = ? AND at > ? AND at <= ? GROUP BY budget",
            (stamp(now - HOUR), account, stamp(now - DAY), stamp(now)))}
        pauses = {key: (until, int(level)) for key, value, level in await store.all(
            "SELECT pause_key, until, level FROM governor_pauses WHERE account = ?", (account,))
            if (until := unstamp(value)) is not None and until > now}
        share = warmed(settings, first_seen, now)
        rows = []
        for budget in type(settings.budgets).model_fields:
            _, per_hour, per_day = scaled(settings, budget, share)
            hour, day = used.get(budget, (0, 0))
            paused = pauses.get(budget, pauses.get(ACCOUNT, (None, 0)))[0]
            rows.append(Usage(budget, hour, day, per_hour, per_day, paused))
        accounts.append(AccountStatus(account, first_seen, share, rows, pauses))
    return accounts


async def report(store: Reader, settings: GovernorSettings, since: datetime,
                 until: datetime) -> str:
    """`groupbot report`'s send budget table: per budget, what went in the period, how much
    of it the budget held back first (and the longest wait), what was dropped, the pauses
    WeChat caused, and the day's budget at full size (warm-up not applied)."""
    sent = {budget: (int(n), int(late), float(longest or 0)) for budget, n, late, longest in
            await store.all("SELECT budget, count(*), count(*) FILTER (WHERE waited > 0),"
                            " max(waited) FROM governor_sends WHERE at >= ? AND at < ?"
                            " GROUP BY budget",
                            (stamp(since), stamp(until)))}
    events: dict[tuple[str, str], int] = {}
    for kind, budget in BUDGET_OF.items():
        for what in ("dropped", "paused"):
            times = await audit.times(store, f"{kind}_{what}", since)
            events[budget, what] = events.get((budget, what), 0) + sum(t < until for t in times)
    rows = [("budget", "sent", "held back", "longest wait", "dropped", "paused", "per day")]
    for budget in type(settings.budgets).model_fields:
        n, late, longest = sent.get(budget, (0, 0, 0.0))
        rows.append((budget, str(n), str(late), str(timedelta(seconds=round(longest))),
                     str(events.get((budget, "dropped"), 0)),
                     str(events.get((budget, "paused"), 0)),
                     str(getattr(settings.budgets, budget).per_day)))
    state = "on" if settings.enabled else "off (governor.enabled: false)"
    return f"Send budget: the governor is {state}\n{table(rows)}"
