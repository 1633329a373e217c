from __future__ import annotations

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
