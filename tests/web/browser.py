"""A real browser for the console's tests: Debian's chromium, driven by its own
chromium-driver through selenium, headless. Every call runs on a worker thread, so the
test's event loop (the bot and the console's server) keeps serving while the browser waits.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import required
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

T = TypeVar("T")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def require_chromium() -> None:
    """Skip when there is no browser, unless GROUPBOT_STRICT_TESTS=1 (CI): then fail."""
    absent = [p for p in (CHROMIUM, DRIVER) if not os.path.exists(p)]
    if not absent:
        return
    required.missing(f"no real browser: {', '.join(absent)} not found "
                     "(apt-get install -y chromium chromium-driver)")


def start(width: int = 1280, height: int = 900) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={width},{height}", "--lang=zh-CN"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(DRIVER))


def _gone(element: WebElement) -> bool:
    """Whether the element's page has gone (selenium's staleness_of, plus chromedriver's
    answer for a node of a page being replaced)."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as e:
        if "does not belong to the document" not in str(e.msg):
            raise
        return True
    return False


class Browser:
    """The driver's calls as coroutines (each on a thread)."""

    def __init__(self, driver: webdriver.Chrome, base: str) -> None:
        self.driver = driver
        self.base = base.rstrip("/")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    @asynccontextmanager
    async def phone(self, width: int, height: int) -> AsyncIterator[None]:
        """The browser as a phone meanwhile (what chromedriver's mobileEmulation does, on
        this browser: no second one to start): its screen, pixel ratio, touch and user agent."""
        cdp = self.driver.execute_cdp_cmd
        agent = await self.script("return navigator.userAgent")
        await self.run(cdp, "Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 3.0, "mobile": True})
        await self.run(cdp, "Emulation.setTouchEmulationEnabled", {"enabled": True})
        await self.run(cdp, "Emulation.setUserAgentOverride", {
            "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile"})
        try:
            yield
        finally:
            await self.run(cdp, "Emulation.setUserAgentOverride", {"userAgent": agent})
            await self.run(cdp, "Emulation.setTouchEmulationEnabled", {"enabled": False})
            await self.run(cdp, "Emulation.clearDeviceMetricsOverride", {})

    async def open(self, path: str) -> None:
        await self.run(self.driver.get, self.base + path)

    async def find(self, css: str) -> WebElement:
        return await self.run(self.driver.find_element, By.CSS_SELECTOR, css)

    async def all(self, css: str) -> list[WebElement]:
        return await self.run(self.driver.find_elements, By.CSS_SELECTOR, css)

    async def text(self, css: str) -> str:
        element = await self.find(css)
        return await self.run(lambda: element.text)

    async def click(self, css: str) -> None:
        """Click, and wait for the page it leads to (if any) to load.

        When the click's navigation outruns chromedriver, the driver's own follow-up on the
        clicked node fails with "does not belong to the document" after the click happened;
        the wait for the old page to go stale is what decides whether the click worked (the
        same message there means the node is gone: stale).
        """
        element = await self.find(css)
        try:
            await self.run(element.click)
        except WebDriverException as e:
            if "does not belong to the document" not in str(e.msg):
                raise
        wait = WebDriverWait(self.driver, 10, poll_frequency=0.02)  # selenium's default: 0.5 s
        await self.run(wait.until, lambda _: _gone(element))

    async def click_here(self, css: str) -> None:
        """Click something that stays on the page."""
        element = await self.find(css)
        await self.run(element.click)

    async def type(self, css: str, text: str) -> None:
        element = await self.find(css)
        await self.run(element.send_keys, text)

    async def script(self, code: str, *args: Any) -> Any:
        return await self.run(self.driver.execute_script, code, *args)

    async def values(self, chart: str, series: str) -> list[int]:
        """The values a line chart plots for one series, day by day."""
        return [int(v) for v in await self.script(
            "return Array.from(document.querySelectorAll(arguments[0])).map("
            "c => c.getAttribute('data-value'))",
            f'#{chart} g[data-series="{series}"] circle')]

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base)

    async def problems(self) -> list[str]:
        """What the browser's console complained about (CSP violations, script errors)."""
        entries = await self.run(self.driver.get_log, "browser")
        return [e["message"] for e in entries if e["level"] == "SEVERE"
                and "the server responded with a status of" not in e["message"]]

    async def screenshot(self, path: str) -> None:
        await self.run(self.driver.save_screenshot, path)
