"""`groupbot check` reads a year of a type's pushes, so every schedule's cycle is in it: a
monthly line on the 31st or the 30th, one in some months only, a one-off months away. It
read four weeks, fewer days when many lines ran often, and a clash outside them was never
warned (review s38 R29-6). A day like one read before is counted, not read again, so a year
costs what its different days cost (R29-7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.scheduler import cron_trigger
from handlers.push import Config, _goes_at, held_back

DECEMBER = datetime(2026, 12, 1)  # four weeks from it end on the 28th
YEAR = 366  # days read: a whole year from any day, a leap day in it too


def _config(min_gap: str, *crons: str, quiet: dict[str, Any] | None = None,
            once: dict[int, str | list[str]] | None = None) -> Config:
    return Config.model_validate({"min_gap": min_gap, "quiet_hours": quiet, "schedules": [
        {"id": f"s{i}", "cron": cron, "text": "x"} if cron else
        {"id": f"s{i}", "at": (once or {})[i], "text": "x"} for i, cron in enumerate(crons)]})


def test_a_monthly_line_on_the_31st_clashing_with_a_daily_line_is_warned() -> None:
    [(key, why)] = held_back(_config("1h", "0 20 * * *", "30 20 31 * *"), DECEMBER)
    assert key == ("schedules", 1, "cron")
    assert why.startswith("none of its 7 runs in the next year is posted: each comes less "
                          "than min_gap (1h) after a push of s0")


def test_a_clash_on_the_30th_is_warned_from_a_month_that_has_none() -> None:
    """From 1 February: four weeks hold no 30th; a year holds eleven."""
    [(key, why)] = held_back(_config("1h", "0 20 * * *", "30 20 30 * *"),
                             datetime(2027, 2, 1))
    assert key == ("schedules", 1, "cron") and why.startswith("none of its 11 runs")


def test_a_line_of_some_months_and_a_one_off_months_away_are_read() -> None:
    config = _config("1h", "0 20 * * *", "30 20 1 6 *", "", once={2: "2027-03-10 19:30"})
    assert [(key, why[:37]) for key, why in held_back(config, DECEMBER)] == [
        (("schedules", 0, "cron"), "1 of its 366 runs in the next year is"),
        (("schedules", 1, "cron"), "its one run in the next year is not p")]


def test_many_frequent_lines_do_not_hide_a_monthly_clash() -> None:
    """40 lines every hour of the day (they hold one another back, and are warned) and a
    monthly notice half an hour after the evening lesson: read four weeks, 5,000 runs in
    all, they left eight days, and the 31st was never reached."""
    frequent = [f"{i} 8-21 * * *" for i in range(40)]
    found = dict(held_back(_config("1h", *frequent, "0 23 * * *", "30 23 31 * *"), DECEMBER))
    assert found[("schedules", 41, "cron")].startswith(
        "none of its 7 runs in the next year is posted: each comes less than min_gap (1h) "
        "after a push of s40 ")
    assert ("schedules", 40, "cron") not in found  # (the lesson: 81 min after the last)
    assert found[("schedules", 1, "cron")].startswith("none of its 5124 runs in the next year")


def _every_run(config: Config, start: datetime) -> tuple[
        dict[int, int], dict[int, tuple[int, frozenset[int]]], dict[int, int], dict[int, int]]:
    """Per schedule, its runs going out in the year from `start`, those held back (after
    which schedules; and how many of those quiet hours moved, or moved the push before) and
    those moved out of a quiet night after another of its runs (the handler posts the first
    alone): every run worked out by the scheduler's trigger, one by one."""
    end = start.date() + timedelta(days=YEAR)
    due = [(at, index, False) for index, push in enumerate(config.schedules)
           for one in push.at if (at := one.at.replace(tzinfo=None)) >= start]
    for index, push in enumerate(config.schedules):
        for line in push.cron:  # from the day before: quiet hours may move its runs to today
            trigger, at = cron_trigger(line, UTC), (start - timedelta(days=1)).replace(tzinfo=UTC)
            while (at := trigger.get_next_fire_time(None, at)).date() < end:
                due.append((at.replace(tzinfo=None), index, True))
                at += timedelta(seconds=1)
    total: dict[int, int] = {}
    held: dict[int, tuple[int, frozenset[int]]] = {}
    quieted: dict[int, int] = {}
    merged: dict[int, int] = {}
    timers: set[tuple[datetime, int]] = set()
    last: tuple[datetime, int, bool] | None = None
    for goes, index, cron, moved in sorted(
            (goes, index, cron, goes != at) for at, index, cron in due
            if (goes := _goes_at(at, config.quiet_hours)) is not None
            and start <= goes and goes.date() < end):
        total[index] = total.get(index, 0) + cron
        if moved and (goes, index) in timers:
            merged[index] = merged.get(index, 0) + cron
        elif cron and last is not None and goes - last[0] < config.min_gap:
            count, after = held.get(index, (0, frozenset()))
            held[index] = count + 1, after | {last[1]}
            quieted[index] = quieted.get(index, 0) + (moved or last[2])
        else:
            last = goes, index, moved
        if moved:
            timers.add((goes, index))
    return ({index: runs for index, runs in total.items() if runs}, held,
            {index: runs for index, runs in quieted.items() if runs},
            {index: runs for index, runs in merged.items() if runs})


@pytest.mark.parametrize(("config", "start"), [
    (_config("2h", "0 20 * * *", "30 20 31 * *", "0 19 * * mon-fri/2", "0 21 1 * 5"),
     DECEMBER),
    (_config("1h", "50 23 * * *", "20 0 * * 1-5", "40 0 29 2 *"), datetime(2027, 12, 30)),
    (_config("45m", "*/20 21-23 * * *", "30 7 * * *", "10 8 * * 6", "", once={
        3: ["2027-01-31 23:50", "2027-05-01 08:05"]},
        quiet={"start": "22:00", "end": "08:00", "action": "move"}), datetime(2027, 1, 30)),
], ids=["days-weekdays-either", "across-midnight-and-a-leap-day", "moved-and-one-offs"])
def test_a_year_read_by_its_different_days_counts_what_every_run_would(
        config: Config, start: datetime) -> None:
    from handlers.push import GAP_DAYS, _read  # (how the check reads a year)
    assert GAP_DAYS == YEAR
    lines = tuple((index, line) for index, push in enumerate(config.schedules)
                  for line in push.cron)
    once = tuple((one.at.replace(tzinfo=None), index)
                 for index, push in enumerate(config.schedules) for one in push.at)
    read = _read(lines, once, config.quiet_hours, config.min_gap, start.date())
    assert read.span == timedelta(days=YEAR) and not read.cut
    assert (dict(read.runs), read.held, +read.quieted, dict(read.merged)) == _every_run(
        config, start)
