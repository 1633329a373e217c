"""When handlers' jobs come due: cron schedules, one-off dated jobs and one-shot timers.

APScheduler's CronTrigger (and DateTrigger, for a job at one date and time: a push's `at:`)
decides fire times; due jobs only become Tick events for the handler that owns them. Every
run is recorded, so a restart never runs one twice; a run missed while the bot was down is
made up once if it is within the job's grace time (several missed runs coalesce into one),
otherwise skipped and logged. One-shot timers (a welcome batch window, a quiz deadline...)
are kept in the store and survive restarts.

Fire times and timers are instants, kept and compared in UTC (bot/times.py). On the night
clocks go back, 01:30 comes twice: a line of set hours ("30 1 * * *", a daily push) runs at
the first only, as cron does (APScheduler's trigger gives both); a line that runs every hour
("0 * * * *") runs at both, an hour apart in real time. Ticks carry them in the bot's zone.
"""

from __future__ import annotations

import heapq
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.events import Tick
from bot.store import Reader, Store
from bot.times import stamp, utc

log = logging.getLogger(__name__)

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TICK = timedelta(microseconds=1)


def cron_trigger(expression: str, tz: tzinfo) -> BaseTrigger:
    """A standard 5-field crontab line ("30 12 * * 1-5": weekdays at 12:30).

    Day-of-week numbers follow crontab (0 or 7 = Sunday; ranges and steps as crontab counts
    them, `_weekdays`); APScheduler 3 would read 0 as Monday. When both the day of the month and
    the weekday are restricted (neither begins with `*`), the line runs on a day that
    matches either, as crontab does ("0 9 1 * 5": the 1st and every Friday); APScheduler's
    trigger alone would want both.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a cron schedule has 5 fields (minute hour day month weekday): "
                         f"{expression!r}")
    try:
        restricted = not (fields[2].startswith("*") or fields[4].startswith("*"))
        fields[4] = _weekdays(fields[4])
        if not restricted:
            return CronTrigger.from_crontab(" ".join(fields), timezone=tz)
        minute, hour, day, month, weekday = fields
        return OrTrigger([CronTrigger.from_crontab(line, timezone=tz) for line in (
            f"{minute} {hour} {day} {month} *", f"{minute} {hour} * {month} {weekday}")])
    except ValueError as exc:
        raise ValueError(f"invalid cron schedule {expression!r}: {exc}") from None


def trigger(cron: str, at: datetime | None, tz: tzinfo) -> BaseTrigger:
    """A job's trigger: its cron line, or its one date and time."""
    return DateTrigger(at, timezone=tz) if at is not None else cron_trigger(cron, tz)


def _after(trigger: BaseTrigger, fire: datetime) -> datetime | None:
    """The trigger's next fire time after `fire`, in UTC (as `fire`): stepped in the bot's
    zone, `fire + 1 µs` would lose which of two 01:30s (clocks going back) `fire` was, and
    the trigger would give the same one again."""
    return _once(trigger, _in_utc(trigger.get_next_fire_time(fire, fire + _TICK)))


def _from(trigger: BaseTrigger, since: datetime) -> datetime | None:
    """The trigger's first fire time at or after `since`, in UTC."""
    return _once(trigger, _in_utc(trigger.get_next_fire_time(None, since)))


def _once(trigger: BaseTrigger, fire: datetime | None) -> datetime | None:
    """`fire`, or the one after it if it is the second time its time of day comes round
    (clocks going back) for a cron line of set hours: it ran at the first."""
    while fire is not None and _again(trigger, fire):
        fire = _in_utc(trigger.get_next_fire_time(fire, fire + _TICK))
    return fire


def _again(trigger: BaseTrigger, fire: datetime) -> bool:
    if isinstance(trigger, OrTrigger):  # (day or weekday: the same hours in both)
        trigger = trigger.triggers[0]
    if not isinstance(trigger, CronTrigger) or \
            str(next(f for f in trigger.fields if f.name == "hour")) == "*":
        return False  # a one-off date, or a line of every hour: every instant runs
    local = fire.astimezone(trigger.timezone)
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


def _in_utc(fire: datetime | None) -> datetime | None:
    return None if fire is None else fire.astimezone(UTC)


def _weekdays(field: str) -> str:
    """A crontab weekday field as APScheduler's day names. Crontab's numbers (0 or 7 =
    Sunday) begin the week on Sunday, APScheduler's names on Monday, so ranges, lists and
    steps ("1-5/2": Monday, Wednesday, Friday; "0-2": Sunday to Tuesday; "*/2") are worked
    out here as crontab means them and given as a list of days. Day names are their numbers
    (sun 0 ... sat 6, in any case) and may be mixed with them ("mon-fri/2", "mon,3"); sun
    ending a range is 7 ("sat-sun": the weekend, "sun-tue": Sunday to Tuesday)."""
    if field == "*":
        return field
    days: set[int] = set()
    for item in field.split(","):
        spec, _, step = item.partition("/")
        if (step and not step.isdigit()) or step == "0":
            raise ValueError(f"weekday step {step!r} is not a whole number from 1")
        every = int(step or 1)
        if spec == "*":
            first, last = 0, 6
        elif "-" in spec:
            start, end = spec.split("-", 1)
            first, last = _day(start), _day(end, ends_range=True)
        else:
            first = _day(spec)
            last = 7 if step else first  # "1/2": from Monday on, every second day
        if first > last:
            raise ValueError(f"weekday range {spec!r} runs backwards")
        days.update(day % 7 for day in range(first, last + 1, every))
    return ",".join(_DAYS[day] for day in sorted(days))


def _day(day: str, ends_range: bool = False) -> int:
    """A weekday's number in crontab: 0-7 (0 and 7 Sunday) or a day name (sun 0 ... sat 6;
    sun 7 at the end of a range)."""
    name = day.strip().lower()
    if name in _DAYS:
        return 7 if name == "sun" and ends_range else _DAYS.index(name)
    if not name.isdigit() or int(name) > 7:
        raise ValueError(f"weekday {day!r} is neither 0-7 nor a day name "
                         f"({' '.join(_DAYS[:7])})")
    return int(name)


@dataclass
class Job:
    group: str
    handler: str
    key: str
    trigger: BaseTrigger
    grace: timedelta
    next_fire: datetime | None = None  # in UTC


Slot = tuple[str, str, str]  # whose a timer or cron job is: (group, handler, key); one of each


class Scheduler:
    def __init__(self, store: Store, tz: tzinfo) -> None:
        self._store = store
        self._tz = tz  # stored times are UTC; ticks carry the bot's zone
        self._jobs: dict[Slot, Job] = {}
        self._timers: dict[Slot, datetime] = {}  # due times in UTC, as the heaps
        self._heap: list[tuple[datetime, Slot]] = []
        # cron jobs by next fire time (ties in the order the jobs were set); an entry whose
        # job has moved on since is skipped when it comes up
        self._job_heap: list[tuple[datetime, int, Slot]] = []
        self._order: dict[Slot, int] = {}
        # whether this process runs a group's jobs (with several accounts, the group's lease
        # holder: bot/leases.py); jobs of other groups pass by, their timers are left alone
        self.mine: Callable[[str], bool] = lambda group: True

    async def load(self, group: str | None = None) -> None:
        """The stored timers (of one group: taken over from another account)."""
        where, params = (" WHERE grp = ?", (group,)) if group is not None else ("", ())
        for grp, handler, key, due in await self._store.all(
                f"SELECT grp, handler, key, due FROM timers{where}", params):
            self._remember((grp, handler, key), datetime.fromisoformat(due))

    # ------------------------------------------------------------ one-shot timers

    async def set_timer(self, slot: Slot, due: datetime, data: dict[str, Any],
                        replace: bool = True) -> bool:
        """Arm a timer; with replace=False an armed one is kept. True if this call armed it."""
        if not replace and slot in self._timers:
            return False
        await self._store.execute(
            "INSERT INTO timers VALUES (?, ?, ?, ?, ?) ON CONFLICT (grp, handler, key)"
            " DO UPDATE SET due = excluded.due, data = excluded.data",
            (*slot, stamp(due), json.dumps(data, ensure_ascii=False)))
        self._undo_later(slot)
        self._remember(slot, due)
        return True

    async def cancel_timer(self, slot: Slot) -> None:
        if slot in self._timers:
            await self._store.execute("DELETE FROM timers WHERE grp=? AND handler=? AND key=?",
                                      slot)
            self._undo_later(slot)
            del self._timers[slot]

    def _undo_later(self, slot: Slot) -> None:
        """If the write about to change the timer is rolled back (the handler raised, the
        event was undone), so is the change in memory: the timer is as the store has it."""
        before = self._timers.get(slot)

        def undo() -> None:
            if before is None:
                self._timers.pop(slot, None)
            else:
                self._remember(slot, before)

        self._store.on_undo(undo)

    def next_fire(self, group: str, handler: str, key: str) -> datetime | None:
        """When a recurring job runs next; None when it is not scheduled."""
        job = self._jobs.get((group, handler, key))
        return self._local(job.next_fire) if job is not None else None

    def has_timers(self) -> bool:
        return bool(self._timers)

    def timer_due(self, slot: Slot) -> datetime | None:
        return self._local(self._timers.get(slot))

    def _local(self, at: datetime | None) -> datetime | None:
        return None if at is None else at.astimezone(self._tz)

    def _remember(self, slot: Slot, due: datetime) -> None:
        due = utc(due)
        self._timers[slot] = due
        heapq.heappush(self._heap, (due, slot))

    def _next_timer(self) -> tuple[datetime, Slot] | None:
        while self._heap:
            due, slot = self._heap[0]
            if self._timers.get(slot) == due:
                if not slot[0] or self.mine(slot[0]):
                    return due, slot
                del self._timers[slot]  # another account's group: load() it on takeover
            heapq.heappop(self._heap)  # re-armed or cancelled since
        return None

    # ------------------------------------------------------------ cron jobs

    async def set_jobs(self, jobs: list[Job], now: datetime) -> None:
        """Replace all recurring jobs (at start, after a login and on reload); make up recent
        misses once. A job as it was before keeps a run that is due and not taken yet (one
        held while the platform was away: `take` judges it)."""
        before = self._jobs
        self._jobs, self._job_heap, self._order = {}, [], {}
        for order, job in enumerate(jobs):
            slot = (job.group, job.handler, job.key)
            old = before.get(slot)
            if old is not None and old.next_fire is not None and old.next_fire <= utc(now) \
                    and str(old.trigger) == str(job.trigger):
                job.next_fire = old.next_fire
            else:
                job.next_fire = await self._first_fire(job, now)
            self._jobs[slot], self._order[slot] = job, order
            self._plan(job)

    def _plan(self, job: Job) -> None:
        if job.next_fire is not None:
            slot = (job.group, job.handler, job.key)
            heapq.heappush(self._job_heap, (job.next_fire, self._order[slot], slot))

    def _next_job(self) -> Job | None:
        while self._job_heap:
            due, _, slot = self._job_heap[0]
            job = self._jobs.get(slot)
            if job is not None and job.next_fire == due:
                return job
            heapq.heappop(self._job_heap)  # fired or replaced since
        return None

    async def _first_fire(self, job: Job, now: datetime) -> datetime | None:
        now = utc(now)
        fire = _from(job.trigger, now - job.grace)
        latest: datetime | None = None
        while fire is not None and fire <= now:
            latest, fire = fire, _after(job.trigger, fire)
        if latest is not None and not await self._ran(job, latest):
            if now - latest <= job.grace:
                return latest  # missed within the grace time: run it now, once
            # a one-off time (DateTrigger gives it however long ago): missed for good
            log.warning("skipped %s/%s in %s due at %s: the bot was down past the %s grace",
                        job.handler, job.key, job.group, self._local(latest), job.grace)
            await self._record(job, latest, "skipped")
            return fire
        await self._log_skipped(job, now)
        return fire

    async def _ran(self, job: Job, fire: datetime) -> bool:
        return await self._store.one(
            "SELECT 1 FROM cron_runs WHERE grp=? AND handler=? AND job=? AND fire_time=?",
            (job.group, job.handler, job.key, stamp(fire))) is not None

    async def _log_skipped(self, job: Job, now: datetime) -> None:
        row = await self._store.one(
            "SELECT max(fire_time) FROM cron_runs WHERE grp=? AND handler=? AND job=?",
            (job.group, job.handler, job.key))
        if not row or row[0] is None:
            return
        missed, fire = 0, _after(job.trigger, utc(datetime.fromisoformat(row[0])))
        while fire is not None and fire <= utc(now) - job.grace and missed < 1000:
            missed, fire = missed + 1, _after(job.trigger, fire)
        if missed:
            log.warning("skipped %d run(s) of %s/%s in %s: the bot was down past the %s grace",
                        missed, job.handler, job.key, job.group, job.grace)

    async def postpone(self, tick: Tick, until: datetime) -> None:
        """A tick that could not be handled: a timer comes back at `until`; a cron run is
        lost (its next run is already planned) and logged."""
        slot = (tick.group or "", tick.handler, tick.key)
        if slot in self._jobs:
            log.error("lost run %s/%s in %s due at %s", tick.handler, tick.key, tick.group,
                      tick.due)
            return
        await self.set_timer(slot, until, tick.data)

    # ------------------------------------------------------------ what is due

    def next_due(self) -> datetime | None:
        """When the next job or timer is due, in UTC."""
        job, timer = self._next_job(), self._next_timer()
        times = [t for t in (job.next_fire if job else None, timer[0] if timer else None)
                 if t is not None]
        return min(times, default=None)

    async def take(self, now: datetime,
                   outage: tuple[datetime, datetime] | None = None) -> Tick | None:
        """The earliest Tick due at `now` (timer rows deleted, cron runs recorded), or None.
        `outage`: the platform was away from its first to its second instant while the bot
        ran, and no tick was taken (bot/app.py): a run due then is late only from its end."""
        job, timer = self._next_job(), self._next_timer()
        if job is not None and job.next_fire is not None and job.next_fire <= utc(now) and (
                timer is None or job.next_fire <= timer[0]):
            return await self._fire(job, now, outage)
        if timer is not None and timer[0] <= utc(now):
            due, slot = timer
            row = await self._store.one(
                "SELECT data FROM timers WHERE grp=? AND handler=? AND key=?", slot)
            if not await self._store.changes(  # taken once, whichever process gets there
                    "DELETE FROM timers WHERE grp=? AND handler=? AND key=?", slot):
                self._timers.pop(slot, None)
                return None
            self._undo_later(slot)  # the tick's event undone: the timer is due again
            self._timers.pop(slot, None)
            data = json.loads(row[0]) if row else {}
            return Tick(now, slot[0] or None, handler=slot[1], key=slot[2],
                        due=due.astimezone(self._tz), data=data)
        return None

    async def _fire(self, job: Job, now: datetime,
                    outage: tuple[datetime, datetime] | None) -> Tick | None:
        fire = job.next_fire
        assert fire is not None
        # Runs missed while the process stalled coalesce into the latest one. (APScheduler
        # counts from the previous fire time, not from `now`, so step through them.)
        while (later := _after(job.trigger, fire)) is not None and later <= utc(now):
            fire = later
        job.next_fire = _after(job.trigger, fire)
        self._plan(job)
        late = utc(now) - fire
        if outage is not None and outage[0] <= fire <= outage[1]:
            late = utc(now) - outage[1]  # held while the platform was away, not missed
        if late > job.grace:
            log.warning("skipped %s/%s in %s due at %s: %s late", job.handler, job.key,
                        job.group, self._local(fire), late)
            return None
        if not self.mine(job.group):
            return None  # another account serves the group: its process runs the job
        if not await self._record(job, fire, "run"):
            return None
        return Tick(now, job.group, handler=job.handler, key=job.key,
                    due=fire.astimezone(self._tz))

    async def _record(self, job: Job, fire: datetime, outcome: str) -> bool:
        """Record a run (or its skipping); False if it was recorded before."""
        return bool(await self._store.changes(
            "INSERT INTO cron_runs VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (grp, handler, job, fire_time) DO NOTHING",
            (job.group, job.handler, job.key, stamp(fire), outcome)))


async def last_run(store: Reader, group: str, handler: str,
                   key: str) -> tuple[datetime, str] | None:
    """The latest recorded run of a recurring job and its outcome, None if it never ran."""
    row = await store.one(
        "SELECT fire_time, outcome FROM cron_runs WHERE grp=? AND handler=? AND job=?"
        " ORDER BY fire_time DESC LIMIT 1", (group, handler, key))
    return (datetime.fromisoformat(row[0]), str(row[1])) if row else None
