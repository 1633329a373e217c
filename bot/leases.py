"""Leases: which account serves which group, when several WeChat accounts (one
`groupbot run --account NAME` process each) share one database. Owner of the `leases` table.
Operator view: docs/scale.md.

- A group is served by the account holding its lease: one row (group, account, epoch,
  expires). Only the holder handles the group's events, runs its jobs and sends there.
- The holder renews its leases every `takeover / 3` while its platform is connected. An
  account logged out, or whose process died or stalled, stops renewing; once a lease has
  expired (`takeover` after its last renewal) another account that is in the group claims it
  and the epoch goes up. A process that starts again for the same account claims its groups
  back at once (the epoch goes up too, fencing anything its old self still had).
- Fencing: each queued action of a group keeps the epoch under which it was decided, and
  goes only while that very lease still stands (`valid`, read from the database just before
  sending). A process paused past its lease wakes up and sends nothing for the groups it lost.
- Stored times are UTC text (bot/times.py) from each process's own clock: the machines'
  clocks must agree to well within `takeover` (NTP).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.store import Reader, Store
from bot.times import stamp

log = logging.getLogger(__name__)

# when a renewal due "at once" is due: a fixed instant, which every clock reading passes (were
# it "now", read again by the caller a microsecond later, it would never be found due)
AT_ONCE = datetime(1970, 1, 1, tzinfo=UTC)

MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE leases (grp TEXT PRIMARY KEY, account TEXT NOT NULL, epoch INTEGER NOT NULL,
                         expires TEXT NOT NULL, since TEXT NOT NULL);
    CREATE INDEX leases_account ON leases (account);
    """,
)


@dataclass(slots=True)
class Held:
    epoch: int
    expires: datetime


@dataclass(frozen=True, slots=True)
class Lease:
    group: str
    account: str
    epoch: int
    expires: datetime
    since: datetime


class Leases:
    """The leases one account holds, as its process last renewed them."""

    def __init__(self, store: Store, account: str, takeover: timedelta) -> None:
        self._store = store
        self.account = account
        self.configure(takeover)
        self._held: dict[str, Held] = {}
        self._next = AT_ONCE  # the next renewal: the first one at once

    def configure(self, takeover: timedelta) -> None:
        self.takeover = takeover
        self.every = takeover / 3

    def holds(self, group: str, now: datetime) -> bool:
        """Whether this account serves `group` now: its lease is held and not expired."""
        held = self._held.get(group)
        return held is not None and now < held.expires

    def has(self, group: str) -> bool:
        """Whether the lease was held at the last renewal (it may have expired since)."""
        return group in self._held

    def epoch(self, group: str) -> int:
        held = self._held.get(group)
        return held.epoch if held is not None else 0

    def held(self) -> list[str]:
        return sorted(self._held)

    def next_due(self) -> datetime:
        return self._next

    def renew_soon(self) -> None:
        """Renew at the next chance (the platform is back: before anything is sent)."""
        self._next = AT_ONCE

    async def cycle(self, groups: Collection[str], online: bool, now: datetime) -> list[str]:
        """Renew the leases held, give up those of groups the account left, claim the groups
        it is in that nobody serves (or whose lease expired); the groups newly taken, and
        those whose lease had run out and is renewed (nobody served them meanwhile: what was
        kept or refused then is taken up again, as after a takeover).
        Offline, nothing is renewed: the leases run out and other accounts take over."""
        self._next = now + self.every
        if not online:
            return []
        expires = now + self.takeover
        taken = []
        for group in sorted(self._held):  # in one order everywhere: no deadlock on rows
            held = self._held[group]
            if group not in groups:
                await self._release(group, held, now)
                continue
            if await self._store.changes(
                    "UPDATE leases SET expires = ? WHERE grp = ? AND account = ? AND epoch = ?",
                    (stamp(expires), group, self.account, held.epoch)):
                if held.expires <= now:
                    log.warning("the lease on %s had run out; renewed (nobody took it)", group)
                    taken.append(group)
                held.expires = expires
            else:
                del self._held[group]
                log.warning("lost the lease on %s: another account serves it now", group)
        for group in sorted(set(groups) - self._held.keys()):
            if not await self._store.changes(
                    "INSERT INTO leases (grp, account, epoch, expires, since)"
                    " VALUES (?, ?, 1, ?, ?) ON CONFLICT (grp) DO UPDATE SET"
                    " account = excluded.account, epoch = leases.epoch + 1,"
                    " expires = excluded.expires, since = excluded.since"
                    " WHERE leases.expires <= ? OR leases.account = excluded.account",
                    (group, self.account, stamp(expires), stamp(now), stamp(now))):
                continue
            row = await self._store.one("SELECT epoch FROM leases WHERE grp = ?", (group,))
            self._held[group] = Held(int(row[0]) if row else 0, expires)
            taken.append(group)
        taken.sort()
        if taken:
            log.info("%s now serves %d group(s): %s", self.account, len(taken),
                     ", ".join(taken[:10]) + (" ..." if len(taken) > 10 else ""))
        return taken

    async def valid(self, group: str, epoch: int, now: datetime) -> bool:
        """The fence: the lease under which an action was decided still stands."""
        return await self._store.one(
            "SELECT 1 FROM leases WHERE grp = ? AND account = ? AND epoch = ? AND expires > ?",
            (group, self.account, epoch, stamp(now))) is not None

    async def served_by_other(self, group: str, now: datetime) -> bool:
        """Whether another account holds `group`'s lease now (else it ran out, or was
        given up, and nobody serves the group)."""
        return await self._store.one(
            "SELECT 1 FROM leases WHERE grp = ? AND account <> ? AND expires > ?",
            (group, self.account, stamp(now))) is not None

    async def release_all(self, now: datetime) -> None:
        """A clean stop: the groups go to other accounts at their next renewal, not after
        the takeover time."""
        for group, held in list(self._held.items()):
            await self._release(group, held, now)

    async def _release(self, group: str, held: Held, now: datetime) -> None:
        await self._store.execute(
            "UPDATE leases SET expires = ? WHERE grp = ? AND account = ? AND epoch = ?",
            (stamp(now), group, self.account, held.epoch))
        del self._held[group]


async def leases(store: Reader) -> dict[str, Lease]:
    """Every group's lease, by group (the report's and the console's `account`)."""
    return {row[0]: Lease(row[0], row[1], int(row[2]), datetime.fromisoformat(row[3]),
                          datetime.fromisoformat(row[4]))
            for row in await store.all(
                "SELECT grp, account, epoch, expires, since FROM leases ORDER BY grp")}
