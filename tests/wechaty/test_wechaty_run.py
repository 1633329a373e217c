"""`groupbot run` itself, as an operator starts it: env vars pointing at a puppet-service
gateway on 127.0.0.1 (the fake one, speaking the real protocol), then SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path

from grpc_server import FakeGateway
from harness import bot_process, killed
from puppet import World
from wechaty_support import KEYWORD, KEYWORD_REPLY, until

STARTUP = 30.0  # a fresh interpreter importing wechaty, on a shared machine


async def test_groupbot_run_serves_wechat_reconnects_and_stops_cleanly(
        make_config: Callable[..., Path], fake_gateway: FakeGateway, world: World) -> None:
    env = {**os.environ, "WECHATY_PUPPET_SERVICE_TOKEN": "insecure_test-token",
           "WECHATY_PUPPET_SERVICE_ENDPOINT": fake_gateway.endpoint}
    bot = await bot_process(
        "--config", str(make_config()), env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        await until(lambda: "RoomPayload" in fake_gateway.calls, "login", STARTUP)
        fake_gateway.join("r1", {"dave": "Dave"}, inviter="alice")
        await until(lambda: world.texts("r1"), "the welcome", STARTUP)
        fake_gateway.say("r1", "alice", f"请问{KEYWORD}？")
        await until(lambda: len(world.texts("r1")) == 2, "the keyword reply", STARTUP)

        fake_gateway.end_stream()
        await until(lambda: fake_gateway.streams_opened == 2, "a reconnect", STARTUP)
        fake_gateway.say("r1", "bob", KEYWORD)
        await until(lambda: len(world.texts("r1")) == 3, "a reply after it", STARTUP)
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
        try:
            _, stderr = await asyncio.wait_for(bot.communicate(), STARTUP)
        finally:  # one that does not stop (a hang) is not left running
            await killed(bot)
    assert bot.returncode == 0, stderr.decode()
    assert world.texts("r1") == ["@Dave 欢迎Dave", KEYWORD_REPLY, KEYWORD_REPLY]
    assert fake_gateway.calls[-1] == "Stop"


async def test_groupbot_run_waits_for_the_gateway_as_long_as_bot_yaml_says(
        make_config: Callable[..., Path], fake_gateway: FakeGateway, world: World) -> None:
    """wechat.call_timeout: a message the gateway does not load within it is read again."""
    root = make_config()
    with (root / "bot.yaml").open("a", encoding="utf-8") as bot_yaml:
        bot_yaml.write("wechat: {call_timeout: 5s}\n")
    env = {**os.environ, "WECHATY_PUPPET_SERVICE_TOKEN": "insecure_test-token",
           "WECHATY_PUPPET_SERVICE_ENDPOINT": fake_gateway.endpoint}
    bot = await bot_process("--config", str(root), env=env, stdin=asyncio.subprocess.DEVNULL,
                            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await until(lambda: "RoomPayload" in fake_gateway.calls, "login", STARTUP)
        fake_gateway.hold("MessagePayload", "slow")  # never answered
        fake_gateway.say("r1", "alice", KEYWORD, message_id="slow")
        await until(lambda: world.texts("r1"), "the reply, read again", STARTUP)
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
        try:
            _, stderr = await asyncio.wait_for(bot.communicate(), STARTUP)
        finally:
            await killed(bot)
    assert bot.returncode == 0, stderr.decode()
    assert "(loading the message: the wechaty gateway at " \
           f"{fake_gateway.endpoint} did not answer within 5s)" in stderr.decode()
