"""Several acc in one group (docs/scale.md): each of the deployment's acc is the bot
for the one serving the group, never a member (review s31b A1-A4). Its WeChat id is known
once its process logged in, from the next lease renewal of the others."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from test_accounts import KEYWORD, REPLY, TAKEOVER, Accounts, accounts, holder  # noqa: F401
from test_accounts import write_config as accounts_config

from bot.app import Bot
from bot.events import Member, MemberJoined, Message

LEARNED = TAKEOVER / 3 + timedelta(seconds=1)  # a lease renewal of every account after a login


def _accounts(tmp_path: Path, storage: Path | str, handlers: list[Any], **extra: Any) -> Accounts:
    root = accounts_config(tmp_path / "config", storage, **extra)
    (root / "types" / "recruitment.yaml").write_text(
        yaml.safe_dump({"handlers": handlers}, allow_unicode=True))
    return Accounts(root)


async def _a_serves_and_b_stands_by(acc: Accounts) -> tuple[Bot, Bot]:
    a = await acc.start("a")
    await acc.advance(timedelta(seconds=1))  # a claims r1 first: it serves it
    b = await acc.start("b")
    await acc.advance(LEARNED)  # b logged in; a knows b's WeChat id from now on
    assert await holder(acc, "r1") == "a"
    return a, b


async def _to_each(acc: Accounts, sender: str, text: str, mentions: tuple[str, ...]) -> None:
    """One message in r1 as each account's adapter gets it (its own mention: mentions_bot)."""
    at = acc.clock.now()
    for name, bot in acc.bots.items():
        await bot.feed(Message(at, "r1", Member(sender, sender), text, id=f"{name}-{text}",
                               mentions=mentions, mentions_bot=f"wxid_{name}" in mentions))
        await bot.store.flush()


async def test_a_member_mentioning_the_standby_account_gets_the_answer(
        tmp_path: Path, storage: Path | str) -> None:
    # Only a mention of the serving account's own id counted: members who mentioned the
    # other one got no answer, no hand-off (A1).
    acc = _accounts(tmp_path, storage, [{"keywords": {"cooldown": "0s", "rules": [
        {"patterns": [KEYWORD], "reply": REPLY, "only_when_mentioned": True}]}}])
    try:
        await _a_serves_and_b_stands_by(acc)
        await _to_each(acc, "alice", f"@b {KEYWORD}", ("wxid_b",))
        await _to_each(acc, "bob", KEYWORD, ())  # no mention: nothing
        await acc.advance(timedelta(seconds=10))
        assert acc.texts("r1", "a") == [REPLY]
        assert acc.texts("r1", "b") == []
    finally:
        await acc.stop()


async def test_an_admin_mentioning_the_standby_account_does_not_remove_it(
        tmp_path: Path, storage: Path | str) -> None:
    # 「@b /踢 @spammer」: the serving account removed and blocked b too (A4).
    acc = _accounts(tmp_path, storage, [{"admin": {}}], admins=["boss"])
    try:
        await _a_serves_and_b_stands_by(acc)
        for world in acc.worlds.values():
            world.join("r1", ["boss", "spammer", "wxid_a", "wxid_b"])
        await _to_each(acc, "boss", "@b /踢 @spammer 发广告", ("wxid_b", "spammer"))
        await acc.advance(timedelta(seconds=30))
        kicked = [r["member"] for world in acc.worlds.values() for r in world.sent
                  if r["action"] == "kick"]
        assert kicked == ["spammer"]
    finally:
        await acc.stop()


async def test_the_new_holder_does_not_judge_the_old_holders_own_posts(
        accounts: Accounts) -> None:  # noqa: F811
    # b kept a's post (a contact detail, as a keyword reply or push may hold) as a member's,
    # and after taking r1 over warned its own other account in public (A2).
    _, b = await _a_serves_and_b_stands_by(accounts)
    await b.feed(Message(accounts.clock.now(), "r1", Member("wxid_a", "a"),
                         "报名咨询请加客服微信 kefu12345", id="b-from-a"))
    await b.store.flush()
    await accounts.advance(TAKEOVER * 2, only=("b",))  # a stalls: b takes r1 over
    assert await holder(accounts, "r1") == "b"
    assert accounts.texts("r1", "b") == []
    assert await b.store.all("SELECT action, member FROM audit WHERE action = 'warn'") == []


async def test_the_standby_account_is_neither_welcomed_nor_removed_as_silent(
        tmp_path: Path, storage: Path | str) -> None:
    # The serving account greeted the other one as a newcomer, then warned and removed it as
    # a silent member: the group lost its takeover account (A3).
    acc = _accounts(tmp_path, storage, [
        {"welcome": {"template": "欢迎 {members}", "window": "5s"}},
        {"lifecycle": {"daily_at": "30 10 * * *",  # (early: each hour run is leases renewed)
                       "silent": {"after": "1h", "remove": True, "grace": "10m"}}}])
    try:
        a, _ = await _a_serves_and_b_stands_by(acc)
        acc.worlds["a"].join("r1", ["wxid_b"])  # b is added to r1: a serves it, sees it
        await a.feed(MemberJoined(acc.clock.now(), "r1", (Member("wxid_b", "b"),),
                                  "alice"))
        await a.store.flush()
        await acc.bots.pop("b").stop()  # only a's time runs from here
        await a.advance(acc.clock.now().replace(hour=10, minute=50))  # warned, removed by now
        assert [(r["action"], r.get("text")) for r in acc.worlds["a"].sent
                if r.get("group") == "r1"] == []
    finally:
        await acc.stop()


async def test_the_other_account_is_no_inviter_nor_invitee_nor_reminded_of_its_name(
        tmp_path: Path, storage: Path | str) -> None:
    # Fission credited the other account for a member it brought in (a cross-account
    # invitation) and alice for bringing the other account in; namecard reminded it to
    # follow the group's name-card pattern.
    acc = _accounts(tmp_path, storage, [
        {"fission": {}},
        {"namecard": {"pattern": r"^\S+-\S+$", "example": "张三-北京",
                      "first_reminder": "1m", "reminder": "请改群名片，如 {example}"}}])
    try:
        a, _ = await _a_serves_and_b_stands_by(acc)
        acc.worlds["a"].join("r1", ["wxid_b", "carol"])
        at = acc.clock.now()
        await a.feed(MemberJoined(at, "r1", (Member("wxid_b", "b"),), "alice"))
        await a.feed(MemberJoined(at, "r1", (Member("carol", "carol-上海"),), "wxid_b"))
        await a.store.flush()
        await acc.advance(timedelta(minutes=3))
        assert await a.store.all("SELECT invitee, inviter FROM fission_invites") == []
        assert [r for r in acc.worlds["a"].sent if r.get("group") == "r1"] == []
    finally:
        await acc.stop()


async def test_members_answering_the_old_holders_prompt_are_no_raid(accounts: Accounts) -> None:  # noqa: F811
    # The old holder's welcome asked newcomers to reply alike; the new holder had not said it,
    # so three replies after the takeover were a raid (review s31b A2, bot/prompts.py).
    _, b = await _a_serves_and_b_stands_by(accounts)
    await b.feed(Message(accounts.clock.now(), "r1", Member("wxid_a", "a"),
                         "欢迎新朋友！看完群规的请回复：已阅读并同意遵守群规", id="b-welcome"))
    await b.store.flush()
    await accounts.advance(TAKEOVER * 2, only=("b",))  # a stalls: b takes r1 over
    assert await holder(accounts, "r1") == "b"
    for member in ("carol", "dave", "erin"):
        await accounts.say("r1", "已阅读并同意遵守群规", to=("b",), sender=member)
    await accounts.advance(timedelta(seconds=10), only=("b",))
    assert accounts.texts("r1", "b") == []


async def test_another_account_s_post_is_no_member_s_message(accounts: Accounts) -> None:  # noqa: F811
    # Its own post reaches the serving account as any member's would: it is the bot's
    # (Accounts.read), neither counted as a member's message nor answered.
    _, b = await _a_serves_and_b_stands_by(accounts)
    await accounts.advance(TAKEOVER * 2, only=("b",))  # a stalls: b takes r1 over
    assert await holder(accounts, "r1") == "b"
    await b.feed(Message(accounts.clock.now(), "r1", Member("wxid_a", "a"), KEYWORD,
                         id="b-after"))
    await accounts.say("r1", KEYWORD, to=("b",), sender="carol")
    await b.store.flush()
    await accounts.advance(timedelta(seconds=10), only=("b",))
    assert await b.store.all("SELECT DISTINCT member FROM activity") == [("carol",)]
    assert accounts.texts("r1", "b") == [REPLY]  # carol's answered, not a's
