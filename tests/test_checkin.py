"""Daily check-ins: one a day, streaks across days, months and years, points, leaderboard."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from harness import BOT_YAML, SHIPPED, TZ, Harness, write_config
from hypothesis import given
from hypothesis import strategies as st

from bot import config
from bot.events import Member, Message
from bot.yamlfile import InputError
from handlers import REGISTRY
from handlers.checkin import (
    checkin_day,
    next_streak,
    points_for,
    standing_streak,
    week_start,
)

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
INTERNSHIP = {"i1": "Listener Internship 01 实习群"}
NEW_YORK = ZoneInfo("America/New_York")

# ---------------------------------------------------------------- day and streak arithmetic

clock_times = st.times(max_value=time(23, 59)).map(lambda t: t.replace(second=0, microsecond=0))
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 30),
                        timezones=st.just(TZ))
month_ends = st.builds(lambda y, m: date(y, m, calendar.monthrange(y, m)[1]),
                       st.integers(2000, 2098), st.integers(1, 12))
days = st.one_of(st.dates(date(2000, 1, 1), date(2098, 12, 1)), month_ends)


@pytest.mark.no_store
@given(days, clock_times)
def test_a_day_begins_at_the_cut_and_the_moment_before_belongs_to_the_day_before(
        day: date, cut: time) -> None:
    start = datetime.combine(day, cut, tzinfo=TZ)
    assert checkin_day(start, cut) == day
    assert checkin_day(start - timedelta(microseconds=1), cut) == day - timedelta(days=1)


@pytest.mark.no_store
@given(instants, clock_times)
def test_a_check_in_day_lasts_24_hours(at: datetime, cut: time) -> None:
    assert checkin_day(at + timedelta(days=1), cut) == checkin_day(at, cut) + timedelta(days=1)
    assert checkin_day(at, cut) in (at.date(), at.date() - timedelta(days=1))


@pytest.mark.no_store
@given(instants, instants, clock_times)
def test_later_is_never_an_earlier_day(a: datetime, b: datetime, cut: time) -> None:
    early, late = sorted((a, b))
    assert checkin_day(early, cut) <= checkin_day(late, cut)


@pytest.mark.no_store
@pytest.mark.parametrize("cut", [time(h, m) for h in range(4) for m in (0, 10, 30, 59)])
def test_later_is_never_an_earlier_day_the_night_clocks_go_back(cut: time) -> None:
    """New York, 2026-11-01: 01:00-02:00 is shown twice. With the day starting at 01:30, the
    second 01:10 had gone back to the day before: a second check-in, a day's points more."""
    midnight = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # 00:00 EDT
    days = [checkin_day((midnight + timedelta(minutes=m)).astimezone(NEW_YORK), cut)
            for m in range(300)]
    assert days == sorted(days)
    assert days[-1] == date(2026, 11, 1)


@pytest.mark.no_store
@given(month_ends, st.integers(1, 400))
def test_a_streak_goes_on_across_month_and_year_ends(last: date, streak: int) -> None:
    assert next_streak(last, streak, last + timedelta(days=1)) == streak + 1
    assert standing_streak(last, streak, last + timedelta(days=1)) == streak


@pytest.mark.no_store
@given(days, st.integers(1, 400), st.integers(2, 800))
def test_a_missed_day_starts_the_streak_again(last: date, streak: int, gap: int) -> None:
    assert next_streak(last, streak, last + timedelta(days=gap)) == 1
    assert standing_streak(last, streak, last + timedelta(days=gap)) == 0


@pytest.mark.no_store
@given(days, st.lists(st.integers(1, 4), max_size=60))
def test_the_streak_is_the_run_of_consecutive_days_ending_today(
        first: date, gaps: list[int]) -> None:
    history = [first]
    for gap in gaps:
        history.append(history[-1] + timedelta(days=gap))
    last: date | None = None
    streak = 0
    for day in history:
        streak = next_streak(last, streak, day)
        run = 1
        while day - timedelta(days=run) in history:
            run += 1
        assert streak == run
        last = day


@pytest.mark.no_store
@given(st.integers(1, 100), st.integers(0, 50),
       st.dictionaries(st.integers(2, 100), st.integers(1, 500)))
def test_bonus_points_come_on_bonus_days_only(streak: int, base: int,
                                              bonuses: dict[int, int]) -> None:
    points, bonus = points_for(streak, base, bonuses)
    assert bonus == bonuses.get(streak, 0)
    assert points == base + bonus


@pytest.mark.no_store
@given(days)
def test_a_week_starts_on_monday(day: date) -> None:
    monday = week_start(day)
    assert monday.weekday() == 0
    assert timedelta(0) <= day - monday < timedelta(days=7)


# ---------------------------------------------------------------- through the bot


def _harness(tmp_path: Path, start: datetime = MONDAY,
             groups: dict[str, str] = INTERNSHIP) -> Harness:
    return Harness(SHIPPED, tmp_path, start=start, groups=groups)


def _replies(h: Harness) -> list[str]:
    return [t for t in h.texts() if "签到" in t and not t.startswith(("☀", "📚"))]


async def _at(h: Harness, when: datetime) -> None:
    await h.bot.advance(when)


async def test_two_check_ins_on_one_day_earn_points_once(tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        await h.say("i1", "alice", "签到")
        await h.say("i1", "bob", "签到！")
        await h.say("i1", "alice", "签到")
        await h.advance("1m")
        assert _replies(h) == [
            "✅ alice 签到成功！连续签到 1 天，今日 +10 分，累计 10 分，今天第 1 个签到。",
            "✅ bob 签到成功！连续签到 1 天，今日 +10 分，累计 10 分，今天第 2 个签到。",
            "alice 今天已经签过到啦～ 连续签到 1 天，今日已得 10 分，累计 10 分，今天第 1 个签到。",
        ]


async def test_a_check_in_with_an_emoji_brackets_or_a_tag_around_it_counts(
        tmp_path: Path) -> None:
    """Members write 签到 as WeChat groups do: with an emoji, in brackets, as a tag; each
    was silently no check-in, and the member believed the streak held (review s32a T11)."""
    async with _harness(tmp_path) as h:
        for member, text in [("alice", "签到✅"), ("bob", "【签到】"), ("carol", "#签到"),
                             ("dave", "签到👍🏻")]:
            await h.say("i1", member, text)
        await h.say("i1", "erin", "签到了吗？今天的作业是什么")  # a sentence: no check-in
        await h.advance("1m")
        assert [reply.split(" ")[1] for reply in _replies(h)] == ["alice", "bob", "carol", "dave"]


async def test_a_check_in_with_wechat_faces_around_it_counts(tmp_path: Path) -> None:
    """WeChat's own emoji panel sends its faces as bracketed names ([强] is the thumbs-up):
    签到 then a tap on a face was silently no check-in (review s32d X2)."""
    async with _harness(tmp_path) as h:
        for member, text in [("alice", "签到[强]"), ("bob", "[太阳]签到"),
                             ("carol", "签到[玫瑰][玫瑰]"), ("dave", "签到[OK]")]:
            await h.say("i1", member, text)
        await h.say("i1", "erin", "[疑问]签到了吗[疑问]")  # a sentence: no check-in
        await h.advance("1m")
        assert [reply.split(" ")[1] for reply in _replies(h)] == ["alice", "bob", "carol", "dave"]


async def test_a_check_in_reads_its_rank_and_total_with_its_row(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After its insert, a check-in reads the day's row, its rank that day and the member's
    total in one statement (they were three: a statement from Python costs more than the
    subqueries); the figures stay those of the check-ins before it."""
    async with _harness(tmp_path) as h:
        await h.say("i1", "alice", "签到")
        await _at(h, MONDAY + timedelta(days=1))
        await h.say("i1", "bob", "签到")
        reads: list[str] = []
        one = h.bot.store.one

        async def counted(sql: str, params: Sequence[Any] = ()) -> Any:
            if "checkins" in sql:
                reads.append(sql)
            return await one(sql, params)

        monkeypatch.setattr(h.bot.store, "one", counted)
        await h.say("i1", "alice", "签到")
        await h.advance("1m")
        assert len(reads) == 2  # the last check-in before today, then today's with its figures
        assert _replies(h)[-1] == (
            "✅ alice 签到成功！连续签到 2 天，今日 +10 分，累计 20 分，今天第 2 个签到。")


async def test_commands_in_traditional_characters_are_answered(tmp_path: Path) -> None:
    """Review s33a Q10: 「簽到」 and 「我的數據」 got nothing (the pipeline's first look at a
    message found no trigger in it)."""
    async with _harness(tmp_path) as h:
        await h.say("i1", "alice", "簽到")
        await h.say("i1", "alice", "我的數據")
        await h.advance("1m")
        [checked, data] = h.texts("i1")[-2:]
        assert checked.startswith("✅ alice 签到成功！") and "签到 1 天" in data


@pytest.mark.parametrize("board, mine", [("签到排行榜", "我的积分"), ("积分排行榜", "查积分"),
                                         ("积分榜", "我的数据")])
async def test_the_boards_own_title_and_my_points_are_asked_for(
        tmp_path: Path, board: str, mine: str) -> None:
    """Review s33a Q7: the board is titled 「🏆 签到排行榜」 and members type that, or
    「积分排行榜」, 「我的积分」: all got nothing."""
    async with _harness(tmp_path) as h:
        await h.say("i1", "alice", "签到")
        await h.say("i1", "alice", board)
        await h.say("i1", "alice", mine)
        await h.advance("1m")
        assert [t[:8] for t in h.texts("i1")[-2:]] == ["🏆 签到排行榜（", "📊 alice "]


async def test_2359_and_0001_the_next_day_make_a_streak_of_2(tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        await _at(h, datetime(2026, 11, 23, 23, 59, tzinfo=TZ))
        await h.say("i1", "alice", "签到")
        await _at(h, datetime(2026, 11, 24, 0, 1, tzinfo=TZ))
        await h.say("i1", "alice", "签到")
        await h.advance("10s")
        assert "连续签到 2 天，今日 +10 分，累计 20 分" in _replies(h)[1]


@pytest.mark.parametrize("handled, streak", [
    (datetime(2026, 11, 24, 0, 0, 5, tzinfo=TZ), 2),  # a takeover's replay: the day written
    (datetime(2026, 11, 24, 0, 10, 5, tzinfo=TZ), 1),  # a backlog: no day further back
])
async def test_a_check_in_written_before_midnight_and_handled_after_counts_for_its_day(
        tmp_path: Path, handled: datetime, streak: int) -> None:
    """Review s30 R5: the day was the handling time's. A 「签到」 written Monday 23:59:58 and
    handled 00:00:05 (a takeover's standby replay, a slow lookup) was booked on Tuesday: the
    Sunday+Monday streak broke, and Tuesday's own check-in was "already". It counts for the
    day it was written, unless handled more than 10 minutes later."""
    async with _harness(tmp_path, start=MONDAY - timedelta(days=1)) as h:
        await h.say("i1", "alice", "签到")  # Sunday
        await _at(h, handled)
        await h.feed(Message(datetime(2026, 11, 23, 23, 59, 58, tzinfo=TZ), "i1",
                             h.world.member("i1", "alice"), "签到", id="late"))
        await _at(h, datetime(2026, 11, 24, 9, 0, tzinfo=TZ))
        await h.say("i1", "alice", "签到")  # Tuesday
        await h.advance("1m")
        replies = _replies(h)
        assert f"连续签到 {streak} 天" in replies[1]
        assert replies[2].startswith("✅") == (streak == 2), replies


async def test_a_late_check_in_carries_the_streak_of_the_day_after(tmp_path: Path) -> None:
    """Review s33a Q5: a check-in written Sunday 23:59:45 and handed over after the member's
    Monday check-in (re-sent at 00:00:20, when the first got no answer) was booked for
    Sunday, but Monday's row kept the streak 1 it was booked with: 8 days in a row read
    「连续签到 1 天」. The days after a late one are carried on from it."""
    async with _harness(tmp_path) as h:
        for _ in range(6):  # Monday to Saturday
            await h.say("i1", "alice", "签到")
            await h.advance("1d")
        await _at(h, datetime(2026, 11, 30, 0, 0, 20, tzinfo=TZ))
        await h.say("i1", "alice", "签到")  # Monday, handled first: streak 1 then
        await _at(h, datetime(2026, 11, 30, 0, 0, 30, tzinfo=TZ))
        await h.feed(Message(datetime(2026, 11, 29, 23, 59, 45, tzinfo=TZ), "i1",
                             h.world.member("i1", "alice"), "签到", id="late"))
        await h.advance("1m")
        assert "连续签到 7 天" in _replies(h)[-1]  # Sunday's, with the 7th day's bonus
        await h.say("i1", "alice", "我的数据")
        await h.advance("1m")
        assert "连续签到 8 天\n积分 110 分" in h.texts()[-1]  # 8 x 10 + 30
        await h.advance("1d")
        await h.say("i1", "alice", "签到")
        await h.advance("1m")
        assert "连续签到 9 天" in _replies(h)[-1]


async def test_a_missed_day_starts_the_streak_at_1_again(tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        for _ in range(3):
            await h.say("i1", "alice", "签到")
            await h.advance("1d")
        await h.advance("1d")
        await h.say("i1", "alice", "签到")
        await h.advance("10s")
        streaks = [r.split("连续签到 ")[1].split(" 天")[0] for r in _replies(h)]
        assert streaks == ["1", "2", "3", "1"]


async def test_a_streak_survives_the_year_end(tmp_path: Path) -> None:
    async with _harness(tmp_path, start=datetime(2026, 12, 30, 21, 0, tzinfo=TZ)) as h:
        for _ in range(4):
            await h.say("i1", "alice", "签到")
            await h.advance("1d")
        assert "连续签到 4 天" in _replies(h)[-1]


async def test_the_seventh_day_in_a_row_earns_the_bonus(tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        for _ in range(7):
            await h.say("i1", "alice", "签到")
            await h.advance("1d")
        assert _replies(h)[-1] == ("✅ alice 签到成功！连续签到 7 天，今日 +40 分，累计 100 分，"
                                   "今天第 1 个签到。\n🎁 连续签到 7 天，额外奖励 30 分！")


def _custom(tmp_path: Path, checkin: str) -> Path:
    return write_config(tmp_path / "config", BOT_YAML,
                        {"recruitment": f"handlers:\n  - checkin:\n{checkin}"})


async def test_with_the_day_starting_at_4_two_am_check_ins_are_one_day(tmp_path: Path) -> None:
    root = _custom(tmp_path, '      day_starts: "04:00"\n      reply: "ok {streak}"\n'
                             '      already: "again {streak}"\n')
    async with Harness(root, tmp_path, start=datetime(2026, 11, 23, 23, 59, tzinfo=TZ)) as h:
        await h.say("r1", "alice", "签到")
        await _at(h, datetime(2026, 11, 24, 0, 1, tzinfo=TZ))
        await h.say("r1", "alice", "签到")                 # still Monday's check-in day
        await _at(h, datetime(2026, 11, 24, 4, 1, tzinfo=TZ))
        await h.say("r1", "alice", "签到")                 # Tuesday's begins at 04:00
        await h.advance("10s")
        assert h.texts() == ["ok 1", "again 1", "ok 2"]


async def test_the_hour_shown_again_the_night_clocks_go_back_is_the_new_day(
        tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML.replace(
        "Asia/Shanghai", "America/New_York"), {"recruitment": (
            'handlers:\n  - checkin: {day_starts: "01:30", reply: "ok {streak}",'
            ' already: "again {streak}", already_cooldown: 0s}\n')})
    start = datetime(2026, 10, 31, 1, 40, tzinfo=NEW_YORK)
    async with Harness(root, tmp_path, start=start) as h:
        await h.say("r1", "alice", "签到")                 # Saturday's check-in day
        await _at(h, datetime(2026, 11, 1, 5, 40, tzinfo=UTC))   # 01:40 EDT: Sunday's
        await h.say("r1", "alice", "签到")
        await h.advance("30m")                             # 01:10 EST, the second time round
        await h.say("r1", "alice", "签到")
        await h.advance("10s")
        assert h.texts() == ["ok 1", "ok 2", "again 2"]


async def test_only_the_command_itself_is_a_check_in(tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        await h.say("i1", "alice", "今天签到了吗")
        await h.say("i1", "alice", "@小助手\u2005Check In!", mentions=("bot",))
        await h.advance("10s")
        assert len(_replies(h)) == 1


async def test_a_message_delivered_twice_counts_and_answers_once(tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        message = Message(h.clock.now(), "i1", Member("alice", "alice"), "签到", id="wx-1")
        await h.feed(message)
        await h.restart()  # the duplicate arrives after a restart, past the in-memory filter
        await h.feed(message)
        await h.say("i1", "alice", "签到")
        await h.advance("1m")
        assert [r[:8] for r in _replies(h)] == ["✅ alice ", "alice 今天"]
        assert "累计 10 分" in _replies(h)[1]


async def test_the_leaderboard_shows_this_week_this_month_and_all_time(tmp_path: Path) -> None:
    sunday = datetime(2026, 11, 29, 9, 0, tzinfo=TZ)
    async with _harness(tmp_path, start=sunday) as h:
        await h.say("i1", "alice", "签到")
        await h.say("i1", "bob", "签到")
        await h.advance("1d")                               # Monday 30 November: a new week
        await h.say("i1", "bob", "签到")
        await h.advance("1d")                               # Tuesday 1 December: a new month
        await h.say("i1", "carol", "签到")
        await h.say("i1", "alice", "排行榜")
        await h.advance("10s")
        assert h.texts()[-1] == ("🏆 签到排行榜（前 10 名）\n"
                                 "【本周】\n1. bob  10 分\n2. carol  10 分\n"
                                 "【本月】\n1. carol  10 分\n"
                                 "【总榜】\n1. bob  20 分\n2. alice  10 分\n3. carol  10 分")


async def test_the_leaderboard_keeps_to_its_cooldown_and_its_top_n(tmp_path: Path) -> None:
    root = _custom(tmp_path, "      leaderboard: {top: 2, template: '{all}', cooldown: 5m}\n")
    async with Harness(root, tmp_path) as h:
        for member in ("u1", "u2", "u3"):
            await h.say("r1", member, "签到")
        await h.say("r1", "alice", "排行榜")
        await h.say("r1", "bob", "leaderboard")            # within the cooldown: nothing
        await h.advance("5m")
        await h.say("r1", "bob", "排行榜")
        await h.advance("10s")
        assert h.texts()[3:] == ["1. u1  10 分\n2. u2  10 分"] * 2


async def test_my_data_shows_messages_check_ins_streak_points_and_warnings(
        tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        await h.say("i1", "alice", "大家好")
        await h.say("i1", "alice", "签到")
        await h.advance("1d")
        await h.say("i1", "alice", "签到")
        await h.say("i1", "alice", "我的数据")
        await h.advance("1m")
        assert h.texts()[-1] == ("📊 alice 的数据\n发言 4 条 · 签到 2 天 · 连续签到 2 天\n"
                                 "积分 20 分 · 警告 0 次")


async def test_a_member_repeating_a_check_in_or_my_data_is_answered_once_per_cooldown(
        tmp_path: Path) -> None:
    """Every 11 s for an hour would be 330 replies of the account's send budget (which the
    welcomes and pushes of every group share): within the cooldown the member gets nothing."""
    async with _harness(tmp_path) as h:
        await h.say("i1", "alice", "签到")
        for _ in range(20):
            await h.advance("11s")
            await h.say("i1", "alice", "签到")
            await h.advance("11s")
            await h.say("i1", "alice", "我的数据")
        await h.say("i1", "bob", "我的数据")               # another member: their own cooldown
        await h.advance("10m")
        await h.say("i1", "alice", "签到")
        await h.say("i1", "alice", "我的数据")
        await h.advance("1m")
        texts = h.texts()
        assert sum("今天已经签过到" in t for t in texts) == 2
        assert [t.split(" ")[1] for t in texts if t.startswith("📊")] == ["alice", "bob", "alice"]


async def test_the_cooldowns_can_be_set(tmp_path: Path) -> None:
    root = _custom(tmp_path, "      already: 'again'\n      already_cooldown: 0s\n"
                             "      my_data: {template: 'data', cooldown: 1h}\n")
    async with Harness(root, tmp_path) as h:
        for _ in range(3):
            await h.say("r1", "alice", "签到")
            await h.say("r1", "alice", "我的数据")
            await h.advance("1m")
        await h.advance("10s")
        assert h.texts()[1:] == ["data", "again", "again"]


async def test_my_data_and_warns_count_the_same_warnings(tmp_path: Path) -> None:
    """Only warnings within the type's warn_window (30 days) count, revoked ones never."""
    async with _harness(tmp_path) as h:
        async def warn(text: str) -> None:
            await h.say("i1", "op_lin", f"{text} @alice\u2005", mentions=("alice",))
            await h.advance("10s")

        await warn("/warn")                # 31 days old at the end: no longer counts
        await h.advance("20d")
        await warn("/warn")
        await warn("/unwarn")              # takes the latest back
        await warn("/warn")
        await h.advance("11d")
        await h.say("i1", "alice", "我的数据")
        await h.advance("10s")  # else the reply to the admin's /warns goes first (priority)
        await warn("/warns")
        assert h.texts()[-2].endswith("警告 1 次")
        assert h.texts()[-1].startswith("alice 的警告（1/3）：")


async def test_a_broken_streak_shows_as_0_in_my_data(tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        await h.say("i1", "alice", "签到")
        await h.advance("2d")
        await h.say("i1", "alice", "我的数据")
        await h.advance("10s")
        assert "签到 1 天 · 连续签到 0 天" in h.texts()[-1]


async def test_points_can_be_shared_by_all_groups_of_a_type(tmp_path: Path) -> None:
    groups = {"o1": "Official 01 正式群", "o2": "Official 02 正式群"}   # shipped: scope type
    async with _harness(tmp_path, groups=groups) as h:
        await h.say("o1", "alice", "签到")
        await h.say("o2", "alice", "签到")
        await h.say("o2", "bob", "签到")
        await h.advance("1m")
        first, again, bob = h.texts()
        assert first.startswith("✅ alice 签到成功！连续签到 1 天，今日 +5 分")
        assert again.startswith("alice 今天已经签过到啦")     # o2 shares o1's check-ins
        assert "今天第 2 个签到" in bob


async def test_points_are_per_group_by_default(tmp_path: Path) -> None:
    groups = {"i1": "Listener Internship 01", "i2": "Listener Internship 02"}
    async with _harness(tmp_path, groups=groups) as h:
        await h.say("i1", "alice", "签到")
        await h.say("i2", "alice", "签到")
        await h.advance("1m")
        assert [t.startswith("✅ alice 签到成功") for t in h.texts()] == [True, True]


@pytest.mark.no_store
@pytest.mark.parametrize("checkin, message", [
    ("      day_starts: 12.30\n",
     "handlers.checkin.day_starts: not a clock time: the number 12.3 (write hours and "
     "minutes with a colon from 0:00 to 23:59, e.g. 8:00 or 22:30)"),
    ("      leaderboard: {triggers: ['签到']}\n", "'签到' is in both triggers and leaderboard"),
    ("      reply: '{nobody}'\n", "handlers.checkin.reply: unknown placeholder {nobody}"),
    ("      bonuses: {0: 5}\n", "handlers.checkin.bonuses: a bonus is `streak day: points`"),
])
def test_config_mistakes_are_named(tmp_path: Path, checkin: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        config.load(_custom(tmp_path, checkin), REGISTRY)
    assert message in str(caught.value)
