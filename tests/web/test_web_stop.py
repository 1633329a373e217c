"""The console's part of a stop: a request still under way (waiting on the gateway) holds
it up SHUTDOWN_TIMEOUT at most, not aiohttp's 60 s, so the bot's own stop (releasing its
leases, the last commit) comes within a service manager's 30 s."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from web_site import TOKEN, Site

from bot.web import server


async def test_a_request_under_way_holds_up_the_stop_only_so_long(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "SHUTDOWN_TIMEOUT", 0.5, raising=False)
    entered, never = asyncio.Event(), asyncio.Event()

    async def hanging(*args: Any) -> Any:  # the platform's group list, never answered
        entered.set()
        await never.wait()

    monkeypatch.setattr(site.h.bot.groups, "bound", hanging)
    running = await server.start(site.console, "127.0.0.1", 0, announce=False)
    async with aiohttp.ClientSession() as client:
        request = asyncio.create_task(client.get(
            f"{running.url}api/groups", headers={"Authorization": f"Bearer {TOKEN}"}))
        try:
            await asyncio.wait_for(entered.wait(), 30)
            await asyncio.wait_for(running.stop(), 30)  # aiohttp's own default: 60 s
        finally:
            request.cancel()
            await asyncio.gather(request, return_exceptions=True)
