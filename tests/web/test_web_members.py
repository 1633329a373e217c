"""我的数据 sends the member a private link to their data centre, when the deployment has a
public address and the member is the bot's friend (WeChat's rule for private messages)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from harness import Harness
from web_site import GROUPS, TOKEN, deployment

from bot.web import server

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL


def _with_public_url(tmp_path: Path, extra: str = "") -> Path:
    root = deployment(tmp_path)
    bot_yaml = root / "bot.yaml"
    bot_yaml.write_text(bot_yaml.read_text() +
                        f"\nweb: {{public_url: 'https://bot.example.com/', {extra}}}\n")
    return root


async def test_my_data_sends_a_friend_a_link_to_their_own_page(tmp_path: Path) -> None:
    async with Harness(_with_public_url(tmp_path), tmp_path, groups=GROUPS) as h:
        h.world.friends.add("dave")
        await h.join("i1", "dave", "erin")
        await h.say("i1", "dave", "签到")
        await h.say("i1", "dave", "我的数据")
        await h.say("i1", "erin", "我的数据")  # not a friend: the group reply only
        await h.drain()
        [dm] = h.actions("dm", to="dave")
        assert "7 天内有效" in dm["text"]
        url = re.search(r"https://bot\.example\.com/me/(\S+)", dm["text"])
        assert url is not None
        assert h.actions("dm", to="erin") == []
        assert sum("📊" in text for text in h.texts("i1")) == 2
        console = server.for_bot(h.bot, TOKEN)
        try:
            async with TestClient(TestServer(server.make_app(console))) as client:
                mine = await client.get(f"/api/me/{url[1]}")
                assert mine.status == 200
                data = await mine.json()
                assert (data["member"], data["streak"], data["stage"]) == (
                    "dave", 1, "internship")
                page = await client.get(f"/me/{url[1]}")
                assert "我的数据" in await page.text()
        finally:
            await console.close()


async def test_without_a_public_address_no_link_is_sent(tmp_path: Path) -> None:
    async with Harness(deployment(tmp_path), tmp_path, groups=GROUPS) as h:
        h.world.friends.add("dave")
        await h.join("i1", "dave")
        await h.say("i1", "dave", "我的数据")
        await h.drain()
        assert h.actions("dm", to="dave") == []
        assert any("📊" in text for text in h.texts("i1"))


async def test_the_links_lifetime_is_configurable(tmp_path: Path) -> None:
    async with Harness(_with_public_url(tmp_path, "member_links: 2d"), tmp_path,
                       groups=GROUPS) as h:
        h.world.friends.add("dave")
        await h.join("i1", "dave")
        await h.say("i1", "dave", "我的数据")
        await h.drain()
        [dm] = h.actions("dm", to="dave")
        assert "2 天内有效" in dm["text"]
