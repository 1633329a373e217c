"""A send-budget backlog over many groups: what the outbox sends, holds back and drops is the
same whether it works out only what a change touched (as it does) or every group's queue
again at every change of the send governor's state (as it did: correct, and slow).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config
from test_outbox import _put, _times

from bot import audit, bench, config, outbox
from bot.actions import Kick, Say
from bot.app import Bot
from bot.clock import VirtualClock
from bot.config import Budget
from bot.events import MemberJoined
from bot.outbox import Outbox
from handlers import REGISTRY

GROUPS, EVENTS = 20, 1000


def _every_lane_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on the outbox works out every lane again whenever the governor's state
    changed or its budgets grew (the warm-up), as it did before it applied the governor's
    bounds to the offers as they are."""
    seen: dict[int, tuple[object, datetime]] = {}
    work_out = Outbox._work_out

    def every_lane(self: Outbox, now: datetime) -> None:
        gate = self.gate
        assert gate is not None
        state, last = gate.state(), seen.get(id(self))
        if last is not None and (last[0] != state or (
                (steady := gate.steady_until(last[1])) is not None and now >= steady)):
            self.changed()
        seen[id(self)] = (state, now)
        work_out(self, now)

    monkeypatch.setattr(Outbox, "_work_out", every_lane)


async def _burst(db: Path) -> tuple[list[str], list[str], list[str]]:
    """A small `groupbot bench --burst`: what was sent, when; what was audited; and what
    is left queued, held back since when."""
    deployment = config.load(SHIPPED, REGISTRY)
    settings = deployment.settings
    budgets = settings.governor.budgets.model_copy(update={  # a tenth of the defaults
        "removals": Budget(per_minute=5, per_hour=5, per_day=20),
        "group_messages": Budget(per_minute=20, per_hour=30, per_day=200)})
    governor = settings.governor.model_copy(update={"budgets": budgets})
    deployment = dataclasses.replace(
        deployment, settings=settings.model_copy(update={"governor": governor}))
    gtype = deployment.types["recruitment"]
    world = bench.world_for(gtype, deployment.settings.admins, GROUPS, 10, 0, 0)
    tz = deployment.settings.timezone
    clock = VirtualClock(tz, bench.START.replace(tzinfo=tz))
    sim = bench._simulator(deployment, clock, world)
    bot = Bot(bench.bound(deployment, gtype), sim, clock, REGISTRY, db, seed=0)
    bot.set_contact_names(sim.name_of)
    bot.followups = sim.take_inbox
    async with bot:
        for event in bench.traffic(world, EVENTS, clock, timedelta(seconds=1)):
            await bot.advance(event.at)
            if isinstance(event, MemberJoined) and event.group is not None:
                sim.join(event.group, [m.id for m in event.members])
            await bot.feed(event)
        await bot.drain()
        sent = [str(record) for record in sim.sent]
        audited = [f"{r.at} {r.group} {r.member} {r.action} {r.detail}"
                   for r in await audit.records(bot.store)]
        left = [str(row) for row in await bot.store.all(
            "SELECT id, action, deferred_since FROM outbox ORDER BY id")]
    return sent, audited, left


async def test_a_backlog_goes_as_if_every_lane_were_looked_at_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sent, audited, left = await _burst(tmp_path / "incremental.db")
    # the traffic asks for more than the budgets give: held back, dropped, still waiting
    assert any(" kick_dropped " in line for line in audited)
    assert any(" say_dropped " in line for line in audited)
    assert left and all(not line.endswith("None)") for line in left)
    _every_lane_again(monkeypatch)
    assert await _burst(tmp_path / "afresh.db") == (sent, audited, left)


async def test_a_removal_held_by_its_budget_lets_a_reply_in_its_group_go_first(
        tmp_path: Path) -> None:
    """The group just had a message, so its next one waits for the group's gap; a removal,
    first in the group's order, is then held back longer by the removals' own gap (another
    group's removal spent it meanwhile): the reply behind it goes when the group's gap ends,
    not after the removal."""
    bot_yaml = BOT_YAML.replace("global_per_minute: 40", "global_per_minute: 60") + """
governor:
  jitter: 0
  warmup: {days: 0}
  shares: {}
  keep: {}
  budgets:
    removals: {per_minute: 2, per_hour: 100, per_day: 1000}
    group_messages: {per_minute: 60, per_hour: 1000, per_day: 10000}
"""
    root = write_config(tmp_path / "config", bot_yaml, {"recruitment": "handlers: []\n"})
    async with Harness(root, tmp_path, groups={"g0": "Recruitment 0",
                                                "g1": "Recruitment 1"}) as h:
        start = h.clock.now()
        await _put(h, Say("g0", "hello"))
        await h.advance(timedelta(milliseconds=500))  # it went: g0's next in 3 s, anything's in 1 s
        await _put(h, Kick("g0", "alice", "ad"), Say("g0", "answer"), Kick("g1", "bob", "ad"))
        await h.advance("1m")
        assert [(r["action"], r["group"]) for r in h.sent] == [
            ("say", "g0"), ("kick", "g1"), ("say", "g0"), ("kick", "g0")]
        said, kicked = _times(h, kind="say"), _times(h, kind="kick")
    assert said[1] == start + timedelta(seconds=3)  # when g0's gap ended
    assert kicked == [start + timedelta(seconds=1), start + timedelta(seconds=31)]


async def test_what_waits_in_a_group_behind_an_action_held_back_is_counted_with_it(
        tmp_path: Path) -> None:
    """`bench --burst` said NO to "nothing left queued but what the send budget holds back"
    for the customer type on the start tree too: what it left were replies queued behind one
    the budget held back in the same group, not held back themselves (s39)."""
    async with Harness(SHIPPED, tmp_path) as h:
        await _put(h, Say("r1", "a"), Say("r1", "b"), Say("i1", "c"))
        await h.bot.store.execute("UPDATE outbox SET deferred_since = ? WHERE id ="
                                  " (SELECT min(id) FROM outbox)", ("2026-11-23T01:00:00",))
        assert len(await outbox.held_back(h.bot.store, h.clock.now())) == 1
        assert await outbox.behind_held(h.bot.store) == 1  # "b"; not "c", in another group
