"""Removals as they go out: none of a member who has left the group meanwhile (an ad poster
who posts and goes), without holding up anything queued after it, and never skipped for a
member who is back, nor for one the bot may have removed already; and a member whose
removal did not happen is moderated again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import SHIPPED, Harness

from bot.adapters.base import GatewayError, Refused, Uncertain
from bot.delivery import Delivery
from bot.events import Member, Message
from bot.moderation import blocked_for

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

CUSTOMER = {"c1": "Customer 01 客户群"}
ANNOUNCED = "📢 {} 因发布链接已被移出群聊，请大家遵守群规。"


async def _audit(h: Harness) -> list[tuple[Any, ...]]:
    return await h.bot.store.all("SELECT action, member, detail FROM audit ORDER BY id")


async def _two_ads(h: Harness, member: str) -> None:
    await h.say("c1", member, "特价推广 https://cheap.example.com/buy")
    await h.advance("1m")
    await h.say("c1", member, "再发一次 abc.xyz/promo")  # the removal is decided and queued


async def test_a_removal_of_a_member_who_left_before_it_went_is_skipped(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _two_ads(h, "eve")
        await h.leave("c1", "eve")  # and eve goes before it does
        await h.drain()
        assert h.actions("kick") == []
        assert ANNOUNCED.format("eve") not in h.texts("c1")  # nobody was removed
        audit = await _audit(h)
        assert [a for a, *_ in audit] == ["warn", "warn", "kick", "kick_skipped", "say_dropped"]
        assert "the member had left the group" in audit[3][2]
        assert "it announced kick group=c1 member=eve" in audit[4][2]
        assert await blocked_for(h.bot.store, "eve") == "发布链接"  # blocked all the same


async def test_a_skipped_removal_holds_up_none_queued_after_it(tmp_path: Path) -> None:
    """An admin's `/kick` of two, the first of whom has left: the second is removed and
    announced all the same (each waits for the one before it in the chat), the first not."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.say("c1", "eve", "大家好")
        await h.say("c1", "mallory", "大家好")
        await h.leave("c1", "eve")
        mentions = "".join(f"@{h.world.name_of(m)}\u2005" for m in ("eve", "mallory"))
        await h.say("c1", "op_lin", f"/kick {mentions} 骚扰", mentions=("eve", "mallory"))
        await h.drain()
        assert [k["member"] for k in h.actions("kick")] == ["mallory"]
        announced = [t for t in h.texts("c1") if "已被移出群聊" in t]
        assert len(announced) == 1 and "mallory" in announced[0]
        assert [a for a, *_ in await _audit(h) if a.startswith(("kick", "say"))] == [
            "kick", "kick", "kick_skipped", "say_dropped"]


async def test_a_member_who_left_and_came_back_before_the_removal_went_is_removed(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _two_ads(h, "eve")
        await h.leave("c1", "eve")
        await h.join("c1", "eve", inviter="bob")
        await h.drain()
        assert [(k["group"], k["member"]) for k in h.actions("kick")] == [("c1", "eve")]
        assert h.texts("c1")[-1] == ANNOUNCED.format("eve")


async def test_a_member_back_without_a_reported_join_is_removed_for_the_ads_they_post(
        tmp_path: Path) -> None:
    """Some platforms report joins late or not at all: the roster still says eve left, but
    the ads she posts since prove her back."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await h.advance("1m")  # the join backstop's first look at the group: the next is later
        await h.say("c1", "eve", "大家好")
        await h.leave("c1", "eve")
        h.world.join("c1", ["eve"])  # back; never reported
        await _two_ads(h, "eve")
        await h.drain()
        assert [k["member"] for k in h.actions("kick")] == ["eve"]


async def test_ads_sent_before_the_removal_landed_are_not_punished_again(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        await _two_ads(h, "eve")
        sent = h.clock.now()
        await h.drain()  # removed
        await h.feed(Message(sent, "c1", Member("eve", "eve"), "第三次 abc.xyz/promo", id="late"))
        await h.drain()
        assert [a for a, *_ in await _audit(h)] == ["warn", "warn", "kick"]


async def test_a_removal_that_may_have_gone_is_verified_not_skipped(tmp_path: Path) -> None:
    """The gateway removed her and the answer was lost: her leave that follows is the
    removal's own doing, which the member list confirms (and the group is told)."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        remove = h.world.remove_member

        async def lost_answer(group: str, member: str, reason: str = "") -> None:
            await remove(group, member, reason)
            raise Uncertain("the gateway did not answer")

        h.world.remove_member = lost_answer  # type: ignore[method-assign]
        await _two_ads(h, "eve")
        await h.drain()
        assert [a for a, *_ in await _audit(h) if a.startswith("kick")] == [
            "kick", "kick_verified"]
        assert h.texts("c1")[-1] == ANNOUNCED.format("eve")


async def test_a_member_whose_removal_was_refused_is_moderated_again(tmp_path: Path) -> None:
    """Until the removal lands, more ads of the member are not punished again; once it is
    refused (not the group's owner any more, say), nothing is on its way: the next ad is
    (a warning: the count started again with the removal)."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        async def refused(group: str, member: str, reason: str = "") -> None:
            raise Refused("not allowed")

        h.world.remove_member = refused  # type: ignore[method-assign]
        await _two_ads(h, "eve")
        await h.say("c1", "eve", "第三次 abc.xyz/promo")  # the removal still on its way
        await h.drain()
        assert [a for a, *_ in await _audit(h) if a.startswith("kick")] == [
            "kick", "kick_refused"]
        await h.advance("1m")
        await h.say("c1", "eve", "第四次 abc.xyz/promo")
        await h.drain()
        assert [a for a, *_ in await _audit(h)][-1] == "warn"
        assert h.texts("c1")[-1] == "⚠️ 警告 (1/2)：发布链接。警告满 2 次将被移出群聊。"


async def test_a_refused_removal_is_not_announced(tmp_path: Path) -> None:
    """The announcement waits for its removal, and makes no sense without it: refused, the
    removal takes it along (audited), and the admins are told it could not be done."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        async def refused(group: str, member: str, reason: str = "") -> None:
            raise Refused("not allowed")

        h.world.remove_member = refused  # type: ignore[method-assign]
        await _two_ads(h, "eve")
        await h.drain()
        assert ANNOUNCED.format("eve") not in h.texts("c1")
        audit = [(a, detail) for a, _, detail in await _audit(h)]
        assert [a for a, _ in audit if a.startswith(("kick", "say"))] == [
            "kick", "kick_refused", "say_dropped"]
        assert "it announced kick group=c1 member=eve" in dict(audit)["say_dropped"]
        assert any("could not kick" in dm["text"] for dm in h.actions("dm", to="op_lin"))


class Crash(Exception):
    """The process dies here (a kill -9): nothing after it is written."""


async def test_a_crash_as_a_refused_removal_ends_still_drops_its_announcement(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review s36 r17 R17-8: a refused removal's end was one commit and the drop of its
    announcement another; a crash between them announced a removal that did not happen
    after the restart. They are one commit now: the crash leaves the removal as it was
    (going out), the restart tries it again, it is refused again, and nothing is announced."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        async def refused(group: str, member: str, reason: str = "") -> None:
            raise Refused("not allowed")

        unannounce = Delivery._unannounce

        async def crash(self: Delivery, *args: Any) -> None:
            monkeypatch.setattr(Delivery, "_unannounce", unannounce)  # (the restart drops it)
            raise Crash("killed")

        h.world.remove_member = refused  # type: ignore[method-assign]
        monkeypatch.setattr(Delivery, "_unannounce", crash)
        with pytest.raises(Crash):
            await _two_ads(h, "eve")
            await h.drain()
        await h.restart()
        h.world.remove_member = refused  # type: ignore[method-assign]
        await h.drain()
        assert ANNOUNCED.format("eve") not in h.texts("c1")


async def test_a_refused_removal_drops_its_announcement_only(tmp_path: Path) -> None:
    """An admin's `/kick` of two: the first removal is refused, so the group is not told of
    it; the second member is removed and announced all the same (each waits for the one
    before it in the chat)."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        removed = h.world.remove_member

        async def refuse_eve(group: str, member: str, reason: str = "") -> None:
            if member == "eve":
                raise Refused("not allowed")
            await removed(group, member, reason)

        h.world.remove_member = refuse_eve  # type: ignore[method-assign]
        await h.say("c1", "eve", "大家好")
        await h.say("c1", "mallory", "大家好")
        mentions = "".join(f"@{h.world.name_of(m)}\u2005" for m in ("eve", "mallory"))
        await h.say("c1", "op_lin", f"/kick {mentions} 骚扰", mentions=("eve", "mallory"))
        await h.drain()
        assert [k["member"] for k in h.actions("kick")] == ["mallory"]
        announced = [t for t in h.texts("c1") if "已被移出群聊" in t]
        assert len(announced) == 1 and "mallory" in announced[0]
        assert [a for a, *_ in await _audit(h) if a.startswith(("kick", "say"))] == [
            "kick", "kick", "kick_refused", "say_dropped"]


@pytest.mark.parametrize("failure, no_list, announced", [
    (GatewayError("the gateway answered 502"), False, False),  # surely not removed
    (Uncertain("timed out"), False, False),  # each may have: the member list shows her there
    (Uncertain("timed out"), True, True),  # and no member list says she is still there
])
async def test_a_removal_given_up_is_announced_only_if_it_may_have_gone(
        tmp_path: Path, failure: Exception, no_list: bool, announced: bool) -> None:
    """Every attempt failed; the admins are told either way."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        async def failing(group: str, member: str, reason: str = "") -> None:
            raise failure

        async def no_members(group: str) -> list[Member]:
            raise GatewayError("RoomMemberList: internal error")

        h.world.remove_member = failing  # type: ignore[method-assign]
        if no_list:
            h.world.members = no_members  # type: ignore[method-assign]
        await _two_ads(h, "eve")
        await h.advance("1h")  # every attempt, backing off
        assert (ANNOUNCED.format("eve") in h.texts("c1")) is announced
        actions = [a for a, *_ in await _audit(h) if a.startswith(("kick", "say"))]
        assert actions == ["kick", "kick_send_failed"] + ([] if announced else ["say_dropped"])
        assert any("gave up trying to kick group=c1 member=eve" in dm["text"]
                   for dm in h.actions("dm", to="op_lin"))


async def test_a_refusal_after_an_uncertain_attempt_is_not_announced(tmp_path: Path) -> None:
    """The first attempt timed out; the member list showed her still there, so the removal
    went again and was refused: she surely is in the group, and the group is not told
    otherwise."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        failures = [Uncertain("timed out"), Refused("not allowed")]

        async def failing(group: str, member: str, reason: str = "") -> None:
            raise failures.pop(0)

        h.world.remove_member = failing  # type: ignore[method-assign]
        await _two_ads(h, "eve")
        await h.advance("1h")
        assert failures == []
        assert ANNOUNCED.format("eve") not in h.texts("c1")
        assert "eve" in h.world.group("c1").members


async def test_an_admin_who_refuses_messages_is_told_once_not_of_every_refusal(
        tmp_path: Path) -> None:
    """The refused removal's notice to the admin is refused too: no notice of that notice
    (each would be refused again, for ever, longer every time)."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        async def refused(*args: object) -> None:
            raise Refused("not allowed")

        h.world.remove_member = refused  # type: ignore[method-assign]
        h.world.send_dm = refused  # type: ignore[method-assign]
        await _two_ads(h, "eve")
        await h.advance("6h")
        actions = [a for a, *_ in await _audit(h)]
        assert actions.count("dm_refused") == 1
