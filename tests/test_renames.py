"""Renames and bindings (bot/renames.py): a member's renames cannot make the bot set a name of
theirs nor unbind a group (review s31 S6), nor bind a group that was not bound (S7)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from harness import SHIPPED, Harness, shipped_config

from bot.events import GroupRenamed

REAL = "Listener Recruitment 01 倾听者招募群"


async def test_two_quick_renames_by_a_member_set_the_real_name_back_and_keep_the_group(
        tmp_path: Path) -> None:
    """The second rename came before the first restore went out: the bot set back the
    member's first name (and then, its own rename trusted, unbound the group)."""
    root = shipped_config(tmp_path, "restore_topic: true\n")
    async with Harness(root, tmp_path, groups={"r1": REAL}) as h:
        await h.rename_group("r1", "mallory", "加V领资料 abc12345")
        await h.advance("1s")
        await h.rename_group("r1", "mallory", "闲聊群")
        await h.advance("5m")
        assert h.world.rooms["r1"].topic == REAL
        assert {r["topic"] for r in h.actions("rename_group")} == {REAL}
        await h.say("r1", "mallory", "加我微信 abc12345 兼职日结")
        await h.advance("10s")
        assert h.bot.groups.kept("r1") is not None
        assert [r["mentions"] for r in h.actions("say", group="r1")] == [["mallory"]]  # warned


async def test_the_bots_own_rename_keeps_the_binding(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups={"r1": REAL}) as h:
        await h.rename_group("r1", "bot", "闲聊群")
        await h.say("r1", "bob", "群规")
        await h.advance("10s")
        assert h.texts("r1")[0].startswith("【招募群群规】")
        assert h.actions("dm", to="op_lin") == []


async def test_an_admins_rename_that_unbinds_a_group_tells_the_admins(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups={"r1": REAL}) as h:
        await h.rename_group("r1", "op_lin", "周末闲聊")
        await h.say("r1", "bob", "群规")
        await h.advance("10s")
        assert h.texts("r1") == []
        [told] = h.actions("dm", to="op_lin")
        assert told["text"] == (f"[groupbot] 「{REAL}」(r1) 被 op_lin 改名为「周末闲聊」，没有绑定"
                                "匹配这个名字，本号不再为它服务（原为 recruitment）。")


async def test_a_members_rename_does_not_bind_a_group_that_was_not_bound(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups={"x1": "随便聊聊"}) as h:
        await h.say("x1", "dave", "请问怎么报名")
        await h.rename_group("x1", "mallory", "倾听者招募群")
        await h.say("x1", "dave", "请问怎么报名")
        await h.say("x1", "dave", "报名")
        await h.bot.refresh_groups()  # (the wechaty adapter's, after every rename)
        await h.say("x1", "dave", "群规")
        await h.advance("2m")
        assert [r for r in h.sent if r.get("group") == "x1"] == []
        [told] = h.actions("dm", to="op_lin")
        assert told["text"] == ("[groupbot] 「随便聊聊」(x1) 被 mallory 改名为「倾听者招募群」，"
                                "名字匹配 recruitment 的绑定，但不是管理员改的，没有绑定它；"
                                "要绑定，由管理员改一次群名，或在 bot.yaml 按 id 绑定。")
        await h.restart()
        await h.say("x1", "dave", "群规")
        await h.advance("10s")
        assert h.texts("x1") == []
        await h.rename_group("x1", "op_lin", "倾听者招募群 02")
        await h.say("x1", "dave", "群规")
        await h.advance("10s")
        assert h.texts("x1")[0].startswith("【招募群群规】")


async def test_the_bots_restore_reported_without_a_changer_counts_as_no_rename(
        tmp_path: Path) -> None:
    """Some gateways report the bot's own rename with no changer (review s31 S27)."""
    root = shipped_config(tmp_path, "restore_topic: true\n")
    async with Harness(root, tmp_path, groups={"r1": REAL}) as h:
        h.bot.followups = lambda: [replace(e, by=None) if isinstance(e, GroupRenamed) else e
                                   for e in h.world.take_inbox()]
        await h.rename_group("r1", "bob", "闲聊群")
        await h.advance("11m")  # the restore went, and was reported back without a changer
        await h.rename_group("r1", "bob", "闲聊群 2")
        await h.advance("1m")
        _, second = (r["text"] for r in h.actions("dm", to="op_lin"))
        assert second == (f"[groupbot] 「{REAL}」(r1) 被 bob 改名为「闲聊群 2」，仍按 recruitment "
                          "处理，已改回原名。")  # nothing about a rename by "?" in between
        assert [r["topic"] for r in h.actions("rename_group")] == [REAL, REAL]


async def test_an_admins_rename_to_another_type_plans_that_types_jobs(tmp_path: Path) -> None:
    """The groups are bound again by the core (every platform), not only by the wechaty
    adapter: a recruitment group an admin renames into a customer group gets the customer
    type's Monday 10:00 push, not the recruitment pushes."""
    async with Harness(SHIPPED, tmp_path, groups={"r1": REAL}) as h:  # Monday 09:00
        await h.rename_group("r1", "op_lin", "Customer 02 客户群")
        await h.advance("4h")
        posted = [r["text"].splitlines()[0] for r in h.actions("say", group="r1")]
        assert posted == ["📅 本周客服值班时间：工作日 10:00-19:00。有问题直接在群里提问，"
                          "或发送「联系运营」找到我们。"]


async def test_a_group_bound_by_id_keeps_its_trusted_name_across_a_restart(
        tmp_path: Path) -> None:
    """A member's rename just before a restart (its restore not out yet) is not what the
    group's trusted name becomes after it: the next rename is set back to the real name,
    never to the member's (review s32a T12)."""
    root = shipped_config(tmp_path, "restore_topic: true\n", replace=(
        "groups:\n", "groups:\n  - match: {id: r1}\n    type: recruitment\n"))
    async with Harness(root, tmp_path, groups={"r1": REAL}) as h:
        await h.say("r1", "bob", "群规")
        await h.rename_group("r1", "eve", "兼职日结300 私聊群主")
        await h.restart()  # the platform lists r1 by the member's name now
        await h.advance("10m")
        await h.rename_group("r1", "eve", "闲聊群")
        await h.advance("10m")
        assert [r["topic"] for r in h.actions("rename_group")] == [REAL, REAL]
        assert h.world.rooms["r1"].topic == REAL


async def test_a_rename_war_gets_a_few_restores_an_hour_and_the_admins_told_once(
        tmp_path: Path) -> None:
    """Every restore spends the group-message budget every group's welcomes and pushes
    wait for: a member renaming over and over gets 3 restores an hour, and the
    admins are told once that the bot stopped setting the name back (review s32a T1)."""
    root = shipped_config(tmp_path, "restore_topic: true\n")
    async with Harness(root, tmp_path, groups={"r1": REAL}) as h:
        for n in range(50):
            await h.rename_group("r1", "eve", f"加V领红包{n}")
            await h.advance("3s")
        await h.advance("1m")
        assert len(h.actions("rename_group")) == 3
        first, paused = (r["text"] for r in h.actions("dm", to="op_lin"))
        assert first.endswith("仍按 recruitment 处理，已改回原名。")
        assert paused.startswith(  # at 09:00, a Monday
            "[groupbot] 「加V领红包2」(r1) 被 eve 改名为「加V领红包3」，仍按 "
            "recruitment 处理，没有改回：1 小时内已改回 3 次，10:00 前不再改回。请管理员处理改名者"
            " eve（如移出群聊），再由管理员改回群名。（上次通知后另有 2 次改名未逐条通知")
        await h.advance("1h")  # the pause is over: set back again
        await h.rename_group("r1", "eve", "又改了")
        await h.advance("1m")
        assert len(h.actions("rename_group")) == 4
        assert h.world.rooms["r1"].topic == REAL


async def test_the_notice_that_a_group_lost_the_bot_is_never_held_back(tmp_path: Path) -> None:
    """A member's rename was told 2 minutes before: the notice that an admin's rename left
    the group unbound (the only word that the bot went silent there) still goes at once,
    with the renames in between (review s32a T10)."""
    async with Harness(SHIPPED, tmp_path, groups={"r1": REAL}) as h:
        await h.rename_group("r1", "alice", "闲聊一下")
        await h.advance("2m")
        await h.rename_group("r1", "op_lin", "周末闲聊")
        await h.advance("10s")
        _, told = (r["text"] for r in h.actions("dm", to="op_lin"))
        assert told.startswith("[groupbot] 「闲聊一下」(r1) 被 op_lin 改名为「周末闲聊」，没有绑定"
                               "匹配这个名字，本号不再为它服务（原为 recruitment）。")
