"""The login's id against bot.yaml's `bot.id` (docs/wechat.md step 3, docs/scale.md): one
account is told when they differ; one of several accounts is never, since one `bot.id`
cannot name every account (review s32c N5)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from harness import migrated
from puppet import BOT_ID
from wechaty_puppet import EventLoginPayload

from bot import config
from bot.adapters.wechaty import WechatyGateway
from bot.app import Bot
from bot.clock import SystemClock
from handlers import REGISTRY

ACCOUNTS = [{"name": "a", "token_env": "TOKEN_A"}, {"name": "b", "token_env": "TOKEN_B"}]


@pytest.mark.parametrize(("bot_id", "account", "warned"), [
    (BOT_ID, None, False),
    ("wxid_other", None, True),  # one account: bot.yaml names another
    ("wxid_other", "b", False),  # several: each process is the account it logs in as
])
async def test_a_login_id_other_than_bot_id_warns_only_without_accounts(
        gateway: WechatyGateway, make_config: Callable[..., Path],
        caplog: pytest.LogCaptureFixture, bot_id: str, account: str | None,
        warned: bool) -> None:
    root = make_config()
    settings = yaml.safe_load((root / "bot.yaml").read_text(encoding="utf-8"))
    settings["bot"]["id"] = bot_id
    if account is not None:
        settings["accounts"] = ACCOUNTS
    (root / "bot.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True),
                                   encoding="utf-8")
    deployment = config.load(root, REGISTRY)
    assert isinstance(deployment.storage_path, Path)
    await migrated(deployment.storage_path)
    bot = Bot(deployment, gateway, SystemClock(deployment.settings.timezone), REGISTRY,
              account=account)
    await bot.start()
    try:
        gateway._bot = bot  # what gateway.run(bot) sets, and a connection not started
        gateway._puppet = gateway._make_puppet()  # (a login without one is the ended one's)
        with caplog.at_level(logging.INFO, logger="bot.adapters.wechaty"):
            await gateway._on_login(EventLoginPayload(contact_id=BOT_ID))
    finally:
        await bot.stop()
    assert "logged in to WeChat as" in caplog.text
    assert ("bot.yaml says the bot is" in caplog.text) is warned
