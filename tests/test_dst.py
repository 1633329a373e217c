"""Daylight saving time: the bot counts real time, and reads the clock's face only for cron
lines, local days and display.

New York's clocks go forward on 2026-03-08 (02:00 EST is 03:00 EDT: no 02:30 that night) and
back on 2026-11-01 (02:00 EDT is 01:00 EST: 01:30 twice); Berlin's go back on 2026-10-25.
Real zoneinfo, real APScheduler triggers, the Harness's virtual clock or the real one.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from harness import BOT_YAML, Harness, load, write_config

from bot.adapters.simulator import Simulator
from bot.app import Bot
from bot.clock import SystemClock, VirtualClock
from bot.events import Member
from bot.replay import replay
from bot.terminal import Terminal
from handlers import REGISTRY
from handlers.push import quiet_end

NEW_YORK = ZoneInfo("America/New_York")
GROUPS = {"r1": "Listener Recruitment 01"}
AT_0130 = 'push: {schedules: [{id: amb, cron: "30 1 * * *", text: one-thirty}]}'
HALF_PAST = 'push: {min_gap: 1m, schedules: [{id: amb, cron: "30 * * * *", text: half-past}]}'
NOV_1_0100_EDT = datetime(2026, 11, 1, 1, 0, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def _no_spinning() -> Iterator[None]:
    """A bot that loops at a clock change fails its test instead of hanging the suite."""
    def stop(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("still busy after 30 s: a loop at the clock change?")

    before = signal.signal(signal.SIGALRM, stop)
    signal.alarm(30)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def _config(tmp_path: Path, zone: str, handler: str) -> Path:
    bot_yaml = BOT_YAML.replace("timezone: Asia/Shanghai", f"timezone: {zone}") + \
        "governor: {enabled: false}\n"
    return write_config(tmp_path / "config", bot_yaml,
                        {"recruitment": f"handlers:\n  - {handler}\n"})


def _times(h: Harness) -> list[str]:
    return [str(r["t"]) for r in h.actions("say")]


async def _runs(h: Harness) -> list[tuple[str, str]]:
    return [(str(fire), str(outcome)) for fire, outcome in await h.bot.store.all(
        "SELECT fire_time, outcome FROM cron_runs ORDER BY fire_time")]


# ---------------------------------------------------------------- clocks going back


@pytest.mark.parametrize(("zone", "cron", "start", "wait", "expected"), [
    ("America/New_York", "30 1 * * *", "2026-10-31 23:00", "5h",
     ["2026-11-01T01:30:00-04:00"]),  # a daily run: at the first 01:30 only, as cron does
    ("Europe/Berlin", "0 * * * *", "2026-10-25 01:30", "3h",
     ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"]),
    ("America/New_York", "30 2 * * *", "2026-03-07 23:00", "5h",
     ["2026-03-08T03:30:00-04:00"]),  # no 02:30 that night: an hour later, as the trigger says
], ids=["new-york-daily-at-01:30", "berlin-hourly", "new-york-skipped-02:30"])
async def test_a_run_in_the_repeated_hour_fires_as_cron_does_and_time_goes_on(
        tmp_path: Path, zone: str, cron: str, start: str, wait: str,
        expected: list[str]) -> None:
    """`groupbot replay` of the review's scenarios, no loop: a daily 01:30 once a day, an
    hourly 02:00 at each of the two, an hour apart."""
    _config(tmp_path, zone, f'push: {{min_gap: 1m, schedules: [{{id: s, cron: "{cron}", '
                            "text: tick}]}")
    scenario = tmp_path / "back.yaml"
    scenario.write_text(f'config: config\nstart: "{start}"\n'
                        'groups:\n  - {id: r1, topic: "Listener Recruitment 01"}\n'
                        f"steps:\n  - wait: {wait}\n", encoding="utf-8")
    actions: list[dict[str, Any]] = []
    await replay(scenario, REGISTRY, emit=actions.append)
    assert [a["t"] for a in actions] == expected


async def test_a_restart_in_the_repeated_hour_neither_loses_nor_doubles_a_run(
        tmp_path: Path) -> None:
    async with Harness(_config(tmp_path, "America/New_York", AT_0130), tmp_path,
                       start=NOV_1_0100_EDT, groups=GROUPS) as h:
        await h.advance("35m")  # 01:35 EDT: the first 01:30 ran
        await h.restart()
        await h.advance("50m")  # 01:25 EST
        await h.restart()
        await h.advance("10m")  # 01:35 EST: the second 01:30 ran
        await h.restart()
        await h.advance("2h")
        assert _times(h) == ["2026-11-01T01:30:00-04:00"]  # a daily run: once
        assert await _runs(h) == [("2026-11-01T05:30:00.000000+00:00", "run")]


async def test_a_repeated_hour_run_missed_while_down_is_made_up_once_within_grace(
        tmp_path: Path) -> None:
    async with Harness(_config(tmp_path, "America/New_York", HALF_PAST), tmp_path,
                       start=NOV_1_0100_EDT, groups=GROUPS) as h:
        await h.advance("35m")
        await h.bot.stop()  # down over the second 01:30, back at 01:38 EST (grace 10m)
        h.clock.set(datetime(2026, 11, 1, 1, 38, tzinfo=NEW_YORK, fold=1))
        await h._start()
        await h.advance("1s")
        await h.restart()
        await h.advance("1h")
        assert _times(h) == ["2026-11-01T01:30:00-04:00", "2026-11-01T01:38:00-05:00",
                             "2026-11-01T02:30:00-05:00"]
        assert len(await _runs(h)) == 3


async def test_a_daily_runs_time_coming_round_again_while_down_is_no_missed_run(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Down from 01:35 EDT to 03:00 EST: the second 01:30 is no run of a daily line, so
    none was missed (an hourly line's 01:30 and 02:30 EST were: "skipped 2 run(s)")."""
    async with Harness(_config(tmp_path, "America/New_York", AT_0130), tmp_path,
                       start=NOV_1_0100_EDT, groups=GROUPS) as h:
        await h.advance("35m")
        await h.bot.stop()
        h.clock.set(datetime(2026, 11, 1, 3, 0, tzinfo=NEW_YORK))  # EST
        with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
            await h._start()
        await h.advance("1h")
        assert [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()] == []
        assert _times(h) == ["2026-11-01T01:30:00-04:00"]


# ---------------------------------------------------------------- clocks going forward


async def test_serve_wakes_for_a_run_when_real_time_comes_after_clocks_go_forward(
        tmp_path: Path) -> None:
    """At 01:59:59.5 EST, 03:00 EDT is half a second away (an hour of the clock's face)."""
    config = _config(tmp_path, "America/New_York",
                     'push: {schedules: [{id: s, cron: "0 3 * * *", text: three}]}')
    clock = SystemClock(NEW_YORK)
    just_before = datetime(2026, 3, 8, 1, 59, 59, 500000, tzinfo=NEW_YORK)
    clock.skip(just_before.astimezone(UTC) - datetime.now(UTC))
    world = Simulator(clock, Member("bot", "Helper"))
    world.add_group("r1", GROUPS["r1"], ["alice"])
    async with Bot(load(config), world, clock, REGISTRY, tmp_path / "bot.db", seed=0) as bot:
        serving = asyncio.create_task(bot.serve())
        try:
            for _ in range(100):  # up to 10 s, for a busy machine; it takes half a second
                if world.sent:
                    break
                await asyncio.sleep(0.1)
        finally:
            serving.cancel()
            with pytest.raises(asyncio.CancelledError):
                await serving
    assert [(r["text"], str(r["t"])[:16]) for r in world.sent] == [
        ("three", "2026-03-08T03:00")]


async def test_the_simulators_wait_runs_a_job_after_clocks_go_forward_and_ends_an_hour_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`/wait 1h` at 01:30 EST: 03:00 EDT comes on the way, and it ends at 03:30 EDT."""
    config = _config(tmp_path, "America/New_York",
                     'push: {schedules: [{id: s, cron: "0 3 * * *", text: three}]}')
    clock = SystemClock(NEW_YORK)
    clock.skip(datetime(2026, 3, 8, 6, 30, tzinfo=UTC) - datetime.now(UTC))  # 01:30 EST
    world = Simulator(clock, Member("bot", "Helper"))
    world.add_group("r1", GROUPS["r1"], ["alice"])
    async with Bot(load(config), world, clock, REGISTRY, tmp_path / "bot.db", seed=0) as bot:
        await Terminal(bot, world, clock, asyncio.Queue()).handle("/wait 1h")
    assert [(r["text"], str(r["t"])[:16]) for r in world.sent] == [
        ("three", "2026-03-08T03:00")]
    assert "now 2026-03-08 03:30" in capsys.readouterr().out


# ---------------------------------------------------------------- time moves on instants


@pytest.mark.parametrize(("start", "wait", "after"), [
    (datetime(2026, 3, 7, 12, 0, tzinfo=NEW_YORK), "24h", "2026-03-08T13:00:00-04:00"),
    (datetime(2026, 3, 8, 1, 0, tzinfo=NEW_YORK), "1h", "2026-03-08T03:00:00-04:00"),
    (datetime(2026, 3, 8, 1, 59, tzinfo=NEW_YORK), "2m", "2026-03-08T03:01:00-04:00"),
    (datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK), "1h", "2026-11-01T01:30:00-05:00"),
    (datetime(2026, 10, 31, 12, 0, tzinfo=NEW_YORK), "24h", "2026-11-01T11:00:00-05:00"),
], ids=["forward-24h", "forward-1h", "forward-2m", "back-1h", "back-24h"])
async def test_virtual_time_moves_by_real_time_across_a_clock_change(
        tmp_path: Path, start: datetime, wait: str, after: str) -> None:
    async with Harness(_config(tmp_path, "America/New_York", "checkin: {}"), tmp_path,
                       start=start, groups=GROUPS) as h:
        await h.advance(wait)
        assert h.clock.now().isoformat() == after
        await h.say("r1", "alice", "签到")
        await h.advance("1m")
        assert _times(h)[0][:16] == after[:16]  # shown at the real local time, never 02:xx


def test_the_virtual_clock_shows_real_times_and_never_goes_back_an_instant() -> None:
    clock = VirtualClock(NEW_YORK, datetime(2026, 3, 8, 1, 0, tzinfo=NEW_YORK))
    clock.set(clock.now() + timedelta(hours=1))  # the clock's face: 02:00 EST, never shown
    assert clock.now().isoformat() == "2026-03-08T03:00:00-04:00"
    clock = VirtualClock(NEW_YORK, datetime(2026, 11, 1, 1, 10, tzinfo=NEW_YORK, fold=1))
    with pytest.raises(ValueError, match="cannot go back"):
        clock.set(datetime(2026, 11, 1, 1, 50, tzinfo=NEW_YORK))  # EDT: 40 minutes before
    clock.set(datetime(2026, 11, 1, 1, 50, tzinfo=NEW_YORK, fold=1))
    assert clock.now().isoformat() == "2026-11-01T01:50:00-05:00"


@pytest.mark.parametrize(("start", "after"), [
    (datetime(2026, 3, 8, 1, 30, tzinfo=NEW_YORK), datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK)),
    (datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK),
     datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK, fold=1)),
], ids=["forward", "back"])
def test_the_real_clock_skipped_ahead_an_hour_is_an_hour_later(start: datetime,
                                                                after: datetime) -> None:
    """The terminal simulator's `/wait` skips the real clock."""
    clock = SystemClock(NEW_YORK)
    clock.skip(start.astimezone(UTC) - datetime.now(UTC))
    clock.skip(timedelta(hours=1))
    now = clock.now()
    assert abs(now.astimezone(UTC) - after.astimezone(UTC)) < timedelta(seconds=5)
    assert (now.hour, now.utcoffset()) == (after.hour, after.utcoffset())


async def test_a_timer_crossing_the_change_comes_after_its_real_delay(tmp_path: Path) -> None:
    """The welcome window (a handler's timer) closes 2 real minutes after the first join."""
    start = datetime(2026, 11, 1, 1, 59, tzinfo=NEW_YORK)  # EDT; 01:01 EST is 2 minutes later
    config = _config(tmp_path, "America/New_York", "welcome: {template: hi, window: 2m}")
    async with Harness(config, tmp_path, start=start, groups=GROUPS) as h:
        await h.join("r1", "carol")
        await h.advance("3m")
        assert _times(h) == ["2026-11-01T01:01:00-05:00"]


# ---------------------------------------------------------------- local days stay local


@pytest.mark.parametrize(("day", "first"), [
    ("2026-03-08", (0, 30)),  # a 23-hour day: 22h20m from 00:30 to 23:50
    ("2026-11-01", (0, 10)),  # a 25-hour day: 24h40m from 00:10 to 23:50
], ids=["forward", "back"])
async def test_check_in_is_once_per_local_day_on_a_day_clocks_change(
        tmp_path: Path, day: str, first: tuple[int, int]) -> None:
    date = datetime.fromisoformat(day)
    start = date.replace(hour=first[0], minute=first[1], tzinfo=NEW_YORK)
    last_call = date.replace(hour=23, minute=50, tzinfo=NEW_YORK)
    async with Harness(_config(tmp_path, "America/New_York", "checkin: {}"), tmp_path,
                       start=start, groups=GROUPS) as h:
        await h.say("r1", "alice", "签到")
        await h.advance(last_call.astimezone(UTC) - start.astimezone(UTC))
        await h.say("r1", "alice", "签到")  # the same local day: already checked in
        await h.advance("20m")  # 00:10 the next day
        await h.say("r1", "alice", "签到")
        await h.advance("1m")
        texts = h.texts("r1")
        assert len(texts) == 3, texts
        assert "连续签到 1 天" in texts[0] and "签到成功" in texts[0]
        assert "今天已经签过到" in texts[1]
        assert "连续签到 2 天" in texts[2] and "签到成功" in texts[2]


async def test_a_cooldown_reaching_back_over_the_skipped_hour_still_holds(
        tmp_path: Path) -> None:
    """At 03:02 EDT a 5-minute cooldown reaches back to 06:57 UTC (01:57 EST), not to a 02:57
    that never was."""
    config = _config(tmp_path, "America/New_York", 'keywords: {cooldown: 5m, group_cooldown: '
                     '0s, rules: [{id: fee, patterns: ["收费"], reply: "免费"}]}')
    async with Harness(config, tmp_path, start=datetime(2026, 3, 8, 3, 1, tzinfo=NEW_YORK),
                       groups=GROUPS) as h:
        await h.say("r1", "alice", "收费吗")
        await h.advance("1m")
        await h.say("r1", "alice", "收费吗")  # within the cooldown: no second answer
        await h.advance("5m")
        await h.say("r1", "alice", "收费吗")
        await h.advance("1m")
        assert [t[11:16] for t in _times(h)] == ["03:01", "03:07"]


@pytest.mark.parametrize(("quiet", "cron", "start", "wait", "expected"), [
    # quiet until 01:30, an hourly run at 10 past: the 01:10 EDT run goes at 01:30 EDT, the
    # 01:10 EST one at 01:30 EST (not at the 01:30 already past, inside the quiet hours again)
    (("00:00", "01:30"), "10 * * * *", datetime(2026, 11, 1, 0, 0), "4h",
     ["2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00",
      "2026-11-01T02:10:00-05:00"]),  # then no longer quiet
    # quiet until 02:30, which the night clocks go forward (02:00 EST is 03:00 EDT) never
    # shows: the quiet hours are over at 03:00 EDT, and the moved push goes then, not at 03:30
    (("22:00", "02:30"), "0 23 * * *", datetime(2026, 3, 7, 22, 30), "6h",
     ["2026-03-08T03:00:00-04:00"]),
], ids=["repeated-hour", "skipped-hour"])
async def test_a_push_moved_out_of_quiet_hours_goes_when_they_end_across_a_clock_change(
        tmp_path: Path, quiet: tuple[str, str], cron: str, start: datetime, wait: str,
        expected: list[str]) -> None:
    config = _config(tmp_path, "America/New_York", 'push: {min_gap: 1m, quiet_hours: {start: '
                     f'"{quiet[0]}", end: "{quiet[1]}", action: move}}, schedules: [{{id: q, '
                     f'cron: "{cron}", text: moved}}]}}')
    async with Harness(config, tmp_path, start=start.replace(tzinfo=NEW_YORK),
                       groups=GROUPS) as h:
        await h.advance(wait)
        assert _times(h) == expected


@pytest.mark.parametrize(("zone", "at", "end", "expected"), [
    ("America/New_York", datetime(2026, 3, 8, 1, 50), time(2, 30), "2026-03-08T03:00:00-04:00"),
    ("America/Santiago", datetime(2026, 9, 5, 23, 10), time(0, 30),
     "2026-09-06T01:00:00-03:00"),  # the clocks jump at midnight: 00:30 is skipped
    ("America/New_York", datetime(2026, 11, 1, 1, 10), time(1, 30), "2026-11-01T01:30:00-04:00"),
], ids=["new-york-02:30", "santiago-midnight", "new-york-back"])
def test_quiet_hours_end_when_the_clock_first_shows_their_end_or_later(
        zone: str, at: datetime, end: time, expected: str) -> None:
    assert quiet_end(at.replace(tzinfo=ZoneInfo(zone)), end).isoformat() == expected
