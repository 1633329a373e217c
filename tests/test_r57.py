"""Review r57 of h50c (typed ids beside mentions, lifecycle's {days}, name card reminders
after a rename): a test for each finding, fixed by f58. See /work/helpers/reports/r57.md."""

from __future__ import annotations

from pathlib import Path

from harness import SHIPPED, Harness, shipped_config
from test_namecard_promoted import GROUPS as NAMECARD_GROUPS
from test_namecard_promoted import _pass_quiz, _reminders

CUSTOMER = {"c1": "Customer 01 客户群"}
NEVER_JOINED = "从未加入本群"


async def _command(h: Harness, text: str, *targets: str, sender: str = "op_lin") -> list[str]:
    """The admin's command in c1; the bot's texts it brought."""
    before = len(h.texts())
    mentions = "".join(f"@{h.world.name_of(t)}\u2005" for t in targets)
    await h.say("c1", sender, text.format(mentions=mentions), mentions=targets)
    await h.drain()
    return h.texts()[before:]


async def test_a_mentioned_name_with_a_space_is_one_member(tmp_path: Path) -> None:
    """bob's WeChat name is "Bob Smith": `/unwarn @Bob Smith` answered 「Smith（Smith）从未加入
    本群」 besides taking back bob's warning, and `/unblock @Bob Smith` 「Smith 不在移出名单中」:
    the mention is stripped up to the first space, and h50c reads the rest as ids."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        h.world.contacts["bob"] = "Bob Smith"
        await _command(h, "/warn {mentions}", "bob")
        unwarned = await _command(h, "/unwarn {mentions}", "bob")
        assert not any(NEVER_JOINED in text for text in unwarned), unwarned
        await _command(h, "/kick {mentions}", "bob")
        assert await _command(h, "/unblock {mentions}", "bob") == [
            "已解封 bob，可以重新加入本平台的群。"]


async def test_a_word_after_unwarns_mention_is_no_member(tmp_path: Path) -> None:
    """`/unwarn @bob 误判了` (/warn takes a reason, so an admin writes one here too) took back
    bob's warning and also answered 「误判了（误判了）从未加入本群，未做任何处理。」, before the
    answer for bob; a0813e1 answered for bob only."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _command(h, "/warn {mentions} 刷屏", "bob")
        assert await _command(h, "/unwarn {mentions} 误判了", "bob") == [
            "已撤销 bob 的一次警告（刷屏），现在 0/2。"]


async def test_many_unknown_ids_are_one_reply(tmp_path: Path) -> None:
    """A careless admin's `/unwarn` with 40 words (a pasted sentence, ids of another group)
    got 40 messages, each a send of the group's budget (a0813e1: the usage, once); /unblock
    answers many ids in one reply for exactly this reason."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        words = " ".join(f"x{i}" for i in range(40))
        assert len(await _command(h, f"/unwarn {words}")) <= 1
        assert len(await _command(h, f"/warns {words}")) <= 1


async def test_the_bots_own_id_typed_is_not_a_member(tmp_path: Path) -> None:
    """`/warns @小助手` lists the group (parse drops the bot from the mentions), but
    `/warns BOT_ID` answered 「小助手 没有生效中的警告。」: typed ids skip that filter."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        mentioned = await _command(h, "/warns {mentions}", h.world.self_id)
        assert await _command(h, f"/warns {h.world.self_id}") == mentioned


async def test_unwarns_usage_names_the_id_form(tmp_path: Path) -> None:
    """/unwarn takes an id since h50c (docs/handlers/admin.md), its usage line still says
    「请 @ 要处理的成员」; /unblock's says 「/unblock @成员 或 /unblock 成员ID」."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        [usage] = await _command(h, "/unwarn")
        assert "ID" in usage, usage


async def test_a_silence_of_an_hour_is_not_said_as_0_days(tmp_path: Path) -> None:
    """`after: 1h` (a trial's setting): the default warning said 「已经 0 天没有发言了」 since
    h50c ({days} rounded down to a tenth; a0813e1 said 1). The admins' line says ≥1 小时."""
    root = shipped_config(tmp_path)
    types = root / "types" / "recruitment.yaml"
    types.write_text(types.read_text(encoding="utf-8").replace(
        "silent: {after: 14d, remove: true, grace: 1d}",
        "silent: {after: 1h, remove: true, grace: 1d}"), encoding="utf-8")
    async with Harness(root, tmp_path, groups={"r1": "Listener Recruitment 01"}) as h:
        await h.join("r1", "dave")
        await h.advance("2d")
        warned = [r["text"] for r in h.actions("say", group="r1") if "没有发言" in r["text"]]
        assert warned
        assert not any("已经 0 天" in text for text in warned), warned


async def test_a_dismissed_trainee_who_renames_wrongly_is_reminded(tmp_path: Path) -> None:
    """dave is promoted after his first reminder and stays in the official group five days:
    the rounds due meanwhile count (h50c), so his schedule runs out unsent. Dismissed, he
    renames to another name that breaks the pattern: a0813e1 reminded him after the rename
    (docs/handlers/namecard.md said so); now nothing ever does."""
    async with Harness(SHIPPED, tmp_path, groups=NAMECARD_GROUPS) as h:
        await h.join("i1", "dave")
        await h.advance("11m")                    # the first reminder
        await _pass_quiz(h, "dave")
        await h.advance("5d")                     # the other rounds pass unsent
        await h.leave("o1", "dave")               # dismissed
        await h.rename("i1", "dave", "dave2")
        await h.advance("3d")
        assert len(_reminders(h, "dave")) > 1, _reminders(h, "dave")
