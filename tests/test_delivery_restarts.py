"""Delivery across a crash: what ends in one commit stays one (a crash leaves all of it or
none), and a try that reached WeChat before the crash is counted in the send budget, done or
not (docs/configuration.md, Send governor)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config
from test_governor import _config
from test_outbox import _put

from bot.actions import Action, Kick, Say
from bot.adapters.base import Disconnected, GatewayError, Uncertain
from bot.delivery import MAX_ATTEMPTS, Delivery
from bot.governor import Governor

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

CUSTOMER = {"c1": "Customer 01 客户群"}
ANNOUNCED = "📢 {} 因发布链接已被移出群聊，请大家遵守群规。"
REMOVALS = """governor:
  jitter: 0
  warmup: {days: 0}
  shares: {}
  keep: {}
  budgets:
    removals: {per_minute: 10, per_hour: 100, per_day: 100}
"""


class Crash(Exception):
    """The process dies here (a kill -9): nothing after it is written."""


async def _crash_before_its_try_counts(h: Harness, monkeypatch: pytest.MonkeyPatch,
                                       action: Action) -> None:
    """`action` goes out (to the gateway as the test made it), and the process dies before
    the try is counted (it is still `sending`); then the restart."""
    sent = Governor.sent

    async def crash(self: Governor, *args: Any) -> None:
        monkeypatch.setattr(Governor, "sent", sent)
        raise Crash("killed")

    monkeypatch.setattr(Governor, "sent", crash)
    await _put(h, action)
    with pytest.raises(Crash):
        await h.advance("10s")
    await h.restart()


async def _spent(h: Harness, budget: str) -> int:
    row = await h.bot.store.one("SELECT count(*) FROM governor_sends WHERE budget = ?",
                                (budget,))
    assert row is not None
    return int(row[0])


async def test_a_crash_as_a_skipped_removal_ends_still_drops_its_announcement(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review s36 r22 R22-5: the removal skipped because the member had left ends, and drops
    its announcement, in one commit (c78b025). A crash at the drop leaves both as they were:
    the restart skips the removal again and drops the announcement. Were they two commits,
    the removal would end and the restart announce a removal that never happened."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        unannounce = Delivery._unannounce

        async def crash(self: Delivery, *args: Any) -> None:
            monkeypatch.setattr(Delivery, "_unannounce", unannounce)  # (the restart drops it)
            raise Crash("killed")

        monkeypatch.setattr(Delivery, "_unannounce", crash)
        with pytest.raises(Crash):
            await h.say("c1", "eve", "特价推广 https://cheap.example.com/buy")
            await h.advance("1m")
            await h.say("c1", "eve", "再发一次 abc.xyz/promo")  # the removal is queued
            await h.leave("c1", "eve")  # and eve goes before it goes out
            await h.drain()
        assert Delivery._unannounce is unannounce  # (the crash came)
        await h.restart()
        await h.drain()
        assert h.actions("kick") == []
        assert ANNOUNCED.format("eve") not in h.texts("c1")
        audit = [a for a, in await h.bot.store.all("SELECT action FROM audit ORDER BY id")]
        assert audit[-2:] == ["kick_skipped", "say_dropped"]


async def test_a_removal_tried_before_a_crash_and_again_after_it_counts_both_tries(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review s36 r16 R16-5: the removal reached WeChat and failed uncertain, and the process
    died before that try was counted. The restart finds the member still there and removes
    her: two tries reached WeChat, and the removals budget counts two (it counted one)."""
    async with Harness(_config(tmp_path, REMOVALS), tmp_path, groups={"g": "Recruitment"}) as h:
        h.world.join("g", ["m"])
        tries: list[str] = []
        remove = h.world.remove_member

        async def uncertain_first(group: str, member: str, reason: str = "") -> None:
            tries.append(member)
            if len(tries) == 1:
                raise Uncertain("timed out")
            await remove(group, member, reason)

        h.world.remove_member = uncertain_first  # type: ignore[method-assign]
        await _crash_before_its_try_counts(h, monkeypatch, Kick("g", "m", "spam"))
        h.world.remove_member = uncertain_first  # type: ignore[method-assign]
        await h.advance("1h")
        assert tries == ["m", "m"] and "m" not in h.world.group("g").members
        assert await _spent(h, "removals") == 2


async def test_a_message_going_out_at_a_crash_into_a_group_left_since_counts_its_try(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review s36 r16 R16-5's related case: the message reached WeChat (uncertain), the
    process died before the try was counted, and after the restart the bot was no longer in
    the group: it was dropped before it could be counted."""
    async with Harness(_config(tmp_path, REMOVALS), tmp_path, groups={"g": "Recruitment"}) as h:
        send = h.world.send_text

        async def uncertain(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
            await send(group, text, mentions)
            raise Uncertain("timed out")

        h.world.send_text = uncertain  # type: ignore[method-assign]
        await _crash_before_its_try_counts(h, monkeypatch, Say("g", "hello"))
        await h.leave("g", h.world.self_id)  # an admin removed the bot meanwhile
        await h.advance("1h")
        assert h.texts("g") == ["hello"]  # once
        assert await _spent(h, "group_messages") == 1
        audit = [a for a, in await h.bot.store.all("SELECT action FROM audit ORDER BY id")]
        assert audit[-1] == "say_dropped"


async def test_a_removal_that_failed_uncertain_is_checked_after_a_restart_too(
        tmp_path: Path) -> None:
    """The removal timed out but was done; its retry waits to be checked against the member
    list first. A restart (an upgrade) forgot that: the member, gone, read as one who had
    left by herself, so the removal was skipped and its announcement dropped."""
    async with Harness(SHIPPED, tmp_path, groups=CUSTOMER) as h:
        remove = h.world.remove_member

        async def timed_out(group: str, member: str, reason: str = "") -> None:
            raise Uncertain("timed out")

        h.world.remove_member = timed_out  # type: ignore[method-assign]
        await h.say("c1", "eve", "特价推广 https://cheap.example.com/buy")
        await h.advance("1m")
        await h.say("c1", "eve", "再发一次 abc.xyz/promo")  # the removal is queued
        await h.advance("2s")  # it goes, and fails uncertain: its retry waits 5 s
        await h.leave("c1", "eve")  # it was done: WeChat says she left
        h.world.remove_member = remove  # type: ignore[method-assign]
        await h.restart()
        await h.advance("1h")
        audit = [a for a, in await h.bot.store.all("SELECT action FROM audit ORDER BY id")]
        assert "kick_verified" in audit and "kick_skipped" not in audit, audit
        assert ANNOUNCED.format("eve") in h.texts("c1")


async def test_a_removal_going_out_at_a_crash_held_while_the_platform_is_away_stays_uncertain(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After the restart the platform was away as the removal was to be checked: it waited,
    marked `queued`, and a second restart forgot it had gone out (neither checked nor
    counted): the member the bot had removed read as one who had left by herself."""
    async with Harness(_config(tmp_path, REMOVALS), tmp_path, groups={"g": "Recruitment"}) as h:
        await h.join("g", "m")

        async def timed_out(group: str, member: str, reason: str = "") -> None:
            raise Uncertain("timed out")

        async def away(group: str) -> list[Any]:
            raise Disconnected("the gateway is away")

        h.world.remove_member = timed_out  # type: ignore[method-assign]
        await _crash_before_its_try_counts(h, monkeypatch, Kick("g", "m", "spam"))
        await h.leave("g", "m")  # it was done: WeChat says she left
        members = h.world.members
        h.world.members = away  # type: ignore[method-assign]
        await h.advance("1s")  # the check finds the platform away: the removal waits
        h.world.members = members  # type: ignore[method-assign]
        await h.restart()
        await h.advance("1h")
        audit = [a for a, in await h.bot.store.all("SELECT action FROM audit ORDER BY id")]
        assert audit[-1] == "kick_verified", audit
        assert await _spent(h, "removals") == 1


async def test_a_send_that_keeps_failing_is_given_up_after_the_limit_across_restarts(
        tmp_path: Path) -> None:
    """Its failed tries were counted in memory only: after each restart it had MAX_ATTEMPTS
    tries again, and a bot restarted between two tries (a crash loop, an upgrade) never
    gave it up. Restarted after each try here: MAX_ATTEMPTS tries in all, then given up."""
    async with Harness(_no_budget(tmp_path), tmp_path) as h:
        tries = _failing_sends(h)
        await _put(h, Say("r1", "通知"))
        for done in range(1, MAX_ATTEMPTS + 2):
            # to its next try: a restart keeps when it is due (tests/test_delivery_retry_due.py)
            await h.bot.advance(h.bot.outbox.next_due() or h.clock.now())
            assert len(tries) == min(done, MAX_ATTEMPTS)
            await h.restart()
        audit = [a for a, in await h.bot.store.all("SELECT action FROM audit ORDER BY id")]
        assert audit == ["say_send_failed"]
        assert len(h.bot.outbox) == 0


async def test_a_removal_the_bot_dies_sending_each_time_is_given_up_after_the_limit(
        tmp_path: Path) -> None:
    """The process dies while the removal goes out, at every try: each restart found it not
    done and sent it again, counting no attempt, so the bot crashed on it for ever. The try
    cut off counts as a failed one: after MAX_ATTEMPTS it is given up, and the admins told."""
    async with Harness(_config(tmp_path, REMOVALS), tmp_path, groups={"g": "Recruitment"}) as h:
        await h.join("g", "m")
        tries: list[str] = []

        async def dies(group: str, member: str, reason: str = "") -> None:
            tries.append(member)
            raise Crash("killed")

        h.world.remove_member = dies  # type: ignore[method-assign]
        await _put(h, Kick("g", "m", "spam"))
        for _ in range(MAX_ATTEMPTS):
            with pytest.raises(Crash):
                await h.advance("10s")
            await h.restart()
        await h.advance("1h")
        assert tries == ["m"] * MAX_ATTEMPTS and "m" in h.world.group("g").members
        audit = [a for a, in await h.bot.store.all("SELECT action FROM audit ORDER BY id")]
        assert audit[-1] == "kick_send_failed", audit
        assert any("gave up trying to kick" in dm["text"] for dm in h.actions("dm"))
        assert await _spent(h, "removals") == MAX_ATTEMPTS


async def test_a_crash_as_a_send_is_given_up_leaves_one_give_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Giving a send up after MAX_ATTEMPTS records it and takes it off the outbox in one
    commit. They were two: a crash between them (the crash-loop test's kill -9 landed there
    now and then) left `say_send_failed` recorded and the send queued, and the restart tried
    it once more, past the limit, and recorded a second give-up. Now the crash takes both
    back, and the restart finds the last try failed, as the store knew it before the
    give-up's commit: it gives it up (not sent again), the one record of its end. (It found
    it `sending` and recorded a certainly failed message as uncertain, r33.)"""
    async with Harness(_no_budget(tmp_path), tmp_path) as h:
        tries = _failing_sends(h)
        done = Delivery._done

        async def crash(self: Delivery, item: Any, now: Any, outcome: str,
                        detail: str = "") -> None:
            if outcome != "send_failed":
                return await done(self, item, now, outcome, detail)
            monkeypatch.setattr(Delivery, "_done", done)  # (the restart gives it up)
            raise Crash("killed")

        monkeypatch.setattr(Delivery, "_done", crash)
        await _put(h, Say("r1", "通知"))
        with pytest.raises(Crash):
            for _ in range(MAX_ATTEMPTS):
                await h.bot.advance(h.bot.outbox.next_due() or h.clock.now())
        assert Delivery._done is done  # (the crash came)
        await h.restart()
        await h.bot.advance(h.bot.outbox.next_due() or h.clock.now())
        audit = [a for a, in await h.bot.store.all("SELECT action FROM audit ORDER BY id")]
        assert (audit, len(tries)) == (["say_send_failed"], MAX_ATTEMPTS)
        assert len(h.bot.outbox) == 0


def _no_budget(tmp_path: Path) -> Path:
    """A config without handlers or send budget: what goes out is what a test puts."""
    return write_config(tmp_path / "config", BOT_YAML + "governor: {enabled: false}\n",
                        {"recruitment": "handlers: []\n"})


def _failing_sends(h: Harness) -> list[str]:
    """Every group message fails (a plain failure: tried again); the texts tried."""
    tries: list[str] = []

    async def failing(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
        tries.append(text)
        raise GatewayError("the gateway answered 502")

    h.world.send_text = failing  # type: ignore[method-assign]
    return tries
