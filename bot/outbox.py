"""Pacing of everything the bot sends, so WeChat's risk control never sees a burst.

Two limits, both configurable: one action per `group_interval` in each group (default 3 s)
and `global_per_minute` overall (default 40, spread evenly: one every 1.5 s). Order is kept
within a group; across groups, whichever is ready first goes first, ties by arrival.
Queued actions live in the store until sent, so a restart loses none.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.actions import Action
from bot.config import OutboxSettings
from bot.store import Reader, Store
from bot.times import stamp

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ALL = "*"  # the lane key under which the last send anywhere is kept


@dataclass(slots=True)
class Queued:
    id: int
    action: Action
    attempts: int = 0


class Outbox:
    def __init__(self, store: Store, settings: OutboxSettings) -> None:
        self._store = store
        self.configure(settings)
        self._lanes: dict[str, deque[Queued]] = {}
        self._last_sent: dict[str, datetime] = {}  # per lane, and ALL for any lane

    def configure(self, settings: OutboxSettings) -> None:
        self._interval = settings.group_interval
        self._gap = timedelta(seconds=60 / settings.global_per_minute)

    async def load(self) -> None:
        """Queue again what was not sent before the last stop, paced from the last sends,
        so a restart (or a crash loop) never sends faster than the limits."""
        for row_id, action in await self._store.all("SELECT id, action FROM outbox ORDER BY id"):
            self._append(Queued(row_id, Action.from_json(json.loads(action))))
        for lane, at in await self._store.all("SELECT lane, at FROM outbox_sent"):
            self._last_sent[lane] = datetime.fromisoformat(at)

    async def put(self, action: Action) -> None:
        payload = json.dumps(action.to_json(), ensure_ascii=False)
        row_id = await self._store.execute(
            "INSERT INTO outbox (grp, action) VALUES (?, ?)", (action.lane, payload))
        self._append(Queued(row_id, action))

    def _append(self, item: Queued) -> None:
        self._lanes.setdefault(item.action.lane, deque()).append(item)

    def __len__(self) -> int:
        return sum(len(q) for q in self._lanes.values())

    def next_due(self) -> datetime | None:
        """When the next action may go, or None when nothing is queued."""
        best = self._pick()
        return best[0] if best else None

    def _pick(self) -> tuple[datetime, str] | None:
        best: tuple[tuple[datetime, int], str] | None = None
        anywhere = self._last_sent.get(ALL, _EPOCH) + self._gap
        for lane, queue in self._lanes.items():
            ready = max(self._last_sent.get(lane, _EPOCH) + self._interval, anywhere)
            key = (ready, queue[0].id)
            if best is None or key < best[0]:
                best = (key, lane)
        return (best[0][0], best[1]) if best else None

    def take(self, now: datetime) -> Queued | None:
        """The next action that may go at `now`, marked as sent for pacing; None if none."""
        best = self._pick()
        if best is None or best[0] > now:
            return None
        lane = best[1]
        item = self._lanes[lane].popleft()
        if not self._lanes[lane]:
            del self._lanes[lane]
        self._last_sent[lane] = self._last_sent[ALL] = now
        return item

    def retry(self, item: Queued, at: datetime) -> None:
        """Put a failed action back at the head of its lane, to go again at `at`."""
        item.attempts += 1
        self._lanes.setdefault(item.action.lane, deque()).appendleft(item)
        self._last_sent[item.action.lane] = at - self._interval

    async def done(self, item: Queued) -> None:
        """The action went (or was given up): forget it, remember when its lane last sent."""
        await self._store.execute("DELETE FROM outbox WHERE id = ?", (item.id,))
        lane = item.action.lane
        await self._store.executemany(
            "INSERT INTO outbox_sent VALUES (?, ?) ON CONFLICT (lane) DO UPDATE SET at=excluded.at",
            [(key, stamp(self._last_sent[key])) for key in (lane, ALL)
             if key in self._last_sent])


async def queued_in(store: Reader, group: str) -> int:
    """How many actions wait to be sent in the group (its lane)."""
    row = await store.one("SELECT count(*) FROM outbox WHERE grp=?", (group,))
    return int(row[0]) if row else 0
