"""The console as a hostile outsider tries it (review s39 r31): its static files, and the
30-day series read while the bot goes on."""

from __future__ import annotations

import logging

import pytest
from web_site import TOKEN, Site

from bot.web import server

BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize("name", ["nope.js", "a" * 300, "%ff", "console.css%20"])
async def test_a_static_file_the_console_does_not_have_is_a_404_page(
        site: Site, caplog: pytest.LogCaptureFixture, name: str) -> None:
    """aiohttp's static route answered a missing file with an empty 404 (no page saying
    what is missing), and a name longer than the file system takes, asked by anyone without
    logging in, with a 500 and a traceback in the log."""
    with caplog.at_level(logging.WARNING):
        response = await site.client.get(f"/static/{name}")
    assert response.status == 404
    assert response.content_type == "text/html"
    assert "页面不存在" in await response.text()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_consoles_own_static_files_are_served(site: Site) -> None:
    for name, kind in (("console.css", "text/css"), ("console.js", "javascript"),
                       ("favicon.svg", "image/svg+xml")):
        response = await site.client.get(f"/static/{name}")
        assert response.status == 200 and kind in response.content_type
        assert (await response.read()) == (server.HERE / "static" / name).read_bytes()
