"""Group bindings by id: a member renaming a group cannot move it out of the bot's care."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness, shipped_config

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

GROUPS = {"r1": "Listener Recruitment 01", "c1": "Customer 01"}


def _rules_posts(h: Harness, group: str) -> list[str]:
    return [t.splitlines()[0] for t in h.texts(group)]


async def test_a_members_rename_keeps_the_group_bound_and_tells_the_admins(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", "群规")
        await h.rename_group("r1", "alice", "闲聊群")
        await h.advance("6m")
        await h.say("r1", "bob", "群规")
        await h.advance("10s")
        assert _rules_posts(h, "r1") == ["【招募群群规】", "【招募群群规】"]
        [told] = h.actions("dm", to="op_lin")
        assert told["text"] == ("[groupbot] 「Listener Recruitment 01」(r1) 被 alice 改名为"
                                "「闲聊群」，仍按 recruitment 处理。")
        assert h.actions("rename_group") == []  # restore_topic is off by default


async def test_the_binding_by_id_survives_a_restart(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", "hello")
        await h.rename_group("r1", "alice", "闲聊群")
        await h.restart()
        await h.say("r1", "bob", "群规")
        await h.advance("10s")
        assert _rules_posts(h, "r1") == ["【招募群群规】"]


async def test_an_admins_rename_binds_the_group_again_by_its_new_name(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", "hello")
        await h.rename_group("r1", "op_lin", "Customer 02")
        await h.say("r1", "bob", "群规")
        await h.advance("10s")
        assert _rules_posts(h, "r1") == ["【客户群群规】"]
        await h.rename_group("r1", "op_lin", "闲聊群")
        await h.advance("5m")
        await h.say("r1", "bob", "群规")
        await h.advance("10s")
        assert _rules_posts(h, "r1") == ["【客户群群规】"]  # bound by no name now: silent
        [told] = h.actions("dm", to="op_lin")  # (the other admins learn it is unbound)
        assert told["text"].endswith("本号不再为它服务（原为 customer）。")


async def test_with_restore_topic_the_bot_sets_the_name_back(tmp_path: Path) -> None:
    root = shipped_config(tmp_path, "restore_topic: true\n")
    async with Harness(root, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", "hello")
        await h.rename_group("r1", "alice", "闲聊群")
        await h.advance("10s")
        assert [(r["group"], r["topic"]) for r in h.actions("rename_group")] == \
            [("r1", "Listener Recruitment 01")]
        assert h.world.group("r1").topic == "Listener Recruitment 01"
        assert "已改回原名" in h.actions("dm", to="op_lin")[0]["text"]
        await h.say("r1", "bob", "群规")
        await h.advance("10s")
        assert _rules_posts(h, "r1") == ["【招募群群规】"]


async def test_where_the_bot_may_not_rename_it_only_tells_the_admins(tmp_path: Path) -> None:
    root = shipped_config(tmp_path, "restore_topic: true\n")
    async with Harness(root, tmp_path, groups=GROUPS, owner="op_lin") as h:
        await h.say("r1", "alice", "hello")
        await h.rename_group("r1", "bob", "闲聊群")
        await h.advance("10s")
        assert h.actions("rename_group") == []
        [told] = h.actions("dm", to="op_lin")
        assert told["text"].endswith("仍按 recruitment 处理。")


async def test_a_binding_by_id_in_the_config_always_wins(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("r1", "carol")  # bound as recruitment, kept by id
        assert h.bot.groups.kept("r1") is not None
    root = shipped_config(tmp_path, replace=(
        "groups:\n", "groups:\n  - match: {id: r1}\n    type: customer\n"))
    async with Harness(root, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "bob", "群规")
        await h.advance("10s")
        assert _rules_posts(h, "r1") == ["【客户群群规】"]


async def test_a_rename_before_anything_happened_in_the_group_keeps_it_bound(
        tmp_path: Path) -> None:
    # nothing handled in r1 yet: the binding is kept from the start, not from a first event
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.rename_group("r1", "bob", "福利群")
        await h.advance("1m")
        await h.say("r1", "bob", "加我微信 abc12345 领福利 http://evil.example.com")
        await h.advance("10s")
        [told] = h.actions("dm", to="op_lin")
        assert told["text"] == ("[groupbot] 「Listener Recruitment 01」(r1) 被 bob 改名为"
                                "「福利群」，仍按 recruitment 处理。")
        assert [r["mentions"] for r in h.actions("say", group="r1")] == [["bob"]]  # warned


async def test_renames_again_and_again_bring_the_admins_one_notice_per_10_minutes(
        tmp_path: Path) -> None:
    """Review s30 R11: each rename by a member sent every admin a private message: 40 renames,
    40 messages, ahead of the friend greetings and private quizzes in the private-message
    budget (dave's greeting waited an hour). Now the first is told at once, the others in
    the next 10 minutes are counted and told with the next notice."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.say("r1", "alice", "hello")
        for i in range(40):
            await h.rename_group("r1", "bob", f"广告群{i}")
            await h.advance("10s")
        told = [r["text"] for r in h.actions("dm", to="op_lin")]
        assert told == ["[groupbot] 「Listener Recruitment 01」(r1) 被 bob 改名为「广告群0」，"
                        "仍按 recruitment 处理。"]
        await h.advance("5m")
        await h.rename_group("r1", "eve", "闲聊群")
        await h.advance("10s")
        assert [r["text"] for r in h.actions("dm", to="op_lin")][1:] == [
            "[groupbot] 「广告群39」(r1) 被 eve 改名为「闲聊群」，仍按 recruitment 处理。"
            "（上次通知后另有 39 次改名未逐条通知，改名者：bob）"]
