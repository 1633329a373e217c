"""What the console's parts share: the Console (what it works on), the application's keys,
and how a page or a JSON answer is made."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import jinja2
from aiohttp import HttpVersion11, hdrs, web
from aiohttp.http_exceptions import HttpProcessingError

from bot.clock import Clock
from bot.config import Deployment
from bot.handler import Registry
from bot.metrics import Metrics
from bot.postgres import is_url
from bot.store import Location, Reader, Row, open_reader
from bot.web.security import LoginLimit, Session, Sessions

if TYPE_CHECKING:
    from bot.app import Bot

HERE = Path(__file__).resolve().parent
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


EXPORTS_AT_ONCE = 2  # CSV downloads made at the same time; more wait their turn
READS_AT_ONCE = 2  # long reads (the 30-day series, the groups) made at the same time
BODY_LIMIT = 64 * 1024  # bytes of a request's body at most (413 beyond)
# seconds a request's body (BODY_LIMIT at most) may take to arrive; its headers are bounded by
# the server's keep-alive timeout (server.KEEPALIVE)
BODY_TIMEOUT = 30.0


@dataclass
class Console:
    """What the console works on: a running bot, or (`groupbot web`) only its database."""

    location: Location  # the database; every page reads it through `reader`
    clock: Clock
    registry: Registry
    token: str
    bot: Bot | None = None
    standalone_deployment: Deployment | None = None
    metrics: Metrics = field(default_factory=Metrics)
    sessions: Sessions = field(default_factory=Sessions)
    logins: LoginLimit = field(default_factory=LoginLimit)
    # CSV downloads are made on threads of their own: on the loop's default pool, several
    # large ones at once would hold up image sends and config reloads
    exports: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        EXPORTS_AT_ONCE, thread_name_prefix="groupbot-export"))
    # the 30-day series and the groups' figures, read and counted on threads of their own,
    # beside the exports' (a page must not wait for a large download)
    reads: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        READS_AT_ONCE, thread_name_prefix="groupbot-read"))
    # owners' queries, off the event loop
    reader: Reader = field(init=False)
    # the long reads' queries on PostgreSQL (`on_thread`): None on SQLite, where each long
    # read opens a reader of its own (a connection on a thread: cheap, and beside the others)
    shared: SharedReader | None = field(init=False)

    def __post_init__(self) -> None:
        self.reader = open_reader(self.location)
        self.shared = SharedReader(self.location) if is_url(self.location) else None

    @property
    def deployment(self) -> Deployment:
        if self.bot is not None:
            return self.bot.deployment
        assert self.standalone_deployment is not None
        return self.standalone_deployment

    @property
    def read_only(self) -> bool:
        return self.bot is None

    async def close(self) -> None:
        self.exports.shutdown(wait=False, cancel_futures=True)
        self.reads.shutdown(wait=False, cancel_futures=True)
        await self.reader.close()
        if self.shared is not None:
            await self.shared.close()


T = TypeVar("T")


async def on_thread(console: Console, pool: ThreadPoolExecutor,
                    read: Callable[[Reader], Awaitable[T]]) -> T:
    """What `read` gives, run on one of `pool`'s threads (in an event loop of that thread's):
    reading and counting a month of rows is seconds of Python that would freeze the bot's
    loop, its events and its sends, and every other page. It reads through the console's
    shared reader on PostgreSQL, else through a reader of its own."""
    def run() -> T:
        async def reading() -> T:
            if console.shared is not None:
                return await read(console.shared)
            reader = open_reader(console.location)
            try:
                return await read(reader)
            finally:
                await reader.close()

        return asyncio.run(reading())

    # the loop comes round first: the bot's SQLite store commits what the events before this
    # wrote then (call_soon), and a read on another thread sees only what is committed (a
    # download right after a join missed the newcomer now and then; a PostgreSQL reader has
    # the store commit first itself)
    await asyncio.sleep(0)
    return await asyncio.get_running_loop().run_in_executor(pool, run)


def _closing() -> RuntimeError:
    return RuntimeError("the console is closing: its reader is closed")


class SharedReader:
    """One PostgreSQL reader (a pool of up to four connections) for the console's long
    reads, kept for the console's life on a thread of its own that runs an event loop of
    its own (a pool belongs to the loop it was made on). Each read runs on a thread of
    its pool (`on_thread`) and hands its queries over here. (A reader of each read's own
    opened a pool, a server connection and its backend, for every read: three a view of
    the overview, eleven for four pages.)"""

    def __init__(self, location: Location) -> None:
        self._reader = open_reader(location)
        self._loop = asyncio.new_event_loop()
        self._closed = False
        self._closing = threading.Lock()  # no query handed over once it closes
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="groupbot-reader")
        self._thread.start()

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return await self._there(self._reader.one(sql, params))

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._there(self._reader.all(sql, params))

    async def _there(self, query: Coroutine[Any, Any, T]) -> T:
        with self._closing:
            if self._closed:
                query.close()
                raise _closing()
            answer = asyncio.run_coroutine_threadsafe(query, self._loop)
        try:
            return await asyncio.wrap_future(answer)
        except asyncio.CancelledError:
            if self._closed and answer.cancelled():  # given up by `close`, not by its caller
                raise _closing() from None
            raise

    async def close(self) -> None:
        """The console's end: the queries under way given up, the pool closed, the thread
        ended."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._end(), self._loop))
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.to_thread(self._thread.join)
        self._loop.close()

    async def _end(self) -> None:
        under_way = asyncio.all_tasks() - {asyncio.current_task()}
        for task in under_way:
            task.cancel()
        await asyncio.gather(*under_way, return_exceptions=True)
        await self._reader.close()


CONSOLE = web.AppKey("console", Console)
SESSION = web.RequestKey("session", Session)
PAGES = web.AppKey("pages", jinja2.Environment)


async def expect(request: web.Request) -> None:
    """A request's Expect header: 100-continue as aiohttp answers it, anything else 417
    without repeating it. aiohttp's own 417 repeats the value, and a byte in it that is not
    UTF-8 made that a 500 with a traceback in the log, for anyone, before any middleware
    (review s34 r3 Y1)."""
    if request.headers.get(hdrs.EXPECT, "").lower() != "100-continue":
        raise web.HTTPExpectationFailed(text="unknown Expect header")
    if request.version == HttpVersion11:  # (an HTTP/1.0 client waits for no 100)
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0  # the answer's own bytes are still to come


class Routes:
    """Where the console's parts add their routes: each with `expect` for its Expect
    header."""

    def __init__(self, app: web.Application) -> None:
        self._router = app.router

    def add_get(self, path: str, handler: Handler) -> None:
        self._router.add_get(path, handler, expect_handler=expect)

    def add_post(self, path: str, handler: Handler) -> None:
        self._router.add_post(path, handler, expect_handler=expect)


class BadParameter(web.HTTPBadRequest):
    """A query or form parameter that is missing or malformed: 400 naming it."""

    def __init__(self, name: str, problem: str) -> None:
        self.parameter, self.problem = name, problem
        super().__init__(text=f"{name}: {problem}")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # (Unicode's Cc)
_CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, LF, CR are text
_SURROGATE = re.compile("[\ud800-\udfff]")


def no_control(name: str, value: str, *, lines: bool = False) -> str:
    """`value`; 400 naming `name` when it holds a control character (a NUL: PostgreSQL can
    neither compare nor store one) or a lone surrogate (a JSON `\\ud800`: no UTF-8 holds
    it, and it failed deep in a broadcast's plan, named as the wrong field). With `lines`
    (a form's or a JSON body's text), tabs and line ends are text."""
    if not value.isprintable():
        if (bad := (_CONTROL_IN_LINES if lines else _CONTROL).search(value)) is not None:
            raise BadParameter(name, f"holds a control character (U+{ord(bad[0]):04X})")
        if (bad := _SURROGATE.search(value)) is not None:
            raise BadParameter(name, f"holds a lone surrogate (U+{ord(bad[0]):04X}), "
                                     "which is not text")
    return value


async def in_time(read: Awaitable[T]) -> T:
    """What `read` (a request's body being read) gives; 408 when the body has not arrived
    within BODY_TIMEOUT: a client sending a byte every few seconds held a handler and its
    connection for as long as it liked, without logging in (review s34 r1 W1)."""
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            return await read
    except TimeoutError:
        raise web.HTTPRequestTimeout(
            text=f"请求内容 {BODY_TIMEOUT:.0f} 秒内没有传完，请重试") from None


async def form(request: web.Request) -> dict[str, str]:
    """The posted form's text fields; 400 (not a 500) when the body is not a form that can
    be read: broken multipart, bytes that are not UTF-8, a charset nobody knows."""
    try:
        data = await in_time(request.post())
    except web.RequestPayloadError:
        raise undecodable(request) from None
    # UnicodeDecodeError is a ValueError; a multipart part's broken headers, aiohttp's own
    except (ValueError, LookupError, HttpProcessingError) as exc:
        raise BadParameter("body", f"not a readable form ({type(exc).__name__})") from None
    return {name: no_control(name, value, lines=True) for name, value in data.items()
            if isinstance(value, str)}


def undecodable(request: web.Request) -> BadParameter:
    """The 400 for a body that does not decode as its Content-Encoding says (`gzip` on bytes
    that are not gzip): aiohttp's RequestPayloadError was a 500 with its traceback in the
    log, for anyone, at the login form (review s39 r31 F3)."""
    encoding = request.headers.get(hdrs.CONTENT_ENCODING, "")[:20]
    return BadParameter("body", f"does not decode as its Content-Encoding says ({encoding!r})")


def number(name: str, value: str, top: int = 2**62) -> int:
    """A whole number from 1 to `top` in ASCII digits; 400 naming `name` otherwise
    (str.isdigit() also says yes to '²', and int() refuses 5000 digits)."""
    if not (value.isascii() and value.isdigit() and len(value) <= len(str(top))
            and 1 <= int(value) <= top):
        raise BadParameter(name, f"{value!r} is not a whole number from 1 to {top}")
    return int(value)


class Conflict(web.HTTPConflict):
    """An action that needs the running bot, asked of `groupbot web`: 409."""


def api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def jsonify(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status,
                             dumps=lambda d: json.dumps(d, ensure_ascii=False, default=str))


def render(request: web.Request, template: str, status: int = 200,
           **values: Any) -> web.Response:
    session = request.get(SESSION)
    page = request.app[PAGES].get_template(template).render(
        csrf=session.csrf if session else "", path=request.path,
        read_only=request.app[CONSOLE].read_only, **values)
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def platform_state(console: Console) -> str:
    if console.bot is None:
        return "none"
    return "connected" if console.metrics.is_connected else "disconnected"
