"""The config page's reload (重新加载) lists the keys it kept until the next start."""

from __future__ import annotations

import html

from web_site import Site


async def test_the_config_page_reload_lists_the_keys_kept_until_the_next_start(
        site: Site) -> None:
    csrf = await site.login()
    bot_yaml = site.h.deployment.root / "bot.yaml"
    bot_yaml.write_text(bot_yaml.read_text(encoding="utf-8").replace(
        "timezone: Asia/Shanghai", "timezone: America/New_York", 1), encoding="utf-8")
    page = await site.client.post("/config/reload", data={"csrf": csrf})
    assert page.status == 200, await page.text()
    text = html.unescape(await page.text())
    assert 'data-status="reloaded"' in text and '<ul class="warnings" id="kept">' in text
    assert "bot.yaml:7: timezone: changed from Asia/Shanghai to America/New_York; takes " \
           "effect at the next start — kept Asia/Shanghai</li>" in text
