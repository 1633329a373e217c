"""Images and files over real gRPC: the bot's FileBox reaches the puppet-service gateway's
MessageSendFile with its name and bytes intact."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from grpc_server import FakeGateway
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from puppet import InProcessPuppet, World
from wechaty_support import Session, until

from bot.adapters.base import GatewayError, Refused, Uncertain
from bot.adapters.wechaty import WechatyGateway
from bot.media import find
from handlers import REGISTRY

RunBot = Callable[..., AbstractAsyncContextManager[Session]]

POSTER = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64  # every byte value, 16 KB
DOCUMENT = b"%PDF-1.4\n" + "群规：请勿发广告。\n".encode() * 50


def _deployment(make_config: Callable[..., Path]) -> Path:
    """A keyword rule answering 海报 with a text, an image and a document."""
    root = make_config(handlers=[{"keywords": {"cooldown": "0s", "rules": [
        {"patterns": ["海报"], "reply": "扫码报名", "image": "posters/qr.png",
         "attachment": "群规.pdf"}]}}])
    (root / "content" / "posters").mkdir()
    (root / "content" / "posters" / "qr.png").write_bytes(POSTER)
    (root / "content" / "群规.pdf").write_bytes(DOCUMENT)
    return root


async def test_a_keyword_replys_image_and_file_arrive_with_their_bytes_and_names(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        world: World, make_config: Callable[..., Path]) -> None:
    if "keywords" not in REGISTRY:
        pytest.skip("no keywords handler")
    async with run_bot(grpc_gateway, _deployment(make_config)):
        fake_gateway.say("r1", "alice", "有海报吗")
        await until(lambda: len(world.files("r1")) == 2, "the image and the file")
    assert world.texts("r1") == ["扫码报名"]
    assert world.files("r1") == [("qr.png", POSTER), ("群规.pdf", DOCUMENT)]
    assert fake_gateway.calls.count("MessageSendFile") == 2
    assert [r["action"] for r in world.sent] == ["say", "file", "file"]  # the text first


async def test_a_private_file_goes_to_the_contact(
        run_bot: RunBot, grpc_gateway: WechatyGateway, world: World,
        make_config: Callable[..., Path]) -> None:
    root = _deployment(make_config)
    async with run_bot(grpc_gateway, root):
        await grpc_gateway.send_dm_file("alice", find(root / "content", "posters/qr.png"))
    assert world.files("alice") == [("qr.png", POSTER)]


@pytest.mark.parametrize(("status", "error"), [
    (Status.NOT_FOUND, Refused), (Status.DEADLINE_EXCEEDED, Uncertain)])
async def test_a_failed_file_send_comes_out_in_a_class_the_core_understands(
        run_bot: RunBot, grpc_gateway: WechatyGateway, fake_gateway: FakeGateway,
        make_config: Callable[..., Path], status: Status, error: type[GatewayError]) -> None:
    root = _deployment(make_config)
    async with run_bot(grpc_gateway, root):
        fake_gateway.fail["MessageSendFile"] = GRPCError(status, "from the gateway")
        with pytest.raises(error, match=r"sending posters/qr.png to r1: .*from the gateway"):
            await grpc_gateway.send_file("r1", find(root / "content", "posters/qr.png"))


async def test_the_in_process_puppet_gets_the_same_filebox(
        run_bot: RunBot, world: World, make_config: Callable[..., Path]) -> None:
    root = _deployment(make_config)
    gateway = WechatyGateway.in_process(InProcessPuppet(world))
    async with run_bot(gateway, root):
        await gateway.send_file("r1", find(root / "content", "群规.pdf"))
    assert world.files("r1") == [("群规.pdf", DOCUMENT)]
