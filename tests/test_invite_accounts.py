"""Across accounts: what belongs to the member (block list, warnings, check-in points, funnel
stage) whichever account sees them, and a funnel step into a group another account serves:
that account invites its friends; anyone else gets the group's QR code (which that account
obtains) or its contact card from the account that saw the step, and the stage waits for the
join. Accounts a and b, one database (SQLite, then PostgreSQL), one virtual clock.
The adapter's side of it over real gRPC: tests/wechaty/test_wechaty_invitations.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot import config, invitations
from bot.adapters.simulator import Simulator
from bot.app import Bot
from bot.clock import VirtualClock
from bot.events import FriendRequest, Member, MemberJoined, Message
from handlers import REGISTRY
from handlers.funnel import journeys

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 23, 9, 0, 30, tzinfo=TZ)
INVITED = "已邀请你加入「{group}」"
FUNNEL = {"funnel": {"stages": ["recruitment", "internship"]}}  # the types there are


def write_config(root: Path, storage: Path | str, **extra: Any) -> Path:
    (root / "types").mkdir(parents=True)
    (root / "content").mkdir()
    settings: dict[str, Any] = {
        "bot": {"id": "wxid_a", "name": "Helper"}, "timezone": "Asia/Shanghai",
        "storage": str(storage), "content": "content", "direct": "private", "admins": ["op"],
        "outbox": {"group_interval": "1s", "global_per_minute": 6000},
        "groups": [{"match": {"topic": "Recruitment"}, "type": "recruitment"},
                   {"match": {"topic": "Internship"}, "type": "internship"}],
        "accounts": [{"name": n, "token_env": f"TOKEN_{n.upper()}"} for n in "ab"],
        "leases": {"takeover": "30s"}, "backstop": {"every": None},
        "governor": {"enabled": False}, **extra}
    sign_up = {"invite": {"words": ["报名"], "to": "internship", "cooldown": "0s",
                          "invited": INVITED}}
    types = {
        "recruitment": [{"antispam": {"warn_limit": 2, "contacts": {"action": "warn"},
                                      "on_rejoin": "kick"}},
                        {"checkin": {"triggers": ["签到"], "scope": "type", "points": 10}},
                        {"fission": {"min_stay": "1m", "rewards": [
                            {"invitations": 2, "text": "🎉 {member} 邀请了 {count} 位新朋友"}]}},
                        FUNNEL, {"quiz": {"file": "quiz.yaml", "promote_to": "internship"}},
                        sign_up],
        "internship": [{"antispam": {"warn_limit": 2, "contacts": {"action": "warn"},
                                     "on_rejoin": "kick"}}, FUNNEL],
        "private": [{"admin": {}}, {"friends": {"accept": "keywords", "keywords": ["倾听者"],
                                 "greeting": None, "invited": None}}, sign_up],
    }
    (root / "content" / "quiz.yaml").write_text(
        "title: t\nquestions:\n  - {kind: single, text: '?', options: [x, y], answer: A}\n")
    (root / "bot.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True))
    for name, handlers in types.items():
        (root / "types" / f"{name}.yaml").write_text(
            yaml.safe_dump({"handlers": handlers}, allow_unicode=True))
    return root


class Accounts:
    """Bots of accounts a and b on one database: a is in the recruitment groups r1 and r2,
    b in r2 and the internship group i1 (nobody else is in i1)."""

    def __init__(self, root: Path) -> None:
        self.deployment = config.load(root, REGISTRY)
        self.clock = VirtualClock(TZ, START)
        self.worlds = {name: Simulator(self.clock, Member(f"wxid_{name}", f"Helper {name}"))
                       for name in "ab"}
        self.worlds["a"].add_group("r1", "Recruitment 01", ["alice", "bob"])
        self.worlds["a"].add_group("r2", "Recruitment 02", ["alice", "bob"])
        self.worlds["b"].add_group("r2", "Recruitment 02", ["alice", "bob"])
        self.worlds["b"].add_group("i1", "Internship 01", ["carol"])
        self.bots: dict[str, Bot] = {}
        self.ids = iter(range(1, 10_000))

    async def start(self) -> None:
        for name, world in self.worlds.items():
            bot = Bot(self.deployment, world, self.clock, REGISTRY, seed=0, account=name)
            bot.set_contact_names(world.name_of)
            bot.followups = world.take_inbox
            await bot.start()
            self.bots[name] = bot
        await self.advance(timedelta(seconds=1))

    async def feed(self, name: str, event: Any) -> None:
        await self.bots[name].feed(event)
        await self.bots[name].store.flush()

    async def say(self, name: str, group: str | None, text: str, sender: str = "alice") -> None:
        await self.feed(name, Message(self.clock.now(), group, Member(sender, sender), text,
                                      id=f"{name}-m{next(self.ids)}"))

    async def join(self, name: str, group: str, member: str, inviter: str | None = None) -> None:
        self.worlds[name].join(group, [member])
        await self.feed(name, MemberJoined(self.clock.now(), group, (Member(member, member),),
                                           inviter))

    async def advance(self, delta: timedelta, by: timedelta = timedelta(seconds=1)) -> None:
        """Time passes, `by` at a time for each bot in turn."""
        end = self.clock.now() + delta
        while self.clock.now() < end:
            step = min(end, self.clock.now() + by)
            for bot in self.bots.values():
                await bot.advance(step)
                await bot.store.flush()
            self.clock.set(step)

    def sent(self, name: str, action: str, **where: str) -> list[dict[str, Any]]:
        return [r for r in self.worlds[name].sent if r["action"] == action
                and all(r.get(k) == v for k, v in where.items())]

    async def stop(self) -> None:
        while self.bots:
            await self.bots.popitem()[1].stop()


@pytest.fixture
async def accounts(tmp_path: Path, storage: Path | str) -> AsyncIterator[Accounts]:
    made = Accounts(write_config(tmp_path / "config", storage))
    try:
        await made.start()
        yield made
    finally:
        await made.stop()


@pytest.fixture
async def by_card(tmp_path: Path, storage: Path | str) -> AsyncIterator[Accounts]:
    made = Accounts(write_config(tmp_path / "config", storage,
                                 invitations={"not_friend": "card"}))
    try:
        await made.start()
        yield made
    finally:
        await made.stop()


@pytest.fixture
async def long_leases(tmp_path: Path, storage: Path | str) -> AsyncIterator[Accounts]:
    """Leases renewed every 10 minutes, not every 10 seconds: for a day of virtual time
    (8,640 renewals, each a transaction, would be most of the test's time on PostgreSQL)."""
    made = Accounts(write_config(tmp_path / "config", storage, leases={"takeover": "30m"}))
    try:
        await made.start()
        yield made
    finally:
        await made.stop()


def _used(a: Accounts, name: str) -> dict[str, int]:
    """The send budgets account `name` spent today."""
    return {row.budget: row.day for row in a.bots[name].governor.usage(a.clock.now())
            if row.day}


async def _stage(a: Accounts, member: str) -> dict[str, str]:
    found = await journeys(next(iter(a.bots.values())).store)
    return {stage: group for stage, (group, _) in found.get(member, {}).items()}


# ---------------------------------------------------------------- the member's own state


async def test_warnings_block_list_points_and_stage_are_the_members_whichever_account_sees(
        long_leases: Accounts) -> None:
    a = long_leases
    assert {g: (await invitations.serving(a.bots["a"].store, g, "a")) for g in
            ("r1", "r2", "i1")} == {"r1": "a", "r2": "a", "i1": "b"}
    await a.join("a", "r1", "dave")  # the funnel's first stage, seen by a
    await a.say("a", "r1", "签到")  # check-in points of the recruitment type: one score
    await a.say("a", "r2", "加我微信 abc12345 有优惠", sender="bob")  # his first ad, r2 is a's
    await a.join("a", "r2", "erin", inviter="carol")  # carol's first invitation, seen by a
    await a.advance(timedelta(seconds=5))
    assert [r["mentions"] for r in a.sent("a", "say", group="r2")] == [["bob"]]
    await a.bots.pop("a").stop()  # a clean stop: b takes r2 over at its next renewal
    await a.advance(timedelta(minutes=10, seconds=1), by=timedelta(minutes=1))  # b alone
    assert await invitations.serving(a.bots["b"].store, "r2", "b") == "b"
    await a.advance(timedelta(days=1), by=timedelta(hours=1))  # b alone: no interleaving
    await a.join("b", "r2", "frank", inviter="carol")  # her second, seen by b: rewarded
    await a.advance(timedelta(minutes=2))
    assert [r["text"] for r in a.sent("b", "say", group="r2")
            if "邀请" in r["text"]] == ["🎉 carol 邀请了 2 位新朋友"]
    await a.say("b", "r2", "签到")  # the next day, seen by b: the streak a began goes on
    await a.say("b", "r2", "加我微信 abc12345 有优惠", sender="bob")  # his second: removed
    await a.advance(timedelta(seconds=5))
    assert [r["member"] for r in a.sent("b", "kick", group="r2")] == ["bob"]
    assert any("连续签到 2 天" in r["text"] and "累计 20 分" in r["text"]
               for r in a.sent("b", "say", group="r2"))
    await a.join("b", "i1", "bob")  # blocked for every account: b removes him from i1
    await a.join("b", "i1", "dave")  # the next stage, seen by b
    await a.advance(timedelta(seconds=5))
    assert [r["member"] for r in a.sent("b", "kick", group="i1")] == ["bob"]
    assert await _stage(a, "dave") == {"recruitment": "r1", "internship": "i1"}


# ---------------------------------------------------------------- invitations


async def test_a_friend_of_the_serving_account_is_invited_by_it(accounts: Accounts) -> None:
    a = accounts
    await a.say("b", None, "你好")  # she wrote to b privately: b's friend (a knows it now)
    await a.say("a", "r1", "报名")  # a sees the step; i1 is b's
    await a.advance(timedelta(seconds=1))
    [reply] = a.sent("a", "say", group="r1")
    assert reply["text"] == INVITED.format(group="Internship 01")
    [(member, group, account, how, _)] = await invitations.pending(a.bots["a"].store)
    assert (member, group, account, how) == ("alice", "i1", "b", "invite")
    await a.advance(timedelta(seconds=11))  # b's next renewal: it takes the invitation over
    assert a.sent("a", "invite") == []  # a is not in i1, and alice is no friend of a's
    assert [(r["group"], r["member"]) for r in a.sent("b", "invite")] == [("i1", "alice")]
    assert await _stage(a, "alice") == {"internship": "i1"}  # the simulator joins at once
    assert _used(a, "b") == {"invitations": 1}  # b's budget: b sent it
    assert await invitations.pending(a.bots["a"].store) == []


async def test_someone_else_gets_the_groups_qr_code_from_the_account_they_wrote_to(
        accounts: Accounts) -> None:
    a = accounts
    await a.say("a", None, "报名")  # privately to a: a's friend, not b's
    await a.advance(timedelta(seconds=40))
    assert a.sent("a", "invite") == a.sent("b", "invite") == []
    [text] = a.sent("a", "dm", to="alice")
    assert "二维码" in text["text"] and "Internship 01" in text["text"]
    # the code is b's (i1's serving account fetched it); a sends it
    assert [(r["to"], r["room"]) for r in a.sent("a", "group_qr")] == [("alice", "i1")]
    assert await _stage(a, "alice") == {}
    assert _used(a, "a") == {"private_messages": 1, "files": 1}  # the QR code is an image
    assert _used(a, "b") == {}  # fetching the code sends nothing
    await a.join("b", "i1", "alice")  # she scanned it: the funnel moves on now
    assert await _stage(a, "alice") == {"internship": "i1"}
    assert await invitations.pending(a.bots["a"].store) == []


async def test_in_a_group_someone_who_is_nobodys_friend_gets_the_qr_code_there(
        accounts: Accounts) -> None:
    a = accounts
    await a.say("a", "r1", "报名")
    await a.advance(timedelta(seconds=40))
    [text] = a.sent("a", "say", group="r1")
    assert text["mentions"] == ["alice"] and "二维码" in text["text"]
    assert [(r["group"], r["room"]) for r in a.sent("a", "group_qr")] == [("r1", "i1")]


async def test_with_cards_the_member_adds_the_serving_account_which_then_invites_them(
        by_card: Accounts) -> None:
    a = by_card
    await a.say("a", None, "报名")
    await a.advance(timedelta(seconds=5))
    assert [(r["to"], r["card"]) for r in a.sent("a", "card")] == [("alice", "wxid_b")]
    [text] = a.sent("a", "dm", to="alice")
    assert "wxid_b" in text["text"] or "Helper b" in text["text"]
    # she asks b for friendship, without the greeting's keyword: b expects her
    await a.feed("b", FriendRequest(a.clock.now(), None, Member("alice", "alice"), "你好",
                                    "alice"))
    await a.advance(timedelta(seconds=10))
    assert [r["contact"] for r in a.sent("b", "accept_friend")] == ["alice"]
    assert [(r["group"], r["member"]) for r in a.sent("b", "invite")] == [("i1", "alice")]
    assert await _stage(a, "alice") == {"internship": "i1"}  # the simulator joins at once
    # each send spends the budget of the account that sent it
    assert _used(a, "a") == {"private_messages": 2}  # the text and the card
    assert _used(a, "b") == {"friend_accepts": 1, "invitations": 1}


# A quiz pass in r1 (a's) promotes to i1 (b's): a gated step, whose QR code never goes to r1.

async def _pass_quiz(a: Accounts) -> None:
    await a.say("a", "r1", "开始考试")
    await a.advance(timedelta(seconds=5))
    await a.say("a", "r1", "A")
    await a.advance(timedelta(seconds=40))


async def test_a_quiz_pass_by_a_friend_of_this_account_gets_the_qr_code_privately(
        accounts: Accounts) -> None:
    a = accounts
    await a.say("a", None, "你好")  # a's friend, not b's
    await _pass_quiz(a)
    assert a.sent("a", "say", group="r1")[-1]["text"] == (
        "🎉 恭喜以 100 分通过考核！请按提示加入正式群「Internship 01」。")
    assert "二维码" in a.sent("a", "dm", to="alice")[-1]["text"]
    assert [(r.get("to"), r.get("group")) for r in a.sent("a", "group_qr")] == [("alice", None)]


async def test_a_quiz_pass_by_nobodys_friend_gets_the_serving_accounts_card_in_the_group(
        accounts: Accounts) -> None:
    a = accounts
    await _pass_quiz(a)
    assert a.sent("a", "group_qr") == []
    assert [(r["group"], r["card"]) for r in a.sent("a", "card")] == [("r1", "wxid_b")]
    await a.feed("b", FriendRequest(a.clock.now(), None, Member("alice", "alice"), "hi",
                                    "alice"))
    await a.advance(timedelta(seconds=10))
    assert [(r["group"], r["member"]) for r in a.sent("b", "invite")] == [("i1", "alice")]


async def test_a_quiz_pass_with_no_card_known_is_left_to_the_admins(accounts: Accounts) -> None:
    a = accounts
    await a.bots["a"].store.execute("DELETE FROM account_ids WHERE account = 'b'", ())
    await _pass_quiz(a)  # b's card is not known: b never logged in
    assert a.sent("a", "group_qr") == a.sent("a", "card") == []
    assert a.sent("a", "say", group="r1")[-1]["text"] == (
        "🎉 恭喜以 100 分通过考核！运营会尽快拉你进正式群「Internship 01」。")
    [alert] = a.sent("a", "dm", to="op")
    assert "alice（alice）以 100 分通过考核" in alert["text"] and "请手动拉群" in alert["text"]
    [(member, group, _, how, _)] = await invitations.pending(a.bots["a"].store)
    assert (member, group, how) == ("alice", "i1", "admins")


async def test_a_move_into_a_group_another_account_serves_invites_that_accounts_friends(
        accounts: Accounts) -> None:
    a = accounts
    await a.bots.pop("a").stop()  # b takes r2 over; a, back, stands by there
    await a.advance(timedelta(seconds=11))
    a.bots["a"] = Bot(a.deployment, a.worlds["a"], a.clock, REGISTRY, seed=0, account="a")
    await a.bots["a"].start()
    await a.advance(timedelta(seconds=11))
    assert await invitations.serving(a.bots["a"].store, "r2", "a") == "b"
    for member in ("carol", "dave"):  # two who spoke in r1; dave wrote to b: b's friend
        await a.join("a", "r1", member)
        await a.say("a", "r1", "大家好", sender=member)
    await a.say("b", None, "你好", sender="dave")
    await a.advance(timedelta(seconds=5))
    await a.say("a", None, "/move r1 r2 1d", sender="op")
    await a.advance(timedelta(seconds=5))
    preview = a.sent("a", "dm", to="op")[-1]["text"]
    assert "· dave（dave）" in preview and "carol（carol）：不是账号 b（服务新群）的好友" in preview
    await a.say("a", None, f"/confirm {preview.split()[2][:4]}", sender="op")
    await a.advance(timedelta(seconds=30))
    assert [(r["group"], r["member"]) for r in a.sent("b", "invite")] == [("r2", "dave")]
    assert a.sent("a", "invite") == []
