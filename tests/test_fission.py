"""Fission in B-side customer groups: who invited whom, rewards at 1, 5 and 20 invitations."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from harness import SHIPPED, Harness, shipped_config, write_config

from bot import config, moderation
from bot.web import views
from bot.web.base import Console
from bot.web.links import MemberLink
from bot.yamlfile import InputError
from handlers import REGISTRY

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

GROUPS = {"c1": "Customer 01"}
MINUTE = timedelta(minutes=1)


def _rewards(h: Harness) -> list[tuple[str, str]]:
    return [(r["mentions"][0], r["text"][:1]) for r in h.actions("say", group="c1")
            if "邀请" in r["text"] and "新朋友" in r["text"]]


async def _invite(h: Harness, inviter: str, *invitees: str) -> None:
    for invitee in invitees:
        await h.join("c1", invitee, inviter=inviter)
        await h.advance("1m")


async def test_the_first_and_the_fifth_invitation_are_announced_once_each(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await _invite(h, "alice", "u1", "u2", "u3", "u4", "u5", "u6")
        await h.advance("3d")
        assert _rewards(h) == [("alice", "🎉"), ("alice", "🌟")]
        fifth = [r for r in h.actions("say", group="c1") if r["text"].startswith("🌟")]
        assert fifth[0]["text"] == "🌟 alice 已邀请 5 位新朋友，获得「推荐之星」称号和 60 积分！"


async def test_an_inviter_removed_for_ads_is_neither_thanked_nor_on_a_board(
        tmp_path: Path) -> None:
    """Review s35 r5 R5-1: eve brought fay in, posted two ads and was removed; three days
    later the bot thanked her in public with 10 points, and both boards put her first."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await _invite(h, "alice", "u1")
        await _invite(h, "eve", "fay")
        await _invite(h, "bob", "u2")
        await h.say("c1", "eve", "兼职日结，加我微信 abc12345")
        await h.advance("1m")
        await h.say("c1", "eve", "加V abc12345 领福利")
        await h.advance("1m")
        assert h.actions("kick") and h.actions("kick")[0]["member"] == "eve"
        await h.advance("3d")
        assert sorted(_rewards(h)) == [("alice", "🎉"), ("bob", "🎉")]
        withheld = await h.bot.store.all(
            "SELECT member, detail FROM audit WHERE action='fission_withheld'")
        assert [row[0] for row in withheld] == ["eve"] and "removed for" in withheld[0][1]
        await h.say("c1", "carol", "邀请排行")
        await h.advance("1m")
        await h.say("c1", "carol", "签到排行榜")
        await h.advance("1m")
        invitations, checkins = h.texts("c1")[-2:]
        assert "eve" not in invitations and "alice" in invitations and "bob" in invitations
        assert "eve" not in checkins and "alice" in checkins


async def test_an_inviter_who_left_is_thanked_when_the_next_invitee_stays(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await _invite(h, "alice", "u1")
        await h.leave("c1", "alice")
        await h.advance("3d")
        assert _rewards(h) == []  # nobody to thank in the group
        await h.join("c1", "alice")
        await _invite(h, "alice", "u2")
        await h.advance("3d")
        assert _rewards(h) == [("alice", "🎉")]


async def test_a_reward_waits_until_the_invitee_has_stayed_three_days(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "u1", inviter="alice")
        await h.advance(timedelta(days=3) - MINUTE)
        assert _rewards(h) == []                        # not a minute before min_stay
        await h.advance("2m")
        assert _rewards(h) == [("alice", "🎉")]
        assert h.actions("say", group="c1")[-1]["t"] == "2026-11-26T09:00:00+08:00"



async def test_a_longer_min_stay_after_a_reload_delays_the_reward_not_loses_it(
        tmp_path: Path) -> None:
    """The stay timer was armed for the min_stay of the join; after a reload lengthened it,
    the timer fired early, counted nothing and armed nothing: the reward never came (review
    s31 S11). It now comes when the invitee has stayed the new min_stay."""
    root = shipped_config(tmp_path)
    async with Harness(root, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "u1", inviter="alice")
        await h.advance("1d")
        customer = root / "types" / "customer.yaml"
        customer.write_text(customer.read_text(encoding="utf-8").replace(
            "min_stay: 3d", "min_stay: 4d"), encoding="utf-8")
        assert (await h.bot.reload_config())[0] is None
        await h.advance(timedelta(days=3) - MINUTE)
        assert _rewards(h) == []                        # 3 days: no longer enough
        await h.advance("2m")
        assert _rewards(h) == [("alice", "🎉")]
        assert h.actions("say", group="c1")[-1]["t"] == "2026-11-27T09:00:00+08:00"

async def test_an_account_that_joins_and_leaves_earns_its_inviter_nothing(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "sock", inviter="alice")
        await h.advance("1h")
        await h.leave("c1", "sock")
        await h.advance("5d")
        assert _rewards(h) == []
        await h.join("c1", "sock", inviter="alice")   # back again: three more days to stay
        await h.advance("2d")
        assert _rewards(h) == []
        await h.advance("1d")
        assert _rewards(h) == [("alice", "🎉")]


async def test_an_invitee_who_leaves_within_three_days_does_not_count(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await _invite(h, "alice", "u1", "u2", "u3", "u4")
        await h.leave("c1", "u2")
        await _invite(h, "alice", "u5")
        await h.advance("3d")
        assert _rewards(h) == [("alice", "🎉")]
        await _invite(h, "alice", "u6")
        await h.advance("3d")
        assert _rewards(h) == [("alice", "🎉"), ("alice", "🌟")]


async def test_an_invitee_who_stays_three_days_still_counts_after_leaving(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await _invite(h, "alice", "u1", "u2", "u3", "u4")
        await h.advance("3d")
        await h.leave("c1", "u2")
        await _invite(h, "alice", "u5")
        await h.advance("3d")
        assert _rewards(h) == [("alice", "🎉"), ("alice", "🌟")]


async def test_a_reward_already_announced_is_not_announced_again(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await _invite(h, "alice", "u1", "u2", "u3", "u4", "u5")
        await h.advance("3d")
        await h.leave("c1", "u5")
        await h.restart()
        await _invite(h, "alice", "u6")
        await h.join("c1", "u6", inviter="alice")   # the same join reported twice
        await h.advance("3d")
        assert _rewards(h) == [("alice", "🎉"), ("alice", "🌟")]


async def test_joins_by_the_bot_or_without_an_inviter_credit_nobody(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await _invite(h, "bot", "u1")
        await h.join("c1", "u2")
        await h.join("c1", "alice", inviter="alice")
        await h.advance("3d")
        assert _rewards(h) == []


async def test_the_leaderboard_ranks_inviters_by_invitations_that_count(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await _invite(h, "alice", "u1", "u2")
        await _invite(h, "bob", "u3", "u4", "u5")
        await h.leave("c1", "u5")
        await h.say("c1", "u1", "邀请排行")
        await h.say("c1", "u2", "邀请排行")            # within a minute: not posted twice
        await h.advance("1m")
        boards = [t for t in h.texts("c1") if t.startswith("🏆 邀请排行榜")]
        assert boards == ["🏆 邀请排行榜\n1. alice：2 人\n2. bob：2 人"]


async def test_one_member_asking_again_and_again_gets_one_board_per_5_minutes(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await _invite(h, "alice", "u1")
        for _ in range(27):                            # every 11 s for almost 5 minutes
            await h.say("c1", "u1", "邀请排行")
            await h.advance("11s")
        await h.advance("10s")
        await h.say("c1", "u1", "邀请排行")
        await h.advance("1m")
        boards = [t for t in h.texts("c1") if t.startswith("🏆 邀请排行榜")]
        assert len(boards) == 2


@pytest.mark.no_store
def test_rewards_out_of_order_are_a_config_error(tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", "content: content\n", {
        "t": "handlers:\n  - fission:\n      rewards:\n"
             "        - {invitations: 5, text: a}\n        - {invitations: 1, text: b}\n"})
    expected = re.escape("t.yaml:3: handlers.fission.rewards: list the rewards")
    with pytest.raises(InputError, match=expected):
        config.load(root, REGISTRY)


async def test_reward_points_count_in_my_data_check_ins_and_the_board(tmp_path: Path) -> None:
    """Review s33a Q11: carol, told 「奖励 10 积分」, found 积分 10 (her check-in's only) in
    我的数据 and on the 签到排行榜; her reward is now counted wherever her points are shown,
    the console's members list and the members' own pages included."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "dave", inviter="carol")
        await h.join("c1", "frank", inviter="erin")  # erin: a reward, no check-in
        await h.say("c1", "carol", "签到")
        await h.say("c1", "bob", "签到")
        await h.advance("1d")
        await h.say("c1", "bob", "签到")
        await h.advance("3d")
        assert sorted(_rewards(h)) == [("carol", "🎉"), ("erin", "🎉")]
        await h.say("c1", "carol", "我的数据")
        await h.advance("1m")
        await h.say("c1", "carol", "签到")
        await h.advance("1m")
        await h.say("c1", "erin", "签到排行榜")
        await h.advance("1m")
        data, checked, board = h.texts("c1")[-3:]
        assert "积分 20 分" in data and "累计 30 分" in checked
        assert board.split("【总榜】\n")[1] == "1. carol  30 分\n2. bob  20 分\n3. erin  10 分"
        # and on their pages of the members' data centre (it showed check-in points only)
        console = Console(h.db, h.clock, h.registry, "t" * 32,
                          standalone_deployment=h.deployment)
        try:
            shown = {member: await views.me(console, MemberLink(member, h.clock.now()))
                     for member in ("carol", "bob", "erin", "dave")}
            listed = {row.member: row.points
                      for row in await views.members(console, "c1", None, "points", "desc")}
        finally:
            await console.close()
        assert {member: (page["points"], page["rank"], page["ranked"])
                for member, page in shown.items()} == {
            "carol": (30, 1, 3), "bob": (20, 2, 3), "erin": (10, 3, 3), "dave": (0, None, 0)}
        assert {m: listed[m] for m in shown} == {"carol": 30, "bob": 20, "erin": 10, "dave": 0}


async def test_the_block_list_is_asked_of_a_board_of_any_size(tmp_path: Path) -> None:
    """A type's board may hold more members than PostgreSQL takes arguments in one statement
    (32,767; some SQLite builds take 32,766): asked at once, the leaderboard failed."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "eve")
        await h.say("c1", "eve", "加我微信 abc12345 兼职日结")
        await h.say("c1", "eve", "加V abc12345 领福利")
        await h.advance("1m")
        crowd = [f"m{n}" for n in range(40_000)] + ["eve"]
        assert await moderation.blocked_among(h.bot.store, crowd) == {"eve"}
