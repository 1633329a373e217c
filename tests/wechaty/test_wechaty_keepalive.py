"""A half-open connection to the gateway, over real TCP: the real python-wechaty client
talks to the fake puppet-service gateway through a proxy that can stop forwarding without
closing anything (the gateway's machine gone, a NAT that forgot the connection). Nothing
tells the client the connection is dead but the pings it sends and that go unanswered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import pytest
from grpc_server import FakeGateway
from puppet import World
from wechaty_support import KEYWORD, KEYWORD_REPLY, Session, until

from bot.adapters import wechaty as wechaty_adapter
from bot.adapters.wechaty import WechatyGateway

RunBot = Callable[..., AbstractAsyncContextManager[Session]]


class Proxy:
    """A TCP proxy on 127.0.0.1 to `target` (host:port). `freeze()` stops the connections
    open now from forwarding in either direction, without closing them; new connections
    forward as before."""

    def __init__(self, target: str) -> None:
        self._host, port = target.rsplit(":", 1)
        self._port = int(port)
        self._frozen: set[asyncio.Event] = set()
        self._live: list[tuple[asyncio.Event, asyncio.StreamWriter, asyncio.StreamWriter]] = []
        self._pumps: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.endpoint = ""

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.endpoint = f"127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self.endpoint

    def freeze(self) -> None:
        for frozen, _, _ in self._live:
            frozen.set()
        self._live = []

    @property
    def connections(self) -> int:
        """The connections open and forwarding."""
        return len(self._live)

    async def close(self) -> None:
        for task in self._pumps:
            task.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        if self._server is not None:
            self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self._host, self._port)
        frozen = asyncio.Event()
        self._live.append((frozen, writer, up_writer))
        pumps = [asyncio.create_task(_pump(reader, up_writer, frozen)),
                 asyncio.create_task(_pump(up_reader, writer, frozen))]
        self._pumps.update(pumps)
        try:
            await asyncio.gather(*pumps)
        finally:
            for w in (writer, up_writer):
                w.close()


async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter,
                frozen: asyncio.Event) -> None:
    """Forward until the source closes; once frozen, swallow everything and close nothing."""
    while data := await source.read(65536):
        if frozen.is_set():
            await asyncio.Event().wait()  # (until the test ends)
        sink.write(data)
        await sink.drain()


@pytest.fixture
async def proxy(fake_gateway: FakeGateway) -> AsyncIterator[Proxy]:
    proxy = Proxy(fake_gateway.endpoint)
    await proxy.start()
    yield proxy
    await proxy.close()


async def test_a_gateway_that_stops_answering_on_an_open_connection_is_reconnected(
        run_bot: RunBot, proxy: Proxy, fake_gateway: FakeGateway, world: World,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection stops carrying anything, but stays open: the bot waited for events on
    it for ever. Its pings go unanswered, so it gives the connection up and reconnects."""
    monkeypatch.setattr(wechaty_adapter, "KEEPALIVE", 0.2)
    monkeypatch.setattr(wechaty_adapter, "KEEPALIVE_TIMEOUT", 1.0)  # (a loaded machine's stall)
    gateway = WechatyGateway("insecure_test-token", proxy.endpoint, reconnect_initial=0.05,
                             reconnect_max=0.2)
    async with run_bot(gateway):
        await asyncio.sleep(0.5)  # pings come and are answered: the connection stays
        assert fake_gateway.streams_opened == 1
        proxy.freeze()
        await until(lambda: fake_gateway.streams_opened == 2 and gateway.online.is_set(),
                    "the login on a new connection", timeout=5.0)
        fake_gateway.say("r1", "alice", KEYWORD)
        await until(lambda: world.texts("r1"), "the reply")
    assert world.texts("r1") == [KEYWORD_REPLY]
