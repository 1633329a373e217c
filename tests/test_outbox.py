"""The outbox: priority classes, wait rules across lanes, pacing under a clock that goes
back, failures that hold nothing up, and at most once across a crash."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Hashable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, Harness, write_config

from bot import audit, outbox
from bot.actions import AcceptFriend, Action, Dm, Invite, Kick, Say
from bot.adapters.base import Disconnected, GatewayError, GroupInfo, RateLimited, Uncertain
from bot.events import Kind
from bot.outbox import Queued, WaitRule

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

CHECKIN_AND_ANTISPAM = "handlers:\n  - antispam: {warn_limit: 2}\n  - checkin: {}\n"
ECHO_FREE = "handlers: []\n"


def _times(h: Harness, **match: Any) -> list[datetime]:
    return [datetime.fromisoformat(r["t"]) for r in h.actions(**match)]


async def _put(h: Harness, *actions: Action, source: str = "") -> None:
    async with h.bot.store.transaction():
        for action in actions:
            await h.bot.outbox.put(action, source, h.deployment.settings.admins)


def fail_once(h: Harness, failure: GatewayError) -> None:
    """The next group message the platform is asked to send fails with `failure`."""
    send, pending = h.world.send_text, iter([failure])

    async def strict(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
        if exc := next(pending, None):
            raise exc
        await send(group, text, mentions)

    h.world.send_text = strict  # type: ignore[method-assign]


def _offline(h: Harness) -> list[bool]:
    """The platform away (every message Disconnected) while the flag returned is true."""
    send, away = h.world.send_text, [True]

    async def offline(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
        if away[0]:
            raise Disconnected("not logged in")
        await send(group, text, mentions)

    h.world.send_text = offline  # type: ignore[method-assign]
    return away


def _plain(tmp_path: Path, bot_yaml: str = BOT_YAML, **kw: Any) -> Harness:
    root = write_config(tmp_path / "config", bot_yaml, {"recruitment": ECHO_FREE})
    return Harness(root, tmp_path, **kw)


async def test_an_ads_warning_is_not_held_up_by_200_queued_check_in_replies(
        tmp_path: Path) -> None:
    # the outbox's order alone: with the send budget, most of 200 replies in a group would
    # wait and be dropped after an hour (test_governor)
    root = write_config(tmp_path / "config", BOT_YAML + "governor: {enabled: false}\n",
                        {"recruitment": CHECKIN_AND_ANTISPAM})
    async with Harness(root, tmp_path) as h:
        for i in range(200):
            await h.say("r1", f"member{i}", "签到")
        posted = h.clock.now()
        await h.say("r1", "eve", "便宜粉丝", kind=Kind.LINK, url="http://ads.example/x")
        await h.advance("15m")
        [warned] = _times(h, kind="say", mentions=["eve"])
        assert warned - posted <= timedelta(seconds=3)  # the next send after the one going
        replies = _times(h, kind="say", group="r1")
        assert len(replies) == 201  # every check-in still answered
        assert all(b - a >= timedelta(seconds=3) for a, b in itertools.pairwise(replies))


async def test_moderation_in_one_group_goes_before_a_broadcast_to_thirty(tmp_path: Path) -> None:
    groups = {f"g{i}": f"Recruitment {i}" for i in range(31)}
    async with _plain(tmp_path, groups=groups) as h:
        await _put(h, *(Say(f"g{i}", "本周活动") for i in range(1, 31)), source="push")
        await _put(h, Kick("g0", "bob", "ads"))
        await h.advance("10m")
        order = [r["action"] for r in h.sent]
        assert order[0] == "kick"
        assert len(order) == 31


async def test_a_removal_queued_after_answers_in_a_busy_group_goes_before_them(
        tmp_path: Path) -> None:
    # the group's lane has just sent: until its interval ends, the outbox offers only the
    # lane's first action by class and age (the outbox's order alone: no send budget)
    bot_yaml = BOT_YAML.replace("group_interval: 3s", "group_interval: 1m")
    async with _plain(tmp_path, bot_yaml + "governor: {enabled: false}\n") as h:
        await _put(h, Say("r1", "早"))
        await h.advance("1s")
        await _put(h, Say("r1", "答复一"))
        await _put(h, Say("r1", "答复二"))
        await _put(h, Kick("r1", "bob", "ads"))
        await h.advance("5m")
        assert [r["action"] for r in h.sent] == ["say", "kick", "say", "say"]
        assert h.texts("r1") == ["早", "答复一", "答复二"]


async def test_an_invitation_waits_for_the_friend_acceptance_in_another_lane(
        tmp_path: Path) -> None:
    bot_yaml = BOT_YAML.replace("group_interval: 3s", "group_interval: 1m")
    async with _plain(tmp_path, bot_yaml) as h:
        await _put(h, Dm("alice", "在的"))  # the private lane is busy for a minute now
        await h.advance("1s")
        await _put(h, AcceptFriend("frank", "fr1"), Invite("r1", "frank"))
        await h.advance("3m")
        assert [r["action"] for r in h.sent] == ["dm", "accept_friend", "invite"]


async def test_a_removal_waits_only_for_the_invitation_of_the_member_out_of_that_group(
        tmp_path: Path) -> None:
    """A member invited on from r1 (r1 full) is removed from r1 after the invitation went;
    an invitation of the same member into a group with no word of leaving (a private
    sign-up) holds up no removal of theirs elsewhere (an ad poster's, say)."""
    async with _plain(tmp_path, BOT_YAML + "governor: {enabled: false}\n",
                      groups={"r1": "Recruitment 01", "r2": "Recruitment 02"}) as h:
        async def stuck(group: str, member: str) -> None:
            raise GatewayError("the gateway answered 502")

        h.world.invite_member = stuck  # type: ignore[method-assign]
        await _put(h, Invite("r2", "bob"), Kick("r1", "bob", "ads"))
        await h.advance("10s")
        assert [r["action"] for r in h.sent] == ["kick"]  # the invitation still failing
        await _put(h, Invite("r2", "alice", leaving="r1"),
                   Kick("r1", "alice", "full", moved_to="r2"))
        await h.advance("10s")
        assert [r["member"] for r in h.sent if r["action"] == "kick"] == ["bob"]
        await _put(h, Kick("r1", "alice", "ads"))  # her removal for an ad does not wait
        await h.advance("10s")
        assert [(r["member"], r["reason"]) for r in h.sent if r["action"] == "kick"] == [
            ("bob", "ads"), ("alice", "ads")]


async def test_a_send_time_stored_in_the_future_does_not_mute_the_bot(tmp_path: Path) -> None:
    later = Harness.__init__.__kwdefaults__["start"] + timedelta(days=1)
    async with _plain(tmp_path, start=later) as h:  # the terminal's `/wait 1d`, then a stop
        await _put(h, Say("r1", "明天见"))
        await h.advance("10s")
    async with _plain(tmp_path) as h:  # the clock is back at today
        await _put(h, Say("r1", "今天"))
        await h.advance("10s")
        assert h.texts("r1") == ["今天"]


async def test_a_failing_action_waits_for_its_retry_without_holding_up_the_group(
        tmp_path: Path) -> None:
    # the outbox's pacing to the second: no send budget and no jitter
    async with _plain(tmp_path, BOT_YAML + "governor: {enabled: false}\n") as h:
        send = h.world.send_text
        failures = iter([GatewayError("risk control")])

        async def flaky(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
            if text == "欢迎" and (failure := next(failures, None)):
                raise failure
            await send(group, text, mentions)

        h.world.send_text = flaky  # type: ignore[method-assign]
        await _put(h, Say("r1", "欢迎"), Say("r1", "答复一"), Say("r1", "答复二"))
        start = h.clock.now()
        await h.advance("4s")
        assert h.texts("r1") == ["答复一"]  # the next send the pacing allows
        assert _times(h, kind="say")[0] - start == timedelta(seconds=3)
        await h.advance("1m")
        assert sorted(h.texts("r1")) == sorted(["答复一", "答复二", "欢迎"])  # again after 5 s


async def test_while_the_platform_is_away_nothing_is_given_up_and_it_goes_when_back(
        tmp_path: Path) -> None:
    async with _plain(tmp_path) as h:
        away = _offline(h)
        await _put(h, Say("r1", "一"), Say("r1", "二"))
        await h.advance("10m")  # far more tries than the retry limit
        assert h.texts() == []
        away[0] = False
        back = h.clock.now()
        await h.advance("30s")
        assert h.texts("r1") == ["一", "二"]
        assert _times(h, kind="say")[0] - back <= timedelta(seconds=1)


async def test_what_waited_for_the_platform_goes_as_soon_as_it_says_it_is_back(
        tmp_path: Path) -> None:
    async with _plain(tmp_path) as h:
        away = _offline(h)
        await _put(h, Say("r1", "一"))
        await h.advance("10s")
        away[0] = False
        h.bot.platform(True)  # the login: not the next try, up to a second later
        await h.advance("0s")
        assert h.texts("r1") == ["一"]


async def _logged_in_again(h: Harness, failed_looks: int = 0) -> list[str]:
    """A "一" queued while the platform was away; then the login. What happens, in order:
    the looks at the groups (the first `failed_looks` fail: rooms not loaded yet) and the
    sends."""
    away = _offline(h)
    await _put(h, Say("r1", "一"))
    await h.advance("10s")
    order: list[str] = []
    groups, send, failures = h.world.groups, h.world.send_text, iter(range(failed_looks))

    async def listed() -> list[GroupInfo]:
        if next(failures, None) is not None:
            order.append("not loaded yet")
            raise GatewayError("rooms not loaded yet")
        order.append("groups listed")
        return await groups()

    async def sent(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
        order.append(f"said {text}")
        await send(group, text, mentions)

    h.world.groups, h.world.send_text = listed, sent  # type: ignore[method-assign]
    away[0] = False
    h.bot.platform(True)
    return order


async def test_after_the_login_the_bot_looks_at_its_groups_before_anything_goes(
        tmp_path: Path) -> None:
    """A send must not go to a room the platform has not loaded yet: the bot lists its groups
    again first (an adapter only says the platform is back: Bot.platform)."""
    async with _plain(tmp_path) as h:
        order = await _logged_in_again(h)
        await h.advance("0s")
        assert order == ["groups listed", "said 一"]


async def test_a_failed_look_at_the_groups_after_the_login_holds_everything_and_is_retried(
        tmp_path: Path) -> None:
    """The platform has not loaded its rooms yet: nothing goes until a look succeeds (again
    5 s later, then 10 s...)."""
    async with _plain(tmp_path) as h:
        order = await _logged_in_again(h, failed_looks=2)
        back = h.clock.now()
        await h.advance("1m")
        assert order == ["not loaded yet", "not loaded yet", "groups listed", "said 一"]
        assert _times(h, kind="say")[0] - back >= timedelta(seconds=15)


async def test_rate_limited_goes_again_when_the_platform_says(tmp_path: Path) -> None:
    async with _plain(tmp_path) as h:
        fail_once(h, RateLimited("slow down", retry_after=120))
        start = h.clock.now()
        await _put(h, Say("r1", "稍后"))
        await h.advance("5m")
        assert _times(h, kind="say")[0] - start >= timedelta(seconds=120)


async def test_an_uncertain_message_is_not_sent_again_but_audited(tmp_path: Path) -> None:
    async with _plain(tmp_path) as h:
        async def lost_answer(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
            h.world.sent.append({"action": "say", "group": group, "text": text})
            raise Uncertain("the gateway did not answer")

        h.world.send_text = lost_answer  # type: ignore[method-assign]
        await _put(h, Say("r1", "一次"))
        await h.advance("10m")
        assert h.texts("r1") == ["一次"]
        [entry] = await audit.records(h.bot.store)
        assert entry.action == "say_uncertain"


async def test_an_uncertain_removal_is_checked_against_the_members_before_it_is_repeated(
        tmp_path: Path) -> None:
    async with _plain(tmp_path) as h:
        remove = h.world.remove_member

        async def lost_answer(group: str, member: str, reason: str = "") -> None:
            await remove(group, member, reason)
            raise Uncertain("the gateway did not answer")

        h.world.remove_member = lost_answer  # type: ignore[method-assign]
        await _put(h, Kick("r1", "bob", "ads"))
        await h.advance("10m")
        assert len(h.actions("kick")) == 1
        assert [e.action for e in await audit.records(h.bot.store)] == ["kick_verified"]



def _invitation(item: Queued) -> Iterable[Hashable]:
    action = item.action
    return [("invitation", action.member)] if isinstance(action, Invite) else []


def _note(item: Queued) -> Iterable[Hashable]:
    action = item.action
    return [("invitation", action.to)] if isinstance(action, Dm) else []


async def test_a_wait_rule_added_as_limits_md_shows_holds_across_lanes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = [*outbox.WAIT_RULES, WaitRule("invitation before the note", _invitation, _note)]
    monkeypatch.setattr(outbox, "WAIT_RULES", rules)
    bot_yaml = BOT_YAML.replace("group_interval: 3s", "group_interval: 1m")
    async with _plain(tmp_path, bot_yaml) as h:
        await _put(h, Say("r1", "早"))  # the group's lane is busy for a minute now
        await h.advance("1s")
        await _put(h, Invite("r1", "frank"), Dm("frank", "请接受群邀请"))
        await h.advance("3m")
        assert [r["action"] for r in h.sent] == ["say", "invite", "dm"]


async def test_nothing_is_kept_of_the_wait_keys_of_actions_sent(tmp_path: Path) -> None:
    """Each queued action counts the wait-rule keys it provides; the count of a key went down
    to zero but stayed, one entry for every action ever queued, for the process's life."""
    root = write_config(tmp_path / "config", BOT_YAML + "governor: {enabled: false}\n",
                        {"recruitment": "handlers:\n  - welcome: {template: \"欢迎 {members}\"}\n"
                                        "  - checkin: {}\n"})
    async with Harness(root, tmp_path) as h:
        for i in range(30):
            await h.join("r1", f"m{i}")
            await h.say("r1", f"m{i}", "签到")
            await h.advance("1m")
        await h.advance("1h")
        assert len(h.actions("say", group="r1")) >= 30 and len(h.bot.outbox) == 0
        assert dict(h.bot.outbox._provided) == {}


def _every_action() -> list[Action]:
    """One action of each kind with every field given (a name, a list of one, a group)."""
    made = []
    for kind in Action.__subclasses__():
        values = {f.name: ("m",) if "tuple" in str(f.type) else "x"
                  for f in dataclasses.fields(kind)}
        made.append(kind(**values))
    return made


@pytest.mark.no_store
@pytest.mark.parametrize("rule", [r for r in outbox.WAIT_RULES if r.kinds is not None],
                         ids=lambda rule: rule.name)
def test_a_wait_rule_gives_keys_only_to_the_kinds_it_names(rule: WaitRule) -> None:
    """The outbox asks a rule only about the kinds of action it names (`WaitRule.kinds`):
    every other kind, with any priority, gets no key from it."""
    actions = _every_action()
    assert {type(a) for a in actions} >= {Say, Dm, Kick, Invite, AcceptFriend}
    for action in actions:
        if isinstance(action, rule.kinds):
            continue
        for priority in outbox.Priority:
            item = Queued(1, action, priority, after=0)
            assert not [*rule.provides(item), *rule.needs(item)], (rule.name, action, priority)
