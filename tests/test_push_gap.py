"""A schedule whose runs `min_gap` holds back posts nothing those times, and only the log
said so (review s38 R28-2: a 20:00 notice beside the 20:00 lessons, and no lesson ever went
out): `groupbot check` warns, naming the schedule and the one before it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from harness import BOT_YAML, TZ, Harness, write_config

from bot.cli import main
from handlers.push import GAP_RUNS, Config, held_back

MONDAY = datetime(2026, 11, 30, 0, 0)  # a Monday: a year of runs from it


def _config(min_gap: str, *crons: str, quiet: dict[str, Any] | None = None) -> Config:
    return Config.model_validate({
        "min_gap": min_gap, "quiet_hours": quiet,
        "schedules": [{"id": f"s{i}", "cron": cron, "text": "x"}
                      for i, cron in enumerate(crons)]})


def test_two_schedules_at_one_time_hold_back_every_run_of_the_later() -> None:
    [(key, why)] = held_back(_config("2h", "0 20 * * *", "0 20 * * *"), MONDAY)
    assert key == ("schedules", 1, "cron")
    assert why.startswith("none of its 366 runs in the next year is posted: each comes "
                          "less than min_gap (2h) after a push of s0")


def test_a_weekly_run_inside_the_gap_of_a_daily_one_is_counted() -> None:
    [(key, why)] = held_back(_config("2h", "0 20 * * *", "0 21 * * 1"), MONDAY)
    assert key == ("schedules", 1, "cron") and why.startswith("none of its 53 runs")
    # the weekly one first (19:00 on Mondays): the daily one is held back on Mondays only
    [(key, why)] = held_back(_config("2h", "0 20 * * *", "0 19 * * 1"), MONDAY)
    assert key == ("schedules", 0, "cron")
    assert why.startswith("53 of its 366 runs in the next year are not posted: they come "
                          "less than min_gap (2h) after a push of s1")


@pytest.mark.parametrize("crons", [
    ("0 18 * * *", "0 20 * * *"),           # exactly min_gap apart: both go
    ("30 7 * * 1-5", "0 20 * * *", "0 10 * * 1"),
], ids=["min-gap-apart", "shipped-internship"])
def test_runs_min_gap_apart_are_no_warning(crons: tuple[str, ...]) -> None:
    assert held_back(_config("2h", *crons), MONDAY) == []


def test_a_one_off_holds_back_the_cron_runs_after_it_within_the_gap() -> None:
    """A one-off notice at 19:30 goes at its time, and the 20:00 lesson that day does not
    (the log said so, and check did not: review s38 R29-6)."""
    config = Config.model_validate({"min_gap": "1h", "schedules": [
        {"id": "lesson", "cron": "0 20 * * *", "text": "x"},
        {"id": "notice", "at": "2026-12-03 19:30", "text": "y"}]},
        context={"timezone": ZoneInfo("Asia/Shanghai")})
    [(key, why)] = held_back(config, MONDAY)
    assert key == ("schedules", 0, "cron")
    assert why.startswith("1 of its 366 runs in the next year is not posted: it comes "
                          "less than min_gap (1h) after a push of notice")
    assert held_back(config, MONDAY + timedelta(days=5)) == []  # (past by then)


def test_runs_moved_out_of_quiet_hours_keep_to_the_gap_too() -> None:
    quiet = {"start": "22:00", "end": "08:00", "action": "move"}
    [(key, why)] = held_back(_config("1h", "30 7 * * *", "45 7 * * *", quiet=quiet), MONDAY)
    assert key == ("schedules", 1, "cron") and why.startswith("none of its 366 runs")
    quiet["action"] = "skip"  # skipped in quiet hours: nothing posted, nothing held back
    assert held_back(_config("1h", "30 7 * * *", "45 7 * * *", quiet=quiet), MONDAY) == []


def test_a_schedule_more_often_than_the_gap_holds_back_its_own_runs() -> None:
    [(key, why)] = held_back(_config("1h", "*/30 9 * * *"), MONDAY)
    assert why.startswith("366 of its 732 runs") and "after a push of s0" in why
    # a line every minute: one day read (1,416 of its 1,440 runs held back) counts for all
    [(key, why)] = held_back(_config("1h", "* * * * *"), MONDAY)
    assert key == ("schedules", 0, "cron")
    assert why.startswith(f"{1416 * 366} of its {1440 * 366} runs in the next year are not")


def test_a_day_of_more_runs_than_gap_runs_is_read_up_to_them() -> None:
    """A type of 100 lines every 5 minutes runs 28,800 times a day: GAP_RUNS of them are
    worked through (the first 16 h 40 min, 200 runs a line), and the warning says so."""
    found = held_back(_config("1h", *(f"{i % 5}-59/5 * * * *" for i in range(100))), MONDAY)
    assert len(found) == 100
    assert all(f"of its {GAP_RUNS // 100} runs in the next 16 hours" in why
               for _, why in found[1:])


def test_check_warns_of_a_schedule_min_gap_holds_back(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    push = ("handlers:\n  - push:\n      min_gap: 2h\n      schedules:\n"
            "        - {id: notice, cron: '0 20 * * *', text: 通知}\n"
            "        - {id: training, cron: '0 20 * * *', text: 培训}\n")
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": push}, {})
    code = main(["check", "--config", str(root)])
    out, err = capsys.readouterr()
    assert code == 0 and "config OK" in out
    assert err.replace(str(root) + "/", "").splitlines() == [
        "warning: types/recruitment.yaml:6: handlers.push.schedules[1].cron: none of its 366 "
        "runs in the next year is posted: each comes less than min_gap (2h) after a push "
        "of notice (the log says so each time); move it, or make min_gap shorter"]


async def test_runs_min_gap_apart_both_go_though_the_first_was_handled_seconds_late(
        tmp_path: Path) -> None:
    """check calls 18:00 and 20:00 with min_gap 2h fine: the handler held the 20:00 run back
    when the 18:00 one was handled at 18:00:05 (review s38 R29-5)."""
    push = ("handlers:\n  - push:\n      min_gap: 2h\n      schedules:\n"
            "        - {id: tip, cron: '0 18 * * *', text: 小贴士}\n"
            "        - {id: lesson, cron: '0 20 * * *', text: 今天的课}\n")
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": push}, {})
    start = datetime(2026, 11, 23, 17, 0, tzinfo=TZ)
    async with Harness(root, tmp_path, start=start,
                       groups={"r1": "Listener Recruitment 01"}) as h:
        h.clock.set(datetime(2026, 11, 23, 18, 0, 5, tzinfo=TZ))  # handled 5 s late
        await h.advance("0s")
        await h.advance("2h")
        assert h.texts("r1") == ["小贴士", "今天的课"]
