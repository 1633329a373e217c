"""Fixtures for the web console's tests (what they share: web_site.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from harness import Harness
from web_site import GROUPS, TOKEN, Site, deployment, populate

from bot.web import server


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    async with Harness(deployment(tmp_path), tmp_path, groups=GROUPS) as h:
        await populate(h)
        console = server.for_bot(h.bot, TOKEN)
        site = TestServer(server.make_app(console))
        await site.start_server(**server.RUNNER)  # the access log the console runs with
        try:
            async with TestClient(site) as client:
                yield Site(h, console, client)
        finally:
            await console.close()
