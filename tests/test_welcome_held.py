"""A newcomer whose removal is queued when the welcome window ends is held back from the
greeting (handlers/welcome.py). If that removal then does not happen (refused, dropped by the
send budget), the newcomer is still in the group and is welcomed after all, once; if it does
happen, or the member leaves, they are never welcomed."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, Harness, shipped_config

from bot.adapters.base import Refused

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

SPAMMERS = ["s1", "s2", "s3", "s4"]


def _welcomes(h: Harness) -> list[list[str]]:
    return [a["mentions"] for a in h.actions("say", group="r1") if "欢迎加入" in a["text"]]


async def _ads_on_joining(h: Harness) -> None:
    """Four advertisers and carol join; each advertiser posts a contact detail at once and is
    to be removed (a newcomer's ad counts twice in recruitment groups), the removals paced by
    the send budget beyond the welcome window."""
    await h.join("r1", *SPAMMERS, "carol")
    for n, member in enumerate(SPAMMERS, 1):
        await h.say("r1", member, f"加我微信 abc1234{n} 有优惠")


async def test_newcomers_whose_removal_is_refused_are_welcomed_after_all_once(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        remove = h.world.remove_member

        async def refuse_some(group: str, member: str, reason: str = "") -> None:
            if member in ("s3", "s4"):
                raise Refused("not allowed")
            await remove(group, member, reason)

        h.world.remove_member = refuse_some  # type: ignore[method-assign]
        await _ads_on_joining(h)
        await h.advance("20s")
        assert _welcomes(h) == [["carol"]]
        await h.advance("1h")
        assert sorted(a["member"] for a in h.actions("kick", group="r1")) == ["s1", "s2"]
        # still here: each welcomed once (refused a minute apart, so greeted apart)
        assert _welcomes(h) == [["carol"], ["s3"], ["s4"]]
        await h.leave("r1", "s3")
        await h.join("r1", "s3")  # a re-join within again_after: no second welcome
        await h.advance("1h")
        assert _welcomes(h) == [["carol"], ["s3"], ["s4"]]


async def test_newcomers_whose_removal_is_dropped_are_welcomed_after_all(
        tmp_path: Path) -> None:
    governor = """
governor:
  warmup: {days: 0}
  budgets: {removals: {per_minute: 1, per_hour: 2, per_day: 2}}
  keep: {kick: 2m}
"""
    async with Harness(shipped_config(tmp_path, governor), tmp_path) as h:
        await _ads_on_joining(h)
        await h.advance("1h")
        kicked = sorted(a["member"] for a in h.actions("kick", group="r1"))
        dropped = [m for m in SPAMMERS if m not in kicked]
        assert dropped == ["s3", "s4"]  # two removals an hour: the others held too long
        rows = await h.bot.store.all("SELECT member FROM audit WHERE action='kick_dropped'")
        assert sorted(m for (m,) in rows) == dropped
        assert _welcomes(h) == [["carol"], dropped]


async def test_newcomers_removed_or_gone_are_never_welcomed(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await _ads_on_joining(h)
        await h.advance("20s")
        await h.leave("r1", "s4")  # before the removal went: skipped
        await h.advance("1h")
        assert _welcomes(h) == [["carol"]]
        assert sorted(a["member"] for a in h.actions("kick", group="r1")) == SPAMMERS[:3]


async def test_a_removal_sent_but_never_reported_welcomes_nobody(tmp_path: Path) -> None:
    """WeChat may not report the leave a removal causes: the member list tells."""
    async with Harness(SHIPPED, tmp_path) as h:
        async def silent(group: str, member: str, reason: str = "") -> None:
            h.world.leave(group, [member])  # removed, and no leave event follows

        h.world.remove_member = silent  # type: ignore[method-assign]
        await _ads_on_joining(h)
        await h.advance("1h")
        assert _welcomes(h) == [["carol"]]
