"""A dropped action's line in the log (bot/delivery.py `_DropLog`): each of the first ten of
a minute, then the 16th, 32nd, 64th... with the count, and the total once the minute is
over. The send budget dropping a day's push to 500 groups at once wrote 500
lines, and a flood's thousands passed journald's rate limit (which then drops what
follows); the audit log has each."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from harness import BOT_YAML, Harness, write_config
from test_outbox import _put

from bot import audit
from bot.actions import Say
from bot.delivery import DROPS_LOGGED, _DropLog

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_a_flood_of_drops_logs_the_first_ten_then_the_powers_of_two(
        caplog: pytest.LogCaptureFixture) -> None:
    dropped = _DropLog()
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        for n in range(500):
            dropped(Say(f"g{n}", "早安"), "held back by the send budget", NOON)
        dropped(Say("g1", "午安"), "held back by the send budget", NOON + timedelta(minutes=1))
    lines = caplog.messages
    # 16, 32, 64, 128, 256; the minute's total once it is over; the next minute's first
    assert len(lines) == DROPS_LOGGED + 5 + 1 + 1
    assert lines[-2].startswith("500 actions dropped within the minute of 12:00 UTC in all")
    assert lines[0].startswith("Say(group='g0', text='早安'")
    assert "within the minute" not in lines[0]
    assert lines[DROPS_LOGGED].endswith("(16 actions dropped within the minute; not each is "
                                        "logged: the audit log has each)")
    assert "g255" in lines[-3] and "256 actions" in lines[-3]
    assert lines[-1].startswith("Say(group='g1', text='午安'") and lines[-1].endswith(
        "dropped: held back by the send budget")


def test_the_minute_of_a_flood_of_drops_ends_with_how_many_in_all(
        caplog: pytest.LogCaptureFixture) -> None:
    """The last power of two is not the total: a minute that dropped 500 is followed, once
    it is over, by a line saying 500 (r98), once; none while it lasts (r101-1: one a run of
    delivery); one whose last line gave its count adds none."""
    dropped = _DropLog()
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        for n in range(500):
            dropped(Say(f"g{n}", "早安"), "held back by the send budget", NOON)
            dropped.settle(NOON + timedelta(seconds=30))  # (the minute goes on: nothing)
        assert len(caplog.messages) == DROPS_LOGGED + 5
        dropped.settle(NOON + timedelta(minutes=1))
        dropped.settle(NOON + timedelta(minutes=2))  # (told already: nothing more)
        assert caplog.messages[-1] == ("500 actions dropped within the minute of 12:00 UTC "
                                       "in all; not each is logged: the audit log has each")
        assert len(caplog.messages) == DROPS_LOGGED + 5 + 1
    few = _DropLog()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        for n in range(DROPS_LOGGED):
            few(Say(f"g{n}", "早安"), "held back by the send budget", NOON)
        few.settle(NOON + timedelta(minutes=1))
        for n in range(16):  # the next minute's 16th: its line gives the count
            few(Say(f"h{n}", "早安"), "held back by the send budget", NOON + timedelta(minutes=1))
        few.settle(NOON + timedelta(minutes=2))
    assert len(caplog.messages) == DROPS_LOGGED * 2 + 1  # each has its line: no total


def four_a_day(tmp_path: Path) -> Path:
    """A config whose group's budget sends 4 messages a day, with no jitter nor warm-up."""
    governor = """governor:
  jitter: 0
  warmup: {days: 0}
  budgets:
    group_messages: {per_minute: 60, per_hour: 100, per_day: 4}
"""
    return write_config(tmp_path / "config", BOT_YAML + governor,
                        {"recruitment": "handlers: []\n"})


async def test_the_budget_dropping_a_backlog_logs_some_and_audits_each(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """40 answers in a group whose budget sends 4 a day (3 of them: 90% is left to what
    comes later): 37 dropped after their hour, at one instant; the log has the first ten,
    the 16th and the 32nd, the audit log all 37."""
    root = four_a_day(tmp_path)
    async with Harness(root, tmp_path, groups={"g0": "Recruitment 0"}) as h:
        start = h.clock.now()
        await _put(h, *(Say("g0", f"answer {i}") for i in range(40)))
        with caplog.at_level(logging.WARNING, logger="bot.delivery"):
            await h.advance("2h")
        rows = await audit.records(h.bot.store, since=start)
    assert len(h.actions("say")) == 3 and len([r for r in rows if r.action == "say_dropped"]) == 37
    logged = [m for m in caplog.messages if " dropped: " in m]
    assert len(logged) == DROPS_LOGGED + 2
    assert [m.rsplit(" (", 1)[1] for m in logged[DROPS_LOGGED:]] == [
        "16 actions dropped within the minute; not each is logged: the audit log has each)",
        "32 actions dropped within the minute; not each is logged: the audit log has each)"]
    assert "37 actions dropped within the minute of 02:00 UTC in all; not each is logged: the " \
        "audit log has each" in caplog.messages
