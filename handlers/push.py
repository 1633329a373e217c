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
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from random import Random
from typing import Annotated, Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from pydantic import BeforeValidator, Field, PrivateAttr, ValidationInfo, model_validator

from bot import yamlfile
from bot.config import (
    DEFAULT_ZONE,
    At,
    ClockTime,
    Content,
    ContentFile,
    Cron,
    Duration,
    Media,
    SaidText,
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
from bot.yamlfile import InputError, Problem

log = logging.getLogger(__name__)
T = TypeVar("T")


def _one_or_more(value: Any) -> Any:
    return value if isinstance(value, list) else [value]

# ---------------------------------------------------------------- content and picking


def _not_a_text(located: yamlfile.Located, i: int) -> str:
    """An item of a YAML push file that is not a text, with its line: `- 3.10` is a number."""
    item = located.data[i]
    if item is None:
        said = "is empty: write a text, or take out its `-`"
    elif isinstance(item, date):  # (YAML reads `- 2026-12-01` as a date)
        said = f"is not a text: the date {item.isoformat()} (put it in quotes as written, if " \
               "a text is meant)"
    else:
        hint = yamlfile.quote_hint(item)
        said = f"is not a text: {item!r}" + (f" ({hint})" if hint else "")
    return str(Problem(located.where((i,)), (), f"item {i + 1} {said}"))


def items_of(content: Content) -> list[str]:
    """The texts of a push file: a YAML list (.yaml/.yml), else blocks separated by '---'."""
    if content.path.endswith((".yaml", ".yml")):
        try:  # (as config files are read: a problem is one line naming the file's line)
            located = yamlfile.parse(content.text, Path(content.path))
        except InputError as exc:
            raise ValueError("; ".join(str(problem) for problem in exc.problems)) from None
        if not isinstance(located.data, list):
            raise ValueError(f"{content.path}: a YAML push file is a list of texts")
        if wrong := [_not_a_text(located, i) for i, item in enumerate(located.data)
                     if not isinstance(item, str)]:
            raise ValueError("; ".join(wrong))
        items = [item.strip() for item in located.data]
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


GAP_DAYS = 366  # how far `held_back` reads: a year holds a whole cycle of every line (a
# monthly one's 31st, one in some months only) and every one-off of the year
GAP_RUNS = 20_000  # runs it works through at most (some 0.1 s): a day read once counts for
# every day like it, so only a type of many lines every few minutes comes near
DAY = timedelta(days=1)


def held_back(config: Config, start: datetime) -> list[tuple[tuple[str | int, ...], str]]:
    """The schedules some of whose cron runs in the GAP_DAYS from `start`'s day (on to the
    run of a line of 29 February) come less than `min_gap` after another posted push (quiet
    hours applied as the handler applies them), each with how many and after which
    schedules; or are moved out of a quiet night after another of theirs: a run held back
    is not posted, and only the log says so. Worked out on the wall clock of the bot's zone
    (`start` is a day there: cron lines and quiet hours are both clock times), in the order
    the handler would meet the runs: by time, then as listed."""
    lines = tuple((index, line) for index, push in enumerate(config.schedules)
                  for line in push.cron)
    once = tuple((one.at.astimezone(config.zone).replace(tzinfo=None), index)
                 for index, push in enumerate(config.schedules) for one in push.at)
    read = _read(lines, once, config.quiet_hours, config.min_gap, start.date())
    total, held, merged = read.runs, read.held, read.merged
    names = [push.id for push in config.schedules]
    within = _within(read, start)
    quiet = config.quiet_hours
    found: list[tuple[tuple[str | int, ...], str]] = []
    for index in sorted(held.keys() | merged.keys()):
        if count := merged[index]:
            assert quiet is not None  # (only quiet hours move runs)
            found.append((("schedules", index, "cron"),
                          f"{_not_posted(count, total[index], within)} out of {_quiet(quiet)} "
                          f"at {quiet.end:%H:%M} after another of its runs moved the same "
                          "night: of those, the first alone is posted (the log says so each "
                          "time); give it one run a night in quiet hours, or move the others "
                          "out of them"))
        if index in held:
            count, after = held[index]
            found.append((("schedules", index, "cron"),
                          f"{_not_posted(count, total[index], within)} less than min_gap "
                          f"({_duration(config.min_gap)}) after a push of "
                          f"{', '.join(names[i] for i in sorted(after))}"
                          f"{_moved_there(read.quieted[index], count, quiet)} (the log says "
                          "so each time); move it, or make min_gap shorter"))
    return found


def _within(read: _Year, start: datetime) -> str:
    """How far the check read from `start`: a year, on to a line's 29 February (only when
    it got there), or as far as GAP_RUNS took it."""
    span = read.span
    if span == GAP_DAYS * DAY and not read.cut:
        return "the next year"
    if span > GAP_DAYS * DAY and not read.cut:
        return (f"the next {span.days} days (to {start + span - DAY:%Y-%m-%d}: a line of 29 "
                "February runs once in four years)")
    return (f"the next {span.days} days" if span.days >= 2 else
            f"the next {span.total_seconds() // 3600:.0f} hours")


def _quiet(quiet: QuietHours) -> str:
    return f"quiet hours ({quiet.start:%H:%M}-{quiet.end:%H:%M})"


def _moved_there(quieted: int, count: int, quiet: QuietHours | None) -> str:
    """The cause of `quieted` of a schedule's `count` runs held back by min_gap: quiet hours
    moved them, or the push before them, to their end (two schedules' runs of one night
    both posted as they end come together)."""
    if not quieted:
        return ""
    assert quiet is not None  # (only quiet hours move runs)
    cause = f"as {_quiet(quiet)} move runs to {quiet.end:%H:%M}"
    return f", {cause}" if quieted == count else f" ({quieted} of them {cause})"


def _not_posted(count: int, total: int, within: str) -> str:
    """How many runs of how many are not posted, said of one run too (a yearly line)."""
    if total == 1:
        return f"its one run in {within} is not posted: it comes"
    if count == total:
        return f"none of its {total} runs in {within} is posted: each comes"
    if count == 1:
        return f"1 of its {total} runs in {within} is not posted: it comes"
    return f"{count} of its {total} runs in {within} are not posted: they come"


def _goes_at(fire: datetime, quiet: QuietHours | None) -> datetime | None:
    """When a run due at `fire` goes out, quiet hours applied as `_run` applies them: at their
    end if they move it, None if they skip it."""
    if quiet is None or not quiet_covers(fire.time(), quiet.start, quiet.end):
        return fire
    return quiet_end(fire, quiet.end) if quiet.action is InQuiet.MOVE else None


Run = tuple[timedelta, int, bool, bool]  # when a run goes out (from its day's start), its
# schedule, whether it is a cron run (else a one-off: posted whatever min_gap says), and
# whether quiet hours moved it there
Last = tuple[timedelta, int, bool] | None  # the last push posted (from the day's start, its
# schedule, whether quiet hours moved it there) if it is less than min_gap before the day:
# all that a day takes from the days before it
Held = dict[int, tuple[int, frozenset[int]]]  # per schedule, its runs held back, after which


class _Day(NamedTuple):
    """What one day read found: per schedule its cron runs, those held back (and of those,
    how many quiet hours moved, or moved the push before: `quieted`) and those moved out of
    quiet hours after another of its runs that night (`merged`), the last push for the next
    day, how much of the day was read (all of it, unless the GAP_RUNS ran out in it) and
    how many runs that was."""

    runs: Counter[int]
    held: Held
    quieted: Counter[int]
    merged: Counter[int]
    last: Last
    read: timedelta
    cost: int


class _Year(NamedTuple):
    """What the check read (`_read`): the days' counts added up, the span read, and whether
    GAP_RUNS cut it short of the days it meant to read."""

    runs: Counter[int]
    held: Held
    quieted: Counter[int]
    merged: Counter[int]
    span: timedelta
    cut: bool


@lru_cache(maxsize=64)  # (a type's pushes are read at each load and reload: worked out once)
def _read(lines: tuple[tuple[int, str], ...], once: tuple[tuple[datetime, int], ...],
          quiet: QuietHours | None, min_gap: timedelta, today: date) -> _Year:
    """Per schedule, its cron runs going out in the GAP_DAYS from `today`, those `min_gap`
    holds back and those a quiet night merges into another of its runs, read day by day;
    and the span read. A day like one read before (the same
    lines run, the same runs moved to it out of quiet hours, the same one-offs, the same
    last push before it) is counted as that one was, not read again: a year of daily lines
    is read in a day or two, and counted as if each of its runs were. It stops where
    GAP_RUNS runs were worked through."""
    times = [_times(line, quiet) for _, line in lines]
    calendars = [line.split(maxsplit=2)[2] for _, line in lines]
    # a year, or up to the first run of a line of 29 February (once in four years)
    days = max([GAP_DAYS, *(_first_day(on, today) + 1 for on in calendars)])
    calendar: dict[frozenset[int], list[int]] = {}  # the lines, by the days they run on
    for position, on in enumerate(calendars):
        calendar.setdefault(_days(on, today, days), []).append(position)
    moving = [on for on, positions in calendar.items()  # (the others' day before is no matter)
              if any(times[i][1] for i in positions)]
    ones = _one_offs(once, quiet, today)
    read: dict[tuple[object, ...], _Day] = {}
    like: Counter[tuple[object, ...]] = Counter()  # how many days were like each day read
    last: Last = None
    budget, span = GAP_RUNS, days * DAY
    for number in range(days):
        key = (tuple(on for on in calendar if number in on),
               tuple(on for on in moving if number - 1 in on), ones.get(number, ()), last)
        if key not in read:
            running, moved, once_then, _ = key
            read[key] = _day([*((at, lines[i][0], True, shifted) for on in running
                                for i in calendar[on] for at, shifted in times[i][0]),
                              *((at, lines[i][0], True, True) for on in moved
                                for i in calendar[on] for at in times[i][1]), *once_then],
                             last, min_gap, budget)
            budget -= read[key].cost
        like[key] += 1
        if read[key].read < DAY:
            span = number * DAY + read[key].read
            break
        last = read[key].last
    return _Year(*_in_all((read[key], days) for key, days in like.items()), span,
                 cut=span < days * DAY)


def _one_offs(once: tuple[tuple[datetime, int], ...], quiet: QuietHours | None,
              today: date) -> dict[int, tuple[Run, ...]]:
    """The one-offs from `today` on, by the day (numbered from `today`) they go out on."""
    ones: dict[int, list[Run]] = {}
    for at, index in sorted(once):
        if at.date() >= today and (goes := _goes_at(at, quiet)) is not None:
            ones.setdefault((goes.date() - today).days, []).append(
                (goes - datetime.combine(goes.date(), time()), index, False, goes != at))
    return {number: tuple(runs) for number, runs in ones.items()}


def _in_all(days: Iterable[tuple[_Day, int]],
            ) -> tuple[Counter[int], Held, Counter[int], Counter[int]]:
    """The runs, those held back (and of those, those quiet hours brought there) and those
    merged, of the days read: each day's as many times as there were days like it."""
    total: Counter[int] = Counter()
    held: Held = {}
    quieted: Counter[int] = Counter()
    merged: Counter[int] = Counter()
    for day, like in days:
        total.update({index: runs * like for index, runs in day.runs.items()})
        quieted.update({index: runs * like for index, runs in day.quieted.items()})
        merged.update({index: runs * like for index, runs in day.merged.items()})
        for index, (count, after) in day.held.items():
            so_far, after_so_far = held.get(index, (0, frozenset()))
            held[index] = so_far + count * like, after_so_far | after
    return total, held, quieted, merged


def _day(runs: list[Run], last: Last, min_gap: timedelta, budget: int) -> _Day:
    """One day's runs in the order the handler meets them (by time, then as listed; a
    one-off before a cron run of its schedule and minute), from the last push before the
    day; `budget` runs at most. Of a schedule's runs moved out of one quiet night, the
    first alone is posted (or held back): the others found its timer set, and are not."""
    runs.sort()
    total: Counter[int] = Counter()
    held: Held = {}
    quieted: Counter[int] = Counter()
    merged: Counter[int] = Counter()
    timers: set[tuple[timedelta, int]] = set()  # the moved runs' timers: when, whose
    for at, index, cron, moved in runs[:budget]:
        if cron:
            total[index] += 1
        if moved and (at, index) in timers:
            merged[index] += cron
            continue
        if moved:
            timers.add((at, index))
        if cron and last is not None and at - last[0] < min_gap:
            count, after = held.get(index, (0, frozenset()))
            held[index] = count + 1, after | {last[1]}
            quieted[index] += moved or last[2]
        else:
            last = at, index, moved
    if len(runs) > budget:
        return _Day(total, held, quieted, merged, None, runs[budget][0], budget)
    if last is not None and DAY - last[0] >= min_gap:
        last = None  # too long before the next day to hold any of its runs back
    return _Day(total, held, quieted, merged, last and (last[0] - DAY, *last[1:]), DAY,
                len(runs))


@lru_cache(maxsize=1024)
def _times(line: str, quiet: QuietHours | None,
           ) -> tuple[tuple[tuple[timedelta, bool], ...], tuple[timedelta, ...]]:
    """When a cron line's runs of one day go out, quiet hours applied: those going that day
    (each with whether quiet hours moved it) and those moved to the next (from that day's
    start, and from the next's)."""
    day, trigger = datetime(2001, 1, 1), cron_trigger(line, UTC)
    in_hour, in_minute = _takes(trigger, "hour"), _takes(trigger, "minute")
    hours = [hour for hour in range(24) if in_hour(day.replace(hour=hour))]
    minutes = [minute for minute in range(60) if in_minute(day.replace(minute=minute))]
    goes = sorted((at - day, at != fire) for hour in hours for minute in minutes
                  if (at := _goes_at(fire := day.replace(hour=hour, minute=minute), quiet))
                  is not None)
    return (tuple((at, moved) for at, moved in goes if at < DAY),
            tuple(at - DAY for at, _ in goes if at >= DAY))


@lru_cache(maxsize=128)  # (a type has a few calendars: `* * *`, `* * 1-5`...)
def _days(calendar: str, today: date, days: int) -> frozenset[int]:
    """The days a cron line's `calendar` (its day, month and weekday fields) takes, numbered
    from `today` (-1: the day before, whose runs quiet hours may move to today), through
    `days`."""
    runs_on = _takes(cron_trigger(f"0 0 {calendar}", UTC), "month", "day", "day_of_week")
    return frozenset(number for number in range(-1, days)
                     if runs_on(datetime.combine(today + timedelta(days=number), time())))


@lru_cache(maxsize=128)
def _first_day(calendar: str, today: date) -> int:
    """The first day from `today` (numbered from it) a cron line's `calendar` takes; a
    line's config is refused when it has none in 8 years (bot/config.py)."""
    first = cron_trigger(f"0 0 {calendar}", UTC).get_next_fire_time(
        None, datetime.combine(today, time(), UTC))
    return 0 if first is None else (first.date() - today).days


def _takes(trigger: BaseTrigger, *names: str) -> Callable[[datetime], bool]:
    """Whether a time is in a cron line's fields `names`, as APScheduler 3's CronTrigger
    tests a field (its next value from the time is the time's); a `*` takes every time. A
    line of days and weekdays both (crontab's "either": an OrTrigger) takes what either of
    its triggers takes."""
    tests = [[field for field in each.fields if field.name in names and str(field) != "*"]
             for each in (trigger.triggers if isinstance(trigger, OrTrigger) else [trigger])]
    return lambda at: any(all(field.get_next_value(at) == field.get_value(at)
                              for field in fields) for fields in tests)


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
    text: SaidText | None = None
    mode: Mode = Mode.ROTATE
    at_end: AtEnd | None = None  # (series only; not given, a series stops)
    template: Annotated[TemplateText, placeholders("text", "episode", "episodes")] = (
        Template("{text}"))
    grace: Duration = timedelta(minutes=10)

    @model_validator(mode="after")
    def _items(self) -> PushSchedule:
        if not self.cron and not self.at:
            raise ValueError("give `cron` (repeating times), `at` (one-off dates) or both")
        if self.at_end is not None and self.mode is not Mode.SERIES:
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
    _zone: ZoneInfo = PrivateAttr(DEFAULT_ZONE)

    @model_validator(mode="after")
    def _unique_ids(self) -> Config:
        ids = [s.id for s in self.schedules]
        if len(set(ids)) < len(ids):
            raise ValueError(f"schedule ids must differ: {', '.join(ids)}")
        return self

    @model_validator(mode="after")
    def _in_zone(self, info: ValidationInfo) -> Config:
        self._zone = (info.context or {}).get("timezone", DEFAULT_ZONE)
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The bot's time zone (bot.yaml `timezone`), whose clock the cron lines, one-offs
        and quiet hours read: the day `groupbot check` starts from is its day, not UTC's."""
        return self._zone


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
                *held_back(self.config, datetime.now(self.config.zone).replace(
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
            " AND fire_time=?", (outcome, stamp(ctx.now), item, ctx.group_id, push.id,
                                 stamp(fire)))
        return CONTINUE

    async def _claim(self, ctx: Context, push: PushSchedule, fire: datetime,
                     moved: bool) -> bool:
        """Mark the run as being handled; False if it was (a duplicate Tick)."""
        if moved:
            return bool(await ctx.store.changes(
                "UPDATE push_log SET outcome='due' WHERE grp=? AND schedule=? AND fire_time=?"
                " AND outcome='moved'", (ctx.group_id, push.id, stamp(fire))))
        return bool(await ctx.store.changes(
            "INSERT INTO push_log VALUES (?, ?, ?, 'due', ?, NULL) ON CONFLICT DO NOTHING",
            (ctx.group_id, push.id, stamp(fire), stamp(ctx.now))))

    async def _run(self, ctx: Context, push: PushSchedule, fire: datetime,
                   may_move: bool, once: bool) -> tuple[str, int | None]:
        """Post the run's item, or say why not: (outcome, item number). A one-off (`once`)
        is not held back by `min_gap`: it was dated for this moment."""
        quiet = self.config.quiet_hours
        if quiet is not None and quiet_covers(ctx.now.time(), quiet.start, quiet.end):
            if quiet.action is InQuiet.MOVE and may_move:
                if await ctx.schedule(push.id, quiet_end(ctx.now, quiet.end),
                                      {"fire_time": stamp(fire), "once": once}, replace=False):
                    return "moved", None
                if once:  # merged into a run of the schedule moved before it that night
                    await self._goes_as_dated(ctx, push)
            log.info("push %s in %s not posted: %s is inside quiet hours %s-%s", push.id,
                     ctx.group_id, f"{ctx.now:%H:%M}", f"{quiet.start:%H:%M}",
                     f"{quiet.end:%H:%M}")
            return "skipped_quiet", None
        last = None if once else await self._too_soon(ctx)
        if last is not None:
            log.info("push %s in %s not posted: the last push went at %s, less than "
                     "min_gap (%d min) before", push.id, ctx.group_id, f"{last:%H:%M}",
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

    async def _goes_as_dated(self, ctx: Context, push: PushSchedule) -> None:
        """A one-off merged into the schedule's run moved out of the same quiet night: that
        run goes as a one-off, whatever `min_gap` says (a cron run moved first would be held
        back by it, and the dated post lost with it)."""
        row = await ctx.store.one(
            "SELECT fire_time FROM push_log WHERE grp=? AND schedule=? AND outcome='moved'"
            " ORDER BY fire_time DESC LIMIT 1", (ctx.group_id, push.id))  # (tonight's)
        if row is not None and (due := ctx.scheduled(push.id)) is not None:
            await ctx.schedule(push.id, due, {"fire_time": row[0], "once": True})

    async def _too_soon(self, ctx: Context) -> datetime | None:
        """When the last push went in this group, if that is less than `min_gap` ago."""
        row = await ctx.store.one(
            "SELECT at FROM push_log WHERE grp=? AND outcome='sent'"
            " ORDER BY at DESC LIMIT 1", (ctx.group_id,))
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
