"""Scheduled pushes: content posted in every group of a type at fixed times.

Each schedule has cron times (and one-off dates, `at:`) in the bot's time zone and a content
file whose items are posted one per run: always the same (fixed), the next one each time
(rotate), a random one that does not repeat until all were posted (random), or episode N of
M (series, which stops or starts again at the end); an `image` or `attachment` goes with
every run, after the text (or alone). Quiet hours skip a push or move it to when they end;
two cron pushes in one group are never closer than `min_gap`. Every run is recorded in
`push_log`, and the core records cron runs, so a restart never posts one twice. A one-off
goes at its time whatever `min_gap` says (it was dated for that moment); a run not posted
(quiet hours, the gap) is logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from random import Random
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, Field, model_validator

from bot import yamlfile
from bot.config import (
    At,
    ClockTime,
    Content,
    ContentFile,
    Cron,
    Duration,
    Media,
    Template,
    TemplateText,
    placeholders,
)
from bot.context import Context
from bot.events import Tick
from bot.handler import CONTINUE, Flow, Handler, HandlerConfig, Schedule
from bot.sanitize import Safe
from bot.scheduler import cron_trigger
from bot.times import instant, stamp, to_utc, utc
from bot.yamlfile import InputError

log = logging.getLogger(__name__)
T = TypeVar("T")


def _one_or_more(value: Any) -> Any:
    return value if isinstance(value, list) else [value]

# ---------------------------------------------------------------- content and picking


def items_of(content: Content) -> list[str]:
    """The texts of a push file: a YAML list (.yaml/.yml), else blocks separated by '---'."""
    if content.path.endswith((".yaml", ".yml")):
        try:  # (as config files are read: a problem is one line naming the file's line)
            data = yamlfile.parse(content.text, Path(content.path)).data
        except InputError as exc:
            raise ValueError("; ".join(str(problem) for problem in exc.problems)) from None
        if not isinstance(data, list) or not all(isinstance(i, str) for i in data):
            raise ValueError(f"{content.path}: a YAML push file is a list of texts")
        items = [item.strip() for item in data]
    else:
        blocks: list[list[str]] = [[]]
        for line in content.text.splitlines():
            if line.strip() == "---":
                blocks.append([])
            else:
                blocks[-1].append(line)
        items = ["\n".join(block).strip() for block in blocks]
    return [item for item in items if item]


_RULE = "-—–－_＿*＊=＝~～─━"  # dashes, and what else draws a line (full-width forms too)
_LIKE_A_SEPARATOR = re.compile(f"[{_RULE}][{_RULE} ]*[{_RULE}]")


def one_item(content: Content, mode: Mode) -> str:
    """Why a file of one item is likely a slip under `mode` (rotate, random or series: the
    same text every run, or one episode), and the line that was likely meant to separate
    items: one of dashes that is not `---` (`——`, what a Chinese input method types for
    them; `----`), or a blank line (review s33b B7)."""
    does = ("posts it once, as episode 1 of 1, and then stops" if mode is Mode.SERIES
            else "posts all of it at every run")
    why = (f"{content.path} has 1 item, so mode {mode} {does}: items are separated by a "
           "line that is only `---` (half-width); for one text, use mode fixed")
    for number, line in enumerate(content.text.splitlines(), start=1):
        if (text := line.strip()) != "---" and _LIKE_A_SEPARATOR.fullmatch(text):
            return f"{why} ({content.path}:{number}: {text!r} is not a separator)"
    if not content.path.endswith((".yaml", ".yml")) and any(
            not line.strip() for line in content.text.strip().splitlines()):
        return f"{why} (a blank line does not separate items)"
    return why


def pick_random(count: int, used: list[int], rng: Random) -> tuple[int, list[int]]:
    """An item not used in this round, and the round's used items after it. A new round
    starts when all were used, never with the item that ended the last one."""
    used = [i for i in used if i < count]
    left = [i for i in range(count) if i not in used]
    if not left:
        left = [i for i in range(count) if not used or i != used[-1]] or [0]
        used = []
    choice = rng.choice(left)
    return choice, [*used, choice]


GAP_HORIZON = timedelta(days=28)  # how far `held_back` looks ahead: weekly lines four times
GAP_RUNS = 500  # runs of one cron line at most (a line every few minutes: the first days)
GAP_ALL_RUNS = 5_000  # of all a handler's lines (some 0.1 s of CPU): fewer each, if many


def held_back(config: Config, start: datetime) -> list[tuple[tuple[str | int, ...], str]]:
    """The schedules some of whose cron runs in the GAP_HORIZON after `start` come less than
    `min_gap` after another posted push (quiet hours applied as the handler applies them),
    each with how many and after which schedules: a run held back is not posted, and only
    the log says so. Worked out on the wall clock (cron lines and quiet hours are both clock
    times), in the order the handler would meet the runs: by time, then as listed."""
    quiet = config.quiet_hours
    lines = tuple((index, line) for index, push in enumerate(config.schedules)
                  for line in push.cron)
    runs, span = _runs(lines, start.replace(second=0, microsecond=0), GAP_HORIZON)
    # the one-offs in that span: posted whatever min_gap says, and counted as the last push
    once = [(at, index) for index, push in enumerate(config.schedules) for one in push.at
            if start <= (at := one.at.replace(tzinfo=None)) < start + span]
    due = [*((fire, index, True) for fire, index in runs),
           *((fire, index, False) for fire, index in once)]
    total: dict[int, int] = {}
    held: dict[int, tuple[int, set[int]]] = {}
    last: tuple[datetime, int] | None = None
    for fire, index, cron in sorted((goes, index, cron) for fire, index, cron in due
                                    if (goes := _goes_at(fire, quiet)) is not None):
        if not cron:
            last = fire, index
            continue
        total[index] = total.get(index, 0) + 1
        if last is not None and fire - last[0] < config.min_gap:
            count, after = held.get(index, (0, set()))
            held[index] = count + 1, after | {last[1]}
        else:
            last = fire, index
    names = [push.id for push in config.schedules]
    days = span.days if span.days >= 2 else None
    found: list[tuple[tuple[str | int, ...], str]] = []
    for index, (count, after) in sorted(held.items()):
        runs_of = (f"of its {total[index]} runs in the next "
                   + (f"{days} days" if days else f"{span.total_seconds() // 3600:.0f} hours"))
        which = (f"none {runs_of} is posted: each comes" if count == total[index] else
                 f"{count} {runs_of} are not posted: they come")
        found.append((("schedules", index, "cron"),
                      f"{which} less than min_gap ({_duration(config.min_gap)}) after a push "
                      f"of {', '.join(names[i] for i in sorted(after))} (the log says so each "
                      "time); move it, or make min_gap shorter"))
    return found


def _goes_at(fire: datetime, quiet: QuietHours | None) -> datetime | None:
    """When a run due at `fire` goes out, quiet hours applied as `_run` applies them: at their
    end if they move it, None if they skip it."""
    if quiet is None or not quiet_covers(fire.time(), quiet.start, quiet.end):
        return fire
    return quiet_end(fire, quiet.end) if quiet.action is InQuiet.MOVE else None


@lru_cache(maxsize=64)  # (a type's pushes are read at each load and reload: worked out once)
def _runs(lines: tuple[tuple[int, str], ...], start: datetime,
          horizon: timedelta) -> tuple[list[tuple[datetime, int]], timedelta]:
    """The wall-clock runs of these (schedule index, cron line)s from `start`, each line's
    first GAP_RUNS at most (fewer when many lines would make more than GAP_ALL_RUNS), up to
    `horizon` or the last of a line cut short (and that span)."""
    runs: list[tuple[datetime, int]] = []
    end = start + horizon
    cap = max(10, min(GAP_RUNS, GAP_ALL_RUNS // max(len(lines), 1)))
    for index, line in lines:
        trigger, at, count = cron_trigger(line, UTC), start.replace(tzinfo=UTC), 0
        while (at := trigger.get_next_fire_time(None, at)) is not None:
            fire = at.replace(tzinfo=None)
            if fire >= end:
                break
            if count == cap:
                end = fire
                break
            runs.append((fire, index))
            count += 1
            at += timedelta(seconds=1)
    return [run for run in runs if run[0] < end], end - start


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def quiet_covers(at: time, start: time, end: time) -> bool:
    """Whether the clock time `at` is inside quiet hours from `start` to `end` (end excluded);
    they may run past midnight (22:00-08:00)."""
    if start <= end:
        return start <= at < end
    return at >= start or at < end


def quiet_end(at: datetime, end: time) -> datetime:
    """The first time on or after `at` when the clock shows `end` (the second 01:30, after
    01:10 the second time round, the night clocks go back), or a later time when the clock
    skips `end` (02:30 the night they go forward from 02:00 to 03:00: 03:00)."""
    day = at.date() if at.time() <= end else at.date() + timedelta(days=1)
    found = datetime.combine(day, end, tzinfo=at.tzinfo).replace(fold=at.fold)
    if utc(found).astimezone(at.tzinfo).replace(tzinfo=None) == found.replace(tzinfo=None):
        return found
    # a time the clock skips: from the earlier reading of it, the first minute it shows later
    moment = utc(found.replace(fold=1))
    wall = found.replace(tzinfo=None)  # (the day too: a jump at midnight skips 00:30)
    while (shown := moment.astimezone(at.tzinfo)).replace(tzinfo=None) < wall:
        moment += timedelta(minutes=1)
    return shown


# ---------------------------------------------------------------- config


class Mode(StrEnum):
    FIXED = "fixed"
    ROTATE = "rotate"
    RANDOM = "random"
    SERIES = "series"


class AtEnd(StrEnum):
    STOP = "stop"
    LOOP = "loop"


class InQuiet(StrEnum):
    SKIP = "skip"
    MOVE = "move"


class QuietHours(HandlerConfig):
    start: ClockTime
    end: ClockTime
    action: InQuiet = InQuiet.SKIP

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet hours need different `start` and `end`")
        return self


class PushSchedule(Media):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    cron: Annotated[list[Cron], BeforeValidator(_one_or_more)] = []
    at: Annotated[list[At], BeforeValidator(_one_or_more)] = []
    content: ContentFile | None = None
    text: str | None = None
    mode: Mode = Mode.ROTATE
    at_end: AtEnd = AtEnd.STOP
    template: Annotated[TemplateText, placeholders("text", "episode", "episodes")] = (
        Template("{text}"))
    grace: Duration = timedelta(minutes=10)

    @model_validator(mode="after")
    def _items(self) -> PushSchedule:
        if not self.cron and not self.at:
            raise ValueError("give `cron` (repeating times), `at` (one-off dates) or both")
        if "at_end" in self.model_fields_set and self.mode is not Mode.SERIES:
            raise ValueError(f"`at_end` is for mode series (it said what comes after the last "
                             f"episode); mode {self.mode} never ends: delete `at_end`")
        if self.content is None and self.text is None and self.files:
            return self  # only the image or attachment, every run
        if (self.content is None) == (self.text is None):
            raise ValueError("give exactly one of `content` (a file) or `text` (or only "
                             "`image` or `attachment`)")
        count, source = len(self.items()), self.content.path if self.content else "`text`"
        if count == 0:
            raise ValueError(f"{source} has no items")
        if self.mode is Mode.FIXED and count > 1:
            raise ValueError(f"mode fixed posts one text, but {source} has {count} items: "
                             "use rotate, random or series")
        return self

    def items(self) -> list[str]:
        if self.content is not None:
            return items_of(self.content)
        return [self.text.strip()] if self.text and self.text.strip() else []


class Config(HandlerConfig):
    schedules: list[PushSchedule] = Field(min_length=1)
    quiet_hours: QuietHours | None = None
    min_gap: Duration = timedelta(hours=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Config:
        ids = [s.id for s in self.schedules]
        if len(set(ids)) < len(ids):
            raise ValueError(f"schedule ids must differ: {', '.join(ids)}")
        return self


# ---------------------------------------------------------------- the handler

MIGRATIONS = (
    """
    CREATE TABLE push_log (
        grp TEXT NOT NULL, schedule TEXT NOT NULL, fire_time TEXT NOT NULL,
        outcome TEXT NOT NULL, at TEXT NOT NULL, item INTEGER,
        PRIMARY KEY (grp, schedule, fire_time));
    """,
    # 2: one time representation (bot/times.py): UTC, not the bot's offset
    to_utc("push_log", "fire_time", "at"),
)


class Push(Handler[Config]):
    name = "push"
    events = (Tick,)
    Config = Config
    migrations = MIGRATIONS

    def prepare(self) -> None:
        config = self.config
        self._by_id = {push.id: push for push in config.schedules}
        self._by_job = {schedule.key: push for push in config.schedules
                        for schedule in _schedules(push)}
        self._items = {push.id: push.items() for push in config.schedules}
        self._once = {schedule.key for push in config.schedules
                      for schedule in _schedules(push) if schedule.at is not None}

    def schedules(self) -> list[Schedule]:
        return [schedule for push in self.config.schedules for schedule in _schedules(push)]

    def shadows(self, later: Sequence[Handler[Any]]) -> list[tuple[tuple[str | int, ...], str]]:
        """A content file of one item under a mode meant for several: a separator that is
        not `---` made one item of the file; and a schedule whose runs `min_gap` holds back."""
        return [*((("schedules", i, "content"), one_item(push.content, push.mode))
                  for i, push in enumerate(self.config.schedules)
                  if push.content is not None and push.mode is not Mode.FIXED
                  and len(self._items[push.id]) == 1),
                *held_back(self.config, datetime.now(UTC).replace(
                    tzinfo=None, hour=0, minute=0, second=0, microsecond=0))]

    async def handle(self, event: Tick, ctx: Context) -> Flow:
        moved_from = event.data.get("fire_time")
        push = self._by_job.get(event.key) if moved_from is None else self._by_id.get(event.key)
        if push is None or ctx.group is None:
            return CONTINUE  # a schedule the config no longer has
        fire = event.due if moved_from is None else instant(moved_from)
        once = event.key in self._once if moved_from is None else bool(event.data.get("once"))
        if not await self._claim(ctx, push, fire, moved=moved_from is not None):
            return CONTINUE  # this run was handled already
        if moved_from is not None and utc(ctx.now) - utc(event.due) > push.grace:
            outcome, item = "skipped_late", None
        else:
            outcome, item = await self._run(ctx, push, fire, may_move=moved_from is None,
                                            once=once)
        await ctx.store.execute(
            "UPDATE push_log SET outcome=?, at=?, item=? WHERE grp=? AND schedule=?"
            " AND fire_time=?", (outcome, stamp(ctx.now), item, ctx.scope, push.id,
                                 stamp(fire)))
        return CONTINUE

    async def _claim(self, ctx: Context, push: PushSchedule, fire: datetime,
                     moved: bool) -> bool:
        """Mark the run as being handled; False if it was (a duplicate Tick)."""
        if moved:
            return bool(await ctx.store.changes(
                "UPDATE push_log SET outcome='due' WHERE grp=? AND schedule=? AND fire_time=?"
                " AND outcome='moved'", (ctx.scope, push.id, stamp(fire))))
        return bool(await ctx.store.changes(
            "INSERT INTO push_log VALUES (?, ?, ?, 'due', ?, NULL) ON CONFLICT DO NOTHING",
            (ctx.scope, push.id, stamp(fire), stamp(ctx.now))))

    async def _run(self, ctx: Context, push: PushSchedule, fire: datetime,
                   may_move: bool, once: bool) -> tuple[str, int | None]:
        """Post the run's item, or say why not: (outcome, item number). A one-off (`once`)
        is not held back by `min_gap`: it was dated for this moment."""
        quiet = self.config.quiet_hours
        if quiet is not None and quiet_covers(ctx.now.time(), quiet.start, quiet.end):
            if quiet.action is InQuiet.MOVE and may_move and await ctx.schedule(
                    push.id, quiet_end(ctx.now, quiet.end),
                    {"fire_time": stamp(fire), "once": once}, replace=False):
                return "moved", None
            log.info("push %s in %s not posted: %s is inside quiet hours %s-%s", push.id,
                     ctx.scope, f"{ctx.now:%H:%M}", f"{quiet.start:%H:%M}",
                     f"{quiet.end:%H:%M}")
            return "skipped_quiet", None
        last = None if once else await self._too_soon(ctx)
        if last is not None:
            log.info("push %s in %s not posted: the last push went at %s, less than "
                     "min_gap (%d min) before", push.id, ctx.scope, f"{last:%H:%M}",
                     self.config.min_gap.total_seconds() // 60)
            return "skipped_gap", None
        items = self._items[push.id]
        if not items:  # a schedule of only an image or attachment
            ctx.say("", files=push.files)
            return "sent", None
        index = await self._next_index(ctx, push, len(items))
        if index is None:
            return "finished", None
        ctx.say(push.template.render({"text": Safe(items[index]), "episode": index + 1,
                                      "episodes": len(items)}), files=push.files)
        return "sent", index + 1

    async def _too_soon(self, ctx: Context) -> datetime | None:
        """When the last push went in this group, if that is less than `min_gap` ago."""
        row = await ctx.store.one(
            "SELECT at FROM push_log WHERE grp=? AND outcome='sent'"
            " ORDER BY at DESC LIMIT 1", (ctx.scope,))
        if row is None:
            return None
        last = instant(row[0])  # in UTC: both in the bot's zone, a clock change would not count
        # runs fall due on the minute (cron lines, quiet hours' end): the seconds one took to
        # be handled do not count against the next (18:00 handled at 18:00:05, then 20:00)
        if _minute(utc(ctx.now)) - _minute(last) >= self.config.min_gap:
            return None
        return last.astimezone(ctx.now.tzinfo)

    async def _next_index(self, ctx: Context, push: PushSchedule, count: int) -> int | None:
        """The item to post now, moving the schedule's position on; None: the series ended.
        The position is what this mode keeps: a list of the round's used items (random) or
        the next item's index (rotate, series); what another mode kept, before a reload or a
        restart changed `mode`, starts the new one afresh."""
        key = f"next:{push.id}"
        if push.mode is Mode.FIXED:
            return 0
        kept = await ctx.get(key)
        if push.mode is Mode.RANDOM:
            used = kept if isinstance(kept, list) and all(
                type(i) is int for i in kept) else _afresh(push, kept, [])
            index, used = pick_random(count, used, ctx.random)
            await ctx.set(key, used)
            return index
        position = kept if type(kept) is int and kept >= 0 else _afresh(push, kept, 0)
        if push.mode is Mode.ROTATE or push.at_end is AtEnd.LOOP:
            position %= count
        elif position >= count:
            return None
        await ctx.set(key, position + 1)
        return position


def _afresh(push: PushSchedule, kept: object, start: T) -> T:
    """`start`, where the position kept is another mode's (or none: a first run)."""
    if kept is not None:
        log.warning("push %s: its position was kept by another mode than %s: it starts "
                    "afresh", push.id, push.mode.value)
    return start


def _schedules(push: PushSchedule) -> list[Schedule]:
    """The scheduler's jobs of a push: its n-th cron line is keyed by its id, or id#2,
    id#3...; a one-off time by id@2026-12-01T20:00, so its key never changes when lines
    are added or removed, and a time posted once is never posted again."""
    grace = push.grace.total_seconds()
    return [*(Schedule(key=push.id if n == 0 else f"{push.id}#{n + 1}", cron=cron,
                       grace_seconds=grace) for n, cron in enumerate(push.cron)),
            *(Schedule(key=f"{push.id}@{once.at:%Y-%m-%dT%H:%M}", at=once.at,
                       grace_seconds=grace) for once in push.at)]
