from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config

from bot.adapters.base import Disconnected, GroupInfo, Refused
from bot.context import Context
from bot.events import Tick
from bot.store import StoreError
from handlers.welcome import Welcome

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL


async def test_five_joins_within_the_window_get_one_welcome_mentioning_all(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        for member in ("u1", "u2", "u3", "u4", "u5"):
            await h.join("r1", member)
            await h.advance("2s")
        await h.advance("1m")
        [welcome] = h.actions("say", group="r1")
        assert welcome["mentions"] == ["u1", "u2", "u3", "u4", "u5"]
        assert welcome["text"].startswith("欢迎加入Listener Recruitment 01！")


async def test_the_welcome_waits_for_the_window_to_close(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "u1")
        await h.advance("14s")
        assert h.actions("say") == []
        await h.advance("1s")
        assert len(h.actions("say")) == 1


async def test_a_welcome_due_while_the_platform_is_away_goes_as_soon_as_it_is_back(
        tmp_path: Path) -> None:
    """Before the login (or while the gateway reconnects) the welcome's group lookup would
    fail: the window's end waits for the platform instead of trying again 30 s later."""
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "u0")  # the group known, as it is once a platform served it
        await h.advance("1m")
        away, info = [False], h.world.group_info

        async def group_info(group: str) -> GroupInfo:
            if away[0]:
                raise Disconnected("not logged in")
            return await info(group)

        h.world.group_info = group_info  # type: ignore[method-assign]
        await h.join("r1", "u1")
        away[0] = True  # gone before the window's end (15 s)
        h.bot.platform(False)
        await h.advance("1m")
        assert len(h.actions("say")) == 1  # u0's
        away[0] = False
        h.bot.platform(True)  # the login
        back = h.clock.now()
        await h.advance("1m")
        [_, welcome] = h.actions("say", group="r1")
        assert welcome["mentions"] == ["u1"]
        assert datetime.fromisoformat(welcome["t"]) - back <= timedelta(seconds=1)


async def test_a_rejoin_gets_no_second_welcome_even_after_a_restart(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "carol")
        await h.advance("1m")
        await h.leave("r1", "carol")
        await h.join("r1", "carol")
        await h.advance("1m")
        await h.restart()
        await h.leave("r1", "carol")
        await h.join("r1", "carol")
        await h.advance("1m")
        assert len(h.actions("say")) == 1


async def test_a_join_pending_at_restart_is_still_welcomed(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "carol")
        await h.advance("5s")
        await h.restart()
        await h.advance("20s")
        [welcome] = h.actions("say")
        assert welcome["mentions"] == ["carol"]


async def test_someone_who_leaves_before_the_welcome_is_not_mentioned(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "u1", "u2")
        await h.leave("r1", "u2")
        await h.advance("1m")
        assert h.actions("say")[0]["mentions"] == ["u1"]


async def test_members_left_waiting_by_a_greeting_that_failed_are_greeted_with_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The greeting raises once: its timer is spent and the handler's work undone, so u1 and
    u2 still wait, with no timer armed. The next join greets them with the newcomer."""
    original = Welcome.handle
    failures = [RuntimeError("a bug")]

    async def handle(self: Welcome, event: Any, ctx: Any) -> Any:
        if isinstance(event, Tick) and failures:
            raise failures.pop()
        return await original(self, event, ctx)

    monkeypatch.setattr(Welcome, "handle", handle)
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "u1", "u2")
        await h.advance("1m")
        assert h.actions("say") == [] and failures == []
        await h.join("r1", "u3")
        await h.advance("1m")
        [welcome] = h.actions("say", group="r1")
        assert welcome["mentions"] == ["u1", "u2", "u3"]


def _config(tmp_path: Path, welcome: str) -> Path:
    return write_config(tmp_path / "config", BOT_YAML,
                        {"recruitment": f"handlers:\n  - welcome: {welcome}\n"},
                        {"rules.md": "禁止广告"})


async def test_more_than_the_mention_limit_is_split_into_several_messages(tmp_path: Path) -> None:
    config = _config(tmp_path, '{template: "欢迎{count}位新朋友", max_mentions: 20}')
    async with Harness(config, tmp_path) as h:
        await h.join("r1", *(f"u{i}" for i in range(25)))
        await h.advance("1m")
        assert [len(r["mentions"]) for r in h.actions("say")] == [20, 5]
        assert h.texts() == ["欢迎20位新朋友", "欢迎5位新朋友"]


async def test_the_welcome_can_include_the_rules(tmp_path: Path) -> None:
    config = _config(tmp_path, '{template: "欢迎{members}\\n{rules}", rules: rules.md}')
    async with Harness(config, tmp_path) as h:
        await h.join("r1", "carol")
        await h.advance("1m")
        assert h.texts() == ["欢迎carol\n禁止广告"]


@pytest.mark.parametrize("again_after, gap, welcomes", [
    ("1d", "2d", 2), ("1d", "1h", 1), ("null", "2d", 1), ("0s", "1m", 2)])
async def test_a_rejoin_after_the_configured_days_is_welcomed_again(
        tmp_path: Path, again_after: str, gap: str, welcomes: int) -> None:
    config = _config(tmp_path, f'{{template: "hi", again_after: {again_after}}}')
    async with Harness(config, tmp_path) as h:
        await h.join("r1", "carol")
        await h.advance(gap)
        await h.leave("r1", "carol")
        await h.join("r1", "carol")
        await h.advance("1m")
        assert len(h.actions("say")) == welcomes


async def test_the_bot_does_not_welcome_itself(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "bot")
        await h.advance("1m")
        assert h.actions("say") == []


async def test_someone_who_left_before_the_welcome_is_welcomed_on_return(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "dave")
        await h.advance("3s")
        await h.leave("r1", "dave")
        await h.advance("1m")
        await h.join("r1", "dave")
        await h.advance("1m")
        [welcome] = h.actions("say")
        assert welcome["mentions"] == ["dave"]


# ---------------------------------------------------------------- the welcome comes first

CUSTOMERS = {"c1": "Customer 01", "c2": "Customer 02"}


async def test_a_newcomer_who_checks_in_at_once_is_welcomed_before_the_reply(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMERS) as h:
        await h.join("c1", "dave")
        await h.advance("1s")
        await h.say("c1", "dave", "签到")
        await h.advance("1m")
        [welcome, reply] = h.actions("say", group="c1")
        assert welcome["text"].startswith("欢迎加入") and welcome["mentions"] == ["dave"]
        assert reply["text"].startswith("✅ dave 签到成功")
        assert welcome["t"] == "2026-11-23T09:00:01+08:00"  # greeted at once, not at 09:00:15


async def test_a_newcomers_ad_is_warned_at_once_and_welcomed_after_the_window(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMERS) as h:
        await h.join("c1", "eve")
        await h.advance("1s")
        await h.say("c1", "eve", "加V：abc123 领福利")
        await h.advance("1m")
        [warning, welcome] = h.actions("say", group="c1")
        assert "警告" in warning["text"] and welcome["text"].startswith("欢迎加入")
        assert welcome["t"] == "2026-11-23T09:00:15+08:00"  # the window's end, not earlier


async def test_a_newcomer_who_speaks_while_others_chat_is_welcomed_at_once(
        tmp_path: Path) -> None:
    """Who waits for the batch is remembered as messages pass (bot/handler.py `wants`):
    someone who joins later into the same batch is still greeted when they speak."""
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "u1")
        await h.say("r1", "alice", "大家好")
        await h.join("r1", "u2")
        await h.say("r1", "bob", "欢迎欢迎")
        await h.advance("2s")
        await h.say("r1", "u2", "我来了")
        await h.advance("1m")
        [welcome] = h.actions("say", group="r1")
        assert welcome["mentions"] == ["u1", "u2"]
        assert welcome["t"] == "2026-11-23T09:00:02+08:00"  # at once, not at 09:00:15


async def test_while_a_newcomer_waits_others_messages_are_nothing_to_welcome(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Who waits is kept as a hint (`wants`): the messages of everyone else in the group do
    not reach welcome's handle (a read of the store each), the newcomer's does."""
    handled: list[str] = []
    handle = Welcome.handle

    async def counting(self: Welcome, event: Any, ctx: Any) -> Any:
        handled.append(getattr(getattr(event, "sender", None), "id", type(event).__name__))
        return await handle(self, event, ctx)

    monkeypatch.setattr(Welcome, "handle", counting)
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "u1")
        for member in ("alice", "bob", "alice"):
            await h.say("r1", member, "大家好")
        await h.say("r1", "u1", "我来了")
        await h.advance("1m")
        assert handled == ["MemberJoined", "u1"]
        assert len(h.actions("say", group="r1")) == 1


async def test_a_newcomer_whose_removal_is_on_its_way_is_not_welcomed(tmp_path: Path) -> None:
    """Four advertisers and carol join; each advertiser posts a contact detail at once and is
    to be removed, the removals paced by the send budget: the welcome at the window's end
    greets carol, not the members whose removal waits to go (a review of this session)."""
    async with Harness(SHIPPED, tmp_path) as h:
        spammers = ["s1", "s2", "s3", "s4"]
        await h.join("r1", *spammers, "carol")
        for n, member in enumerate(spammers, 1):
            await h.say("r1", member, f"加我微信 abc1234{n} 有优惠")
        await h.advance("20s")
        [welcome] = [a for a in h.actions("say", group="r1") if "欢迎加入" in a["text"]]
        assert welcome["mentions"] == ["carol"]
        await h.advance("10m")
        assert sorted(a["member"] for a in h.actions("kick", group="r1")) == spammers


async def test_a_newcomer_whose_removal_is_refused_is_never_welcomed(tmp_path: Path) -> None:
    """The bot decided to remove them (an ad as they joined): when WeChat refuses the removal
    they stay in the group, and are still not greeted by name, now or later."""
    async with Harness(SHIPPED, tmp_path) as h:
        remove = h.world.remove_member

        async def refuse_s2(group: str, member: str, reason: str = "") -> None:
            if member == "s2":
                raise Refused("not allowed")
            await remove(group, member, reason)

        h.world.remove_member = refuse_s2  # type: ignore[method-assign]
        await h.join("r1", "s1", "s2", "carol")
        for member in ("s1", "s2"):
            await h.say("r1", member, f"加我微信 abc1234{member} 有优惠")
        await h.advance("1h")
        await h.advance("1d")
        assert [a["member"] for a in h.actions("kick", group="r1")] == ["s1"]
        assert "s2" in h.world.group("r1").members
        assert [a["mentions"] for a in h.actions("say", group="r1")
                if "欢迎加入" in a["text"]] == [["carol"]]


async def test_where_nobody_waits_messages_look_at_the_timer_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody waiting in a group is noted too: the group's messages do not each look up
    welcome's timer (most messages, in most groups); a join arms it and is noted."""
    looked: list[str] = []
    scheduled = Context.scheduled

    def counting(self: Context, key: str) -> Any:
        looked.append(self.group_id)
        return scheduled(self, key)

    monkeypatch.setattr(Context, "scheduled", counting)
    async with Harness(SHIPPED, tmp_path) as h:
        for n in range(5):
            await h.say("r1", "alice", f"大家好 {n}")
        assert looked == ["r1"]
        await h.join("r1", "u1")
        await h.say("r1", "u1", "我来了")
        await h.advance("1m")
        [welcome] = h.actions("say", group="r1")
        assert welcome["mentions"] == ["u1"]
        assert welcome["t"] == "2026-11-23T09:00:00+08:00"  # at once


async def test_a_greeting_undone_with_its_batch_greets_at_the_newcomers_next_message(
        tmp_path: Path) -> None:
    """The newcomer spoke and was greeted, another member spoke (nobody waits now, noted),
    then the batch's commit failed: the greeting is undone, the newcomer waits again, and
    what was noted meanwhile is forgotten, so their next message greets them at once."""
    async with Harness(SHIPPED, tmp_path) as h:
        await h.join("r1", "u1")
        await h.bot.store.flush()
        await h.say("r1", "u1", "我来了")
        await h.say("r1", "alice", "大家好")
        async with h.bot.store.transaction():  # a write the commit refuses
            h.bot.store.defer("INSERT INTO no_such_table VALUES (?)", (1,))
        with pytest.raises(StoreError):
            await h.bot.store.flush()
        await h.advance("3s")
        await h.say("r1", "u1", "我来了")
        await h.advance("1m")
        [welcome] = h.actions("say", group="r1")
        assert welcome["mentions"] == ["u1"]
        assert welcome["t"] == "2026-11-23T09:00:03+08:00"  # at once, not at 09:00:15
