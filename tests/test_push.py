"""Scheduled pushes: cron times, content modes, quiet hours, minimum gap, no repeats, pacing."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from random import Random

import pytest
from harness import BOT_YAML, SHIPPED, TZ, Harness, write_config
from hypothesis import given
from hypothesis import strategies as st

from bot import config
from bot.yamlfile import InputError
from handlers import REGISTRY
from handlers.push import pick_random, quiet_covers, quiet_end

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=TZ)
RECRUITMENT = {"r1": "Listener Recruitment 01"}
ITEMS = {"push/items.md": "a\n---\nb\n---\nc\n---\nd\n"}


def _config(tmp_path: Path, push: str, content: dict[str, str] | None = None) -> Path:
    return write_config(tmp_path / "config", BOT_YAML,
                        {"recruitment": "handlers:\n  - push:\n" + push}, content or ITEMS)


def _sent(h: Harness) -> list[tuple[str, str]]:
    """(day and time, text) of every push, e.g. ("Mon 12:30:00", "a")."""
    return [(f"{datetime.fromisoformat(r['t']):%a %H:%M:%S}", r["text"])
            for r in h.actions("say")]


async def _log(h: Harness) -> list[tuple[str, str, str]]:
    rows = await h.bot.store.all(
        "SELECT schedule, fire_time, outcome FROM push_log ORDER BY fire_time, schedule")
    return [(schedule, f"{datetime.fromisoformat(fire).astimezone(TZ):%a %H:%M}", outcome)
            for schedule, fire, outcome in rows]


# ---------------------------------------------------------------- the shipped tips


@pytest.mark.usefixtures("backend")
async def test_weekday_tips_go_monday_to_friday_at_their_times_rotating(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        await h.advance("7d")
        await h.advance("1h")
        sent = _sent(h)
        assert [when for when, _ in sent] == [
            f"{day} {at}" for day in ("Mon", "Tue", "Wed", "Thu", "Fri")
            for at in ("12:30:00", "18:10:00")] + ["Mon 12:30:00"]
        numbers = [text.split("\n")[0][-1] for _, text in sent]
        assert numbers == list("①②③④⑤⑥①②③④⑤")


@pytest.mark.usefixtures("backend")
async def test_a_restart_right_after_a_push_does_not_repeat_it(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        await h.advance("30m")
        await h.restart()
        await h.advance("1h")
        assert [when for when, _ in _sent(h)] == ["Mon 12:30:00"]


@pytest.mark.usefixtures("backend")
async def test_a_push_missed_while_down_is_made_up_once_within_the_grace(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        h.clock.set(MONDAY_NOON + timedelta(minutes=37))   # down from 12:00 to 12:37
        await h.restart()
        await h.advance("6h")
        assert [when for when, _ in _sent(h)] == ["Mon 12:37:00", "Mon 18:10:00"]
        assert await _log(h) == [("tips", "Mon 12:30", "sent"), ("tips", "Mon 18:10", "sent")]


async def test_a_push_due_while_the_platform_is_away_goes_when_it_is_back(
        tmp_path: Path) -> None:
    """Held for the platform, not missed: its grace (10 min) counts from the return. A
    process that was down instead still skips what is past its grace (the test below)."""
    async with Harness(SHIPPED, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        await h.advance("20m")
        h.bot.platform(False)  # the gateway reconnects from 12:20 to 12:45, over 12:30
        await h.advance("25m")
        h.bot.platform(True)
        await h.bot.refresh_groups()
        await h.advance("1m")
        assert [when for when, _ in _sent(h)] == ["Mon 12:45:00"]


@pytest.mark.usefixtures("backend")
async def test_a_push_missed_past_the_grace_is_skipped_and_logged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with Harness(SHIPPED, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        await h.advance("30h")                                # to Tuesday 18:00
        h.clock.set(MONDAY_NOON + timedelta(hours=30, minutes=25))  # down over 18:10, +15 min
        with caplog.at_level(logging.WARNING):
            await h.restart()
        await h.advance("20h")
        sent = _sent(h)
        assert [when for when, _ in sent] == ["Mon 12:30:00", "Mon 18:10:00", "Tue 12:30:00",
                                              "Wed 12:30:00"]
        assert "④" in sent[-1][1]                             # the skipped run used no tip
        assert "skipped 1 run(s) of push/tips#2 in r1" in caplog.text


@pytest.mark.usefixtures("backend")
async def test_several_runs_missed_within_the_grace_are_made_up_as_one(tmp_path: Path) -> None:
    root = _config(tmp_path, "      min_gap: 0s\n      schedules:\n"
                             "        - {id: often, cron: '*/3 * * * *', content: push/items.md}\n")
    async with Harness(root, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        await h.advance("1m")                                 # 12:00 posted
        h.clock.set(MONDAY_NOON + timedelta(minutes=7, seconds=30))  # 12:03 and 12:06 missed
        await h.restart()
        await h.advance("2m")
        assert _sent(h) == [("Mon 12:00:00", "a"), ("Mon 12:07:30", "b"),
                            ("Mon 12:09:00", "c")]
        assert await _log(h) == [("often", "Mon 12:00", "sent"), ("often", "Mon 12:06", "sent"),
                                 ("often", "Mon 12:09", "sent")]


@pytest.mark.usefixtures("backend")
async def test_after_a_stall_the_latest_run_within_the_grace_is_made_up(
        tmp_path: Path) -> None:
    """The machine was suspended (or the loop blocked) with the bot running: of the runs it
    slept through, those past the grace are dropped and the latest within it goes once."""
    root = _config(tmp_path, "      min_gap: 0s\n      schedules:\n"
                             "        - {id: often, cron: '*/5 * * * *', content: push/items.md}\n")
    async with Harness(root, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        await h.advance("1s")                                 # 12:00 posted
        h.clock.set(MONDAY_NOON + timedelta(minutes=18))      # asleep over 12:05, 12:10, 12:15
        await h.bot.run_due()
        await h.advance("3m")
        assert _sent(h) == [("Mon 12:00:00", "a"), ("Mon 12:18:00", "b"),
                            ("Mon 12:20:00", "c")]
        assert await _log(h) == [("often", "Mon 12:00", "sent"), ("often", "Mon 12:15", "sent"),
                                 ("often", "Mon 12:20", "sent")]


@pytest.mark.usefixtures("backend")
async def test_100_groups_get_the_push_in_order_within_the_send_budget(
        tmp_path: Path) -> None:
    """The shipped budgets on the account's first day (warm-up 30 %): group messages at least
    10 s apart, and a push may use 70 % of the hour's 90, so 63 go at once and the rest once
    the first ones are an hour old."""
    groups = {f"r{i:03d}": f"Listener Recruitment {i:03d}" for i in range(100)}
    start = MONDAY_NOON + timedelta(minutes=29)
    async with Harness(SHIPPED, tmp_path, start=start, groups=groups) as h:
        await h.advance("2h")
        says = h.actions("say")
        times = [datetime.fromisoformat(r["t"]) for r in says]
        assert [r["group"] for r in says] == list(groups)
        assert min(b - a for a, b in pairwise(times)) >= timedelta(seconds=10)
        assert times[0] == start + timedelta(minutes=1)
        assert times[62] - times[0] < timedelta(minutes=20)
        assert times[63] == times[0] + timedelta(hours=1)


@pytest.mark.usefixtures("backend")
async def test_a_reload_with_a_changed_schedule_takes_effect(tmp_path: Path) -> None:
    push = "      schedules:\n        - {id: tip, cron: '%s', content: push/items.md}\n"
    root = _config(tmp_path, push % "30 12 * * *")
    async with Harness(root, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        (root / "types" / "recruitment.yaml").write_text(
            "handlers:\n  - push:\n" + push % "45 12 * * *", encoding="utf-8")
        await h.bot.reload()
        await h.bot.refresh_groups()
        await h.advance("1h")
        assert _sent(h) == [("Mon 12:45:00", "a")]


# ---------------------------------------------------------------- one-off dated posts (at:)

ONE_OFF = ("      min_gap: 0s\n      schedules:\n"
           "        - {id: tip, cron: '30 12 * * *', content: push/items.md}\n"
           "        - {id: launch, at: '2026-11-23 20:00', text: 今晚 8 点直播}\n")


@pytest.mark.usefixtures("backend")
async def test_a_one_off_post_goes_once_at_its_time_in_the_bots_zone(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path, ONE_OFF), tmp_path, start=MONDAY_NOON,
                       groups=RECRUITMENT) as h:
        await h.advance("8h30m")                              # past Monday 20:00
        await h.restart()
        await h.bot.reload()
        await h.bot.refresh_groups()
        await h.advance("2d")
        assert _sent(h) == [("Mon 12:30:00", "a"), ("Mon 20:00:00", "今晚 8 点直播"),
                            ("Tue 12:30:00", "b"), ("Wed 12:30:00", "c")]
        assert await _log(h) == [("tip", "Mon 12:30", "sent"), ("launch", "Mon 20:00", "sent"),
                                 ("tip", "Tue 12:30", "sent"), ("tip", "Wed 12:30", "sent")]


@pytest.mark.usefixtures("backend")
async def test_a_one_off_missed_while_down_goes_once_within_the_grace(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path, ONE_OFF), tmp_path, start=MONDAY_NOON,
                       groups=RECRUITMENT) as h:
        await h.advance("7h")                                 # 19:00, then down until 20:06
        h.clock.set(datetime(2026, 11, 23, 20, 6, tzinfo=TZ))
        await h.restart()
        await h.advance("1m")
        await h.restart()
        await h.advance("1h")
        assert _sent(h) == [("Mon 12:30:00", "a"), ("Mon 20:06:00", "今晚 8 点直播")]


@pytest.mark.usefixtures("backend")
async def test_a_one_off_missed_past_the_grace_is_skipped_and_logged_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with Harness(_config(tmp_path, ONE_OFF), tmp_path, start=MONDAY_NOON,
                       groups=RECRUITMENT) as h:
        await h.advance("7h")                                 # 19:00, then down until 20:11
        h.clock.set(datetime(2026, 11, 23, 20, 11, tzinfo=TZ))
        with caplog.at_level(logging.WARNING):
            await h.restart()
            await h.advance("1h")
            await h.restart()
        assert _sent(h) == [("Mon 12:30:00", "a")]
        assert caplog.text.count("skipped push/launch@2026-11-23T20:00 in r1") == 1
        row = await h.bot.store.one("SELECT outcome FROM cron_runs WHERE job LIKE 'launch@%'")
        assert row == ("skipped",)


def test_a_past_one_off_is_a_check_warning_naming_file_line_and_key(tmp_path: Path) -> None:
    root = _config(tmp_path, "      schedules:\n"
                             "        - id: old\n          text: x\n"
                             "          at: ['2099-12-01 20:00', '2020-01-01 20:00']\n")
    warnings = [str(w).split("/types/")[1] for w in config.load(root, REGISTRY).warnings]
    assert warnings == ["recruitment.yaml:6: handlers.push.schedules[0].at[1]: 2020-01-01 20:00"
                        " is in the past: it is posted only if it was missed within the"
                        " schedule's `grace`, else never"]


# ---------------------------------------------------------------- quiet hours and the gap


@pytest.mark.usefixtures("backend")
async def test_a_push_in_quiet_hours_is_skipped_when_the_rule_says_skip(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = _config(tmp_path, "      quiet_hours: {start: '12:00', end: '14:00', action: skip}\n"
                             "      schedules:\n"
                             "        - {id: tip, cron: ['30 12 * * *', '0 15 * * *'],"
                             " content: push/items.md}\n")
    async with Harness(root, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        with caplog.at_level(logging.INFO):
            await h.advance("4h")
        assert "push tip in r1 not posted: 12:30 is inside quiet hours 12:00-14:00" \
            in caplog.text
        assert _sent(h) == [("Mon 15:00:00", "a")]
        assert await _log(h) == [("tip", "Mon 12:30", "skipped_quiet"),
                                 ("tip", "Mon 15:00", "sent")]


QUIET_MOVE = ("      quiet_hours: {start: '22:00', end: '08:00', action: move}\n"
              "      schedules:\n"
              "        - {id: late, cron: '0 23 * * *', text: '晚安'}\n")


@pytest.mark.usefixtures("backend")
async def test_a_push_in_quiet_hours_moves_to_their_end_across_a_restart(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path, QUIET_MOVE), tmp_path, start=MONDAY_NOON,
                       groups=RECRUITMENT) as h:
        await h.advance("12h")                                # Monday 23:00 has passed
        await h.restart()
        await h.advance("12h")
        assert _sent(h) == [("Tue 08:00:00", "晚安")]
        assert await _log(h) == [("late", "Mon 23:00", "sent")]


@pytest.mark.usefixtures("backend")
async def test_runs_moved_in_one_night_are_posted_once(tmp_path: Path) -> None:
    root = _config(tmp_path, QUIET_MOVE.replace("'0 23 * * *'", "'0 23,2 * * *'"))
    async with Harness(root, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        await h.advance("1d")
        assert _sent(h) == [("Tue 08:00:00", "晚安")]
        assert await _log(h) == [("late", "Mon 23:00", "sent"),
                                 ("late", "Tue 02:00", "skipped_quiet")]


@pytest.mark.usefixtures("backend")
async def test_a_moved_push_whose_new_time_passed_while_down_is_dropped(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path, QUIET_MOVE), tmp_path, start=MONDAY_NOON,
                       groups=RECRUITMENT) as h:
        await h.advance("12h")
        h.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=TZ))  # down over 08:00 until 09:00
        await h.restart()
        await h.advance("1h")
        assert _sent(h) == []
        assert await _log(h) == [("late", "Mon 23:00", "skipped_late")]


@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize("gap, sent", [("1h", ["noon"]), ("20m", ["noon", "half past"])])
async def test_two_pushes_in_one_group_keep_the_minimum_gap(tmp_path: Path, gap: str,
                                                           sent: list[str]) -> None:
    root = _config(tmp_path, f"      min_gap: {gap}\n      schedules:\n"
                             "        - {id: one, cron: '0 12 * * *', text: noon}\n"
                             "        - {id: two, cron: '30 12 * * *', text: half past}\n")
    async with Harness(root, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        await h.advance("1h")
        assert [text for _, text in _sent(h)] == sent


@pytest.mark.usefixtures("backend")
async def test_a_one_off_goes_at_its_time_inside_the_gap_and_holds_the_next_cron_run(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """push.md's example: tips at 18:10, `min_gap: 2h`, the launch dated 20:00: it is posted
    (it was set for that moment); a cron run inside the gap after it is not, and says so."""
    root = _config(tmp_path, "      min_gap: 2h\n      schedules:\n"
                             "        - {id: tips, cron: '10 18 * * *', content: push/items.md}\n"
                             "        - {id: launch, at: '2026-11-23 20:00', text: 今晚 8 点直播}\n"
                             "        - {id: late, cron: '30 21 * * *', text: 晚安}\n")
    async with Harness(root, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        with caplog.at_level(logging.INFO):
            await h.advance("10h")
        assert _sent(h) == [("Mon 18:10:00", "a"), ("Mon 20:00:00", "今晚 8 点直播")]
        assert await _log(h) == [("tips", "Mon 18:10", "sent"), ("launch", "Mon 20:00", "sent"),
                                 ("late", "Mon 21:30", "skipped_gap")]
        assert ("push late in r1 not posted: the last push went at 20:00, less than min_gap"
                " (120 min) before") in caplog.text


@pytest.mark.usefixtures("backend")
async def test_a_one_off_moved_out_of_quiet_hours_is_not_held_by_the_gap(
        tmp_path: Path) -> None:
    root = _config(tmp_path, "      min_gap: 2h\n"
                             "      quiet_hours: {start: '22:00', end: '08:00', action: move}\n"
                             "      schedules:\n"
                             "        - {id: early, cron: '30 7 * * *', text: 早}\n"
                             "        - {id: launch, at: '2026-11-23 23:00', text: 开播}\n")
    async with Harness(root, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        await h.advance("21h")
        assert [text for _, text in _sent(h)] == ["早", "开播"]   # both moved to 08:00


# a cron run at 00:30 moved to 08:00, and a one-off at 01:00 of the same schedule merged
# into it; the gap after 23:30 would hold a cron run at 08:00 back
MERGED = ("      min_gap: 9h\n"
          "      quiet_hours: {start: '00:00', end: '08:00', action: move}\n"
          "      schedules:\n"
          "        - {id: late, cron: '30 23 * * *', text: 晚}\n"
          "        - {id: news, cron: '30 0 * * *', at: '2026-11-24 01:00', text: 开播}\n")


@pytest.mark.usefixtures("backend")
async def test_a_one_off_merged_into_a_moved_cron_run_is_not_held_by_the_gap(
        tmp_path: Path) -> None:
    """The schedule's cron run at 00:30 is moved to 08:00 first; its one-off at 01:00 merges
    into it (one post a night): that post was dated, and the gap after 23:30 holds it no more
    than it holds a one-off moved alone."""
    root = _config(tmp_path, MERGED)
    async with Harness(root, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        await h.advance("21h")
        assert _sent(h) == [("Mon 23:30:00", "晚"), ("Tue 08:00:00", "开播")]


@pytest.mark.usefixtures("backend")
async def test_the_one_off_upgrades_tonights_moved_run_not_a_stale_one(tmp_path: Path) -> None:
    """A moved run of an earlier night still marked moved (its timer gone: a restore, a
    hand edit) is not the one the one-off merges into: tonight's is posted and recorded."""
    root = _config(tmp_path, MERGED)
    async with Harness(root, tmp_path, start=MONDAY_NOON, groups=RECRUITMENT) as h:
        await h.bot.store.execute(
            "INSERT INTO push_log VALUES ('r1', 'news', ?, 'moved', ?, NULL)",
            ("2026-11-16T16:30:00.000+00:00", "2026-11-16T16:30:00.000+00:00"))
        await h.advance("21h")
        assert _sent(h) == [("Mon 23:30:00", "晚"), ("Tue 08:00:00", "开播")]
        assert ("news", "Tue 00:30", "sent") in await _log(h)


# ---------------------------------------------------------------- content modes


async def _hourly(tmp_path: Path, schedule: str, hours: int,
                  content: dict[str, str] | None = None) -> list[str]:
    root = _config(tmp_path, "      min_gap: 0s\n      schedules:\n"
                             f"        - {{id: p, cron: '0 * * * *', {schedule}}}\n", content)
    async with Harness(root, tmp_path, start=MONDAY_NOON - timedelta(minutes=30),
                       groups=RECRUITMENT) as h:
        await h.advance(f"{hours}h")
        return [text for _, text in _sent(h)]


async def test_fixed_posts_the_same_text_every_time(tmp_path: Path) -> None:
    assert await _hourly(tmp_path, "mode: fixed, text: 本周值班表", 3) == ["本周值班表"] * 3


async def test_a_series_posts_episode_n_of_m_and_stops_at_the_end(tmp_path: Path) -> None:
    texts = await _hourly(tmp_path, "mode: series, content: push/items.md,"
                                    " template: '第 {episode}/{episodes} 课 {text}'", 6)
    assert texts == ["第 1/4 课 a", "第 2/4 课 b", "第 3/4 课 c", "第 4/4 课 d"]


async def test_a_series_can_start_again_at_the_end(tmp_path: Path) -> None:
    texts = await _hourly(tmp_path, "mode: series, at_end: loop, content: push/items.md", 6)
    assert texts == ["a", "b", "c", "d", "a", "b"]


async def test_random_uses_every_item_before_repeating_one(tmp_path: Path) -> None:
    content = {"push/bits.yaml": "- 一\n- 二\n- 三\n- 四\n- 五\n"}
    texts = await _hourly(tmp_path, "mode: random, content: push/bits.yaml", 15, content)
    rounds = [texts[i:i + 5] for i in range(0, 15, 5)]
    assert all(sorted(r) == sorted("一二三四五") for r in rounds)
    assert all(a != b for a, b in pairwise(texts))
    assert rounds[0] != rounds[1] or rounds[1] != rounds[2]   # not a fixed order



@pytest.mark.parametrize(("before", "after"), [("rotate", "random"), ("random", "rotate"),
                                               ("random", "series"), ("series", "rotate")])
async def test_a_reload_that_changes_the_mode_posts_on_in_the_new_one(
        tmp_path: Path, before: str, after: str, caplog: pytest.LogCaptureFixture) -> None:
    """random keeps the round's used items, rotate and series the next index, under one key:
    after a change of mode, the new one starts afresh instead of failing at every run (it
    did: a list where an int was kept, or the reverse, raised each time: the push was dead);
    rotate and series keep the same kind of position, so one goes on from the other's."""
    push = "      min_gap: 0s\n      schedules:\n" \
           "        - {id: p, cron: '0 * * * *', mode: %s, content: push/items.md}\n"
    root = _config(tmp_path, push % before)
    async with Harness(root, tmp_path, start=MONDAY_NOON - timedelta(minutes=30),
                       groups=RECRUITMENT) as h:
        await h.advance("2h")
        (root / "types" / "recruitment.yaml").write_text(
            "handlers:\n  - push:\n" + push % after, encoding="utf-8")
        await h.bot.reload()
        await h.bot.refresh_groups()
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            await h.advance("4h")
        texts = [text for _, text in _sent(h)][2:]
        if after == "random":
            assert sorted(texts) == ["a", "b", "c", "d"]
        else:
            assert texts == (["c", "d", "a", "b"] if before == "series" else
                             ["a", "b", "c", "d"])
        afresh = [r.getMessage() for r in caplog.records if "starts afresh" in r.getMessage()]
        assert afresh == ([] if before == "series" else
                          [f"push p: its position was kept by another mode than {after}: it"
                           " starts afresh"])
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

@given(st.integers(1, 12), st.integers(0, 2**32), st.integers(1, 5))
def test_random_picks_are_a_permutation_in_each_round(count: int, seed: int,
                                                      rounds: int) -> None:
    rng, used, picks = Random(seed), list[int](), []
    for _ in range(count * rounds):
        index, used = pick_random(count, used, rng)
        picks.append(index)
    for r in range(rounds):
        assert sorted(picks[r * count:(r + 1) * count]) == list(range(count))
    if count > 1:
        assert all(a != b for a, b in pairwise(picks))


@given(st.times(), st.times(), st.times())
def test_quiet_hours_cover_from_start_up_to_end(at: time, start: time, end: time) -> None:
    if start == end:
        return
    inside = quiet_covers(at, start, end)
    assert quiet_covers(start, start, end)
    assert not quiet_covers(end, start, end)
    assert inside == (start <= at < end if start < end else not end <= at < start)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 30),
                    timezones=st.just(TZ)), st.times())
def test_the_end_of_quiet_hours_is_the_next_time_the_clock_shows_it(at: datetime,
                                                                      end: time) -> None:
    moved = quiet_end(at, end)
    assert moved.time() == end
    assert timedelta(0) <= moved - at < timedelta(days=1)


# ---------------------------------------------------------------- config mistakes


@pytest.mark.parametrize("push, content, message", [
    ("      schedules:\n        - {id: a, cron: '61 * * * *', text: x}\n", {},
     "recruitment.yaml:4: handlers.push.schedules[0].cron[0]: invalid cron schedule"),
    ("      schedules:\n        - {id: a, cron: '0 * * * *', mode: fixed,"
     " content: push/items.md}\n", ITEMS, "mode fixed posts one text, but push/items.md has 4"),
    ("      schedules:\n        - {id: a, cron: '0 * * * *'}\n", {},
     "give exactly one of `content` (a file) or `text`"),
    ("      schedules:\n        - {id: a, cron: '0 * * * *', content: push/bad.yaml}\n",
     {"push/bad.yaml": "a: b\n"}, "push/bad.yaml: a YAML push file is a list of texts"),
    # a YAML error in the push file: one line naming its line, as a config file's (review
    # s35 r5 R5-9: PyYAML's own three lines, naming "<unicode string>")
    ("      schedules:\n        - {id: a, cron: '0 * * * *', content: push/bad.yaml}\n",
     {"push/bad.yaml": "- one\n- [two\n"},
     "schedules[0]: push/bad.yaml:3: YAML syntax: "),
    ("      schedules:\n        - {id: a, cron: '0 * * * *', text: x}\n"
     "        - {id: a, cron: '0 * * * *', text: y}\n", {}, "schedule ids must differ"),
    ("      quiet_hours: {start: '22:00', end: 800}\n      schedules:\n"
     "        - {id: a, cron: '0 * * * *', text: x}\n", {},
     "handlers.push.quiet_hours.end: not a clock time: the number 800 (write hours and "
     "minutes from 0:00 to 23:59, e.g. 8:00 or 22:30)"),
    ("      quiet_hours: {start: 24:00, end: '08:00'}\n      schedules:\n"
     "        - {id: a, cron: '0 * * * *', text: x}\n", {},
     "handlers.push.quiet_hours.start: not a clock time: '24:00' (write hours and minutes "
     "from 0:00 to 23:59, e.g. 8:00 or 22:30)"),
    ("      schedules:\n        - {id: a, cron: '0 * * * *', text: x, template: '{txt}'}\n",
     {}, "unknown placeholder {txt}"),
    ("      schedules:\n        - {id: a, at: '2026-12-01', text: x}\n", {},
     "recruitment.yaml:4: handlers.push.schedules[0].at[0]: not a date and time: '2026-12-01'"
     " (write e.g. \"2026-12-01 20:00\""),
    ("      schedules:\n        - {id: a, at: '2026-13-01 20:00', text: x}\n", {},
     "schedules[0].at[0]: not a date and time: '2026-13-01 20:00'"),
    ("      schedules:\n        - {id: a, at: 2026-12-01 20:00:30, text: x}\n", {},
     "schedules[0].at[0]: '2026-12-01 20:00:30': give the time to the minute"),
    ("      schedules:\n        - {id: a, at: 2026-12-01, text: x}\n", {},
     "schedules[0].at[0]: not a date and time: '2026-12-01'"),
    ("      schedules:\n        - {id: a, text: x}\n", {},
     "give `cron` (repeating times), `at` (one-off dates) or both"),
    # silently ignored before (review s35 r5)
    ("      schedules:\n        - {id: a, cron: '0 * * * *', content: push/items.md,"
     " at_end: loop}\n", ITEMS,
     "schedules[0]: `at_end` is for mode series (it said what comes after the last episode);"
     " mode rotate never ends: delete `at_end`"),
])
def test_config_mistakes_are_named(tmp_path: Path, push: str, content: dict[str, str],
                                   message: str) -> None:
    root = _config(tmp_path, push, content)
    with pytest.raises(InputError) as caught:
        config.load(root, REGISTRY)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value).strip() and "<unicode string>" not in str(caught.value)
