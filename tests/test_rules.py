from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness import SHIPPED, Harness

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL


async def test_asking_for_the_rules_posts_the_types_rules(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.say("r1", "alice", "群规")
        await h.advance("5s")
        [post] = h.texts()
        assert post.startswith("【招募群群规】")


async def test_the_rules_are_posted_once_per_cooldown(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.say("r1", "alice", "群规")
        await h.advance("4m")
        await h.say("r1", "bob", "群规是什么")
        await h.advance("1m")
        await h.say("r1", "bob", "rules?")
        await h.advance("5s")
        assert len(h.texts()) == 2


async def test_rules_inside_an_english_word_do_not_trigger(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.say("r1", "alice", "the overrules are odd")
        await h.advance("5s")
        assert h.texts() == []


async def test_each_group_type_has_its_own_rules(tmp_path: Path) -> None:
    groups = {"r1": "Listener Recruitment 01", "c1": "Customer 01 客户群"}
    async with Harness(SHIPPED, tmp_path, groups=groups) as h:
        await h.say("r1", "alice", "群规")
        await h.say("c1", "alice", "群规")
        await h.advance("1m")
        assert [t.splitlines()[0] for t in h.texts()] == ["【招募群群规】", "【客户群群规】"]


# the keywords each type's rules text tells members to send: 「签到」, and a list after 关键词：
_SENT = re.compile(r"「([^」]+)」|关键词[：:]([^。\n]+)")
_TYPES = {"recruitment": "r1", "internship": "i1", "customer": "c1"}


@pytest.mark.parametrize("gtype", sorted(_TYPES))
async def test_every_keyword_a_rules_text_names_is_answered(tmp_path: Path, gtype: str) -> None:
    """Review s35 r5 R5-3: the recruitment rules said 「常见问题请发送关键词：收入、要求、
    怎么报名」, and 要求 alone got no answer."""
    text = (SHIPPED.parent / "content" / "rules" / f"{gtype}.md").read_text(encoding="utf-8")
    words = [word.strip() for quoted, listed in _SENT.findall(text)
             for word in ([quoted] if quoted else re.split(r"[、,，]", listed))]
    assert len(words) >= 2, words
    groups = {"r1": "Listener Recruitment 01 倾听者招募群", "i1": "Listener Internship 01 实习群",
              "c1": "Customer 01 客户群"}
    unanswered = []
    async with Harness(SHIPPED, tmp_path, groups=groups) as h:
        for n, word in enumerate(words):  # each by another member: no cooldown between them
            member = f"m{n}"
            h.world.friends.add(member)
            before = len(h.sent)
            await h.say(_TYPES[gtype], member, word)
            await h.advance("1m")
            if not [r for r in h.sent[before:]
                    if r.get("group") == _TYPES[gtype] or r.get("member") == member]:
                unanswered.append(word)
    assert unanswered == []
