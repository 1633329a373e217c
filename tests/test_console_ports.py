"""An account's console port (`web.port` plus its position) past 65535: `check` refuses it,
naming the account; a console that cannot listen all the same is reported, never raised."""
from __future__ import annotations

from pathlib import Path

import pytest
from test_accounts import Accounts, write_config

from bot import config
from bot.cli import main
from bot.web import server


def test_check_refuses_a_console_port_past_65535(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = write_config(tmp_path / "config", web={"port": 65534})  # c: 65534 + 2
    assert main(["check", "--config", str(root)]) == 2
    err = capsys.readouterr().err
    assert (f"{root / 'bot.yaml'}:" in err and "accounts[2].web_port: account 'c' has no "
            "web_port, and web.port 65534 + its position 2 = 65536 is past 65535" in err)
    assert "accounts[1]" not in err  # b's 65535 is a port


async def test_a_console_port_bind_refuses_is_reported_and_the_bot_runs_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    accounts = Accounts(write_config(tmp_path / "config", web={"port": 65533}))
    monkeypatch.setattr(config.Settings, "console_port", lambda self, account: 65536)
    try:
        bot = await accounts.start("c")
        assert await server.serve_for(bot, {}) is None
        assert ("console unavailable: cannot listen on 127.0.0.1:65536 (bind(): port must be "
                "0-65535.)") in capsys.readouterr().err
    finally:
        await accounts.stop()
