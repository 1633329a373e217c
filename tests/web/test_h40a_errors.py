"""The console's error pages say what went wrong in its own words (bot/web/server.py)."""

from __future__ import annotations

from web_site import Site


async def test_a_body_too_large_gets_a_page_in_the_consoles_words(site: Site) -> None:
    """A form past the 64 KB limit: 413, titled and explained in Chinese like the other
    error pages, not 出错了 with aiohttp's English ("Maximum request body size 65536
    exceeded, actual body size ...")."""
    response = await site.client.post("/login", data={"token": "x" * 70_000, "next": "/"})
    page = await response.text()
    assert response.status == 413
    assert "请求内容过大" in page and "64 KB" in page
    assert "出错了" not in page and "Maximum request body size" not in page
