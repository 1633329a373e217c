"""`groupbot check`'s push check (handlers/push.py, `held_back`) says why a run is held back
and how far it read, truly (h50d).

Two schedules that quiet hours move to the same morning were warned as a plain min_gap clash
("move it, or make min_gap shorter"), though moving 01:00 to 02:00 changes nothing: quiet
hours bring them together. And a busy type whose runs ran out (GAP_RUNS) beyond a year,
short of a line's 29 February, said it had read "to 2028-02-29"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

import handlers.push
from handlers.push import Config, held_back

QUIET = {"start": "22:00", "end": "08:00", "action": "move"}
MONDAY = datetime(2026, 11, 30)


def _config(*schedules: dict[str, Any], quiet: dict[str, Any] | None = QUIET) -> Config:
    return Config.model_validate(
        {"min_gap": "1h", "quiet_hours": quiet,
         "schedules": [{"id": f"s{i}", "text": "x", **schedule}
                       for i, schedule in enumerate(schedules)]})


@pytest.mark.parametrize("second", ["0 1 * * *", "30 8 * * *"])
def test_runs_quiet_hours_bring_together_are_told_so(second: str) -> None:
    """01:00 moved to 08:00 with 23:00's run; 08:30 just after 23:00's moved there."""
    [(key, why)] = held_back(_config({"cron": "0 23 * * *"}, {"cron": second}), MONDAY)
    assert key == ("schedules", 1, "cron")
    assert why.startswith("none of its 366 runs in the next year is posted: each comes less "
                          "than min_gap (1h) after a push of s0, as quiet hours (22:00-08:00) "
                          "move runs to 08:00 (the log says so each time)")


def test_some_runs_brought_together_by_quiet_hours_are_counted() -> None:
    """20:30 after 20:00 every day; 01:00 after Monday's 23:00 at 08:00 (53 Mondays)."""
    [(key, why)] = held_back(_config({"cron": "0 23 * * 1"}, {"cron": "0 20 * * *"},
                                     {"cron": "30 20,1 * * *"}), MONDAY)
    assert key == ("schedules", 2, "cron")
    assert why.startswith("419 of its 732 runs in the next year are not posted: they come "
                          "less than min_gap (1h) after a push of s0, s1 (53 of them as quiet "
                          "hours (22:00-08:00) move runs to 08:00) (the log says so")


def test_a_clash_outside_quiet_hours_names_none() -> None:
    [(_, why)] = held_back(_config({"cron": "0 20 * * *"}, {"cron": "30 20 * * *"}), MONDAY)
    assert "quiet" not in why


def test_a_read_cut_short_beyond_a_year_does_not_say_it_reached_29_february(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """From December 2026 the check means to read to 2028-02-29 (a line of that day). Here
    the runs it may work through run out on 2027-12-28 (day 392): it read 392 days, not to
    29 February."""
    monkeypatch.setattr(handlers.push, "GAP_RUNS", 9)
    handlers.push._read.cache_clear()
    # days 388-392: two runs each, each day its own (days alike are read once)
    once = [f"2027-12-{day} 19:{day}" for day in range(24, 29)]
    config = _config({"cron": "0 20 * * *"}, {"cron": "30 20 29 2 *"}, {"at": once},
                     quiet=None)
    try:
        [(key, why)] = held_back(config, datetime(2026, 12, 1))
    finally:
        handlers.push._read.cache_clear()
    assert key == ("schedules", 0, "cron")
    assert why.startswith("4 of its 392 runs in the next 392 days are not posted")
    assert "29 February" not in why
