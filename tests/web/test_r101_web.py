"""Review r101 of ceeeba9 (校验配置 loads as a reload would, naming the start-only keys a
reload would keep; problems capped at 100): what holds."""

from __future__ import annotations

from typing import Any

from web_site import TOKEN, Site

BEARER = {"Authorization": f"Bearer {TOKEN}"}
NAME = '<b onmouseover="alert(1)">助手</b>'  # an operator's paste into bot.name


def _rename_the_bot(site: Site) -> None:
    bot_yaml = site.h.deployment.root / "bot.yaml"
    text = bot_yaml.read_text(encoding="utf-8")
    assert "  name: 小助手" in text
    bot_yaml.write_text(text.replace("  name: 小助手", f"  name: '{NAME}'", 1), encoding="utf-8")


async def _validate(site: Site) -> Any:
    response = await site.client.post("/api/config/validate", headers=BEARER)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_validate_names_a_kept_key_as_the_reload_does_and_escapes_it(site: Site) -> None:
    """A start-only key changed (bot.name, which is operator text): the JSON's `kept` heads
    its warnings with the note a reload gives, and the page shows it escaped; nothing is
    swapped in."""
    _rename_the_bot(site)
    checked = await _validate(site)
    assert checked["status"] == "valid" and checked["kept"] == 1
    assert checked["warnings"][0]["key"] == "bot.name"
    assert NAME in checked["warnings"][0]["message"]
    csrf = await site.login()
    page = await (await site.client.post("/config/validate", data={"csrf": csrf})).text()
    assert NAME not in page and "&lt;b onmouseover=" in page
    reloaded = await site.client.post("/api/reload", headers=BEARER)
    answer = await reloaded.json()
    assert answer["kept"] == 1 and answer["warnings"][0]["message"] == \
        checked["warnings"][0]["message"]
    assert site.h.bot.deployment.settings.bot.name == "小助手"  # (kept until the next start)


async def test_validate_of_an_unchanged_config_keeps_nothing(site: Site) -> None:
    checked = await _validate(site)
    assert checked["status"] == "valid" and checked["kept"] == 0
