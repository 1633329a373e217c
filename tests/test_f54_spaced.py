"""An ask or a selling word split by spaces, emoji or zero-width characters, after s41 f54
(review r52 finding 8): read as written without them, in the entry's message or the next."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import Harness
from test_h50a_split import _audit, _config

from bot.contacts import find_contacts


@pytest.mark.parametrize("text", [
    "王薇 20231234 私\u200b聊", "王薇 20231234 加 ❤ 我", "刷 💰 单名单\n王薇 20231234 已交"])
def test_a_split_ask_or_selling_word_is_read_whole(text: str) -> None:
    assert find_contacts(text)


@pytest.mark.parametrize("text", ["王薇 20231234 私人 物品已交", "名单\n王薇 20231234 已 下单"])
def test_words_apart_that_make_no_ask_stay_a_rosters(text: str) -> None:
    assert find_contacts(text) == []


async def test_a_split_ask_in_the_next_message_is_read_with_the_entry(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "王薇 20231234")
        await h.advance("5s")
        await h.say("r1", "eve", "私 ❤ 聊")
        await h.drain()
        assert await _audit(h)
