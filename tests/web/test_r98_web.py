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


async def test_validate_says_a_reload_would_keep_the_start_only_keys(site: Site) -> None:
    """(r98: after a time zone edit, 校验配置 said nothing of it, and the reload then kept the
    running value.) It loads as a reload would: the JSON's `kept` heads its warnings, and the
    page says a reload keeps them too."""
    csrf = await site.login()
    bot_yaml = site.h.deployment.root / "bot.yaml"
    bot_yaml.write_text(bot_yaml.read_text(encoding="utf-8").replace(
        "timezone: Asia/Shanghai", "timezone: America/New_York", 1), encoding="utf-8")
    page = await site.client.post("/config/validate", data={"csrf": csrf})
    assert page.status == 200, await page.text()
    text = html.unescape(await page.text())
    assert 'data-status="valid"' in text
    assert text.index('id="kept"') < text.index("timezone: changed")
    assert "重新加载也仍按原值运行" in text
    assert site.h.bot.deployment.settings.timezone.key == "Asia/Shanghai"  # (not swapped in)


async def test_the_config_page_shows_the_first_hundred_problems(site: Site) -> None:
    """(r98: a config with thousands of problems was a page of each of them)"""
    csrf = await site.login()
    rules = "".join(f"        - {{patterns: [问{i}], reply: 答, colour: red}}\n"
                    for i in range(150))
    (site.h.deployment.root / "types" / "recruitment.yaml").write_text(
        "handlers:\n  - keywords:\n      rules:\n" + rules, encoding="utf-8")
    page = await site.client.post("/config/validate", data={"csrf": csrf})
    assert page.status == 422
    text = html.unescape(await page.text())
    listed = text[text.index('id="problems"'):text.index("</ul>", text.index('id="problems"'))]
    assert listed.count("<li>") == 100 and "unknown key" in listed
    assert "另有 50 处" in text
