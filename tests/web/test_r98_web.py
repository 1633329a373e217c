"""r98: the config page's reload lists the start-only keys it kept and the config's warnings
under headings of their own (5bc3d8c), in the order the JSON's `kept` gives."""

from __future__ import annotations

import html
import re

from web_site import Site


async def test_r98_the_reload_page_lists_kept_keys_and_warnings_apart(site: Site) -> None:
    csrf = await site.login()
    root = site.h.deployment.root
    bot_yaml, welcome = root / "bot.yaml", root / "types" / "recruitment.yaml"
    bot_yaml.write_text(bot_yaml.read_text(encoding="utf-8").replace(
        "timezone: Asia/Shanghai", "timezone: America/New_York", 1), encoding="utf-8")
    welcome.write_text(re.sub(r'template: "欢迎加入.*"', "template: off",
                              welcome.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    page = await site.client.post("/config/reload", data={"csrf": csrf})
    assert page.status == 200, await page.text()
    text = html.unescape(await page.text())
    kept, warned = text.index('id="kept"'), text.index('id="warnings"')
    assert kept < text.index("timezone: changed") < warned < text.index("'off' is sent")
    assert text.count("只在启动时读取") == 1
