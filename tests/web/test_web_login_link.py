"""The console's login link clicked on another site (a web mail, a chat's web page), in a
real browser: the session of the tabs already open is kept, and the link lands on the page
it names, logged in (review s34 r2 X3)."""

from __future__ import annotations

from aiohttp import web
from browser import Browser
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait
from test_web_browser import Live, chromium, live  # noqa: F401 (fixtures)
from web_site import TOKEN, Site


def _session(b: Browser) -> list[str]:
    return [c["value"] for c in b.driver.get_cookies() if c["name"].startswith("groupbot_session")]


async def test_the_login_link_from_another_site_keeps_the_session_and_lands_logged_in(
        live: Live) -> None:  # noqa: F811
    b = live.browser
    await b.open(f"/login?token={TOKEN}")
    await b.open("/moderation")  # the tab already open, with its forms
    before = await b.run(_session, b)
    assert before

    async def page(_: web.Request) -> web.Response:  # another site: another host name
        link = f"{b.base}/login?token={TOKEN}&next=/groups"  # (the console: 127.0.0.1)
        return web.Response(text=f'<a id="go" href="{link}">console</a>',
                            content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    other = web.TCPSite(runner, "127.0.0.1", 0)
    await other.start()
    port = runner.addresses[0][1]
    try:
        await b.run(b.driver.get, f"http://localhost:{port}/")
        go = await b.run(b.driver.find_element, By.ID, "go")
        await b.run(go.click)
        await b.run(WebDriverWait(b.driver, 10).until,
                    lambda driver: driver.current_url.startswith(b.base + "/groups"))
        assert await b.run(_session, b) == before  # the same session: its forms still work
        assert "登录" not in await b.text("h1")
    finally:
        await runner.cleanup()


async def test_the_same_site_step_is_given_once_and_has_a_link(site: Site) -> None:
    """A tab that a sandboxed frame opened counts even the step's own reload as cross-site:
    it was given the step again, without end (review s34 r3 Y2). The step's reload and its
    link are marked, and a marked login still coming from another site makes no session
    (it replaced the browser's own, and its cookie never came back: r4 Z2): it says to open
    the link in a tab of one's own."""
    cross = {"Sec-Fetch-Site": "cross-site"}
    step = await site.client.get(f"/login?token={TOKEN}&next=/groups", headers=cross,
                                 allow_redirects=False)
    assert step.status == 200 and "set-cookie" not in step.headers
    page = await step.text()
    again = f"/login?token={TOKEN}&amp;next=/groups&amp;step=1"
    assert f'url={again}"' in page and f'<a href="{again}">继续登录</a>' in page
    stuck = await site.client.get(f"/login?token={TOKEN}&next=/groups&step=1",
                                  headers=cross, allow_redirects=False)
    assert stuck.status == 200 and "set-cookie" not in stuck.headers
    assert "新标签页中打开" in await stuck.text()
    done = await site.client.get(f"/login?token={TOKEN}&next=/groups&step=1",
                                 headers={"Sec-Fetch-Site": "same-origin"},
                                 allow_redirects=False)
    assert done.status == 303 and done.headers["Location"] == "/groups"
