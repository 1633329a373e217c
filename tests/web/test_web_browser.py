"""The console in a real browser (chromium, headless): an operator's round, a member's link,
hostile names, and a phone-sized screen. The plotted values are checked against the
database's own counts."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import browser
import pytest
from browser import Browser, require_chromium, start
from harness import ROOT
from selenium import webdriver
from web_site import HOSTILE, TOKEN, Site

from bot.times import stamp
from bot.web import links, server


@pytest.fixture(scope="module")
def chromium() -> Iterator[webdriver.Chrome]:
    require_chromium()
    driver = start()
    try:
        yield driver
    finally:
        driver.quit()


@dataclass
class Live:
    site: Site
    browser: Browser


@pytest.fixture
async def live(site: Site, chromium: webdriver.Chrome) -> AsyncIterator[Live]:
    """The console on a real port, and the browser pointed at it (cookies cleared)."""
    running = await server.start(site.console, "127.0.0.1", 0, announce=False)
    chromium.delete_all_cookies()
    chromium.set_window_size(1280, 900)  # (the screenshot script leaves it a phone's)
    try:
        yield Live(site, Browser(chromium, running.url))
    finally:
        await running.stop()


async def _count(site: Site, sql: str, *params: object) -> int:
    row = await site.h.bot.store.one(sql, params)
    return int(row[0]) if row and row[0] is not None else 0


async def test_an_operators_round_from_login_to_logout(live: Live) -> None:
    b, site, h = live.browser, live.site, live.site.h
    await b.open("/")
    assert b.path.startswith("/login")
    await b.type("#token", TOKEN)
    await b.click("#login")
    assert b.path == "/"

    # the overview's figures and charts are the database's counts
    today = h.clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    joins = await _count(site, "SELECT count(*) FROM roster WHERE joined_at >= ?", stamp(today))
    assert (await b.values("chart-members", "入群"))[-1] == joins == 4
    messages = await _count(site, "SELECT sum(messages) FROM activity")
    assert (await b.values("chart-activity", "消息"))[-1] == messages == 6
    checkins = await _count(site, "SELECT count(*) FROM checkins")
    assert (await b.values("chart-activity", "签到"))[-1] == checkins == 2
    kicks = await _count(site, "SELECT count(*) FROM audit WHERE action = 'kick'")
    assert (await b.values("chart-moderation", "移出"))[-1] == kicks == 1
    heat = await b.script("return Array.from(document.querySelectorAll('#chart-heatmap rect'))"
                          ".reduce((n, r) => n + Number(r.getAttribute('data-value')), 0)")
    assert heat == messages
    members = await _count(site, "SELECT count(*) FROM roster WHERE left_at IS NULL")
    assert int(await b.text("#n-members")) == members

    # one group's page, where a hostile name is shown as text
    await b.open("/groups")
    await b.click('a[href="/groups/r1"]')
    assert b.path == "/groups/r1"
    names = [await b.run(lambda e=e: e.text) for e in await b.all("#members td.name")]
    assert HOSTILE in names
    assert await b.all("#members img") == []

    # revoke bob's warning from the moderation page
    await b.open("/moderation")
    [warning] = await b.all("#warnings tr[data-warning]")
    number = await b.run(warning.get_attribute, "data-warning")
    await b.click("#warnings button.revoke")
    assert f"已撤销警告 #{number}" in await b.text("#done")
    assert await b.all("#warnings tr[data-warning]") == []
    assert await _count(site, "SELECT count(*) FROM warnings WHERE ended = 'revoked'") == 1

    # a broken config is refused on reload, its problem shown as file:line:key
    running = h.bot.deployment
    base = running.root / "types" / "base.yaml"
    base.write_text(base.read_text().replace("warn_limit: 3", "warn_limit: lots"))
    await b.open("/config")
    await b.click("#reload")
    problems = await b.text("#problems")
    assert "base.yaml:" in problems and "handlers.antispam.warn_limit" in problems
    assert h.bot.deployment is running  # the running config stays

    await b.click("#logout")
    assert b.path.startswith("/login")
    await b.open("/moderation")
    assert b.path.startswith("/login")
    assert await b.problems() == []


async def test_a_member_opens_their_link_and_a_forged_or_expired_one_is_refused(
        live: Live) -> None:
    b, h = live.browser, live.site.h
    key = await links.make_key(h.bot.store)
    token = links.sign(key, "dave", h.clock.now() + timedelta(days=7))
    await b.open(f"/me/{token}")
    assert await b.text("#me-streak") == "1 天"
    assert await b.text("#me-stage") == "internship"
    done = [await b.run(e.get_attribute, "data-day")
            for e in await b.all("#calendar span.done")]
    assert done == ["2026-11-23"]
    assert await b.all("header.top") == []  # no operator navigation for members

    await b.open(f"/me/{token[:-3]}xyz")
    assert "链接无效或已过期" in await b.text("main")
    await h.advance("8d")
    await b.open(f"/me/{token}")
    assert "链接无效或已过期" in await b.text("main")
    assert await b.problems() == []


async def test_a_hostile_member_name_is_shown_as_text_on_their_page(live: Live) -> None:
    b, h = live.browser, live.site.h
    token = links.sign(await links.make_key(h.bot.store), "mallory",
                       h.clock.now() + timedelta(days=1))
    await b.open(f"/me/{token}")
    assert await b.text("#me-name") == HOSTILE
    assert await b.all("main img") == []


async def test_the_console_fits_a_phone(live: Live) -> None:
    b = live.browser
    async with b.phone(390, 844):
        await b.open(f"/login?token={TOKEN}")
        for path in ("/", "/groups/r1", "/moderation"):
            await b.open(path)
            overflow = await b.script(
                "return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, path
            assert await b.script("return window.innerWidth") <= 400
        nav = await b.find("header.top nav")
        assert await b.run(nav.is_displayed)
    assert await b.script("return window.innerWidth") > 400  # a desktop again for the others


def test_without_a_browser_the_tests_skip_except_under_strict_tests(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("GROUPBOT_STRICT_TESTS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no real browser"):
        browser.require_chromium()
    monkeypatch.setenv("GROUPBOT_STRICT_TESTS", "1")
    with pytest.raises(pytest.fail.Exception, match="forbids skipping"):
        browser.require_chromium()


async def test_the_screenshot_script_photographs_every_page(
        tmp_path: Path, chromium: webdriver.Chrome) -> None:
    spec = importlib.util.spec_from_file_location("web_screenshots",
                                                  ROOT / "scripts" / "web_screenshots.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)  # in this process: its imports and dictionaries loaded
    await script.shoot(tmp_path, chromium)  # the module's browser: no second one to start
    shots = sorted(p.name for p in tmp_path.glob("*.png"))
    assert shots == sorted(p.name for p in (ROOT / "docs" / "web").glob("*.png"))
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in tmp_path.glob("*.png"))
