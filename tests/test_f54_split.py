"""A roster's entry, then a question or a deed done, after s41 f54 (review r52 finding 6): a
sentence without a number that asks or tells what was done says nothing an ad does, in the
entry's message or in the next one, unless it pitches (想赚钱吗, 需要兼职吗, 有意者)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import Harness
from test_h50a_split import _audit, _config

from bot.contacts import find_contacts


@pytest.mark.parametrize("then", [
    "我是会员，有优惠吗", "请问代购的东西到了吗", "刚才私聊你了", "进群了", "加我进群的是谁",
    "怎么下单"])
def test_an_entry_then_a_question_or_a_deed_done_is_no_ad(then: str) -> None:
    assert find_contacts(f"王薇 20231234\n{then}") == []


@pytest.mark.parametrize("then", [
    "想赚钱吗", "需要兼职吗？加我", "有意向吗？私聊", "私聊就行了", "有意者私聊了解"])
def test_an_entry_then_a_pitch_or_an_ask_is_an_ad_question_or_not(then: str) -> None:
    assert find_contacts(f"王薇 20231234\n{then}")


@pytest.mark.parametrize(("then", "warned"), [
    ("我是会员，有优惠吗", False), ("刚才私聊你了", False), ("想赚钱吗", True)])
async def test_over_two_messages_only_a_pitch_or_an_ask_makes_the_entry_an_ad(
        tmp_path: Path, then: str, warned: bool) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "王薇 20231234")
        await h.advance("5s")
        await h.say("r1", "eve", then)
        await h.drain()
        assert bool(await _audit(h)) is warned
