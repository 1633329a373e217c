"""A crash just before a give-up's commit (r33): the last try's failure is in the store
before the give-up is, so the restart gives it up as the stopped process would have, with
what is known (`send_failed`), not as a message that may have gone (`uncertain`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import SHIPPED, Harness
from test_delivery_restarts import Crash
from test_removals import ANNOUNCED, CUSTOMER, _audit, _two_ads

from bot.adapters.base import GatewayError
from bot.delivery import FAILED, MAX_ATTEMPTS, Delivery

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL


def _crash_at_the_give_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies as the give-up is being committed (once: the restart gives up)."""
    done = Delivery._done

    async def crash(self: Delivery, item: Any, now: Any, outcome: str,
                    detail: str = "") -> None:
        if outcome != "send_failed":
            return await done(self, item, now, outcome, detail)
        monkeypatch.setattr(Delivery, "_done", done)
        raise Crash("killed")

    monkeypatch.setattr(Delivery, "_done", crash)


async def given_up_after_a_crash(h: Harness, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """eve's two ads; every removal try fails for certain (a 502), and the bot dies giving it
    up; restarted, it goes on for an hour. Who the tries were of."""
    tries: list[str] = []

    async def failing(group: str, member: str, reason: str = "") -> None:
        tries.append(member)
        raise GatewayError("the gateway answered 502")

    h.world.remove_member = failing  # type: ignore[method-assign]
    _crash_at_the_give_up(monkeypatch)
    with pytest.raises(Crash):
        await _two_ads(h, "eve")
        await h.advance("1h")
    await h.restart()
    await h.advance("1h")
    return tries


async def test_a_removal_whose_give_up_a_crash_cut_off_is_given_up_once_and_not_announced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every try failed for certain; the bot died giving it up. The restart does not try it
    a sixth time: it records the give-up once, tells the admins, and drops the announcement
    (eve is surely still in the group)."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        tries = await given_up_after_a_crash(h, monkeypatch)
        assert tries == ["eve"] * MAX_ATTEMPTS
        kicks = [(a, d) for a, _, d in await _audit(h) if a.startswith(("kick", "say"))]
        assert [a for a, _ in kicks] == ["kick", "kick_send_failed", "say_dropped"]
        assert kicks[1][1].startswith(FAILED)
        assert ANNOUNCED.format("eve") not in h.texts("c1")
        assert sum("gave up trying to kick group=c1 member=eve" in dm["text"]
                   for dm in h.actions("dm", to="op_lin")) == 1
