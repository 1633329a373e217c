"""Choosing and building the WeChat gateway, and keeping two of them apart."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from pathlib import Path

import pytest
from puppet import InProcessPuppet, World
from wechaty_support import Session

from bot import config
from bot.adapters.wechaty import WechatyGateway
from bot.yamlfile import InputError
from handlers import REGISTRY

RunBot = Callable[..., AbstractAsyncContextManager[Session]]

ROOT = Path(__file__).resolve().parents[2]


def test_no_token_means_no_wechat() -> None:
    assert WechatyGateway.from_env({}) is None
    assert WechatyGateway.from_env({"WECHATY_PUPPET_SERVICE_TOKEN": " "}) is None


def test_a_token_without_an_endpoint_is_refused_naming_the_variable() -> None:
    with pytest.raises(ValueError, match="WECHATY_PUPPET_SERVICE_ENDPOINT is not"):
        WechatyGateway.from_env({"WECHATY_PUPPET_SERVICE_TOKEN": "insecure_abc"})


@pytest.mark.parametrize("endpoint", ["localhost", "localhost:", ":8788", "host:port",
                                      "host:70000"])
def test_an_endpoint_must_be_host_and_port(endpoint: str) -> None:
    with pytest.raises(ValueError, match="must be host:port"):
        WechatyGateway.from_env({"WECHATY_PUPPET_SERVICE_TOKEN": "insecure_abc",
                                 "WECHATY_PUPPET_SERVICE_ENDPOINT": endpoint})


def test_token_and_endpoint_make_a_gateway() -> None:
    gateway = WechatyGateway.from_env({"WECHATY_PUPPET_SERVICE_TOKEN": "insecure_abc",
                                       "WECHATY_PUPPET_SERVICE_ENDPOINT": "10.0.0.5:8788"})
    assert gateway is not None
    assert gateway.self_id == ""


def test_the_library_writes_nothing_into_the_working_tree() -> None:
    assert not (ROOT / ".wechaty").exists()
    assert not (Path.cwd() / ".wechaty").exists()


async def test_two_bots_in_one_process_share_no_groups(run_bot: RunBot) -> None:
    first, second = World(), World()
    first.add_room("r1", "Recruitment A", {"alice": "Alice"})
    second.add_room("r1", "Recruitment B", {"bob": "Bob", "carol": "Carol"})
    one = WechatyGateway.in_process(InProcessPuppet(first))
    two = WechatyGateway.in_process(InProcessPuppet(second))
    async with run_bot(one), run_bot(two):
        assert (await one.group_info("r1")).topic == "Recruitment A"
        assert (await two.group_info("r1")).topic == "Recruitment B"
        assert [m.name for m in await two.members("r1")] == ["Helper", "Bob", "Carol"]
        await one.send_text("r1", "hi", ("alice",))
    assert first.texts() == ["@Alice hi"]
    assert second.texts() == []



def _with_wechat(config_dir: Path, wechat: str) -> Path:
    """`config_dir` with bot.yaml's last line `wechat: ...` (its line number: the file's)."""
    bot_yaml = config_dir / "bot.yaml"
    bot_yaml.write_text(bot_yaml.read_text(encoding="utf-8") + f"wechat: {wechat}\n",
                        encoding="utf-8")
    return config_dir


@pytest.mark.parametrize("timeout", ["1s", "11m", "0"])
def test_a_call_timeout_out_of_bounds_is_refused_naming_file_line_and_key(
        make_config: Callable[..., Path], timeout: str) -> None:
    root = _with_wechat(make_config(), f"{{call_timeout: {timeout}}}")
    line = len((root / "bot.yaml").read_text(encoding="utf-8").splitlines())
    with pytest.raises(InputError) as refused:
        config.load(root, REGISTRY)
    assert f"bot.yaml:{line}: wechat.call_timeout: give the gateway from 5s to 10m to answer" \
           " one call" in str(refused.value)


def test_the_call_timeout_is_30s_unless_set_and_kept_at_a_reload(
        make_config: Callable[..., Path]) -> None:
    root = make_config()
    running = config.load(root, REGISTRY).settings
    assert running.wechat.call_timeout == timedelta(seconds=30)
    _with_wechat(root, "{call_timeout: 2m}")
    assert config.load(root, REGISTRY).settings.wechat.call_timeout == timedelta(minutes=2)
    reloaded = config.load(root, REGISTRY, running)
    assert reloaded.settings.wechat.call_timeout == timedelta(seconds=30)
    assert [(p.path, p.message) for p in reloaded.kept] == [(("wechat", "call_timeout"),
        "changed from 30s to 2m; takes effect at the next start — kept 30s")]
