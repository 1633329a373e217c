"""The join backstop: joins and leaves the platform never reported are found by comparing
member lists, and handled as if reported; nobody is welcomed twice."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config

from bot import roster
from bot.backstop import Rotation
from bot.events import Member, MemberJoined
from bot.yamlfile import InputError

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL


async def test_an_unreported_join_is_welcomed_at_the_next_comparison(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.advance("1s")  # the first look at r1, at start
        h.world.join("r1", ["frank"])  # in the group; the platform says nothing
        await h.advance("4m")
        assert h.actions("say") == []
        await h.advance("2m")
        [welcome] = h.actions("say")
        assert welcome["mentions"] == ["frank"]


async def test_when_the_platform_comes_back_its_groups_are_compared_at_once(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.advance("1s")  # the first look at r1, at start
        h.bot.platform(False)  # the connection is lost, and frank's join with it
        h.world.join("r1", ["frank"])
        await h.advance("1m")
        h.bot.platform(True)  # the login, then the room list, as the wechaty adapter does
        await h.bot.refresh_groups()
        await h.advance("20s")  # the welcome's window (15 s), not the next comparison (5m)
        [welcome] = h.actions("say")
        assert welcome["mentions"] == ["frank"]


async def test_a_late_report_a_restart_or_more_comparisons_welcome_nobody_twice(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.advance("1s")
        h.world.join("r1", ["frank"])
        await h.advance("6m")
        await h.join("r1", "frank")  # the platform reports it after all
        await h.advance("6m")
        await h.restart()
        await h.advance("1h")
        assert len(h.actions("say")) == 1


async def test_a_reported_join_is_not_found_again(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.advance("1s")
        await h.join("r1", "frank")
        await h.advance("1h")
        assert len(h.actions("say")) == 1


async def test_members_there_when_a_group_is_first_seen_are_not_newcomers(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.say("r1", "carol", "hello")  # the roster knows carol before the first look
        await h.advance("1h")
        h.world.add_group("r9", "Listener Recruitment 09", ["u1", "u2"])  # the bot is added
        await h.bot.refresh_groups()
        await h.say("r9", "u1", "hi")
        await h.advance("1h")
        assert h.actions("say") == []


async def test_an_unreported_leave_is_noticed(tmp_path: Path) -> None:
    """alice leaves r1 silently; once the backstop noticed, her "报名" gets an invitation
    instead of "you are already in a recruitment group"."""
    async with Harness(SHIPPED, tmp_path) as h:
        await h.advance("1s")
        h.world.leave("r1", ["alice"])
        await h.advance("5m")
        await h.say(None, "alice", "报名")
        await h.advance("1m")
        assert [(r["group"], r["member"]) for r in h.actions("invite")] == [("r1", "alice")]
        [welcome] = h.actions("say", group="r1")  # she had never been welcomed in r1
        assert welcome["mentions"] == ["alice"]


async def test_a_reported_join_the_list_never_showed_is_compared_again(tmp_path: Path) -> None:
    """The backstop reads the roster again only when something changed: the platform's list
    (here the same as when r1 last matched) or a join or leave fed for the group."""
    async with Harness(SHIPPED, tmp_path) as h:
        await h.advance("6m")  # r1 matched its roster twice, its list unchanged
        await h.feed(MemberJoined(h.clock.now(), "r1", (Member("frank", "Frank"),)))
        await h.advance("6m")  # frank was reported, but the list never had him: he left
        assert "frank" not in {e.member for e in await roster.present(h.bot.store, "r1")}


def _config(tmp_path: Path, backstop: str) -> Path:
    return write_config(tmp_path / "config", BOT_YAML + f"backstop: {backstop}\n",
                        {"recruitment": "handlers:\n  - welcome: {template: '欢迎{members}'}\n"})


def _hi(tmp_path: Path) -> Path:
    """Welcomes at once, a comparison every 5 minutes."""
    welcome = "handlers:\n  - welcome: {template: 'hi {members}', window: 0s}\n"
    return write_config(tmp_path / "config", BOT_YAML + "backstop: {every: 5m}\n",
                        {"recruitment": welcome})


async def test_a_join_handled_while_the_list_is_read_is_not_taken_for_a_leave(
        tmp_path: Path) -> None:
    # The list read before dave's join was compared with the roster after it: dave was fed
    # as a MemberLeft (fission credit lost, a quiz failed) and welcomed a period later.
    async with Harness(_hi(tmp_path), tmp_path) as h:
        await h.advance("1m")  # the first look: the starting point
        real, armed = h.world.members, [True]

        async def members(group: str) -> list[Member]:
            listed = await real(group)  # read before the join...
            if armed[0]:
                armed[0] = False
                await h.join("r1", "dave")  # ...which is handled meanwhile
            return listed

        h.world.members = members  # type: ignore[method-assign]
        await h.advance("5m")
        assert not armed[0] and h.texts("r1") == ["hi dave"]
        entry = await roster.entry(h.bot.store, "r1", "dave")
        assert entry is not None and entry.left_at is None
        h.world.members = real  # type: ignore[method-assign]
        await h.advance("30m")  # the next comparisons find him there
        assert h.texts("r1") == ["hi dave"]


async def test_an_unreported_join_in_a_chatty_group_is_found(tmp_path: Path) -> None:
    # Any event of the group handled while its list was read made the backstop skip the
    # comparison for a whole period: in a busy group, whose list takes a while to read,
    # every period; an unreported join was never found. Only the members the events were
    # about are left out now.
    async with Harness(_hi(tmp_path), tmp_path) as h:
        await h.advance("1m")  # the first look: the starting point
        h.world.join("r1", ["frank"])  # frank is in the group; the platform says nothing
        real = h.world.members

        async def members(group: str) -> list[Member]:
            listed = await real(group)
            await h.say("r1", "alice", "大家好")  # a message is handled while it is read
            return listed

        h.world.members = members  # type: ignore[method-assign]
        await h.advance("30m")
        assert h.texts("r1") == ["hi frank"]


async def test_an_unreported_join_who_speaks_before_the_comparison_is_welcomed_first(
        tmp_path: Path) -> None:
    # His message put him in the roster, so no comparison ever found him missing: never
    # welcomed, never a newcomer (no joined_at).
    async with Harness(_hi(tmp_path), tmp_path) as h:
        await h.advance("1m")  # the first look: the starting point
        h.world.join("r1", ["frank"])  # frank joins; the platform says nothing
        await h.advance("1m")
        await h.say("r1", "frank", "大家好，新人报到")  # before the next comparison
        joined = h.clock.now()
        await h.say("r1", "alice", "欢迎")  # one already there: no join for her
        await h.advance("1h")
        assert h.texts("r1") == ["hi frank"]
        entry = await roster.entry(h.bot.store, "r1", "frank")
        assert entry is not None and entry.joined_at == joined and entry.messages == 1


@pytest.mark.parametrize("backstop, found_after", [("{every: 20m}", "20m"),
                                                   ("{every: null}", None)])
async def test_the_interval_is_configurable_and_null_turns_it_off(
        tmp_path: Path, backstop: str, found_after: str | None) -> None:
    async with Harness(_config(tmp_path, backstop), tmp_path) as h:
        await h.advance("1s")
        h.world.join("r1", ["frank"])
        await h.advance("19m")
        assert h.texts() == []
        await h.advance("2m")
        assert h.texts() == (["欢迎frank"] if found_after else [])


@pytest.mark.no_store
@pytest.mark.parametrize("backstop, message", [
    ("{every: 10s}", "bot.yaml:10: backstop.every: compare member lists at most once a minute"),
    ("{every: soon}", "backstop.every"),
    ("{often: 5m}", "backstop.often"),
])
def test_a_bad_backstop_setting_is_named(tmp_path: Path, backstop: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Harness(_config(tmp_path, backstop), tmp_path)


async def test_with_many_groups_each_run_lists_a_few_and_each_group_comes_up_in_time(
        tmp_path: Path) -> None:
    groups = {f"r{i}": f"Listener Recruitment {i:03}" for i in range(120)}
    async with Harness(SHIPPED, tmp_path, groups=groups) as h:
        listed: dict[str, list[datetime]] = {}
        per_run: Counter[datetime] = Counter()
        members = h.world.members

        async def counting(group: str) -> list[Member]:
            listed.setdefault(group, []).append(h.clock.now())
            per_run[h.clock.now()] += 1
            return await members(group)

        h.world.members = counting  # type: ignore[method-assign]
        await h.advance("5m")  # every group's first look: its list as the starting point
        h.world.join("r119", ["frank"])  # unreported
        await h.advance("15m")
        assert max(per_run.values()) <= Rotation.PER_RUN < len(groups)
        assert set(listed) == set(groups)
        [welcome] = h.actions("say")
        assert welcome["mentions"] == ["frank"]
        # found within `every` of the change, greeted after the welcome's batching wait
        assert welcome["t"] < "2026-11-23T09:11:00+08:00"


async def test_virtual_time_jumps_over_comparisons_that_cannot_find_anything(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        listed: list[datetime] = []
        members = h.world.members

        async def counting(group: str) -> list[Member]:
            listed.append(h.clock.now())
            return await members(group)

        h.world.members = counting  # type: ignore[method-assign]
        await h.advance("30d")  # compared after the start and after each day's pushes,
        assert len(listed) < 200  # not at all 8,640 five-minute marks
        h.world.join("r1", ["frank"])  # outside the bot, between two advances
        await h.advance("10m")
        [welcome] = [r for r in h.actions("say") if r["mentions"] == ["frank"]]
        assert welcome["t"][:16] == "2026-12-23T09:05"  # at the next five-minute comparison
