"""f58: r57's findings in /warn, /unwarn, /warns beyond its own tests (tests/test_r57.py):
the reason of a mention whose name holds a space, strangers in one reply, and what a word
that is no member's id does."""

from __future__ import annotations

from pathlib import Path

from harness import SHIPPED, Harness

CUSTOMER = {"c1": "Customer 01 客户群"}


async def _command(h: Harness, text: str, *targets: str) -> list[str]:
    """op_lin's command in c1; the bot's texts it brought."""
    before = len(h.texts())
    mentions = "".join(f"@{h.world.name_of(t)}\u2005" for t in targets)
    await h.say("c1", "op_lin", text.format(mentions=mentions), mentions=targets)
    await h.drain()
    return h.texts()[before:]


async def test_a_warning_for_a_name_with_a_space_keeps_the_reason_whole(
        tmp_path: Path) -> None:
    """`/warn @Bob Smith 刷屏` recorded the reason 「Smith 刷屏」: the mention was cut at its
    first space."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        h.world.contacts["bob"] = "Bob Smith"
        await _command(h, "/warn {mentions}刷屏", "bob")
        [listed] = await _command(h, "/warns")
        assert listed == "生效中的警告：\n· bob 1/2：刷屏"  # (the roster's name)


async def test_members_never_in_the_group_are_named_in_one_reply(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        h.world.contacts.update({"stranger": "Stranger", "other": "Other"})
        assert await _command(h, "/unwarn {mentions}", "stranger", "other") == [
            "Stranger（stranger）、Other（other）从未加入本群，未做任何处理。"]


async def test_words_that_are_no_members_id_get_the_usage_once(tmp_path: Path) -> None:
    """`/unwarn 误判了 x1` names no member: one reply, what was typed and the usage with
    both forms; `/warns 全部` lists the group, as before h50c."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        assert await _command(h, "/unwarn 误判了 x1") == [
            "误判了、x1 不是本群成员。用法：/unwarn @成员 或 /unwarn 成员ID"]
        await _command(h, "/warn {mentions} 刷屏", "bob")
        assert await _command(h, "/warns 全部") == ["生效中的警告：\n· bob 1/2：刷屏"]


async def test_unblock_passes_over_the_bots_own_id_as_its_mention(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/kick {mentions}", "bob")
        assert await _command(h, f"/unblock bob {h.world.self_id}") == [
            "已解封 bob，可以重新加入本平台的群。"]


async def test_ids_typed_apart_by_commas_are_each_one(tmp_path: Path) -> None:
    """`/unblock bob，carol` (a Chinese comma, as a Chinese keyboard types it) was one id
    that nobody has (r57 noticed)."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        for member in ("bob", "carol"):
            await h.say("c1", member, "大家好")
            await _command(h, "/kick {mentions}", member)
        assert await _command(h, "/unblock bob，carol") == [
            "已解封 bob、carol，可以重新加入本平台的群。"]


async def test_a_mention_typed_with_a_plain_space_after_a_chinese_command_is_taken_whole(
        tmp_path: Path) -> None:
    """`/警告@Bob Smith 刷屏` typed by hand (a plain space, not WeChat's U+2005, right after
    the command): the reason was 「Smith 刷屏」, the mention cut at its first space, because a
    mention so typed was taken out only after a space or at the start."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        h.world.contacts["bob"] = "Bob Smith"
        await h.say("c1", "op_lin", "/警告@Bob Smith 刷屏", mentions=("bob",))
        await h.drain()
        [listed] = await _command(h, "/warns")
        assert listed == "生效中的警告：\n· bob 1/2：刷屏"
