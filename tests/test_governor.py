"""The send governor (bot/governor.py): budgets per kind and day, warm-up that survives a
re-login, priority when the budget is short, jitter that never goes under the least gap,
and what waits too long dropped with an audit row. Over real gRPC: tests/wechaty."""

from __future__ import annotations

import itertools
import statistics
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, Harness, groupbot, shipped_config, write_config
from test_outbox import _put, _times, fail_once

from bot import audit
from bot.actions import AcceptFriend, Dm, Invite, Kick, Say
from bot.adapters.base import RateLimited, Uncertain
from bot.adapters.simulator import Record
from bot.governor import Governor
from bot.outbox import Queued
from bot.replay import replay
from handlers import REGISTRY

ECHO_FREE = "handlers: []\n"


def _config(tmp_path: Path, governor: str) -> Path:
    bot_yaml = BOT_YAML + governor
    return write_config(tmp_path / "config", bot_yaml, {"recruitment": ECHO_FREE})


# one group message a day: a second one waits, and past its hour (an answer's) is dropped
ONE_A_DAY = """governor:
  jitter: 0
  warmup: {days: 0}
  shares: {}
  budgets:
    group_messages: {per_minute: 60, per_hour: 1000, per_day: 1}
"""


def _groups(n: int) -> dict[str, str]:
    return {f"g{i}": f"Recruitment {i}" for i in range(n)}


@pytest.mark.usefixtures("backend")
async def test_each_kind_has_its_own_daily_budget(tmp_path: Path) -> None:
    governor = """governor:
  jitter: 0
  warmup: {days: 0}
  shares: {}  # every class may use the whole budget
  keep: {}  # and nothing is dropped
  budgets:
    private_messages: {per_minute: 10, per_hour: 100, per_day: 5}
    invitations: {per_minute: 10, per_hour: 100, per_day: 3}
"""
    async with Harness(_config(tmp_path, governor), tmp_path, groups=_groups(8)) as h:
        start = h.clock.now()
        await _put(h, *(Dm(f"c{i}", "hello") for i in range(8)))
        await _put(h, *(Invite(f"g{i}", f"c{i}") for i in range(8)))
        await _put(h, *(Say(f"g{i}", "news") for i in range(8)))
        await h.advance("12h")
        assert len(h.actions("dm")) == 5
        assert len(h.actions("invite")) == 3
        assert len(h.actions("say")) == 8  # group messages spend a budget of their own
        metrics = h.bot.metrics.text().decode()
        await h.advance("2d")
        dms, invites = _times(h, kind="dm"), _times(h, kind="invite")
    # /metrics: the day's use against the budget, and what was held back
    assert 'groupbot_budget_used{budget="invitations",window="day"} 3.0' in metrics
    assert 'groupbot_budget_limit{budget="invitations",window="day"} 3.0' in metrics
    assert 'groupbot_governor_deferred_total{kind="invite"} 5.0' in metrics
    assert len(dms) == 8 and len(invites) == 8
    # the rest went once the first ones were a day old, no earlier
    assert dms[5] >= dms[0] + timedelta(days=1) and max(dms) < start + timedelta(days=1, hours=1)
    assert invites[3] >= invites[0] + timedelta(days=1)
    assert invites[6] >= invites[3] + timedelta(days=1)  # three a day


@pytest.mark.usefixtures("backend")
async def test_warm_up_grows_the_budget_and_a_re_login_does_not_start_it_again(
        tmp_path: Path) -> None:
    governor = """governor:
  jitter: 0
  warmup: {days: 4, start: 0.25}
  shares: {}
  budgets:
    private_messages: {per_minute: 60, per_hour: 8, per_day: 1000}
"""
    async with Harness(_config(tmp_path, governor), tmp_path) as h:
        await _put(h, *(Dm(f"c{i}", "hello") for i in range(20)))
        await h.advance("59m")
        assert len(h.actions("dm")) == 2  # a quarter of 8 on the first day
        async with h.bot.store.transaction():
            await h.bot.outbox.load()  # nothing: what was queued stays queued
        await h.advance("2d")
        await h.restart()  # a re-login two days on: the account is not new again
        before = len(h.actions("dm"))
        await _put(h, *(Dm(f"d{i}", "hello") for i in range(20)))
        await h.advance("59m")
        in_an_hour = len(h.actions("dm")) - before
    assert in_an_hour == 5  # 8 x (0.25 + 0.75 x 2/4)


@pytest.mark.usefixtures("backend")
async def test_a_short_budget_goes_to_moderation_first_and_keeps_pushes_to_their_share(
        tmp_path: Path) -> None:
    governor = """governor:
  jitter: 0
  warmup: {days: 0}
  budgets:
    group_messages: {per_minute: 60, per_hour: 10, per_day: 1000}
"""
    async with Harness(_config(tmp_path, governor), tmp_path, groups=_groups(14)) as h:
        await _put(h, *(Say(f"g{i}", "本周活动") for i in range(12)), source="push")
        await _put(h, Say("g12", "请勿发广告", ("eve",)), Say("g13", "请勿发广告", ("dan",)),
                   source="antispam")
        await h.advance("50m")
        said = h.actions("say")
    warnings = [r for r in said if r["text"] == "请勿发广告"]
    pushes = [r for r in said if r["text"] == "本周活动"]
    assert said[:2] == warnings  # queued last, sent first
    assert len(pushes) == 5  # pushes stop at 70% of the hour's 10: 3 are kept for the others


async def test_jitter_keeps_every_gap_at_the_least_and_spreads_them(tmp_path: Path) -> None:
    governor = """governor:
  jitter: 0.5
  warmup: {days: 0}
  budgets:
    group_messages: {per_minute: 20, per_hour: 1000, per_day: 5000}
"""
    async with Harness(_config(tmp_path, governor), tmp_path, groups=_groups(60)) as h:
        await _put(h, *(Say(f"g{i}", "本周活动") for i in range(60)), source="push")
        await h.advance("1h")
        sent = _times(h, kind="say")
    assert len(sent) == 60
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 3.0  # 60 s / 20 a minute, never less
    assert max(gaps) <= 4.5 + 1e-6  # at most half again
    assert max(gaps) - min(gaps) > 1.0 and statistics.pstdev(gaps) > 0.25  # spread out
    assert len(set(gaps)) > 50  # no fixed period


async def test_jitter_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    runs = []
    for run in range(2):
        async with Harness(_config(tmp_path / str(run), "governor:\n  warmup: {days: 0}\n"),
                           tmp_path / str(run), groups=_groups(10)) as h:
            await _put(h, *(Say(f"g{i}", "本周活动") for i in range(10)), source="push")
            await h.advance("1h")
            runs.append([t - h.clock.now() for t in _times(h, kind="say")])
    assert runs[0] == runs[1]


@pytest.mark.usefixtures("backend")
async def test_what_waits_too_long_is_dropped_with_an_audit_row(tmp_path: Path) -> None:
    governor = """governor:
  jitter: 0
  warmup: {days: 0}
  budgets:
    group_messages: {per_minute: 60, per_hour: 100, per_day: 4}
    invitations: {per_minute: 60, per_hour: 100, per_day: 1}
"""
    async with Harness(_config(tmp_path, governor), tmp_path, groups=_groups(3)) as h:
        start = h.clock.now()
        await _put(h, *(Say("g0", f"answer {i}") for i in range(6)))  # answers: kept 1h
        await _put(h, *(Invite("g1", f"c{i}") for i in range(3)))  # invitations: kept 3 days
        await h.advance("3d")
        rows = await audit.records(h.bot.store, since=start)
    said = h.actions("say")
    assert [r["text"] for r in said] == [f"answer {i}" for i in range(3)]  # 90% of 4
    dropped = [r for r in rows if r.action == "say_dropped"]
    assert sorted(r.detail for r in dropped) == [
        f"held back by the send budget longer than 1:00:00 (group=g0 text=answer {i} "
        "mentions=())" for i in (3, 4, 5)]
    assert len(h.actions("invite")) == 3  # kept, and sent a day apart
    assert not [r for r in rows if r.action == "invite_dropped"]


@pytest.mark.usefixtures("backend")
async def test_a_drop_cut_short_is_audited_once(tmp_path: Path) -> None:
    """Dropping an action that waited too long writes its audit row and takes it off the
    outbox together: a bot that fails between the two (here: taking it off fails) drops it
    again at the restart, and the audit says `say_dropped` once, not twice."""
    async with Harness(_config(tmp_path, ONE_A_DAY), tmp_path) as h:
        start = h.clock.now()
        await _put(h, Say("r1", "一"), Say("r1", "二"))  # 二 waits past its hour
        outbox = h.bot.outbox
        done = outbox.done

        async def fails(item: Queued, outcome: str, now: datetime) -> None:
            if outcome == "dropped":
                raise RuntimeError("the disk went away")
            await done(item, outcome, now)

        outbox.done = fails  # type: ignore[method-assign]
        with pytest.raises(RuntimeError):
            await h.advance("61m")
        outbox.done = done  # type: ignore[method-assign]
        await h.restart()
        await h.advance("1m")
        rows = await audit.records(h.bot.store, since=start)
        queued = len(h.bot.outbox)
    assert h.texts() == ["一"]
    assert [r.action for r in rows] == ["say_dropped"] and queued == 0


def _wave(tmp_path: Path, people: int) -> Path:
    """A sign-up wave: `people` friend requests with the sign-up keyword, each followed by
    报名 in the private chat (accept, greet, invite, confirm), on the shipped config."""
    groups = "\n".join(f"  - {{id: r{i}, topic: \"Listener Recruitment 0{i}\"}}"
                       for i in range(1, 5))
    steps = "\n".join(f"  - friend_request: {{from: u{i:03}, hello: \"我想做倾听者\"}}\n"
                      f"  - dm: {{from: u{i:03}, text: \"报名\"}}" for i in range(people))
    path = tmp_path / "wave.yaml"
    path.write_text(f"start: \"2026-11-23 09:00\"\nseed: 3\ndrain: 3d\ngroups:\n{groups}\n"
                    f"steps:\n{steps}\n", encoding="utf-8")
    return path


def _push(tmp_path: Path, groups: int) -> Path:
    listed = "\n".join(f"  - {{id: r{i:03}, topic: \"Listener Recruitment {i:03}\"}}"
                       for i in range(groups))
    path = tmp_path / "push.yaml"
    path.write_text(f"start: \"2026-11-23 12:29\"\ngroups:\n{listed}\nsteps:\n  - wait: 2m\n",
                    encoding="utf-8")
    return path


async def test_a_sign_up_wave_of_200_stays_in_the_days_budget_and_ends_the_next_day(
        tmp_path: Path) -> None:
    root = shipped_config(tmp_path, "governor: {warmup: {days: 0}}\n")
    sent: list[Record] = []
    await replay(_wave(tmp_path, 200), REGISTRY, root, emit=sent.append)
    start = datetime.fromisoformat("2026-11-23T09:00:00+08:00")
    for kind in ("accept_friend", "invite"):
        times = [datetime.fromisoformat(r["t"]) for r in sent if r["action"] == kind]
        assert len(times) == 200, kind
        first_day = [t for t in times if t < times[0] + timedelta(days=1)]
        assert len(first_day) == 108, kind  # 90 % of 120 a day: the rest waits for tomorrow
        for i, t in enumerate(times):  # no 24 hours anywhere hold more than the budget
            assert sum(1 for u in times[i:] if u < t + timedelta(days=1)) <= 120
        assert start + timedelta(days=1) <= times[-1] < start + timedelta(days=2), kind
    # every greeting and confirmation went too, each after its acceptance
    assert len([r for r in sent if r["action"] == "dm"]) == 400


async def test_a_replay_drains_for_as_long_as_its_drain_key_says(tmp_path: Path) -> None:
    root = shipped_config(tmp_path, "governor: {warmup: {days: 0}}\n")
    path = _wave(tmp_path, 120)
    path.write_text(path.read_text(encoding="utf-8").replace("drain: 3d", "drain: 12h"),
                    encoding="utf-8")
    sent: list[Record] = []
    await replay(path, REGISTRY, root, tmp_path / "wave.db", emit=sent.append)
    assert len([r for r in sent if r["action"] == "accept_friend"]) == 108  # the rest: tomorrow
    report = groupbot("report", "--config", str(root), "--db", str(tmp_path / "wave.db"),
                      "--since", "2026-11-23", "--until", "2026-11-24")
    assert report.returncode == 0, report.stderr
    budget = report.stdout.split("Send budget: the governor is on\n")[1].splitlines()
    assert budget[0].split() == ["budget", "sent", "held", "back", "longest", "wait",
                                 "dropped", "paused", "per", "day"]
    row = {line.split()[0]: line.split()[1:] for line in budget[1:]}
    sent_, held, longest = row["friend_accepts"][:3]
    assert (sent_, row["friend_accepts"][-1]) == ("108", "120")
    assert held == "81"  # 90 % of 30 an hour: the first 27 went at once, the rest waited
    assert longest.startswith("3:00:")  # the last: three hours, 27 an hour


async def test_a_push_to_200_groups_is_jittered_and_the_seed_replays_it(tmp_path: Path) -> None:
    root = shipped_config(tmp_path, "governor: {warmup: {days: 0}}\n")
    runs: list[list[Record]] = []
    for seed in (0, 0, 1):
        path = _push(tmp_path, 200)
        path.write_text(path.read_text(encoding="utf-8") + f"seed: {seed}\n", encoding="utf-8")
        runs.append([])
        await replay(path, REGISTRY, root, emit=runs[-1].append)
    times = [datetime.fromisoformat(r["t"]) for r in runs[0]]
    assert len(times) == 200
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 3.0 and len(set(gaps)) > 150  # 20 a minute at least apart, no period
    assert runs[0] == runs[1] and runs[0] != runs[2]  # the seed decides the draw


@pytest.mark.usefixtures("backend")
async def test_a_pause_in_force_survives_a_restart(tmp_path: Path) -> None:
    """WeChat pushed back: the pause (5 minutes) is kept in the store, so a restart a minute
    later does not retry into it; the action goes when it ends."""
    governor = "governor:\n  jitter: 0\n  warmup: {days: 0}\n"
    async with Harness(_config(tmp_path, governor), tmp_path) as h:
        fail_once(h, RateLimited("发送消息过于频繁"))
        start = h.clock.now()
        await _put(h, Say("r1", "稍后"))
        await h.advance("1m")
        await h.restart()
        await h.advance("3m")
        assert h.texts() == []  # 4 minutes on: still paused
        await h.advance("2m")
        [went] = _times(h, kind="say")
        rows = await audit.records(h.bot.store, since=start)
    assert went - start == timedelta(minutes=5)
    assert [r.action for r in rows] == ["say_paused"]


class Crash(Exception):
    """The process dies here (a kill -9): nothing after it is written."""


@pytest.mark.usefixtures("backend")
async def test_a_crash_right_after_a_send_still_spends_its_budget(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot died after a message had gone and before its budget was written: after the
    restart the message is not sent again (it may have gone) and it counts against the day's
    budget, so the budget is not exceeded. (Its pacing was one commit and its budget
    another: a crash between them left it spent for pacing only, and a fourth message of a
    budget of three went.)"""
    governor = """governor:
  jitter: 0
  warmup: {days: 0}
  shares: {}
  keep: {}
  budgets:
    private_messages: {per_minute: 10, per_hour: 100, per_day: 3}
"""
    async with Harness(_config(tmp_path, governor), tmp_path) as h:
        spend = Governor.sent

        async def crash(self: Governor, item: Queued, now: datetime) -> None:
            monkeypatch.setattr(Governor, "sent", spend)  # (the restart spends it)
            raise Crash(item.action)

        monkeypatch.setattr(Governor, "sent", crash)
        await _put(h, *(Dm(f"c{i}", "hello") for i in range(5)))
        with pytest.raises(Crash):
            await h.advance("10s")
        await h.restart()
        await h.advance("12h")
        rows = await audit.records(h.bot.store)
    assert len(h.actions("dm")) == 3  # the one that went before the crash, and two more
    assert [r.action for r in rows].count("dm_uncertain") == 1


@pytest.mark.usefixtures("backend")
async def test_no_transaction_waits_on_the_gateway_after_a_failed_send(tmp_path: Path) -> None:
    """Review s36 r16 R16-4: a removal given up after uncertain tries reads the member list
    to decide its announcement; that read ran inside the send's transaction (SQLite's write
    lock held across a network round trip). The spend is its own commit now."""
    async with Harness(_config(tmp_path, "governor: {jitter: 0}\n"), tmp_path,
                       groups={"g": "Recruitment"}) as h:
        h.world.join("g", ["m"])
        depths: list[int] = []
        listed = h.world.members

        async def members(group: str) -> Any:
            depths.append(h.bot.store._depth)  # type: ignore[attr-defined]
            return await listed(group)

        async def never(group: str, member: str, reason: str = "") -> None:
            raise Uncertain("timed out")

        h.world.members = members  # type: ignore[method-assign]
        h.world.remove_member = never  # type: ignore[method-assign]
        await _put(h, Kick("g", "m", "spam"))
        await h.advance("1h")
    assert depths and not any(depths)


@pytest.mark.usefixtures("backend")
async def test_a_restart_does_not_start_a_deferrals_keep_time_again(tmp_path: Path) -> None:
    """Answers are kept an hour: one held back 40 minutes, then a restart, is dropped 20
    minutes later, not an hour later."""
    async with Harness(_config(tmp_path, ONE_A_DAY), tmp_path) as h:
        start = h.clock.now()
        await _put(h, Say("r1", "一"), Say("r1", "二"))
        await h.advance("40m")
        await h.restart()
        await h.advance("21m")
        rows = await audit.records(h.bot.store, since=start)
        queued = len(h.bot.outbox)
    assert h.texts() == ["一"]
    assert [r.action for r in rows] == ["say_dropped"] and queued == 0
    assert rows[0].at - start < timedelta(minutes=62)


@pytest.mark.usefixtures("backend")
async def test_what_depends_on_a_dropped_action_is_dropped_with_it(tmp_path: Path) -> None:
    """A friend acceptance dropped by its keep rule takes the invitation and the private
    message that waited for it along (each audited); a removal dropped takes its
    announcement. Nothing is left waiting for them."""
    governor = """governor:
  jitter: 0
  warmup: {days: 0}
  shares: {}
  keep: {accept_friend: 1h, kick: 2h}
  budgets:
    friend_accepts: {per_minute: 60, per_hour: 100, per_day: 1}
    removals: {per_minute: 60, per_hour: 100, per_day: 1}
"""
    async with Harness(_config(tmp_path, governor), tmp_path, groups=_groups(2)) as h:
        start = h.clock.now()
        await _put(h, AcceptFriend("dave", "fr1"), AcceptFriend("erin", "fr2"),
                   Invite("g0", "erin"), Dm("erin", "欢迎"))
        async with h.bot.store.transaction():
            for member in ("eve", "mallory"):
                await h.bot.outbox.put_all([Kick("g1", member, "广告"),
                                            Say("g1", f"{member} 已被移出群聊")], "antispam")
        await h.advance("3h")
        rows = await audit.records(h.bot.store, since=start)
        queued = len(h.bot.outbox)
    assert [r["action"] for r in h.sent] == ["kick", "accept_friend", "say"]
    assert h.texts("g1") == ["eve 已被移出群聊"]
    dropped = sorted((r.action, r.detail.split(" (")[0]) for r in rows)
    assert dropped == [
        ("accept_friend_dropped", "held back by the send budget longer than 1:00:00"),
        ("dm_dropped", "it depended on accept_friend contact=erin request=fr2, dropped"),
        ("invite_dropped", "it depended on accept_friend contact=erin request=fr2, dropped"),
        ("kick_dropped", "held back by the send budget longer than 2:00:00"),
        ("say_dropped", "it depended on kick group=g1 member=mallory reason=广告, dropped")]
    assert queued == 0


@pytest.mark.usefixtures("backend")
async def test_a_removal_announcement_never_goes_before_the_removal(tmp_path: Path) -> None:
    """Removals a minute apart (the budget): the second announcement waits for its removal
    though the group's lane is free."""
    governor = """governor:
  jitter: 0
  warmup: {days: 0}
  budgets:
    removals: {per_minute: 1, per_hour: 100, per_day: 100}
"""
    async with Harness(_config(tmp_path, governor), tmp_path) as h:
        async with h.bot.store.transaction():
            for member in ("eve", "mallory"):
                await h.bot.outbox.put_all([Kick("r1", member, "广告"),
                                            Say("r1", f"{member} 已被移出群聊")], "antispam")
        await h.advance("5m")
    assert [(r["action"], r.get("member") or r["text"]) for r in h.sent] == [
        ("kick", "eve"), ("say", "eve 已被移出群聊"),
        ("kick", "mallory"), ("say", "mallory 已被移出群聊")]
