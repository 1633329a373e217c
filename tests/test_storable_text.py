"""Member-supplied text is made storable where it enters the core (bot/sanitize.py
`storable`, applied by the events, the platform's member and group lists and invitations):
a NUL (PostgreSQL's text refuses U+0000) or a lone UTF-16 surrogate (half an emoji, as JSON's
"\\ud83d" decodes; no store nor RE2 takes one) in a name, a topic or a text never fails an
event or the join backstop, on either backend."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from harness import SHIPPED, Harness

from bot.adapters.base import GroupInfo
from bot.events import (
    FriendRequest,
    GroupRenamed,
    Member,
    MemberJoined,
    MemberLeft,
    MemberRenamed,
    Message,
)
from bot.inbound import GroupInvitation
from bot.sanitize import storable

pytestmark = pytest.mark.usefixtures("backend")

GROUPS = {"c1": "Customer 01 客户群", "i1": "Listener Internship 01"}
AD = "特价推广 https://cheap.example.com/buy"


async def _names(h: Harness, group: str) -> dict[str, str]:
    rows = await h.bot.store.all("SELECT member, name FROM roster WHERE grp=?", (group,))
    return {row[0]: row[1] for row in rows}


async def test_a_nul_in_a_nickname_fails_neither_the_member_nor_the_backstop(
        tmp_path: Path, storage: Path | str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.rename("i1", "dave", "da\x00ve")
        await h.say("i1", "dave", "签到")
        await h.say("c1", "eve", AD.replace(" ", "\x00 "))
        h.world.group("i1").members["zoe"] = "zo\x00e"  # joined unreported: the backstop lists her
        await h.advance("10m")  # (comparisons every 5 minutes: two of them)
        names = await _names(h, "i1")
        assert (names["dave"], names["zoe"]) == ("dave", "zoe")
        assert any(text.startswith("✅ dave 签到成功") for text in h.texts("i1"))
        assert [tuple(row) for row in await h.bot.store.all(
            "SELECT action, member FROM audit WHERE action='warn'")] == [("warn", "eve")]


async def test_a_lone_surrogate_in_a_topic_or_a_name_fails_nothing(
        tmp_path: Path, storage: Path | str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.rename_group("c1", "bob", "Customer 01 客户群\ud83d")
        await h.say("c1", "eve", AD)  # the group is still a customer group: the ad is warned
        await h.rename("i1", "dave", "dave\ud83d")
        await h.say("i1", "dave", "签到")
        await h.advance("10m")
        assert (await _names(h, "i1"))["dave"] == "dave\ufffd"
        assert any(text.startswith("✅ dave\ufffd 签到成功") for text in h.texts("i1"))
        assert any(text.startswith("⚠️ 警告") for text in h.texts("c1"))


@pytest.mark.no_store
def test_storable_drops_nul_joins_pairs_and_replaces_lone_surrogates() -> None:
    plain = "普通的名字 🙂 tab\tand\nlines"
    assert storable(plain) is plain  # (the fast path: no copy)
    assert storable("da\x00ve") == "dave"
    assert storable("\ud83d\ude00 ok") == "😀 ok"  # a pair as two halves is the character
    assert storable("cut \ud83d") == "cut \ufffd"
    assert storable("\udc80\x00") == "\ufffd"  # (a byte surrogateescape kept)


@pytest.mark.no_store
def test_every_event_and_platform_listing_is_storable_as_made() -> None:
    """Whichever adapter makes them: the constructors clean, so none can forget to."""
    at, bad = datetime(2026, 1, 1), "x\x00\ud83d"
    who = Member(bad, bad)
    made: list[object] = [
        who, Message(at, bad, who, bad, mentions=(bad,), url=bad, id=bad),
        MemberJoined(at, bad, (who,), bad), MemberLeft(at, bad, (who,), bad),
        MemberRenamed(at, bad, who), GroupRenamed(at, bad, bad, bad),
        FriendRequest(at, None, who, bad, bad), GroupInfo(bad, bad, bad, 3),
        GroupInvitation(bad, bad, bad, at)]
    for record in made:
        texts = [value for value in vars_of(record) if type(value) is str]  # (not Kind)
        assert texts and all(text == "x\ufffd" for text in texts), record


def vars_of(record: object) -> list[object]:
    """A slotted dataclass's field values, tuples and members opened."""
    values: list[object] = []
    for name in record.__dataclass_fields__:  # type: ignore[attr-defined]
        value = getattr(record, name)
        for item in value if isinstance(value, tuple) else (value,):
            values.extend(vars_of(item) if isinstance(item, Member) else [item])
    return values
