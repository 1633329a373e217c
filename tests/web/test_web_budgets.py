"""The console's send budget page (/budgets, /api/budgets) over a real bot on its first day:
each budget's use and what remains, a pause in force, what the budget holds back and what it
dropped, member-supplied text escaped; the same figures without the bot (`groupbot web`)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from test_outbox import fail_once
from web_site import HOSTILE, TOKEN, Site

from bot.actions import Dm, Say
from bot.adapters.base import RateLimited
from bot.web import server
from bot.web.base import Console

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

BEARER = {"Authorization": f"Bearer {TOKEN}"}


async def _budgets(client: TestClient) -> Any:
    response = await client.get("/api/budgets", headers=BEARER)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_budget_page_shows_use_pauses_deferrals_and_drops(site: Site) -> None:
    h = site.h
    assert (await site.client.get("/api/budgets")).status == 401  # operators only
    fail_once(h, RateLimited("发送消息过于频繁", retry_after=3600))  # group messages paused
    async with h.bot.store.transaction():
        await h.bot.outbox.put(Say("r1", "本周活动"), "push")
        for i in range(80):  # answers in private: 90 % of the first day's 30 an hour
            await h.bot.outbox.put(Dm(f"fan{i}", f"{HOSTILE} {i}"))
    before = len(h.actions("dm"))
    await h.advance("15m")
    data = await _budgets(site.client)
    [account] = data["accounts"]
    assert (account["account"], account["warmup_percent"]) == ("bot", 30)
    private = next(b for b in account["budgets"] if b["budget"] == "private_messages")
    sent = len(h.actions("dm")) - before
    assert (private["hour"], private["day"], private["per_hour"]) == (sent, sent, 30)
    assert sent == 27 and private["remaining"] == 3  # 10 % of 30 is kept for the admins
    assert 150 <= private["per_day"] <= 151  # 30 % of 500, growing with the warm-up
    [pause] = account["pauses"]
    assert (pause["key"], pause["level"]) == ("group_messages", 1)
    group = next(b for b in account["budgets"] if b["budget"] == "group_messages")
    assert group["paused_until"] == pause["until"]
    held = data["deferred"]
    fans = [r for r in h.actions("dm") if r["to"].startswith("fan")]
    assert sent == len(fans) + 1  # and the admins' notice of the pause
    waiting = [d for d in held if d["kind"] == "dm"]
    assert len(waiting) == 80 - len(fans)
    # and the push, and the nickname reminder of the members who joined i1 (an internship)
    assert [(d["class"], d["target"]) for d in held if d["kind"] != "dm"] == [
        ("push", "r1"), ("welcome", "i1")]
    assert all(d["dropped_at"] for d in held)  # answers are kept an hour
    page = await _page(site)
    assert 'href="/budgets" class="here"' in page  # in the navigation
    assert "私聊消息（private_messages）" in page and "暂停至" in page
    assert HOSTILE not in page and "&lt;img src=x onerror=" in page  # escaped

    await h.advance("2h")
    data = await _budgets(site.client)
    dropped = [d for d in data["dropped"] if d["kind"] == "dm"]
    went = [r for r in h.actions("dm") if r["to"].startswith("fan")]
    assert data["deferred"] == [] and dropped and len(dropped) == 80 - len(went)
    assert dropped[0]["detail"].startswith("held back by the send budget longer than 1:00:00")
    assert data["accounts"][0]["pauses"] == []  # the pause is over
    page = await _page(site)
    assert HOSTILE not in page and "&lt;img src=x onerror=" in page  # in the drops, escaped
    assert "没有被预算延后的操作" in page

    console = Console(h.db, h.clock, h.registry, TOKEN,  # `groupbot web`: the database alone
                      standalone_deployment=h.deployment)
    async with TestClient(TestServer(server.make_app(console))) as alone:
        assert await _budgets(alone) == data
    await console.close()


async def _page(site: Site) -> str:
    if not site.client.session.cookie_jar.filter_cookies(site.client.make_url("/")):
        await site.login()
    response = await site.client.get("/budgets")
    assert response.status == 200
    return await response.text()
