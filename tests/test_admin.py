"""Admin commands in a group: only from the ids under `admins`, never by display name."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from harness import ROOT, SHIPPED, Harness

from bot import config, moderation
from bot.adapters.base import GatewayError

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

CUSTOMER = {"c1": "Customer 01 客户群"}


async def _audit(h: Harness, action: str) -> list[tuple[Any, ...]]:
    return await h.bot.store.all(
        "SELECT member, handler, detail FROM audit WHERE action=? ORDER BY id", (action,))


async def _command(h: Harness, text: str, *targets: str, sender: str = "op_lin") -> None:
    mentions = "".join(f"@{h.world.name_of(t)}\u2005" for t in targets)
    await h.say("c1", sender, text.format(mentions=mentions), mentions=targets)
    await h.drain()


async def test_a_non_admin_sending_the_kick_command_kicks_nobody(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/kick {mentions}", "bob", sender="alice")
        assert h.sent == []
        assert await _audit(h, "command_refused") == [("alice", "admin", "/kick @bob\u2005")]


async def test_a_display_name_like_an_admins_gives_no_rights(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        h.world.contacts["mallory"] = "林运营"
        await _command(h, "/踢 {mentions}", "bob", sender="mallory")
        assert h.actions("kick") == []


async def test_the_kick_command_removes_and_announces_the_reason(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/kick {mentions} 私下拉客户", "bob")
        assert [(k["member"], k["reason"]) for k in h.actions("kick")] == [("bob", "私下拉客户")]
        assert h.texts() == ["📢 bob 因私下拉客户已被移出群聊，请大家遵守群规。"]
        assert await _audit(h, "kick") == [("bob", "admin", "admin: 私下拉客户 [by op_lin]")]


async def test_warn_counts_with_the_types_limit_and_removes_at_it(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/warn {mentions} 发广告", "bob")
        await _command(h, "/警告{mentions}", "bob")
        assert h.texts() == ["⚠️ 警告 (1/2)：发广告。警告满 2 次将被移出群聊。",
                             "📢 bob 因违反群规已被移出群聊，请大家遵守群规。"]
        assert [k["member"] for k in h.actions("kick")] == ["bob"]


async def test_a_warning_by_hand_needs_no_member_list_for_a_member_the_bot_knows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review s36 r13 R13-3: every /warn, /unwarn, /warns and /kick read the group's whole
    member list (a lookup per member on a slow gateway) inside the event's turn, to check
    that the member was ever in the group. The roster answers for one the bot has seen; the
    platform is asked only about a stranger."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "bob", "大家好")

        async def no_list(group: str) -> list[Any]:
            raise GatewayError("the member list takes minutes")

        monkeypatch.setattr(h.world, "members", no_list)
        await _command(h, "/warn {mentions} 发广告", "bob")
        assert h.texts() == ["⚠️ 警告 (1/2)：发广告。警告满 2 次将被移出群聊。"]


async def test_a_warning_by_hand_and_one_by_a_detector_count_together(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", "www.cheap-shop.com")
        await _command(h, "/warn {mentions}", "eve")
        assert [k["member"] for k in h.actions("kick")] == ["eve"]


async def test_unwarn_takes_the_latest_warning_back(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/warn {mentions} 刷屏", "bob")
        await _command(h, "/撤销警告 {mentions}", "bob")
        await _command(h, "/unwarn {mentions}", "bob")
        await _command(h, "/warn {mentions}", "bob")
        assert h.texts()[1:] == ["已撤销 bob 的一次警告（刷屏），现在 0/2。",
                                 "bob 没有生效中的警告。",
                                 "⚠️ 警告 (1/2)：违反群规。警告满 2 次将被移出群聊。"]
        assert h.actions("kick") == []


async def test_admin_replies_in_the_group_do_not_repeat_a_name_carrying_an_ad(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.rename("c1", "bob", "evil.com免费领")
        await _command(h, "/warns {mentions}", "bob")
        await _command(h, "/warn {mentions} 刷屏", "bob")
        await _command(h, "/warns {mentions}", "bob")
        await _command(h, "/warns")
        await _command(h, "/unwarn {mentions}", "bob")
        texts = h.texts()
        assert not any("evil" in text for text in texts), texts
        assert "这位成员 没有生效中的警告。" in texts
        assert any(t.startswith("这位成员 的警告（1/2）：\n· ") for t in texts), texts
        assert "生效中的警告：\n· 这位成员 1/2：刷屏" in texts
        assert "已撤销 这位成员 的一次警告（刷屏），现在 0/2。" in texts


async def test_warns_lists_one_member_or_everyone(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", "加V：abc123")
        await _command(h, "/warn {mentions} 刷屏", "bob")
        await _command(h, "/warns {mentions}", "bob")
        await _command(h, "/警告记录")
        await _command(h, "/list")
        assert h.texts()[2:] == [
            "bob 的警告（1/2）：\n· 11-23 09:00 刷屏",
            "生效中的警告：\n· eve 1/2：发布联系方式\n· bob 1/2：刷屏",
            "生效中的警告：\n· eve 1/2：发布联系方式\n· bob 1/2：刷屏",
        ]


async def test_admins_cannot_be_warned_or_kicked(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/kick {mentions}", "op_lin")
        assert h.actions("kick") == [] and h.texts() == ["op_lin 是管理员，不能移出。"]


async def test_a_command_without_a_target_answers_with_its_usage(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/kick")
        assert h.texts() == ["用法：/kick @成员 [原因]（请 @ 要处理的成员）"]


async def test_a_latin_command_must_end_at_a_space(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/kicker {mentions}", "bob")
        await _command(h, "/statusbar")
        assert h.sent == []


async def test_a_full_width_prefix_works_like_the_ascii_one(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "／踢 {mentions}", "bob")
        assert [k["member"] for k in h.actions("kick")] == ["bob"]


async def test_when_the_bot_is_not_the_owner_kick_tells_the_admins(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER, owner="op_lin") as h:
        await _command(h, "/kick {mentions}", "bob")
        assert h.actions("kick") == []
        assert h.texts() == ["机器人不是群主，无法移出 bob，已通知管理员。"]
        assert [d["to"] for d in h.actions("dm")] == ["op_lin"]
        assert await _audit(h, "kick_unavailable") == [
            ("bob", "admin", "admin: 违反群规 [by op_lin]")]


async def test_unblock_lets_a_removed_member_join_again(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/kick {mentions}", "bob")
        await _command(h, "/unblock bob")
        await h.join("c1", "bob", inviter="alice")
        await h.drain()
        assert len(h.actions("kick")) == 1
        assert "已解封 bob，可以重新加入本平台的群。" in h.texts()


async def test_a_member_typed_by_id_beside_a_mention_is_acted_on_too(tmp_path: Path) -> None:
    """`/unblock @bob alice` unblocked bob only, and `/unwarn @bob alice` took back bob's
    warning only: the id typed beside a mention was dropped without a word; `/warns alice`
    listed everyone's warnings (h50c)."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/warn {mentions} 刷屏", "bob")
        await _command(h, "/warn {mentions} 发广告", "alice")
        await _command(h, "/warns alice")
        await _command(h, "/unwarn {mentions} alice", "bob")
        assert h.texts()[2:] == ["alice 的警告（1/2）：\n· 11-23 09:00 发广告",
                                 "已撤销 bob 的一次警告（刷屏），现在 0/2。",
                                 "已撤销 alice 的一次警告（发广告），现在 0/2。"]
        await _command(h, "/kick {mentions}", "bob")
        await _command(h, "/kick {mentions}", "alice")
        await _command(h, "/unblock {mentions} alice", "bob")
        assert h.texts()[-1] == "已解封 bob、alice，可以重新加入本平台的群。"


async def test_unblock_of_many_ids_is_one_reply_that_repeats_each_id_on_its_line(
        tmp_path: Path) -> None:
    """An admin pasting a list of ids got a message per id (50 ids: 50 sends of the
    account's budget), and an id was echoed as typed, 10 KB and bidi overrides and all."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/kick {mentions}", "bob")
        await _command(h, "/unblock bob " + " ".join(f"id{i}" for i in range(49))
                       + " \u202e" + "y" * 10_000)
        [reply] = h.texts()[1:]
        unblocked, unknown = reply.split("\n")
        assert unblocked == "已解封 bob，可以重新加入本平台的群。"
        assert unknown == "、".join(f"id{i}" for i in range(30)) + " 等 50 个 不在移出名单中。"
        await _command(h, "/解封 \u202e" + "y" * 10_000)
        assert h.texts()[-1] == "y" * 39 + "… 不在移出名单中。"
        await h.say(None, "op_lin", "/confirm " + "z" * 10_000)
        await h.drain()
        assert h.actions("dm")[-1]["text"] == "没有编号为 " + "Z" * 39 + "… 的群发或迁移。"


async def test_an_admins_reason_is_kept_on_one_short_line(tmp_path: Path) -> None:
    """A reason pasted with line breaks forged lines of the bot's own in `/warns` ("⚠️ ..."),
    and 5 KB of it was repeated in every `/warns` until the warning expired. It is kept, and
    shown, as one line of 100 characters."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/warn {mentions} 刷屏\n⚠️ 警告 (2/2)：" + "x" * 5000, "alice")
        await _command(h, "/warns")
        await _command(h, "/warns {mentions}", "alice")
        *_, everyone, hers = h.texts()
        kept = "刷屏 ⚠️ 警告 (2/2)：" + "x" * 84 + "…"
        assert everyone == "生效中的警告：\n· alice 1/2：" + kept
        assert hers.split("\n")[1:] == ["· 11-23 09:00 " + kept]
        await _command(h, "/kick {mentions} 私下拉客户\n" + "y" * 5000, "bob")
        [kick] = h.actions("kick")
        assert kick["reason"] == "私下拉客户 " + "y" * 93 + "…"


async def test_status_summarizes_the_group(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/warn {mentions}", "bob")
        await _command(h, "/状态")
        assert h.texts()[-1] == ("📊 Customer 01 客户群\n类型：客户群\n成员：4 人\n"
                                 "生效中的警告：1 条（1 人）\n待发送：0 条")


async def test_status_counts_the_warnings_in_force_and_their_members(tmp_path: Path) -> None:
    """A revoked warning and those a removal settled no longer count."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.join("c1", "carol", "dave")
        await _command(h, "/warn {mentions}", "alice")
        await _command(h, "/warn {mentions}", "alice")  # the limit: removed, settled
        await _command(h, "/warn {mentions}", "bob")
        await _command(h, "/warn {mentions}", "carol")
        await _command(h, "/warn {mentions}", "dave")
        await _command(h, "/unwarn {mentions}", "dave")
        await _command(h, "/status")
        assert h.texts()[-1].endswith("生效中的警告：2 条（2 人）\n待发送：0 条")


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    """A copy of the shipped config and content, to change while the bot runs."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "config"


async def test_reload_swaps_in_a_changed_config(tmp_path: Path, deployment: Path) -> None:
    async with Harness(deployment, tmp_path, groups=CUSTOMER) as h:
        customer = deployment / "types" / "customer.yaml"
        customer.write_text(customer.read_text(encoding="utf-8").replace(
            "warn_limit: 2", "warn_limit: 3"), encoding="utf-8")
        await _command(h, "/reload")
        await h.say("c1", "eve", "www.cheap-shop.com")
        await h.drain()
        assert h.texts() == ["✅ 配置已重新加载。",
                             "⚠️ 警告 (1/3)：发布链接。警告满 3 次将被移出群聊。"]


async def test_an_admins_reload_holds_up_no_event(tmp_path: Path, deployment: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Review s35 r6 R6-1: the admin's /reload ran inside its message's turn, so every
    event waited for the whole load (191 ms with libyaml, 3.8 s without): the promise that
    no event waits behind a reload held for the console's reload only. Here the load is
    held until a member's message was handled, which it now is meanwhile."""
    loading, loaded = threading.Event(), threading.Event()
    load = config.load_in_background

    def held(*args: Any) -> Any:
        loading.set()
        if not loaded.wait(30):
            raise AssertionError("the member's message was never handled during the load")
        return load(*args)

    monkeypatch.setattr(config, "load_in_background", held)
    async with Harness(deployment, tmp_path, groups=CUSTOMER) as h:
        customer = deployment / "types" / "customer.yaml"
        customer.write_text(customer.read_text(encoding="utf-8").replace(
            "warn_limit: 2", "warn_limit: 3"), encoding="utf-8")
        reload = asyncio.ensure_future(_command(h, "/reload"))
        assert await asyncio.to_thread(loading.wait, 30)
        await asyncio.wait_for(h.say("c1", "eve", "www.cheap-shop.com"), 30)  # meanwhile:
        loaded.set()  # the running config (warn_limit 2)
        await reload
        await h.drain()
        assert sorted(h.texts()) == sorted(["✅ 配置已重新加载。",
                                            "⚠️ 警告 (1/2)：发布链接。警告满 2 次将被移出群聊。"])
        assert (await _audit(h, "reload"))[0][:2] == ("op_lin", "admin")


class Live:
    """The harness's time, as a clock that is not virtual (a live bot's)."""

    def __init__(self, clock: Any) -> None:
        self.now = clock.now


async def test_a_live_bots_admin_reload_runs_in_the_background_and_a_stop_waits_for_it(
        tmp_path: Path, deployment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a live clock (WeChat hands events over one after another, each fed when the one
    before returns), the /reload message is handled at once and the load goes on in the
    background; stopping the bot meanwhile lets it finish and answer first."""
    loading, loaded = threading.Event(), threading.Event()
    load = config.load_in_background

    def held(*args: Any) -> Any:
        loading.set()
        loaded.wait(30)
        return load(*args)

    monkeypatch.setattr(config, "load_in_background", held)
    h = Harness(deployment, tmp_path, groups=CUSTOMER)
    async with h:
        virtual, h.bot.clock = h.bot.clock, Live(h.clock)  # type: ignore[assignment]
        await asyncio.wait_for(h.say("c1", "op_lin", "/reload"), 30)  # returns at once
        assert await asyncio.to_thread(loading.wait, 30)
        await asyncio.wait_for(h.say("c1", "eve", "www.cheap-shop.com"), 30)
        stopping = asyncio.ensure_future(h.bot.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done()  # waits for the reload
        loaded.set()
        await stopping
    h.bot.clock = virtual
    await h.restart()  # (the answer was queued before the stop)
    await h.drain()
    await h.bot.stop()
    assert "✅ 配置已重新加载。" in h.texts()


async def test_two_reloads_at_once_end_on_the_newer_files(
        tmp_path: Path, deployment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review s35 r8 R8-1: a second /reload while the first was loading finished first; the
    first's older files were swapped in last, and both answered done."""
    loading, loaded = threading.Event(), threading.Event()
    load, first = config.load_in_background, []

    def held(*args: Any) -> Any:
        if not first:  # the first load reads the files, then waits
            first.append(True)
            made = load(*args)
            loading.set()
            loaded.wait(30)
            return made
        return load(*args)

    monkeypatch.setattr(config, "load_in_background", held)
    customer = deployment / "types" / "customer.yaml"
    async with Harness(deployment, tmp_path, groups=CUSTOMER) as h:
        virtual, h.bot.clock = h.bot.clock, Live(h.clock)  # type: ignore[assignment]
        customer.write_text(customer.read_text(encoding="utf-8").replace(
            "warn_limit: 2", "warn_limit: 3"), encoding="utf-8")
        await h.say("c1", "op_lin", "/reload")
        assert await asyncio.to_thread(loading.wait, 30)
        customer.write_text(customer.read_text(encoding="utf-8").replace(
            "warn_limit: 3", "warn_limit: 4"), encoding="utf-8")
        await h.say("c1", "op_lin", "/重载")
        await asyncio.sleep(0.05)
        loaded.set()
        await asyncio.gather(*h.bot._background)
        h.bot.clock = virtual
        antispam = next(x for x in h.bot.deployment.types["customer"].handlers
                        if x.name == "antispam")
        assert antispam.config.warn_limit == 4


async def test_a_background_reload_that_fails_is_logged(
        tmp_path: Path, deployment: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with Harness(deployment, tmp_path, groups=CUSTOMER) as h:
        async def broken() -> None:
            raise RuntimeError("a bug while binding")

        h.bot.refresh_groups = broken  # type: ignore[method-assign]
        virtual, h.bot.clock = h.bot.clock, Live(h.clock)  # type: ignore[assignment]
        await h.say("c1", "op_lin", "/reload")
        await h.bot.stop()  # (waits for the reload)
        h.bot.clock = virtual
        assert "what an event asked for after its turn failed" in caplog.text
        assert "a bug while binding" in caplog.text


async def test_a_reload_while_the_platform_is_away_answers_and_binds_the_groups_later(
        tmp_path: Path, deployment: Path) -> None:
    """Review s35 r8 R8-2: the groups' listing failed after the new config was swapped in:
    the admin got no answer, no audit record, and the groups were not bound again."""
    async with Harness(deployment, tmp_path, groups=CUSTOMER) as h:
        listed = h.bot.refresh_groups
        calls: list[str] = []

        async def away() -> None:
            calls.append("away")
            raise GatewayError("the platform is away")

        h.bot.refresh_groups = away  # type: ignore[method-assign]
        await h.say("c1", "op_lin", "/reload")
        await h.advance("30s")
        assert (await _audit(h, "reload"))[0][:2] == ("op_lin", "admin")
        assert h.texts() == []  # nothing goes before the groups are looked at again
        await h.advance("1h")  # looked at every minute meanwhile (the doubling of the wait
        assert h.texts() == [] and len(calls) > 50  # overflowed after 45 tries, and ended the bot)

        async def back() -> None:
            calls.append("back")
            await listed()

        h.bot.refresh_groups = back  # type: ignore[method-assign]
        await h.advance("2m")  # the groups are looked at again, bound; then the answer
        assert calls[0] == "away" and "back" in calls
        assert h.texts()[0] == "✅ 配置已重新加载。"  # (then the Monday 10:00 push held back)


async def test_reload_refuses_a_bad_config_and_tells_only_the_admin_why(
        tmp_path: Path, deployment: Path) -> None:
    async with Harness(deployment, tmp_path, groups=CUSTOMER) as h:
        customer = deployment / "types" / "customer.yaml"
        customer.write_text(customer.read_text(encoding="utf-8").replace(
            "warn_limit: 2", "warn_limit: two"), encoding="utf-8")
        await _command(h, "/重载")
        await h.say("c1", "eve", "www.cheap-shop.com")
        await h.drain()
        # the group sees one neutral line; the running config still warns at (1/2)
        assert h.texts() == ["❌ 配置未更新，原因已私信发给你。",
                             "⚠️ 警告 (1/2)：发布链接。警告满 2 次将被移出群聊。"]
        [dm] = h.actions("dm")
        assert dm["to"] == "op_lin"
        assert dm["text"].startswith("❌ 配置有误，仍在使用原来的配置：\n")
        assert "config/types/customer.yaml:8: handlers.antispam.warn_limit" in dm["text"]
        assert str(tmp_path) not in dm["text"]  # no absolute path of the server
        assert (await _audit(h, "reload_refused"))[0][:2] == ("op_lin", "admin")


async def test_reload_in_private_answers_there(tmp_path: Path, deployment: Path) -> None:
    async with Harness(deployment, tmp_path, groups=CUSTOMER) as h:
        (deployment / "bot.yaml").write_text(
            (deployment / "bot.yaml").read_text(encoding="utf-8") + "\nbogus: 1\n",
            encoding="utf-8")
        await h.say(None, "op_lin", "/reload")
        await h.drain()
        [dm] = h.actions("dm")
        assert dm["to"] == "op_lin" and "config/bot.yaml:" in dm["text"]
        assert str(tmp_path) not in dm["text"] and h.texts() == []


async def test_a_refusal_can_be_configured(tmp_path: Path, deployment: Path) -> None:
    base = deployment / "types" / "base.yaml"
    base.write_text(base.read_text(encoding="utf-8").replace(
        '      prefix: "/"', '      prefix: "/"\n      refusal: "只有管理员可以使用这个命令。"'),
        encoding="utf-8")
    async with Harness(deployment, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/kick {mentions}", "bob", sender="alice")
        assert [(r["text"], r["mentions"]) for r in h.actions("say")] == [
            ("只有管理员可以使用这个命令。", ["alice"])]
        assert h.actions("kick") == []
        for _ in range(20):  # one refusal a member in 10 minutes: a member typing commands
            await h.advance("3s")  # cannot spend the send budget (review s31 S14)
            await _command(h, "/踢 {mentions}", "bob", sender="alice")
        await h.advance("10m")
        await _command(h, "/kick {mentions}", "bob", sender="alice")
        await _command(h, "/kick {mentions}", "alice", sender="bob")
        await h.drain()
        assert [r["mentions"] for r in h.actions("say")] == [["alice"], ["alice"], ["bob"]]
        assert len(await _audit(h, "command_refused")) == 23  # each one is audited


async def test_commands_on_someone_never_in_the_group_change_nothing(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        h.world.contacts["stranger"] = "Stranger"
        for command in ("/kick {mentions}", "/warn {mentions}", "/unwarn {mentions}"):
            await _command(h, command, "stranger")
        await h.join("c1", "stranger", inviter="alice")  # not blocked: joins like anyone
        await h.drain()
        assert h.actions("kick") == []
        assert h.texts()[:3] == ["Stranger（stranger）从未加入本群，未做任何处理。"] * 3
        assert await _audit(h, "warn") == [] and await _audit(h, "kick") == []


async def test_a_member_who_left_can_still_be_removed_and_blocked(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", "大家好")
        await h.leave("c1", "eve")
        await _command(h, "/kick {mentions} 骚扰", "eve")
        await h.drain()
        assert h.actions("kick") == []  # nobody to remove now (audited kick_skipped)
        await h.join("c1", "eve", inviter="alice")
        await h.drain()
        assert [k["member"] for k in h.actions("kick")] == ["eve"]  # blocked: back, removed
        assert [row[0] for row in await h.bot.store.all(
            "SELECT action FROM audit WHERE action LIKE 'kick%' ORDER BY id")] == [
            "kick", "kick_skipped", "kick"]


async def test_in_private_an_admin_gets_the_commands_that_need_no_group(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say(None, "op_lin", "/status")
        await h.say(None, "op_lin", "/warn K3F2")
        await h.say(None, "op_lin", "/cases")
        await h.say(None, "alice", "/cases")  # not an admin: nothing, not even a keyword reply
        await h.drain()
        assert [(d["to"], d["text"][:9]) for d in h.actions("dm")] == [
            ("op_lin", "请在群里使用这个命"), ("op_lin", "没有案件 K3F2"),
            ("op_lin", "没有待处理的案件。")]
        assert await _audit(h, "command_refused") == [("alice", "admin", "/cases")]



async def test_long_lists_show_30_and_count_the_others(tmp_path: Path) -> None:
    """/cases listed every open case ever in one private message (a raid's hundreds of
    review cases: tens of KB, and a look at the platform for each one's group), and
    /warns every member with a warning."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        for i in range(35):
            await moderation.open_case(h.bot.store, kind="review", group="c1", member=f"u{i}",
                                       name=f"u{i}", text="hi", reason="words", ref=f"r{i}",
                                       at=h.clock.now(), by="bot")
            await h.say("c1", f"u{i}", "大家好")
            await _command(h, "/warn {mentions}", f"u{i}")
        await _command(h, "/warns")
        await h.say(None, "op_lin", "/cases")
        await h.drain()
        warns = h.texts()[-1].split("\n")
        assert len(warns) == 32 and warns[-1] == "……另有 5 人"
        cases = h.actions("dm", to="op_lin")[-1]["text"].split("\n")
        assert len(cases) == 32 and cases[-1] == "……另有 5 个"


async def test_cases_asked_in_a_group_go_to_the_admin_privately(tmp_path: Path) -> None:
    """Every group's private cases, with the reported member's message, were posted into
    the group where /cases was typed (/tmp/review-4/case2.yaml)."""
    groups = {"c1": "Customer 01 客户群", "c2": "Customer 02 客户群"}
    async with Harness(SHIPPED, tmp_path, groups=groups) as h:
        h.world.contacts["eve"] = "王女士"
        await h.say("c2", "eve", "我老公在看色情网站，我该怎么办")  # a review case, in c2
        await h.drain()
        [opened] = h.actions("dm", to="op_lin")
        case = opened["text"].split("待处理 ")[1][:4]
        await h.say("c1", "op_lin", "/案件")
        await h.say("c1", "op_lin", f"/warn {case}")
        await h.say("c1", "op_lin", f"/dismiss {case}")
        await h.drain()
        assert h.texts("c1") == ["已私信发给你。"]
        assert h.texts("c2") == ["⚠️ 警告 (1/2)：发布低俗色情内容。警告满 2 次将被移出群聊。"]
        listed, warned, settled = [d["text"] for d in h.actions("dm", to="op_lin")[1:]]
        assert listed.startswith("待处理的案件（/warn、/kick 或 /dismiss 加案件号）：")
        assert "王女士：发布低俗色情内容：我老公" in listed
        assert warned == f"案件 {case}：已在群里警告 王女士。"
        assert settled.startswith(f"案件 {case} 已于 ")


async def test_the_case_list_says_how_to_answer_a_members_question(tmp_path: Path) -> None:
    """Review s35 r7 R7-11: the list offered /warn, /kick and /dismiss for a hand-off, whose
    answer is /answer."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "carol", "人工")
        await h.advance("1m")
        await h.say(None, "op_lin", "/cases")
        await h.advance("1m")
        listed = h.actions("dm", to="op_lin")[-1]["text"]
        assert listed.startswith("待处理的案件（/warn、/kick 或 /dismiss 加案件号；"
                                 "提问用 /answer 案件号 答复内容）："), listed


async def test_a_member_repeating_a_review_word_has_one_open_case_the_others_added(
        tmp_path: Path) -> None:
    """Review s30 R11: each message with a `review` word opened a case of its own, with a
    private message to every admin: 30 such messages, 30 messages to each admin, nothing
    said in the group to stop it, and the private-message budget spent (a friend greeting
    waited 51 minutes). While the member has an open case there, later ones are added to
    it; once it is settled, the next opens a new one."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        for i in range(30):
            await h.say("c1", "bob", f"反共 第{i}次 说说而已")
            await h.advance("20s")
        opened = [d["text"] for d in h.actions("dm", to="op_lin") if "待处理 " in d["text"]]
        assert len(opened) == 1 and "反共 第0次" in opened[0]
        case = opened[0].split("待处理 ")[1][:4]
        assert len(await _audit(h, "case_added")) == 29
        await h.say(None, "op_lin", "/cases")
        await h.drain()
        assert h.actions("dm", to="op_lin")[-1]["text"].endswith("（另有 29 条）")
        await h.say(None, "op_lin", f"/dismiss {case}")
        await h.say("c1", "bob", "反共 又来了")
        await h.drain()
        opened = [d["text"] for d in h.actions("dm", to="op_lin") if "待处理 " in d["text"]]
        assert len(opened) == 2 and "反共 又来了" in opened[1]


async def test_a_group_command_sent_privately_lists_every_private_command(
        tmp_path: Path) -> None:
    """The hint named half of them: an admin learnt /broadcast, /move, /confirm, /cancel and
    /progress exist in private only from the docs (operator review s31 O4)."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say(None, "op_lin", "/status")
        await h.drain()
        [hint] = [r["text"] for r in h.actions("dm", to="op_lin")]
    assert hint.startswith("请在群里使用这个命令（私聊中可用：/warn 案件号")
    for command in ("/cases", "/reload", "/broadcast", "/move", "/confirm", "/cancel",
                    "/progress", "/answer 案件号"):
        assert command in hint
