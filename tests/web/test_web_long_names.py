"""A member's name (and a group's topic) of 100,000 letters without a space, in a real
browser: every page keeps to the width of the screen, desktop and phone, the other members'
figures and the 撤销 buttons stay in view, and the whole name stays available in a title."""

from __future__ import annotations

from datetime import timedelta

from browser import Browser
from test_web_browser import Live, chromium, live  # noqa: F401 (fixtures)
from web_site import TOKEN

from bot.web import links

LONG = "W" * 100_000  # some 1.36 million px of text on one line
PAGES = ("/", "/groups", "/groups/r1", "/moderation", "/budgets", "/schedules")


async def _overflow(b: Browser, path: str) -> int:
    """How far the page at `path` reaches past the right edge of the screen, in px."""
    await b.open(path)
    assert await b.script("return document.readyState") == "complete"
    return int(await b.script("return document.documentElement.scrollWidth - window.innerWidth"))


async def test_a_long_name_keeps_every_page_on_the_screen_and_the_buttons_in_view(
        live: Live) -> None:  # noqa: F811
    b, h = live.browser, live.site.h
    await h.rename("r1", "bob", LONG)  # bob has a warning in force (web_site.populate)
    await h.rename_group("r1", "bob", "R" * 100_000)
    token = links.sign(await links.make_key(h.bot.store), "bob",
                       h.clock.now() + timedelta(days=1))
    await b.open(f"/login?token={TOKEN}")

    for path in PAGES:
        assert await _overflow(b, path) <= 0, path

    await b.open("/groups/r1")
    name = await b.find('#members tr[data-member="bob"] td.name span')
    assert await b.run(name.get_attribute, "title") == LONG  # the whole name on hover
    width = await b.script("return arguments[0].getBoundingClientRect().width", name)
    assert 0 < width < 400  # cut, not 1.36 million px
    figures = await b.script(  # every member's figures inside the table's box, not far right
        "var box = document.querySelector('#members').parentElement.getBoundingClientRect();"
        "return Array.from(document.querySelectorAll('#members td.num'))"
        ".every(c => c.getBoundingClientRect().right <= box.right);")
    assert figures

    await b.open("/moderation")
    button = await b.find("#warnings button.revoke")
    assert await b.run(button.is_displayed)
    right = await b.script("return arguments[0].getBoundingClientRect().right", button)
    assert right <= await b.script("return window.innerWidth")
    await b.click("#warnings button.revoke")
    assert "已撤销警告" in await b.text("#done")

    async with b.phone(390, 844):
        for path in (*PAGES, f"/me/{token}"):
            assert await _overflow(b, path) <= 0, path
        me = await b.find("#me-name")
        assert await b.run(me.get_attribute, "title") == LONG
    assert await b.problems() == []
