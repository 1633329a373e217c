"""Actions as the outbox stores them: JSON with the kind first, then the fields in order."""

from __future__ import annotations

import json

from bot.actions import (
    KINDS,
    AcceptFriend,
    Action,
    Card,
    Dm,
    GroupQr,
    Invite,
    Kick,
    RenameGroup,
    Say,
)

EVERY_KIND: list[Action] = [
    Say("g1", "你好", ("alice", "bob")), Say("g1", "", (), "poster.png"), Dm("alice", "hi"),
    Dm("alice", "", "rules.pdf"), Kick("g1", "spam", "发布链接"), Invite("g1", "bob"),
    AcceptFriend("carol", "req1"), RenameGroup("g1", "招募群"), Card("acct", to="alice"),
    Card("acct", group="g1"), GroupQr("g2", to="alice"), GroupQr("g2", group="g1"),
]


def test_every_kind_comes_back_from_its_stored_json() -> None:
    assert {type(a) for a in EVERY_KIND} == set(KINDS.values())
    for action in EVERY_KIND:
        stored = json.dumps(action.to_json(), ensure_ascii=False)
        assert Action.from_json(json.loads(stored)) == action


def test_the_stored_json_names_the_kind_first_and_leaves_out_an_empty_file() -> None:
    assert Say("g1", "你好", ("alice",)).to_json() == {
        "action": "say", "group": "g1", "text": "你好", "mentions": ("alice",)}
    assert list(Say("g1", "", (), "a.png").to_json()) == [
        "action", "group", "text", "mentions", "file"]
    assert Dm("bob", "hi").to_json() == {"action": "dm", "to": "bob", "text": "hi"}
    assert Kick("g1", "m", "r").to_json() == {
        "action": "kick", "group": "g1", "member": "m", "reason": "r"}
    assert Card("acct", to="alice").to_json() == {"action": "card", "card": "acct",
                                                   "to": "alice"}
