"""A reload that changes a key the bot reads only at its start (docs/configuration.md,
"Reloading"): the rest of the change applies, the key keeps its running value, and the
answer says so, in the web API, the admin's /reload and the log."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from harness import ROOT, SHIPPED, Harness

from bot import config
from bot.web import server
from handlers import REGISTRY

ZONE = "bot.yaml:7: timezone: changed from Asia/Shanghai to America/New_York; takes effect at " \
       "the next start — kept Asia/Shanghai"
STORAGE_LINE = next(n for n, line in enumerate(
    (SHIPPED / "bot.yaml").read_text(encoding="utf-8").splitlines(), 1)
    if line.startswith("storage:"))
STORAGE = f"bot.yaml:{STORAGE_LINE}: storage: changed from ../data/groupbot.db to " \
          "../data/other.db; takes effect at the next start — kept ../data/groupbot.db"


def _deployment(tmp_path: Path) -> Path:
    shutil.copytree(SHIPPED, tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "config"


def _edit(root: Path, *changes: tuple[str, str]) -> None:
    for path, (old, new) in zip([root / "bot.yaml"] * len(changes), changes, strict=True):
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def test_the_admins_reload_keeps_the_zone_and_database_applies_the_rest_and_says_so(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = _deployment(tmp_path)
    async with Harness(root, tmp_path, groups={"r1": "Listener Recruitment 01"}) as h:
        db = h.bot.db_path
        _edit(root, ("timezone: Asia/Shanghai", "timezone: America/New_York"),
              ("storage: ../data/groupbot.db", "storage: ../data/other.db"))
        recruitment = root / "types" / "recruitment.yaml"
        recruitment.write_text(recruitment.read_text(encoding="utf-8").replace(
            '"30 12 * * 1-5"', '"45 12 * * 1-5"'), encoding="utf-8")  # applied
        with caplog.at_level(logging.WARNING, logger="bot.app"):
            await h.say("r1", "op_lin", "/reload")
            await h.drain()
        assert h.texts("r1") == ["✅ 配置已重新加载；有设置需重启后生效，详情已私信发给你。"]
        [dm] = h.actions("dm")
        assert (dm["to"], dm["text"].splitlines()) == ("op_lin", [
            "✅ 配置已重新加载。以下设置只在启动时读取，重启后才生效，现仍按原值运行：",
            f"config/{ZONE}", f"config/{STORAGE}"])
        assert [r.getMessage().split("config/", 1)[1] for r in caplog.records
                if r.getMessage().startswith("reload: ")] == [ZONE, STORAGE]
        # the lunch tip moved to 12:45 in the running zone (Shanghai), not New York's; the
        # database stays the one the bot started on
        await h.advance("4h")
        [tip] = [r for r in h.actions("say", group="r1") if r["text"].startswith("💡")]
        assert tip["t"] == "2026-11-23T12:45:00+08:00"
        assert h.bot.db_path == db  # (the harness's file, which `storage` names at a start)
        assert Path(h.bot.deployment.storage_path).name == "groupbot.db"
        audited = await h.bot.store.one("SELECT detail FROM audit WHERE action = 'reload'")
        assert audited is not None and "kept until the next start: " in audited[0]


async def test_the_web_reload_answers_200_with_the_kept_keys_as_warnings(tmp_path: Path) -> None:
    root = _deployment(tmp_path)
    async with Harness(root, tmp_path) as h:
        console = server.for_bot(h.bot, "token")
        client = TestClient(TestServer(server.make_app(console)))
        await client.start_server()
        try:
            _edit(root, ("timezone: Asia/Shanghai", "timezone: America/New_York"))
            response = await client.post("/api/reload",
                                         headers={"Authorization": "Bearer token"})
            assert response.status == 200
            answer = await response.json()
        finally:
            await client.close()
            await console.close()
    assert (answer["status"], answer["problems"]) == ("reloaded", [])
    [zone] = [w for w in answer["warnings"] if w["key"] == "timezone"]
    assert (Path(zone["file"]).name, zone["line"]) == ("bot.yaml", 7)
    assert zone["text"].endswith(ZONE)
    assert str(h.bot.deployment.settings.timezone) == "Asia/Shanghai"


ACCOUNTS = """
accounts:
  - {name: a1, token_env: TOKEN_A1, endpoint: "10.0.0.5:8788"}
  - {name: a2, token_env: TOKEN_A2}
"""


def test_every_start_only_key_is_kept_and_named_and_the_others_apply(tmp_path: Path) -> None:
    root = _deployment(tmp_path)
    (root / "bot.yaml").write_text((root / "bot.yaml").read_text(encoding="utf-8") + ACCOUNTS,
                                   encoding="utf-8")
    running = config.load(root, REGISTRY).settings
    text = (root / "bot.yaml").read_text(encoding="utf-8")
    for old, new in (("timezone: Asia/Shanghai", "timezone: Europe/Paris"),
                     ("storage: ../data/groupbot.db", "storage: ../data/b.db"),
                     ("10.0.0.5:8788", "10.0.0.9:8788"),
                     ("  - {name: a2, token_env: TOKEN_A2}", "  - {name: a3, token_env: T3}")):
        assert old in text, old
        text = text.replace(old, new, 1)
    text += """
web: {enabled: false, host: 0.0.0.0, port: 9090, public_metrics: true}
"""
    text = text.replace("contacts: {", "contacts: {zoe: Zoe, ", 1)
    text = text.replace("  id: ", "  id: wxid_other #", 1).replace("  name: ", "  name: 新名 #", 1)
    (root / "bot.yaml").write_text(text, encoding="utf-8")
    deployment = config.load(root, REGISTRY, running, "a1")
    assert [config.yamlfile.format_path(k.path) for k in deployment.kept] == [
        "bot.id", "bot.name", "timezone", "storage", "web.enabled", "web.host", "web.port",
        "simulator", "accounts[0]"]
    settings = deployment.settings
    assert (settings.bot, settings.timezone, settings.storage, settings.simulator) == (
        running.bot, running.timezone, running.storage, running.simulator)
    assert (settings.web.enabled, settings.web.host, settings.web.port) == (True, "127.0.0.1",
                                                                           8080)
    assert deployment.storage_path == config.location(running.storage, root)
    # what a running bot reads again applies: another console setting, the other accounts
    assert settings.web.public_metrics is True
    assert [(a.name, a.endpoint) for a in settings.accounts] == [("a1", "10.0.0.5:8788"),
                                                                 ("a3", None)]
    # a2's process, whose account is gone from the list, keeps serving it until it stops
    [gone] = config.load(root, REGISTRY, running, "a2").kept[-1:]
    assert str(gone).endswith("accounts: this process's account a2 is not listed; its token, "
                              "endpoint and console port take effect at the next start — "
                              "kept as they were")
    assert config.load(root, REGISTRY).kept == ()  # `check` and a start keep nothing
